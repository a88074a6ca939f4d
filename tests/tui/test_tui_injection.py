"""Untrusted text is shown literally: markup-like text and ANSI escapes in evidence (an NDR reply,
a connector name, a file name, pasted text) never style, link or break the UI."""

from __future__ import annotations

import shutil
from pathlib import Path

from relaydoctor.tui.literal import clean, lit, one_line
from relaydoctor.tui.screens.dialogs import AddEvidenceDialog
from relaydoctor.tui.widgets.command import CommandLine
from textual.widgets import DataTable, TextArea
from tuikit import drive, example, flat, make_app, press, screen_text, settle, widget_text

HOSTILE = "[/foo] [b [link=file:///etc/passwd]x[/link] \x1b[31mRED\x1b[0m"
SHOWN = "[/foo] [b [link=file:///etc/passwd]x[/link] \\x1b[31mRED\\x1b[0m"
EOP = "[AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com]"


def _no_escape_reaches_the_screen(app) -> None:
    text = screen_text(app)
    assert "\x1b" not in text
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            assert style is None or not style.link, f"a link was rendered: {style.link!r}"


def test_literal_helpers() -> None:
    assert clean(HOSTILE) == SHOWN
    assert clean("a\u202eb\x00c\x7f") == "a\\u202eb\\x00c\\x7f"
    assert one_line("a\nb", 0) == "a ⏎ b"
    assert one_line("abcdef", 4) == "abc…"
    content = lit("[b]bold[/b]")
    assert content.plain == "[b]bold[/b]" and not content.spans


def test_ndr_file_with_markup_and_ansi_in_the_reply(tmp_path: Path) -> None:
    ndr = tmp_path / "ndr.txt"
    ndr.write_bytes(
        (
            "Delivery has failed to these recipients or groups:\r\n\r\n"
            f"Remote Server returned '550 5.7.64 TenantAttribution; Relay Access Denied {HOSTILE} {EOP}'\r\n"
        ).encode()
    )
    app = make_app(str(ndr))

    async def scenario(pilot) -> None:
        assert app.walk.report is not None
        assert any(HOSTILE in s.text for s in app.walk.report.symptoms), "the engine kept the text"
        # Conclusions: the evidence chain quotes the reply literally.
        verdict = app.walk.report.verdicts[0]
        app.screen.query_one("#verdicts").highlighted = 1
        await settle(pilot)
        assert SHOWN in widget_text(app, "#verdict-chain") or verdict.status != "confirmed"
        _no_escape_reaches_the_screen(app)
        # Symptom step: the recognised reply, literally.
        await press(pilot, "1")
        assert SHOWN in widget_text(app, "#evidence-symptoms")
        assert "[/foo] [b [link=file:///etc/passwd]x[/link]" in flat(screen_text(app))
        _no_escape_reaches_the_screen(app)
        # Evidence step: the fact and its excerpt.
        await press(pilot, "2")
        assert SHOWN in widget_text(app, "#provenance")
        _no_escape_reaches_the_screen(app)

    drive(app, scenario)


def test_connector_name_with_markup(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(example("renewed-certificate"), bundle)
    fl = bundle / "Get-InboundConnector.fl.txt"
    old = "Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11"
    name = f"Inbound {HOSTILE}"
    text = fl.read_text("utf-16")
    assert old in text
    fl.write_text(text.replace(old, name), "utf-16")
    app = make_app(str(bundle))

    async def scenario(pilot) -> None:
        report = app.walk.report
        assert report is not None
        assert [v.cause for v in report.verdicts if v.status == "confirmed"] == ["certificate-name-mismatch"]
        picture = widget_text(app, "#verdict-picture-cert")
        assert "on Inbound [/foo] [b [lin" in picture
        _no_escape_reaches_the_screen(app)
        await press(pilot, "5")
        commands = [c for c in app.screen.query(CommandLine) if "Set-InboundConnector" in c.command]
        assert commands and all("[link=file:///etc/passwd]x[/link]" in c.command for c in commands)
        shown = str(commands[0].render())
        assert shown == "> " + clean(commands[0].command)
        commands[0].focus()
        await press(pilot, "c")
        assert app.clipboard == commands[0].command, "the clipboard gets the exact command"
        _no_escape_reaches_the_screen(app)
        await press(pilot, "s")
        assert "[link=file:///etc/passwd]x[/link]" in app.screen.query_one(TextArea).text
        _no_escape_reaches_the_screen(app)

    drive(app, scenario)


def test_file_names_with_markup_in_the_browser_and_the_sources(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    hostile = folder / "[b]bold[-b] [link=file:;;etc;passwd]x[;link] [-foo].txt"
    hostile.write_text(f"Remote Server returned '550 5.7.64 TenantAttribution; Relay Access Denied {EOP}'\n")
    app = make_app()

    async def scenario(pilot) -> None:
        picked: list[str | None] = []
        app.push_screen(AddEvidenceDialog(folder), picked.append)
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        assert "[b]bold[-b] [link=file:;;etc;passwd]x[;link] [-foo].txt" in screen_text(app)
        _no_escape_reaches_the_screen(app)
        await press(pilot, "tab", "down", "enter")  # the path box has the focus: Tab to the tree
        assert picked == [str(hostile)]
        app.add_paths([str(hostile)])
        await settle(pilot)
        await press(pilot, "escape", "2")
        table = app.screen.query_one("#sources", DataTable)
        cell = str(table.get_row_at(0)[0])
        assert cell.endswith("…") and hostile.name.startswith(cell[:-1]) and len(cell) > 30
        _no_escape_reaches_the_screen(app)

    drive(app, scenario)


def test_pasted_text_with_markup_and_ansi() -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        area = app.screen.query_one("#paste", TextArea)
        area.insert(f"550 5.7.64 TenantAttribution; Relay Access Denied {HOSTILE} {EOP}")
        await settle(pilot)
        assert SHOWN in widget_text(app, "#preview")
        _no_escape_reaches_the_screen(app)
        await press(pilot, "ctrl+d")
        assert app.current_mode == "conclusions"
        _no_escape_reaches_the_screen(app)

    drive(app, scenario)
