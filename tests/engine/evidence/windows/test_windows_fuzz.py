"""Arbitrary input into each parser added for issue 9: only relaydoctor errors come out, and
whatever is read is a valid fact (Hypothesis, default example counts)."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from relaydoctor.engine.errors import RelaydoctorError
from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.cmdlets import signins
from relaydoctor.engine.evidence.symptoms import msgtrk
from relaydoctor.engine.evidence.windows import certcheck, eventcsv, eventtext, eventxml, evtx

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
PIECES = st.sampled_from([
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>", "</Event>", "<System>",
    "</System>", "<Provider Name='Microsoft-Windows-CAPI2'/>", "<EventID>30</EventID>", "<Level>2</Level>",
    "<UserData>", "</UserData>", "<Result value='800B0109'>", "</Result>", "<Certificate fileRef='",
    "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29.cer", "' subjectName='x'/>",
    "<ErrorStatus CERT_TRUST_IS_PARTIAL_CHAIN='true'/>",
    "Log Name: ", "Source: ", "Event ID: ", "Ereignis-ID: ", "Quelle: ", "Level: ", "Description:",
    "Event[0]:",
    "Event Xml:", "MSExchangeTransport", "Schannel", "12014", "36887", "fatal alert code is 48",
    "could not find a certificate that contains the domain name ", " in the personal store",
    "for the connector ", " with a FQDN parameter of ", ". If the connector",
    "Level,Date and Time,Source,Event ID,Task Category",
    "Livello,Data e ora,Origine,ID evento,Categoria attività",
    "Test-Certificate", "CertUtil: -verify command FAILED: 0x800b010a", "ChainContext.dwErrorStatus = ",
    "CERT_TRUST_IS_UNTRUSTED_ROOT", "Cert: ", "True", "False", "PS C:\\> ",
    "#Log-type: Message Tracking Log", "#Fields: date-time,event-id,recipient-status,server-hostname",
    "2026-11-20T08:41:19.1Z,FAIL,", "550 5.7.64 TenantAttribution", "[{LED=", "};{MSG=}",
    "Date (UTC),Client app,Sign-in error code,Status",
    "2026-11-20T08:41:19Z,Authenticated SMTP,53003,Failure",
    ",", '"', "\n", "\r\n", ":", " ", "é", "\x00", "ElfFile\x00",
    # issue 9 remainder: the SmtpSend family, 1035, and exports whose labels are not known
    "Send connector Outbound to Office 365", ": Message delivery was not successful. ",
    "The message with message ID <a@b> was acknowledged with SMTP response ",
    " has failed to authenticate with ",
    ". The response from the remote site is ", "Inbound authentication failed with error LogonDenied",
    " for Receive connector ", ". The authentication mechanism is Login.", "[192.0.2.44]", "2004", "1035",
    "<I>CN=x<S>CN=mail.contoso.com", "Nazwa dziennika: ", "Źródło: ", "Identyfikator zdarzenia: ", "Opis:",
    "Poziom,Data i godzina,Źródło,Identyfikator zdarzenia,Kategoria zadania", "Błąd,20.11.2026 09:41:19,",
    "MSExchangeTransport,2004,SmtpSend,", "<Data>", "</Data>", "<EventData>", "</EventData>",
])
MODULES = (evtx, eventxml, eventcsv, certcheck, eventtext, msgtrk, signins)


def exercise(module, data: bytes) -> None:
    doc = Document("fuzz.txt", len(data), data[:65536], lambda: io.BytesIO(data))
    assert module.sniff(doc) in (True, False)
    try:
        result = module.parse(doc)
    except RelaydoctorError:
        return
    for fact in result.facts:
        fact.to_engine()
    assert all(isinstance(w, str) for w in result.warnings)


@SETTINGS
@given(st.lists(PIECES, max_size=60).map("".join))
def test_event_like_text(text: str) -> None:
    for module in MODULES:
        exercise(module, text.encode("utf-8", errors="surrogatepass"))


@SETTINGS
@given(st.binary(max_size=2048))
def test_arbitrary_bytes(data: bytes) -> None:
    for module in MODULES:
        exercise(module, data)
