"""Export writes exactly what `relaydoctor diagnose` writes for the same evidence, answers and time."""

from __future__ import annotations

from pathlib import Path

import pytest
from relaydoctor.engine.cli import main
from textual.widgets import Checkbox, Input, RadioButton
from tuikit import NOW_ARG, drive, example, make_app, press

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
