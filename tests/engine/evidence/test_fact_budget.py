"""One fact budget across all inputs (issue 11): repeated sessions aggregated into counts with
first/last provenance, distinct kinds bounded across files (not per file), the report saying what
was aggregated, and a result that does not depend on the order inputs finish in."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from relaydoctor.engine.evidence import budget
from relaydoctor.engine.evidence.budget import FactBudget
from relaydoctor.engine.evidence.loader import load_evidence
from relaydoctor.engine.facts import SmtpSession, Symptom

HEADER = (
    "#Software: Microsoft Exchange Server\r\n#Version: 15.02.1748.010\r\n"
    "#Log-type: SMTP Send Protocol Log\r\n"
    "#Date: 2026-11-20T00:00:02.314Z\r\n#Fields: date-time,connector-id,session-id,sequence-number,"
    "local-endpoint,remote-endpoint,event,data,context\r\n"
)
REJECT = "550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT047.eop-EUR05.prod.outlook.com]"


def session(sid: int, minute: int, *, sender_domain: str, eop: bool = True, reject: bool = True) -> list[str]:
    host = "AM6EUR05FT047.mail.protection.outlook.com" if eop else "mx1.fabrikam.com"
    connector = "Outbound to Office 365" if eop else "Internet"
    rows = [("*", "", "attempting to connect"), ("+", "", ""), ("<", f"220 {host} ESMTP ready", ""),
            (">", "EHLO mail.contoso.com", ""), ("<", f"250 {host} Hello [203.0.113.25]", ""),
            (">", f"MAIL FROM:<app@{sender_domain}>", ""), (">", "RCPT TO:<someone@fabrikam.com>", ""),
            ("<", "250 2.1.0 Sender OK", ""),
            ("<", REJECT if reject else "250 2.1.5 Recipient OK", ""), (">", "QUIT", ""), ("-", "", "Local")]
    return [
        f"2026-11-20T08:{minute % 60:02d}:{seq:02d}.000Z,{connector},{sid:016X},{seq},10.20.0.15:5000,"
        f"52.101.68.24:25,{event},{data},{context}\r\n"
        for seq, (event, data, context) in enumerate(rows)
    ]


def write_log(path: Path, sessions: list[list[str]]) -> None:
    path.write_text(HEADER + "".join(itertools.chain.from_iterable(sessions)), encoding="ascii", newline="")


def test_repeated_sessions_across_files_become_one_fact_with_counts_and_first_last(tmp_path):
    for n in range(4):
        write_log(tmp_path / f"SEND2026112{n}-1.LOG",
                  [session(100 * n + i, 10 * n + i, sender_domain="contoso.com") for i in range(3)])
    ev = load_evidence([str(tmp_path)])
    (fact,) = [f for f in ev.facts if isinstance(f, SmtpSession)]
    assert fact.sessions == 12 and fact.rcpt_rejected == 12
    assert fact.provenance.source.endswith("SEND20261120-1.LOG")
    assert fact.last_source is not None and "SEND20261123-1.LOG" in fact.last_source
    assert len([f for f in ev.facts if isinstance(f, Symptom)]) == 1
    assert not any("budget" in w for w in ev.warnings)


def test_budget_is_global_across_files_and_the_report_says_what_was_aggregated(tmp_path, monkeypatch):
    monkeypatch.setattr(budget, "MAX_SESSION_KINDS", 20)
    # 30 files x 5 distinct MAIL FROM domains, each file well under the per-file cap: 75 kinds to
    # Exchange Online, 15 failing internet ones (successful internet sessions are not kept at all)
    for n in range(30):
        internet = n % 2 == 1  # half the files: internet sessions, which are less telling
        write_log(tmp_path / f"SEND202611{n:02d}-1.LOG",
                  [session(1000 * n + i, i, sender_domain=f"app{n}-{i}.example", eop=not internet,
                           reject=not internet or i == 0) for i in range(5)])
    ev = load_evidence([str(tmp_path)])
    sessions = [f for f in ev.facts if isinstance(f, SmtpSession)]
    fine = [f for f in sessions if f.mail_from_domain]
    coarse = [f for f in sessions if not f.mail_from_domain]
    assert len(fine) == 20  # the budget, not 30 files x 5
    assert all(f.to_eop for f in fine)  # Exchange Online sessions are kept first
    assert coarse and sum(f.sessions for f in sessions) == 90  # nothing lost from the counts
    assert all(f.cert_thumbprint is None and f.ehlo_client_ip is None for f in coarse)
    (note,) = [w for w in ev.warnings if "exceed the budget" in w]
    assert "90 kinds" in note and "70 least telling" in note


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_outcome_does_not_depend_on_the_order_inputs_arrive_in(seed):
    rng = random.Random(seed)
    inputs = []
    for position in range(12):
        facts = []
        for i in range(rng.randrange(1, 8)):
            domain = f"d{rng.randrange(15)}.example"
            facts.append(SmtpSession(
                provenance=_prov(f"SEND{position}.LOG", i + 1), connector=rng.choice(["A", "B"]),
                to_eop=rng.random() < 0.5, mail_from_domain=domain,
                outcome=rng.choice(["relayed", "rejected"]),
                sessions=rng.randrange(1, 5), first_seen=f"2026-11-20T08:{rng.randrange(60):02d}:00Z",
                last_seen=f"2026-11-20T09:{rng.randrange(60):02d}:00Z",
                last_source=f"SEND{position}.LOG:{i + 1}",
            ))
        inputs.append((position, facts))

    def run(order):
        b = FactBudget(max_kinds=6, max_coarse=3)
        for position, facts in order:
            b.add(position, facts)
        return b.facts(), b.notes()

    expected = run(inputs)
    shuffled = inputs[:]
    for _ in range(5):
        rng.shuffle(shuffled)
        assert run(shuffled) == expected
    assert expected[1]  # the budget was exceeded, so there is something to say


def _prov(source, line):
    from relaydoctor.engine.facts import Provenance

    return Provenance(source, line, "…")
