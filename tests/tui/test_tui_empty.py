"""The empty state matches the CLI: where `diagnose` exits 2 (no evidence), the TUI says
"No evidence yet — add files or paste an NDR" instead of listing every cause as open."""

from __future__ import annotations

from pathlib import Path

from relaydoctor.engine.cli import main
from textual.widgets import OptionList
from tuikit import drive, flat, make_app, press, screen_text

NO_EVIDENCE = "No evidence yet — add files or paste an NDR."


def _no_causes_listed(app) -> None:
    verdicts = app.screen.query_one("#verdicts", OptionList)
    assert verdicts.option_count == 0
    text = screen_text(app)
    assert "Undetermined" not in text and "connector-missing" not in text


def test_an_empty_folder_says_no_evidence(tmp_path: Path) -> None:
    assert main(["diagnose", str(tmp_path)]) == 2  # what the CLI does with it
    app = make_app(str(tmp_path))

    async def scenario(pilot) -> None:
        assert app.current_mode == "conclusions"
        assert NO_EVIDENCE in flat(screen_text(app))
        _no_causes_listed(app)
        assert "Questions (" not in screen_text(app), "no question badge without evidence"
        await press(pilot, "2")
        assert NO_EVIDENCE in flat(screen_text(app))
        assert "Still missing" not in screen_text(app)
        await press(pilot, "3")
        assert NO_EVIDENCE in flat(screen_text(app))
        assert not app.screen.query_one("#questions").children, "no questions listed"

    drive(app, scenario)


def test_a_folder_of_non_evidence_counts_the_skipped_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("lunch at noon\n")
    (tmp_path / "photo.bin").write_bytes(bytes(range(256)))
    assert main(["diagnose", str(tmp_path)]) == 2
    app = make_app(str(tmp_path))

    async def scenario(pilot) -> None:
        assert "(2 files skipped as not evidence: see 2)" in flat(screen_text(app))
        _no_causes_listed(app)

    drive(app, scenario)


def test_a_bare_start_says_no_evidence_on_the_conclusions(tmp_path: Path) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await press(pilot, "escape", "4")
        assert NO_EVIDENCE in flat(screen_text(app))
        _no_causes_listed(app)

    drive(app, scenario)
