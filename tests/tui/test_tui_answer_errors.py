"""An answer the packs do not understand is refused inline, with the engine's own one line
(issue 10, class 6), and never re-runs the diagnosis."""

from __future__ import annotations

from pathlib import Path

from relaydoctor.engine.answers import answer_problem
from relaydoctor.tui.screens.questions import AnswerInput
from tuikit import drive, example_without_logs, make_app, notifications, press, widget_text

NDR = (
    "550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com]"
)


def test_an_invalid_egress_ip_is_refused_inline(tmp_path: Path) -> None:
    app = make_app(example_without_logs("ip-changed", tmp_path), pasted=NDR)

    async def scenario(pilot) -> None:
        report_before = app.walk.report
        await press(pilot, "3")
        field = next(f for f in app.screen.query(AnswerInput) if f.key == "egress_ip")
        field.focus()
        await pilot.press(*"notanip")
        await press(pilot, "enter")
        expected = answer_problem("egress_ip", "notanip", app.packs)
        assert expected and "'notanip'" in expected
        assert app.walk.answers == {}
        assert app.walk.report is report_before, "an invalid answer never re-runs the diagnosis"
        assert expected in widget_text(app, ".answer-error")
        assert any(expected in n for n in notifications(app))
        # a valid answer clears the error and is used
        field = next(f for f in app.screen.query(AnswerInput) if f.key == "egress_ip")
        field.focus()
        field.value = ""
        await pilot.press(*"198.51.100.77")
        await press(pilot, "enter")
        assert app.walk.answers == {"egress_ip": "198.51.100.77"}
        assert not list(app.screen.query(".answer-error"))

    drive(app, scenario)
