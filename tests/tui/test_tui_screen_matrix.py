"""Every step screen at 80×24 and 160×45 in the dark and the light theme (issue 13).

Deterministic: fixed ``now`` (tuikit.NOW), fixed terminal size, no blinking cursor, sources
shown relative to the bundle, the export path set to a bare file name. Update after an intended
change with ``pytest tests/tui/test_tui_screen_matrix.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea
from tuikit import example, make_app, press, settle, steady

# step key -> the bundle that shows it best (Questions needs open questions)
SCREENS = {
    "1": ("symptom", "renewed-certificate"),
    "2": ("evidence", "ip-changed"),
    "3": ("questions", "exchange2010-ndr"),
    "4": ("conclusions", "renewed-certificate"),
    "5": ("fix", "renewed-certificate"),
    "6": ("export", "attr36"),
}
SIZES = {"80x24": (80, 24), "160x45": (160, 45)}
THEMES = ("dark", "light")


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("key", sorted(SCREENS), ids=[SCREENS[k][0] for k in sorted(SCREENS)])
def test_screen(snap_compare, key: str, size: str, theme: str) -> None:
    _, bundle = SCREENS[key]

    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot)
        app.theme = "textual-light" if theme == "light" else "textual-dark"
        await press(pilot, key)
        for box in app.screen.query("#export-path").results(Input):
            box.value = "relaydoctor-report.md"  # not the machine's working folder
        for area in app.screen.query(TextArea):
            area.cursor_blink = False
        await settle(pilot)
        await steady(pilot)

    assert snap_compare(make_app(example(bundle)), run_before=run_before, terminal_size=SIZES[size])
