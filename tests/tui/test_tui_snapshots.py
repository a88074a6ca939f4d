"""Snapshots of the key screens (pytest-textual-snapshot), made deterministic: fixed ``now``, fixed
terminal size, no clock in the frame, no blinking cursor, paths shown relative to the bundle.

Update after an intended change with ``pytest tests/tui/test_tui_snapshots.py --snapshot-update``
and look at the SVGs before committing them.
"""

from __future__ import annotations

from textual.widgets import TextArea
from tuikit import example, make_app, press, settle, steady

ATTR36_REPLY = (
    "550 5.7.64 Relay Access Denied ATTR36. For more details please refer to: "
    "https://support.microsoft.com/kb/3169958 [AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com]"
)


def _keys(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await press(pilot, key)
        for area in pilot.app.screen.query(TextArea):
            area.cursor_blink = False
        await settle(pilot)
        await steady(pilot)

    return run_before


def test_conclusions_renewed_certificate(snap_compare) -> None:
    assert snap_compare(make_app(example("renewed-certificate")), run_before=_keys())


def test_fix_renewed_certificate(snap_compare) -> None:
    assert snap_compare(make_app(example("renewed-certificate")), run_before=_keys("5"))


def test_evidence_ip_changed(snap_compare) -> None:
    assert snap_compare(make_app(example("ip-changed")), run_before=_keys("2", "down", "down", "down"))


def test_questions_exchange2010_ndr(snap_compare) -> None:
    assert snap_compare(make_app(example("exchange2010-ndr")), run_before=_keys("3"))


def test_symptom_pasted_attr36(snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.query_one("#paste", TextArea).insert(ATTR36_REPLY)
        await _keys()(pilot)

    assert snap_compare(make_app(), run_before=run_before)


def test_conclusions_ip_changed_large_terminal(snap_compare) -> None:
    assert snap_compare(make_app(example("ip-changed")), run_before=_keys(), terminal_size=(140, 44))


def test_conclusions_attr36_light_theme(snap_compare) -> None:
    assert snap_compare(make_app(example("attr36")), run_before=_keys("ctrl+t"))


def test_help(snap_compare) -> None:
    assert snap_compare(make_app(example("attr36")), run_before=_keys("question_mark"))
