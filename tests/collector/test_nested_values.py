"""Nested Exchange objects that ConvertTo-Json -Depth 5 writes out whole become the flat values
the facts declare; an object of an unknown kind is reported, never read as empty."""

from __future__ import annotations

import json

from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.cmdlets import jsonexport
from relaydoctor.engine.evidence.cmdlets.model import Prop
from relaydoctor.engine.evidence.cmdlets.values import items, nested_text, text
from relaydoctor.engine.facts import SendConnector


def _doc(obj: object) -> Document:
    data = json.dumps(obj, indent=4).encode()
    return Document(
        name="send.json", size=len(data), head=data, opener=lambda: __import__("io").BytesIO(data)
    )


def test_known_nested_objects():
    assert (
        nested_text(
            {"CertificateIssuer": "CN=CA", "CertificateSubject": "CN=a.b", "SubjectCommonName": "a.b"}
        )
        == "<I>CN=CA<S>CN=a.b"
    )
    assert nested_text({"CertificateIssuer": None, "CertificateSubject": "CN=a.b"}) == "CN=a.b"
    assert nested_text({"IsUnlimited": True, "Value": None}) == "Unlimited"
    assert (
        nested_text({"IsUnlimited": False, "Value": "35 MB (36,700,160 bytes)"}) == "35 MB (36,700,160 bytes)"
    )
    assert nested_text({"PathName": r"D:\Logs\SmtpSend", "IsLocalFull": True}) == r"D:\Logs\SmtpSend"
    assert (
        nested_text({"Major": 15, "Minor": 1, "Build": 2507, "Revision": 6}) == "Version 15.1 (Build 2507.6)"
    )
    assert nested_text({"DistinguishedName": "CN=EX2,CN=Servers", "Name": "", "ObjectGuid": "x"}) == "EX2"
    assert nested_text({"Address": "*.contoso.com", "IncludeSubDomains": True}) == "*.contoso.com"
    assert nested_text({"Something": "else"}) is None


def test_lists_of_objects_and_lost_items():
    ok = items(Prop("S", ({"DistinguishedName": "CN=EX1,CN=S", "Name": "EX1"}, "EX2")), "native")
    assert (ok.values, ok.incomplete) == (("EX1", "EX2"), False)
    lost = items(Prop("S", ({"Unknown": 1}, "EX2")), "native")
    assert (lost.values, lost.incomplete) == (("EX2",), True)
    assert text(Prop("T", {"CertificateSubject": "CN=x"})) == "CN=x"


def test_unknown_nested_certificate_name_marks_the_fact_incomplete():
    doc = _doc(
        [
            {
                "Name": "Out",
                "AddressSpaces": ["SMTP:*;1"],
                "SmartHosts": ["x.mail.protection.outlook.com"],
                "TlsCertificateName": {"Thumbprint": "AB"},
            }
        ]
    )
    result = jsonexport.parse(doc)
    (fact,) = result.facts
    assert isinstance(fact, SendConnector)
    assert fact.incomplete is True and fact.tls_certificate_name is None
    assert any("TlsCertificateName is incomplete" in w for w in result.warnings)
