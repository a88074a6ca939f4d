"""A firewall's SMTP inspection masks STARTTLS in the EHLO reply as "XXXXXXXA" (Cisco 118550): the
send-log reader records it, on the native prefilter's path and on the pure-Python one alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from relaydoctor.engine.evidence.loader import load_evidence

LOG = (Path(__file__).resolve().parents[2] / "field" / "cases" / "cisco-118550-firewall-masks-starttls"
       / "evidence" / "SEND20240917-1.LOG")


@pytest.mark.parametrize("native", ["", "1"])
def test_masked_starttls_is_read_on_both_paths(monkeypatch, native):
    monkeypatch.setenv("RELAYDOCTOR_NO_NATIVE", native)
    (session,) = [f for f in load_evidence([str(LOG)]).facts if f.KIND == "smtp_session"]
    assert (session.starttls_masked, session.starttls_offered, session.tls) == (True, False, "not_attempted")
    assert session.reject_code == "5.7.64"


def test_an_offered_starttls_is_not_masked(tmp_path):
    text = LOG.read_text(encoding="utf-8").replace("250-XXXXXXXA", "250-STARTTLS")
    path = tmp_path / "SEND20240917-1.LOG"
    path.write_text(text, encoding="utf-8")
    (session,) = [f for f in load_evidence([str(path)]).facts if f.KIND == "smtp_session"]
    assert (session.starttls_masked, session.starttls_offered) == (False, True)
