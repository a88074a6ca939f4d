"""Never a dead end: which evidence would decide the causes still open, and what to do next.

Every report that has a symptom ends with at least one next step: the fix of a confirmed or
likely cause, a question whose answer changes the outcome, or the evidence to collect with the
exact command (at worst ``relaydoctor collect-script``). The knowledge of where each fact kind
comes from lives here, once, for the CLI reports and the TUI alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .facts import FACT_KINDS, Fact
from .lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

if TYPE_CHECKING:
    from .results import Question, Verdict

# Where each fact kind comes from, in the admin's words: what to collect when it is missing.
SOURCE_HINT = {
    "symptom": "the NDR or the error text (step 1)",
    "smtp_session": "the send protocol log of the server that relays (SEND*.LOG)",
    "certificate": "the presented certificate (.cer/.pem/.p7b) or Get-ExchangeCertificate | Format-List",
    "inbound_connector": "Get-InboundConnector | Format-List (Exchange Online PowerShell)",
    "send_connector": "Get-SendConnector | Format-List (Exchange Management Shell)",
    "accepted_domain": (
        "Get-AcceptedDomain | Format-List (Exchange Online PowerShell, not the on-premises shell)"
    ),
    "domain_verification": "Get-MgDomain (Microsoft Graph PowerShell)",
    "outbound_connector": "Get-OutboundConnector | Format-List",
    "receive_connector": "Get-ReceiveConnector | Format-List",
    "transport_service": "Get-TransportService | Format-List",
    "smtp_client": "the log or settings of the relay or app that sends: Postfix mail.log and main.cf "
                   "(postconf -n), IIS SMTP MetaBase.xml, the app's SMTP debug log",
}
# The command that collects each kind (exported whole, so nothing is truncated).
COLLECT_COMMAND = {
    "smtp_session": "Get-TransportService | Format-List Name,SendProtocolLogPath",  # SEND*.LOG are there
    "certificate": "Get-ExchangeCertificate | Export-Clixml Get-ExchangeCertificate.xml",
    "inbound_connector": "Get-InboundConnector | Export-Clixml Get-InboundConnector.xml",
    "send_connector": "Get-SendConnector | Export-Clixml Get-SendConnector.xml",
    "accepted_domain": "Get-AcceptedDomain | Export-Clixml Get-AcceptedDomain.xml",
    "domain_verification": (
        "Get-MgDomain | ConvertTo-Json -Depth 5 | Out-File -Encoding utf8 Get-MgDomain.json"
    ),
    "outbound_connector": "Get-OutboundConnector | Export-Clixml Get-OutboundConnector.xml",
    "receive_connector": "Get-ReceiveConnector | Export-Clixml Get-ReceiveConnector.xml",
    "transport_service": "Get-TransportService | Export-Clixml Get-TransportService.xml",
}
# A relation is missing when one of the evidence kinds it is derived from is missing.
RELATION_INPUTS = {
    "cert_name_match": ("smtp_session", "inbound_connector"),
    "cert_attribution": ("smtp_session", "inbound_connector"),
    "ip_connector_match": ("smtp_session", "inbound_connector"),
    "ip_attribution": ("smtp_session", "inbound_connector"),
    "domain_acceptance": ("accepted_domain",),
    "cert_status": ("certificate",),
    "send_connector_cert": ("send_connector", "certificate"),
}
COLLECT_SCRIPT = "relaydoctor collect-script > collect.ps1"


@dataclass(frozen=True, slots=True)
class MissingEvidence:
    """One kind of evidence that would decide open causes, and how to get it."""

    kind: str
    what: str  # human description of the evidence
    causes: tuple[str, ...]
    collect: tuple[str, ...] = ()  # commands: the causes' own, then the kind's export

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "what": self.what, "causes": list(self.causes), "collect": list(self.collect)
        }


@dataclass(frozen=True, slots=True)
class NextStep:
    """What the admin can do next: ``fix`` a cause, answer a ``question``, or ``collect`` evidence."""

    kind: str  # fix | question | collect
    says: str
    command: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "says": self.says, "command": self.command}


def settled_codes(verdicts: Sequence[Verdict], packs: Any) -> set[str]:
    """Codes with a confirmed cause that is not one of the code's residual causes."""
    out = set()
    for v in verdicts:
        residual = getattr(packs.codes.get(v.code), "residual", ())
        if v.status == "confirmed" and v.cause not in residual:
            out.add(v.code)
    return out


