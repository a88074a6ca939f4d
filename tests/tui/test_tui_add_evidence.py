"""The Add-evidence dialog: typing a path never fires the tree's keys, and a big folder or one
holding .git / a virtualenv / node_modules is added only after asking, with those skipped."""

from __future__ import annotations

import shutil
from pathlib import Path

from relaydoctor.tui.screens.dialogs import AddEvidenceDialog, ConfirmDialog
from textual.widgets import DataTable, Input
from tuikit import drive, example, flat, make_app, notifications, press, screen_text

NDR = "Remote Server returned '550 5.7.64 TenantAttribution; Relay Access Denied'\n"


def _case_with_venv(root: Path) -> Path:
    shutil.copytree(example("attr36"), root)
    venv = root / ".venv"
    (venv / "lib" / "site-packages" / "pkg").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    for i in range(40):
        (venv / "lib" / "site-packages" / "pkg" / f"m{i}.py").write_text(NDR)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def test_the_path_box_has_the_focus_and_letters_type_into_it(tmp_path: Path) -> None:
    (tmp_path / "aaa.txt").write_text(NDR)
    app = make_app()

    async def scenario(pilot) -> None:
        picked: list[str | None] = []
        app.push_screen(AddEvidenceDialog(tmp_path), picked.append)
        await press(pilot)
        dialog = app.screen
        assert isinstance(dialog, AddEvidenceDialog)
        box = dialog.query_one("#add-path", Input)
        assert dialog.focused is box
        # 'a' is "add highlighted" in the tree; typed here it is a letter of the path
        await press(pilot, *"/tmp/a")
        assert box.value == "/tmp/a"
        assert picked == [] and app.screen is dialog
        await press(pilot, "backspace")  # also the tree's "parent folder" key: here it edits
        assert box.value == "/tmp/" and picked == []
        await press(pilot, "tab")
        assert dialog.focused is dialog.query_one("#add-tree")
        await press(pilot, "down", "a")  # in the tree, a adds the highlighted entry
        assert picked == [str(tmp_path / "aaa.txt")]

    drive(app, scenario)


def test_a_folder_with_a_virtualenv_asks_first_and_skips_it(tmp_path: Path) -> None:
    case = _case_with_venv(tmp_path / "case")
    app = make_app()

    async def scenario(pilot) -> None:
        app.add_paths([str(case)])
        await press(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        text = flat(screen_text(app))
        assert "Add this folder?" in text
        assert ".venv — a Python virtualenv, 41 files" in text
        assert ".git — a Git repository's internals, 1 file" in text
        assert app.walk.paths == []  # nothing read yet
        await press(pilot, "y")
        assert app.walk.paths == [str(case)]
        assert any("Skipped 42 files in 2 folders" in n for n in notifications(app))
        await press(pilot, "escape", "2")  # Esc leaves the paste box of step 1
        table = app.screen.query_one("#sources", DataTable)
        keys = [str(k.value) for k in table.rows]
        assert str(case / ".venv") in keys and str(case / ".git") in keys
        assert not [k for k in keys if "/.venv/" in k or "/.git/" in k], "nothing inside was read"
        assert app.walk.report is not None and app.walk.report.verdicts

    drive(app, scenario)


def test_declining_a_big_folder_reads_nothing(tmp_path: Path) -> None:
    for i in range(301):
        (tmp_path / f"file{i:03}.txt").write_text("hello\n")
    app = make_app()

    async def scenario(pilot) -> None:
        app.add_paths([str(tmp_path)])
        await press(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "301 files to read; reading may take a while" in flat(screen_text(app))
        await press(pilot, "enter")  # the focused button is Cancel
        assert not isinstance(app.screen, ConfirmDialog)
        assert app.walk.paths == [] and app.walk.evidence is None

    drive(app, scenario)


def test_a_small_plain_folder_is_added_without_asking(tmp_path: Path) -> None:
    app = make_app()
    folder = tmp_path / "b"
    shutil.copytree(example("attr36"), folder)

    async def scenario(pilot) -> None:
        app.add_paths([str(folder)])
        await press(pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert app.walk.paths == [str(folder)] and app.walk.report is not None

    drive(app, scenario)
