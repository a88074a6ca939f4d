"""Answering a question re-runs the diagnosis at once (no re-reading) and changes verdicts."""

from __future__ import annotations

from pathlib import Path

from relaydoctor.tui.screens.questions import AnswerButton, AnswerInput
from tuikit import (
    drive,
    example,
    example_without_logs,
    make_app,
    notifications,
    press,
    screen_text,
    settle,
    widget_text,
)

NDR = (
    "550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com]"
)


def _statuses(app) -> dict[str, str]:
    return {v.cause: v.status for v in app.walk.report.verdicts}


def test_typed_egress_ip_confirms_sender_ip_mismatch(tmp_path: Path) -> None:
    # The ip-changed bundle without its send log: nothing says which IP Exchange Online saw.
    app = make_app(example_without_logs("ip-changed", tmp_path), pasted=NDR)

    async def scenario(pilot) -> None:
        assert _statuses(app)["sender-ip-mismatch"] == "undetermined"
        evidence_before = app.walk.evidence
        await press(pilot, "3")
        field = next(f for f in app.screen.query(AnswerInput) if f.key == "egress_ip")
        field.focus()
        await pilot.press(*"198.51.100.77")
        await press(pilot, "enter")
        assert app.walk.answers == {"egress_ip": "198.51.100.77"}
        assert app.walk.evidence is evidence_before, "answers re-run the diagnosis, not the parsers"
        assert _statuses(app)["sender-ip-mismatch"] == "confirmed"
        assert any("sender-ip-mismatch: Open → Confirmed" in n for n in notifications(app))
        # The question is gone; the answer is listed and can be forgotten.
        assert all(f.key != "egress_ip" for f in app.screen.query(AnswerInput))
        assert "egress_ip = 198.51.100.77" in screen_text(app) or any(
            "198.51.100.77" in str(w.render()) for w in app.screen.query(".answer-given")
        )
        await press(pilot, "4")
        rows = [line.strip() for line in screen_text(app).splitlines()]
        assert any(r.startswith("✔ sender-ip-mismatch ") for r in rows)
        # The IP picture shows the answered address against the connector's range.
        picture = widget_text(app, "#verdict-picture-ip")
        assert "198.51.100.77 (you said)" in picture and "203.0.113.25" in picture
        assert "✗ not listed" in picture
        await press(pilot, "5")
        assert any("198.51.100.77" in c.command for c in app.screen.query("CommandLine"))

    drive(app, scenario)


def test_choice_answer_rules_out_and_can_be_forgotten() -> None:
    app = make_app(example("attr36"))

    async def scenario(pilot) -> None:
        assert _statuses(app)["certificate-invalid"] == "undetermined"
        await press(pilot, "3")
        assert app.focused is not None and isinstance(app.focused, AnswerButton)
        yes = next(b for b in app.screen.query(AnswerButton) if b.key == "cert_valid" and b.value == "yes")
        yes.focus()
        await press(pilot, "enter")
        assert _statuses(app)["certificate-invalid"] == "ruled_out"
        assert app.walk.report.questions == []
        await press(pilot, "4")
        assert any(
            line.strip().startswith("✗ certificate-invalid ") for line in screen_text(app).splitlines()
        )
        # Forget the answer: back to open.
        await press(pilot, "3")
        forget = app.screen.query_one(".clear-answer")
        forget.focus()
        await press(pilot, "enter")
        await settle(pilot)
        assert app.walk.answers == {}
        assert _statuses(app)["certificate-invalid"] == "undetermined"

    drive(app, scenario)


def test_the_newest_answer_wins_and_a_replaced_update_is_silent(tmp_path: Path) -> None:
    """Two answers in a row: the first update is replaced (an exclusive worker), its result never
    lands, and replacing it is not reported as a cancelled read."""
    app = make_app(example_without_logs("ip-changed", tmp_path), pasted=NDR)

    async def scenario(pilot) -> None:
        assert _statuses(app)["sender-ip-mismatch"] == "undetermined"
        app.answer("egress_ip", "203.0.113.25")  # the connector's own address: leaves it open
        app.answer("egress_ip", "198.51.100.77")  # replaces it before it could land
        await settle(pilot)
        assert app.walk.answers == {"egress_ip": "198.51.100.77"}
        assert _statuses(app)["sender-ip-mismatch"] == "confirmed"
        assert not any("cancelled" in n for n in notifications(app))

    drive(app, scenario)