def base_kinds(kind: str) -> tuple[str, ...]:
    """The evidence kinds a fact kind is read or derived from."""
    return RELATION_INPUTS.get(kind, (kind,))


def missing_evidence(verdicts: Sequence[Verdict], facts: Sequence[Fact], packs: Any) -> list[MissingEvidence]:
    """For the causes still open (undetermined or likely), the evidence kinds they are decided by
    that the evidence lacks, grouped by kind, with the collection commands."""
    if packs is None:
        return []
    present = {f.KIND for f in facts}
    need: dict[str, list[str]] = {}
    collect: dict[str, list[str]] = {}
    asked: dict[str, str] = {}  # group → the question's own text, for answers still missing
    settled = settled_codes(verdicts, packs)
    for v in verdicts:
        if v.status not in ("undetermined", "likely"):
            continue
        residual = getattr(packs.codes.get(v.code), "residual", ())
        if v.code in settled and v.cause in residual:
            continue  # a code's residual causes matter only while none of its others is confirmed
        cause = packs.causes.get(v.cause)
        if cause is None:
            continue
        for kind in cause.decided_by:
            for base in base_kinds(kind):
                if base in present:
                    continue
                group = base
                if base == "answer" and cause.question is not None:
                    # a missing answer is the question's: labelled with its words, one entry each
                    group = f"answer:{cause.question.id}"
                    asked[group] = cause.question.ask
                causes = need.setdefault(group, [])
                if v.cause not in causes:
                    causes.append(v.cause)
                cmd = cause.question.collect if cause.question is not None else ""
                lst = collect.setdefault(group, [])
                if cmd and cmd not in lst:
                    lst.append(cmd)
    out = []
    for group, causes in need.items():
        kind = group.split(":", 1)[0]
        # the kind's own export first (it is what is missing), then the open causes' commands
        cmds = [c for c in (COLLECT_COMMAND.get(kind), *collect.get(group, ())) if c]
        cmds = list(dict.fromkeys(cmds))
        what = asked.get(group) or SOURCE_HINT.get(kind) or getattr(FACT_KINDS.get(kind), "DOC", "") or kind
        out.append(MissingEvidence(kind=kind, what=what, causes=tuple(causes), collect=tuple(cmds)))
    return out


def next_steps(
    verdicts: Sequence[Verdict],
    questions: Sequence[Question],
    missing: Sequence[MissingEvidence],
    *,
    has_symptom: bool,
    bare_codes: Sequence[str] = (),
    sender: str | None = None,
    own_refusal: bool = False,
) -> list[NextStep]:
    """Fixes first, then questions, then evidence to collect; never empty when there is a symptom."""
    steps: list[NextStep] = []
    for v in verdicts:
        if v.status in ("confirmed", "likely") and v.remediation:
            first = v.remediation[0]
            command = first.commands[0] if first.commands else None
            steps.append(NextStep("fix", f"{v.cause} ({v.status}): {first.step}", command))
    for q in questions:
        steps.append(NextStep("question", q.ask, f"--answer {q.answers_with}" if q.answers_with else None))
    for m in missing:
        command = m.collect[0] if m.collect else COLLECT_SCRIPT
        steps.append(NextStep("collect", f"{m.what} (decides {', '.join(m.causes)})", command))
    if not steps and bare_codes:
        # "[550]" alone names no cause: the enhanced status and the server's words do
        steps.append(
            NextStep(
                "collect",
                f"The evidence shows only the reply code {', '.join(bare_codes)}, without the enhanced "
                "status (such as 5.7.64) or the server's text that name the cause: get the full reply "
                "(turn on the device's or application's SMTP protocol or debug log, or read the log of "
                "the server it sends to at the same time) and diagnose that",
            )
        )
    if not steps and (has_symptom or verdicts) and sender is not None:
        steps.extend(relay_fallback(sender, own_refusal=own_refusal))
    elif not steps and (has_symptom or verdicts):
        steps.append(
            NextStep(
                "collect",
                "No known cause fits the evidence given: collect the full evidence set with the bundled "
                "read-only collector and diagnose the folder it writes",
                COLLECT_SCRIPT,
            )
        )
    return steps


