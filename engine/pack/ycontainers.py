"""The containers YAML loads into, remembering lines: apart from ``yamlload`` so that code reading
them back (the pack cache, run after run) does not import ``yaml`` (~10 ms of every start)."""

from __future__ import annotations

from typing import Any

MAX_FILE_BYTES = 1 << 20  # 1 MiB per YAML file (here, not in yamlload: the loader reads it without yaml)


class YMap(dict):
    """A mapping from YAML with the 1-based line of itself and of each key."""

    line: int | None
    key_lines: dict[Any, int]
    bool_words: dict[Any, str]

    def __init__(self, *args: Any, line: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = line
        self.key_lines = {}
        self.bool_words = {}  # key -> the word written, for a YAML 1.1 boolean other than true/false

    def line_of(self, key: Any) -> int | None:
        return self.key_lines.get(key, self.line)


class YList(list):
    """A sequence from YAML with the 1-based line of itself and of each item."""

    line: int | None
    item_lines: list[int]

    def __init__(self, *args: Any, line: int | None = None) -> None:
        super().__init__(*args)
        self.line = line
        self.item_lines = []

    def line_of(self, index: int) -> int | None:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def line_of(container: Any, key: Any = None) -> int | None:
    """The line of ``container[key]`` (or of the container) when it came from YAML, else None."""
    if key is not None and isinstance(container, YMap | YList):
        return container.line_of(key)
    return getattr(container, "line", None)
