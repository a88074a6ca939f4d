"""Issue 11's bad input in the TUI: a folder of 10,000 tiny files, most of them not evidence.

The read runs in the update worker, so the app handles keys meanwhile (Esc cancels it); the
evidence table then shows each kind of many files as one row with the count (the skipped notes
are one row saying how many, listed when selected) instead of one DataTable row per file, which
froze the screen for seconds (figures: benchmarks/bench_tui_many_files.py). File names are
shown literally, never as markup. No timing thresholds here: the read is held open while a key is pressed.
"""

from __future__ import annotations

import threading

from relaydoctor.engine import api
from relaydoctor.tui.screens.dialogs import ConfirmDialog, ReadingDialog
from relaydoctor.tui.screens.evidence import GROUP_KEY
from textual.widgets import DataTable, OptionList
from tuikit import (
    MARKUP_NAMES,
    drive,
    flat,
    make_app,
    many_files,
    notifications,
    press,
    screen_text,
    settle,
    widget_text,
)

N = 10_000


def test_ten_thousand_tiny_files_keep_the_app_responsive_and_are_summarised(tmp_path, monkeypatch) -> None:
    folder = many_files(tmp_path / "many", N)
    reading = threading.Event()  # the worker is inside the read
    release = threading.Event()  # ... and may go on
    load = api.load_evidence

    def held_load(paths, **kwargs):
        progress = kwargs.get("progress")

        def held(done: int, total: int) -> None:
            if not reading.is_set():
                reading.set()
                release.wait(120)
            if progress is not None:
                progress(done, total)

        return load(paths, **{**kwargs, "progress": held})

    monkeypatch.setattr(api, "load_evidence", held_load)
    app = make_app()

    async def add_folder(pilot) -> None:
        app.add_paths([str(folder)])
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "10,000 files to read" in flat(screen_text(app))
        await pilot.press("y")

    async def scenario(pilot) -> None:
        await press(pilot, "escape", "2")
        assert app.current_mode == "evidence"
        await add_folder(pilot)
        while not reading.wait(0.01):
            await pilot.pause()
        # the worker is held inside the read of the 10,000 files: the UI goes on, the progress
        # dialog opens, and Esc is handled at once: the read is given up and the evidence is as
        # it was, while the worker thread is still held (it stops at its next file)
        while not isinstance(app.screen, ReadingDialog):
            await pilot.pause(0.02)
        assert app.busy
        await pilot.press("escape")
        await pilot.pause()
        assert not release.is_set()
        assert not isinstance(app.screen, ReadingDialog) and not app.busy
        assert app.walk.paths == [] and any("Reading cancelled" in n for n in notifications(app))
        release.set()
        await settle(pilot)

        await add_folder(pilot)  # and now to the end
        await settle(pilot)
        assert app.walk.report is not None and len(app.walk.report.evidence) == N
        assert app.current_mode == "evidence"

        table = app.screen.query_one("#sources", DataTable)
        skipped = sum(1 for s in app.walk.report.evidence if s.skipped_reason)
        text = flat(screen_text(app))
        assert f"{skipped:,} skipped" in text
        assert f"{skipped:,} files – unknown skipped: not recognised as evidence" in text
        assert table.row_count < 30  # one row per kind of many files, not one per file
        keys = [str(k.value) for k in table.rows]
        group = next(k for k in keys if k.startswith(GROUP_KEY + "unknown"))

        # selecting the group lists every skipped file, names as they are (never markup)
        table.move_cursor(row=table.get_row_index(group))
        await settle(pilot)
        members = app.screen.query_one("#facts", OptionList)
        assert members.option_count == skipped
        prompts = [str(members.get_option_at_index(i).prompt) for i in range(members.option_count)]
        for name in MARKUP_NAMES:
            index = next(i for i, p in enumerate(prompts) if p.endswith(name))
            members.highlighted = index
            await settle(pilot)
            shown = flat(widget_text(app, "#provenance"))
            assert shown.startswith(f"File {folder / 'case' / name} skipped: not recognised"), shown

        # and the conclusions
        await press(pilot, "4")
        assert app.current_mode == "conclusions"
        assert app.walk.report.verdicts

    try:
        drive(app, scenario, size=(120, 40))
    finally:
        release.set()


def test_removing_a_group_from_several_folders_removes_none_of_them_unasked(tmp_path) -> None:
    """A group holds the files of one kind and skip reason from every folder added: removing it must not
    drop the folder its first file is in (with that folder's send log) and keep the others' files. It
    says where they come from; with one of them highlighted below, its folder goes."""
    import shutil
    from pathlib import Path

    from tuikit import example

    a, b = tmp_path / "A", tmp_path / "B"
    for d in (a, b):
        d.mkdir()
        for i in range(12):  # 24 notes in all: one group (GROUP_AT is 20), half of them from each
            (d / f"note{i}.txt").write_text(f"just a note {i} from {d.name}\n")
    shutil.copy(Path(example("attr36")) / "SEND20261124-1.LOG", a)
    app = make_app(str(a), str(b))

    async def scenario(pilot) -> None:
        await press(pilot, "escape", "2")
        table = app.screen.query_one("#sources", DataTable)
        group = next(str(k.value) for k in table.rows if str(k.value).startswith(GROUP_KEY))
        table.move_cursor(row=table.get_row_index(group))
        await settle(pilot)
        table.focus()
        await press(pilot, "x")
        assert app.walk.paths == [str(a), str(b)]
        assert any("2 added" in n for n in notifications(app))
        members = app.screen.query_one("#facts", OptionList)
        prompts = [str(members.get_option_at_index(i).prompt) for i in range(members.option_count)]
        members.focus()
        members.highlighted = next(i for i, p in enumerate(prompts) if "B" in p.split("note")[0])
        await press(pilot, "x")
        assert app.walk.paths == [str(a)]

    drive(app, scenario, size=(120, 40))
