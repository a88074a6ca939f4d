"""Which failing sender an accepted session proves fixed (``watch.senders``), and the bounds."""

from __future__ import annotations

import datetime as dt

from relaydoctor.engine.watch import senders
from relaydoctor.engine.watch.senders import Seen, Sender, Senders

AT = dt.datetime(2026, 11, 24, 10, 30, tzinfo=dt.UTC)


def _seen(n: int) -> Seen:
    return Seen(AT + dt.timedelta(minutes=n), f"maillog:{n}", "5.7.64")


def test_an_accept_fixes_its_own_client_and_sender_domain_only():
    s = Senders()
    for n in range(300):  # a relay with hundreds of clients
        s.rejected(Sender("/var/log", "", "contoso.com", None, f"10.0.1.{n % 250}"), _seen(n))
    s.rejected(Sender("/var/log", "", "<>", None, "10.0.1.7"), _seen(400))
    assert len(s.failing) == 251
    got = s.accepted(Sender("/var/log", "", "contoso.com", None, "10.0.1.7"), _seen(500))
    assert [k.client for k, _ in got] == ["10.0.1.7"] and got[0][0].mail_from == "contoso.com"
    assert Sender("/var/log", "", "<>", None, "10.0.1.7") in s.failing  # the null sender still fails
    assert s.accepted(Sender("/var/log", "", "fabrikam.com", None, "10.0.1.8"), _seen(501)) == []
    assert s.accepted(Sender("/other", "", "contoso.com", None, "10.0.1.8"), _seen(502)) == []


def test_unknown_parts_match_anything():
    s = Senders()
    s.rejected(Sender("/logs", "Outbound to Office 365", "", "203.0.113.25"), _seen(1))  # before MAIL FROM
    got = s.accepted(Sender("/logs", "outbound to office 365", "contoso.com", None), _seen(2))
    assert len(got) == 1 and not s.failing  # connector names compare without case
    s.rejected(Sender("/logs", "", "contoso.com", None, "10.0.0.5"), _seen(3))
    s.rejected(Sender("/logs", "", "contoso.com", None, "10.0.0.6"), _seen(4))
    got = s.accepted(Sender("/logs", "", "contoso.com", None, None), _seen(5))  # client not logged
    assert [k.client for k, _ in got] == ["10.0.0.5", "10.0.0.6"]  # in the order they failed


def test_rejected_again_forget_and_the_bound(monkeypatch):  # type: ignore[no-untyped-def]
    s = Senders()
    k = Sender("/logs", "", "<>", None)
    s.rejected(k, _seen(1))
    s.accepted(k, _seen(2))
    assert s.rejected(k, _seen(3)) == _seen(2)  # failing again: where it had been accepted
    s.forget(Sender("/logs", "", "<>", None))
    assert not s.failing
    monkeypatch.setattr(senders, "MAX_SENDERS", 10)
    for n in range(25):
        s.rejected(Sender("/logs", "", f"d{n}.example", None), _seen(n))
    assert [k.mail_from for k in s.failing] == [f"d{n}.example" for n in range(15, 25)]
    assert s.accepted(Sender("/logs", "", "d3.example", None), _seen(30)) == []  # forgotten, not matched
    assert len(s.accepted(Sender("/logs", "", "d20.example", None), _seen(31))) == 1