# Where a sender that is not Exchange keeps what decides a relay refusal, by ``smtp_client.software``
# (the Exchange collector reads none of it): Postfix postconf(1) ``-n`` and its mail log; Exim's
# ``exim -bP`` (exim(8)) and mainlog; sendmail's submit/sendmail.mc and maillog; IIS 6 SMTP's
# MetaBase.xml and its SMTP log (W3C, LogFiles\SMTPSVC1).
RELAY_EVIDENCE: dict[str, tuple[str, str | None]] = {
    "postfix": ("Postfix's settings (postconf -n) and its mail log (/var/log/mail.log or "
                "journalctl -u postfix) from the time of the refusal", "postconf -n > postconf-n.txt"),
    "exim": ("Exim's settings (exim -bP) and its mainlog from the time of the refusal",
             "exim -bP > exim-bP.txt"),
    "sendmail": ("sendmail's smart host setting (sendmail.mc / submit.mc) and its maillog from the time "
                 "of the refusal", None),
    "iis_smtp": ("the IIS SMTP virtual server's MetaBase.xml (%windir%\\system32\\inetsrv) and its SMTP "
                 "log (LogFiles\\SMTPSVC1) from the time of the refusal", None),
}
NON_EXCHANGE_SENDER_ORIGINS = frozenset({"app_log", "mail_log", "iis_log"})
EXCHANGE_SIDE_KINDS = frozenset({"smtp_session", "send_connector", "receive_connector", "transport_service"})


def non_exchange_sender(facts: Sequence[Fact]) -> str | None:
    """The software of the sender when every piece of sending-side evidence is from a sender that
    is not Exchange (an app or device log, a Postfix/Exim/sendmail/IIS SMTP relay): ``"postfix"``,
    ``"app"``…; ``"device"`` for a refusal only a device's or app's log shows; None when Exchange's own
    send logs, connectors or transport events are there (the Exchange collector is then right)."""
    softwares: list[str] = []
    origins: set[str] = set()
    for f in facts:
        kind = f.KIND
        if kind in EXCHANGE_SIDE_KINDS:
            return None
        if kind == "windows_event" and getattr(f, "source_family", "") == "exchange_transport":
            return None
        if kind == "smtp_client":
            softwares.append(f.software)  # type: ignore[attr-defined]
        elif kind == "symptom":
            origins.add(f.origin)  # type: ignore[attr-defined]
    if softwares:
        return softwares[0]
    if origins and origins <= NON_EXCHANGE_SENDER_ORIGINS:
        return "iis_smtp" if origins == {"iis_log"} else "device"
    return None


def relay_refused_itself(facts: Sequence[Fact]) -> bool:
    """Every refusal seen is the relay's own (its smtpd refused its client), none Exchange Online's."""
    refusals = [f for f in facts if f.KIND == "symptom"]
    return bool(refusals) and all(
        getattr(f, "origin", "") == "mail_log" and getattr(f, "direction", "") == "onprem" for f in refusals)


def relay_fallback(sender: str, *, own_refusal: bool = False) -> list[NextStep]:
    """No known cause fits and the sender is not Exchange: its own configuration and log, and the
    tenant's connectors that decide whether Exchange Online attributes its mail (Microsoft's
    "Set up connectors to route mail", the relay/app must match an inbound connector by IP or
    certificate)."""
    what, command = RELAY_EVIDENCE.get(sender, (
        f"the sending {'device' if sender == 'device' else 'application'}'s SMTP settings (smart host, "
        "port, TLS, sender address, credentials) and its SMTP protocol/debug log from the time of the "
        "refusal", None))
    own = (" The refusal in the log is the relay's own (its smtpd refused the client before anything "
           "reached Exchange Online): check the relay's mynetworks / relay restrictions first."
           if own_refusal else "")
    return [
        NextStep(
            "collect",
            f"No known cause fits the evidence given, and the sender is not Exchange ({sender}):{own} The "
            f"Exchange collector does not read it. Get the relay's own configuration and log — {what} — "
            "and diagnose them with the tenant's connectors",
            command,
        ),
        NextStep(
            "collect",
            "The tenant's inbound connectors (which IP address or certificate domain Exchange Online "
            "accepts relay from) and accepted domains, from Exchange Online PowerShell",
            COLLECT_COMMAND["inbound_connector"],
        ),
    ]
