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


REFUSAL = "550 5.7.64 TenantAttribution; Relay Access Denied"
MARKUP_NAMES = ("[bold red]boom.txt", "[@click=app.quit]x.txt")  # no "/" in a file name


def many_files(folder: Path, n: int) -> Path:
    """Issue 11's bad input for the TUI: ``n`` files in 20 subfolders: the attr36 bundle, a tenth
    tiny IIS / PHPMailer / Postfix logs (a third each), the rest short notes that are not
    evidence, two of them named like markup."""
    import shutil

    folder.mkdir(parents=True)
    shutil.copytree(example("attr36"), folder / "case")
    for name in MARKUP_NAMES:
        (folder / "case" / name).write_text("not evidence [b]either[/b]\n")
    left = n - sum(1 for _ in (folder / "case").iterdir())
    for i in range(left):
        sub = folder / f"d{i % 20:02d}"
        sub.mkdir(exist_ok=True)
        k = i % 30
        if k == 0:
            (sub / f"ex{i:05d}.log").write_text(
                "#Software: Microsoft Internet Information Services 6.0\n#Version: 1.0\n#Fields: date time "
                "c-ip cs-username s-sitename s-computername s-ip s-port cs-method cs-uri-stem cs-uri-query "
                "sc-status\n2026-11-20 08:41:19 52.101.68.24 OutboundConnectionResponse SMTPSVC1 "
                f"APP{i} - 25 - - 550+5.7.64+TenantAttribution;+Relay+Access+Denied+[{i}] 0\n")
        elif k == 1:
            (sub / f"app{i:05d}.log").write_text(
                f"2026-11-20 10:02:11 Connection: opening to smart{i}.example.net:25, timeout=300\n"
                f"2026-11-20 10:02:11 CLIENT -> SERVER: MAIL FROM:<a@t{i}.example>\n"
                f"2026-11-20 10:02:12 SERVER -> CLIENT: {REFUSAL} [{i}]\n")
        elif k == 2:
            (sub / f"mail{i:05d}.log").write_text(
                f"Nov 20 08:41:05 relay{i} postfix/qmgr[1]: Q{i:08X}: from=<a@t{i}.example>, size=1, "
                f"nrcpt=1\nNov 20 08:41:07 relay{i} postfix/smtp[2]: Q{i:08X}: to=<p@fabrikam.com>, "
                f"relay=smart{i}.example.net[52.101.68.24]:25, dsn=5.7.64, status=bounced (host "
                f"smart{i}.example.net[52.101.68.24] said: {REFUSAL} [{i}])\n")
        else:
            (sub / f"note{i:05d}.txt").write_text(f"note {i}: [bold]call[/bold] the helpdesk\n")
    return folder
