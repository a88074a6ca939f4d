"""The whole walk on each example bundle, keys pressed as a person would, asserting what is shown."""

from __future__ import annotations

import pytest
from relaydoctor.tui.screens.dialogs import CommandDialog, HelpScreen
from relaydoctor.tui.widgets.command import CommandLine
from textual.widgets import DataTable, OptionList, TextArea
from tuikit import drive, example, flat, make_app, press, screen_text, settle, widget_text

# bundle -> (confirmed cause, a fix command that must be offered, filled with the bundle's names)
CASES = {
    "renewed-certificate": (
        "certificate-name-mismatch",
        "Set-InboundConnector -Identity 'Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11' "
        "-TlsSenderCertificateName 'mail2026.contoso.net'",
    ),
    "ip-changed": (
        "sender-ip-mismatch",
        "Set-InboundConnector -Identity 'Contoso on-premises relay (IP)' "
        "-SenderIPAddresses @{Add='198.51.100.77'}",
    ),
    "attr36": (
        "domain-not-accepted",
        # the fix names the domain to add and verify (issue 10), no longer a generic listing
        "Confirm-MgDomain -DomainId 'contoso.net'; Get-AcceptedDomain -Identity 'contoso.net'",
    ),
}


@pytest.mark.parametrize("bundle", sorted(CASES))
def test_walk_on_bundle(bundle: str) -> None:
    cause, command = CASES[bundle]
    app = make_app(example(bundle))

    async def scenario(pilot) -> None:
        # Started with evidence: diagnosed at once, opens on the conclusions, confirmed first.
        assert app.current_mode == "conclusions"
        text = screen_text(app)
        assert f"Confirmed: {cause}" in text
        rows = [line.strip() for line in text.splitlines()]
        confirmed_at = next(i for i, r in enumerate(rows) if r.startswith(f"✔ {cause}"))
        assert "Confirmed (1)" in rows[confirmed_at - 1]
        assert all(not r.startswith("✗") for r in rows[:confirmed_at]), "ruled-out causes come after"
        # The reasoning chain names the files and lines that led there.
        chain = widget_text(app, "#verdict-chain")
        assert f"{bundle}/" in chain and ".LOG:" in chain

        # 5: the fix, with the bundle's own names; Enter copies the focused command.
        await press(pilot, "5")
        assert app.current_mode == "remediation"
        commands = [c.command for c in app.screen.query(CommandLine)]
        assert command in commands
        target = next(c for c in app.screen.query(CommandLine) if c.command == command)
        target.focus()
        await settle(pilot)
        assert flat(command)[:60] in flat(screen_text(app)), "the focused command is on screen"
        await press(pilot, "enter")
        assert app.clipboard == command
        # s shows it in a dialog where it can be selected by hand; Esc closes it.
        await press(pilot, "s")
        assert isinstance(app.screen, CommandDialog)
        assert app.screen.query_one(TextArea).text == command
        await press(pilot, "escape")
        assert app.current_mode == "remediation" and not isinstance(app.screen, CommandDialog)

        # 2: every source with its kind and fact count; a fact shows file:line and the excerpt.
        await press(pilot, "2")
        table = app.screen.query_one("#sources", DataTable)
        assert table.row_count >= 5
        log_row = next(
            i for i in range(table.row_count) if str(table.get_row_at(i)[0]).upper().endswith(".LOG")
        )
        table.focus()
        table.move_cursor(row=log_row)
        await settle(pilot)
        facts = app.screen.query_one("#facts", OptionList)
        assert facts.option_count >= 1
        provenance = widget_text(app, "#provenance")
        assert ".LOG:" in provenance and "│ " in provenance

        # 3, 1, 6 are each one key away.
        await press(pilot, "3")
        assert app.current_mode == "questions"
        await press(pilot, "1")
        assert app.current_mode == "symptom"
        assert "5.7.64" in widget_text(app, "#evidence-symptoms")
        await press(pilot, "escape", "6")
        assert app.current_mode == "export"
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await press(pilot, "escape", "4")
        assert app.current_mode == "conclusions"

    drive(app, scenario)


def test_bare_start_opens_on_the_symptom_and_recognises_pasted_text() -> None:
    app = make_app()
    reply = (
        "550 5.7.64 Relay Access Denied ATTR36. For more details please refer to: "
        "[AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com]"
    )

    async def scenario(pilot) -> None:
        assert app.current_mode == "symptom"
        area = app.screen.query_one("#paste", TextArea)
        assert app.focused is area
        area.insert(reply)
        await settle(pilot)
        preview = widget_text(app, "#preview")
        assert "5.7.64" in preview and "TenantAttribution; Relay Access Denied" in preview
        assert "ATTR36" in preview
        assert "am6eur05ft012.eop-eur05.prod.protection.outlook.com" in preview.lower()
        assert "What it means" in preview
        await press(pilot, "ctrl+d")
        assert app.current_mode == "conclusions"
        assert "Confirmed: domain-not-accepted" in screen_text(app)

    drive(app, scenario)


def test_started_with_answers_uses_them() -> None:
    app = make_app(example("attr36"), answers={"cert_valid": "yes"})

    async def scenario(pilot) -> None:
        statuses = {v.cause: v.status for v in app.walk.report.verdicts}
        assert statuses["certificate-invalid"] == "ruled_out"

    drive(app, scenario)


def test_palette_offers_the_current_steps_actions() -> None:
    app = make_app(example("renewed-certificate"))

    async def scenario(pilot) -> None:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Show the fix" in titles and "Go to 5 Fix" in titles and "Go to 4 Conclusions" not in titles
        await press(pilot, "5")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Copy every command" in titles and "Show the fix" not in titles
        await press(pilot, "y")
        assert app.clipboard.count("\n") >= 2 and "Set-InboundConnector" in app.clipboard

    drive(app, scenario)


def test_theme_toggles_between_light_and_dark() -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        dark = app.current_theme.dark
        await press(pilot, "escape", "ctrl+t")
        assert app.current_theme.dark is not dark
        await press(pilot, "ctrl+t")
        assert app.current_theme.dark is dark

    drive(app, scenario)


def test_no_color_is_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    assert app.no_color
