"""Driving the TUI in tests: run an app headless, wait until its workers are done, read the screen.

``drive(app, scenario)`` runs ``scenario(pilot)`` inside ``App.run_test`` (no pytest-asyncio
needed). ``settle`` waits for the app's jobs and workers (reading, diagnosing, previews, rebuilds)
to finish; it is a wait, not a timing assertion. ``screen_text`` is what a person would see: the
rendered lines of the current screen.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from relaydoctor.tui.app import RelayDoctorApp
from textual.pilot import Pilot
from textual.worker import WorkerState

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "knowledge" / "examples"
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
NOW_ARG = "2026-11-27T12:00:00Z"
SIZE = (80, 24)
OUR_GROUPS = frozenset({"job", "rebuild", "preview", "export"})  # the app's own worker groups


def example(name: str) -> str:
    path = EXAMPLES / name
    assert path.is_dir(), f"missing example bundle {path}"
    return str(path)


def example_without_logs(name: str, tmp_path: Path) -> str:
    """A copy of an example bundle without its send logs (nothing then shows the egress IP)."""
    import shutil

    bundle = tmp_path / name
    shutil.copytree(example(name), bundle)
    for log in bundle.glob("*.LOG"):
        log.unlink()
    return str(bundle)


def make_app(*paths: str, **kwargs: Any) -> RelayDoctorApp:
    kwargs.setdefault("now", NOW)
    return RelayDoctorApp(list(paths), **kwargs)


def drive(
    app: RelayDoctorApp, scenario: Callable[[Pilot], Awaitable[None]], size: tuple[int, int] = SIZE
) -> None:
    async def main() -> None:
        async with app.run_test(size=size, notifications=True) as pilot:
            await settle(pilot)
            await scenario(pilot)

    asyncio.run(main())


async def settle(pilot: Pilot, timeout: float = 180) -> None:
    """Wait until no job or worker is running, then let the screen refresh."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        running = [
            w
            for w in app.workers
            if w.group in OUR_GROUPS and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
        ]
        if not getattr(app, "busy", False) and not running:
            await pilot.pause()
            await pilot.pause()
            return
    raise AssertionError("the app did not settle")


async def steady(pilot: Pilot, tries: int = 60) -> None:
    """Wait until two screenshots in a row are the same: on a loaded machine a long screen (the
    fix steps) can still be laying out, and the scrollbar thumb lands one row off in a snapshot."""
    await pilot.wait_for_scheduled_animations()
    last = None
    for _ in range(tries):
        await pilot.pause(0.05)
        shot = pilot.app.export_screenshot()
        if shot == last:
            return
        last = shot


async def press(pilot: Pilot, *keys: str) -> None:
    """Press keys, then wait for whatever they started."""
    await pilot.press(*keys)
    await settle(pilot)


def screen_text(app: RelayDoctorApp) -> str:
    """The current screen as a person sees it: one string per terminal row, joined by newlines."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def flat(text: str) -> str:
    """Screen text with line breaks and runs of blanks folded, for phrases that may wrap."""
    return " ".join(text.split())


def notifications(app: RelayDoctorApp) -> list[str]:
    return [n.message for n in app._notifications]


def widget_text(app: RelayDoctorApp, selector: str) -> str:
    """The full text of a Static-like widget on the current screen (also what is scrolled away)."""
    widget = app.screen.query_one(selector)
    return str(widget.render())
