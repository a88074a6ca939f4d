"""A one-line progress bar on stderr, only when stderr is a terminal (never in pipes, logs or CI).

``diagnose`` calls ``progress(done, total)`` with bytes read so far; big send logs take a while.
The bar redraws at most ten times a second and uses only ``\\r`` (no colour, no cursor codes),
so it is safe with ``NO_COLOR`` and dumb terminals.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from typing import TextIO


class ProgressBar:
    def __init__(self, stream: TextIO, label: str = "reading evidence", width: int = 28,
                 min_interval: float = 0.1):
        self.stream = stream
        self.label = label
        self.width = width
        self.min_interval = min_interval
        self._last_draw = float("-inf")
        self._last_len = 0
        self._drawn = False

    def __call__(self, done: int, total: int, *_: object) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        if not finished and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        self.draw(done, total)

    def draw(self, done: int, total: int) -> None:
        if total > 0:
            frac = min(1.0, max(0.0, done / total))
            filled = int(frac * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            line = f"{self.label} [{bar}] {frac * 100:5.1f}% {_size(done)}/{_size(total)}"
        else:
            line = f"{self.label} … {_size(done)}"
        pad = " " * max(0, self._last_len - len(line))
        self.stream.write("\r" + line + pad)
        self.stream.flush()
        self._last_len = len(line)
        self._drawn = True

    def close(self) -> None:
        """Erase the bar so the report (or an error line) starts on a clean line."""
        if self._drawn:
            self.stream.write("\r" + " " * self._last_len + "\r")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_for(stream: TextIO | None = None, env: Mapping[str, str] | None = None) -> ProgressBar | None:
    """A bar on ``stream`` (stderr) when it is an interactive terminal, else None."""
    stream = stream if stream is not None else sys.stderr
    env = env if env is not None else os.environ
    if env.get("TERM") == "dumb" or env.get("CI"):
        return None
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        return None
    return ProgressBar(stream) if interactive else None


def use_color(stream: TextIO | None = None, env: Mapping[str, str] | None = None) -> bool:
    """ANSI colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    stream = stream if stream is not None else sys.stdout
    env = env if env is not None else os.environ
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover
