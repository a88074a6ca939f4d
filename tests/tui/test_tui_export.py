"""Export writes exactly what `relaydoctor diagnose` writes for the same evidence, answers and time."""

from __future__ import annotations

from pathlib import Path

import pytest
from relaydoctor.engine.cli import main
from relaydoctor.tui.screens.dialogs import ConfirmDialog
from textual.widgets import Checkbox, Input, RadioButton
from tuikit import NOW_ARG, drive, example, flat, make_app, press, screen_text

NDR = (
    "Remote Server returned '550 5.7.64 TenantAttribution; Relay Access Denied "
    "[AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com]'"
)


def cli_report(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "cli-output"
    assert main(["diagnose", *args, "--now", NOW_ARG, "--output", str(out)]) == 0
    return out.read_text("utf-8")


async def export(pilot, path: Path, fmt: str, redact: bool) -> None:
    app = pilot.app
    await press(pilot, "6")
    screen = app.screen
    if fmt == "json":
        screen.query_one("#fmt-json", RadioButton).value = True
    screen.query_one("#redact", Checkbox).value = redact
    await press(pilot)
    screen.query_one("#export-path", Input).value = str(path)
    await press(pilot, "ctrl+s")
    if not redact:  # exporting un-redacted asks first (issue 13)
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y")


@pytest.mark.parametrize(
    ("bundle", "fmt", "redact"),
    [
        ("renewed-certificate", "markdown", False),
        ("renewed-certificate", "json", True),
        ("ip-changed", "json", False),
        ("attr36", "markdown", True),
    ],
)
def test_export_equals_diagnose_output(tmp_path: Path, bundle: str, fmt: str, redact: bool) -> None:
    target = tmp_path / f"tui-report.{'json' if fmt == 'json' else 'md'}"
    app = make_app(example(bundle))

    async def scenario(pilot) -> None:
        await export(pilot, target, fmt, redact)

    drive(app, scenario)
    expected = cli_report(tmp_path, example(bundle), "--format", fmt, *(["--redact"] if redact else []))
    assert target.read_text("utf-8") == expected


def test_export_with_pasted_text_and_answers(tmp_path: Path) -> None:
    target = tmp_path / "tui-report.md"
    app = make_app(example("attr36"), pasted=NDR)

    async def scenario(pilot) -> None:
        app.answer("cert_valid", "no")
        await press(pilot)
        await export(pilot, target, "markdown", False)

    drive(app, scenario)
    expected = cli_report(
        tmp_path, example("attr36"), "--ndr", NDR, "--answer", "cert_valid=no", "--format", "markdown"
    )
    assert target.read_text("utf-8") == expected


def test_export_reports_an_unwritable_path(tmp_path: Path) -> None:
    app = make_app(example("ip-changed"))
    target = tmp_path / "no-such-folder" / "report.md"

    async def scenario(pilot) -> None:
        await export(pilot, target, "markdown", False)
        status = str(app.screen.query_one("#export-status").render())
        assert status.startswith("Not saved: ") and "no-such-folder" in status

    drive(app, scenario)
    assert not target.exists()


def test_redaction_is_on_by_default_and_reads_in_words(tmp_path: Path) -> None:
    app = make_app(example("renewed-certificate"))

    async def scenario(pilot) -> None:
        await press(pilot, "6")
        box = app.screen.query_one("#redact", Checkbox)
        assert box.value
        assert "Redacted: yes" in screen_text(app)
        box.focus()
        await press(pilot, "enter")  # toggles it
        assert not box.value
        assert "Redacted: no" in screen_text(app) and "Redacted: yes" not in screen_text(app)

    drive(app, scenario)


def test_unredacted_export_can_be_declined(tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    app = make_app(example("renewed-certificate"))

    async def scenario(pilot) -> None:
        await press(pilot, "6")
        app.screen.query_one("#redact", Checkbox).value = False
        app.screen.query_one("#export-path", Input).value = str(target)
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ConfirmDialog)
        assert "real domains" in flat(screen_text(app))
        await press(pilot, "n")
        assert not isinstance(app.screen, ConfirmDialog)

    drive(app, scenario)
    assert not target.exists()


def test_overwriting_asks_first(tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    target.write_text("my notes")
    app = make_app(example("renewed-certificate"))

    async def scenario(pilot) -> None:
        await press(pilot, "6")
        app.screen.query_one("#export-path", Input).value = str(target)
        await press(pilot, "ctrl+s")  # redacted: only the overwrite question
        assert isinstance(app.screen, ConfirmDialog)
        assert "already exists" in flat(screen_text(app))
        await press(pilot, "escape")
        assert target.read_text() == "my notes"
        await press(pilot, "ctrl+s", "y")
        assert not isinstance(app.screen, ConfirmDialog)

    drive(app, scenario)
    assert target.read_text("utf-8") == cli_report(tmp_path, example("renewed-certificate"), "--format",
                                                   "markdown", "--redact")


def test_export_never_overwrites_evidence(tmp_path: Path) -> None:
    import shutil

    case = tmp_path / "case"
    shutil.copytree(example("renewed-certificate"), case)
    evidence = sorted(p for p in case.iterdir() if p.is_file())[0]
    before = evidence.read_bytes()
    app = make_app(str(case))

    async def scenario(pilot) -> None:
        await press(pilot, "6")
        app.screen.query_one("#export-path", Input).value = str(evidence)
        await press(pilot, "ctrl+s", "y")  # even after saying yes to overwriting
        status = str(app.screen.query_one("#export-status").render())
        assert status.startswith("Not saved: ") and "evidence being read" in status

    drive(app, scenario)
    assert evidence.read_bytes() == before
