"""The hostile-input corpus (issue 12): report how many hostile cases a run tried."""

from __future__ import annotations

_TRIED: list[str] = []


def pytest_runtest_logreport(report) -> None:
    if report.when == "call" and "tests/hostile/" in report.nodeid.replace("\\", "/"):
        _TRIED.append(report.nodeid)


def pytest_terminal_summary(terminalreporter) -> None:
    if _TRIED:
        terminalreporter.write_line(f"hostile cases tried: {len(_TRIED)} (tests/hostile)")
