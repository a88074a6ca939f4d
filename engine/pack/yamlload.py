"""Safe, size-limited YAML loading that remembers the line of every mapping, key and list item.

Packs are third-party data: loading one must never run code or exhaust memory. This loader is
``yaml.SafeLoader`` narrowed further: only the plain JSON-like tags (map, seq, str, int, float,
bool, null) are accepted, anchors and aliases are refused (they allow exponential expansion),
timestamps stay strings, duplicate keys are errors, and every file is capped in size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import PackError
from .ycontainers import MAX_FILE_BYTES, YList, YMap, line_of

__all__ = ["MAX_FILE_BYTES", "YList", "YMap", "line_of", "load_yaml", "parse_yaml"]

_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = frozenset(_TAG + t for t in ("map", "seq", "str", "int", "float", "bool", "null"))


# YAML 1.1 reads these unquoted words as booleans: ``answer: yes`` is True, not the text "yes"
_BOOL_WORDS = frozenset({"yes", "no", "on", "off", "y", "n"})


def _is_bool_word(node: yaml.Node) -> bool:
    return (
        isinstance(node, yaml.ScalarNode)
        and node.tag == _TAG + "bool"
        and not node.style
        and node.value.lower() in _BOOL_WORDS
    )


class _Checks:
    """Constructor overrides shared by the C and the pure-Python loader: mappings become YMap,
    sequences YList, tags beyond the plain ones and duplicate keys are errors."""

    _path: str

    def _fail(self, message: str, node_or_mark: Any) -> PackError:
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        line = mark.line + 1 if mark is not None else None
        return PackError(message, self._path, line)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node.tag not in _ALLOWED_TAGS:
            raise self._fail(f"YAML tag {node.tag!r} is not allowed in packs", node)
        return super().construct_object(node, deep=deep)  # type: ignore[misc]

    def construct_yaml_map(self, node: yaml.MappingNode) -> Any:
        data = YMap(line=node.start_mark.line + 1)
        yield data
        self.flatten_mapping(node)  # type: ignore[attr-defined]
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | bool) or key is None:
                raise self._fail("mapping keys must be plain text", key_node)
            if key in data:
                raise self._fail(f"duplicate key {key!r}", key_node)
            data[key] = self.construct_object(value_node, deep=True)
            data.key_lines[key] = key_node.start_mark.line + 1
            if _is_bool_word(value_node):
                data.bool_words[key] = value_node.value

    def construct_yaml_seq(self, node: yaml.SequenceNode) -> Any:
        data = YList(line=node.start_mark.line + 1)
        yield data
        for child in node.value:
            data.append(self.construct_object(child, deep=True))
            data.item_lines.append(child.start_mark.line + 1)

    def get_single_data(self) -> Any:
        node = self.get_single_node()  # type: ignore[attr-defined]
        if node is None:
            return None
        self._refuse_aliases(node)
        return self.construct_document(node)  # type: ignore[attr-defined]

    def _refuse_aliases(self, root: yaml.Node) -> None:
        """An alias is a node reached twice: refuse it before anything expands it."""
        seen: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                raise self._fail("YAML anchors and aliases (&name, *name) are not allowed in packs", node)
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    stack.extend((key, value))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)


class _PyLoader(_Checks, yaml.SafeLoader):
    """Pure-Python SafeLoader with the checks (used when libyaml is missing)."""

    def __init__(self, stream: str, path: str) -> None:
        yaml.SafeLoader.__init__(self, stream)
        self._path = path


_LOADERS: list[type] = [_PyLoader]
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(_Checks, yaml.CSafeLoader):  # type: ignore[misc]
        """libyaml parses (fast); the checks and the construction stay in Python."""

        def __init__(self, stream: str, path: str) -> None:
            yaml.CSafeLoader.__init__(self, stream)
            self._path = path

    _LOADERS.insert(0, _CLoader)

_IMPLICIT = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TAG + "timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _cls in _LOADERS:
    _cls.add_constructor(_TAG + "map", _Checks.construct_yaml_map)
    _cls.add_constructor(_TAG + "seq", _Checks.construct_yaml_seq)
    _cls.yaml_implicit_resolvers = _IMPLICIT
_Loader = _LOADERS[0]


def plain_yaml_problem(problem: str, text: str, mark: Any) -> str:
    """The parser's wording, with what it usually means in a pack file said in plain words."""
    char = ""
    if mark is not None and 0 <= mark.index < len(text):
        char = text[mark.index]
    lines = text.splitlines()
    current = lines[mark.line] if mark is not None and 0 <= mark.line < len(lines) else ""
    column = f"column {mark.column + 1}" if mark is not None else "this line"
    if char == "\t" or ("\t" in current and "cannot start any token" in problem):
        return (
            f"a tab character at {column}: YAML indents with spaces only, "
            "so replace the tab with spaces"
        )
    if "mapping values are not allowed" in problem:
        return (
            f"{problem}: a value holding ': ' must be quoted (\"...\"), "
            "or the line is indented deeper than the key above it"
        )
    if any(w in problem for w in ("could not find expected ':'", "expected <block end>", "expected key")):
        return f"{problem}: check the indentation of this line against the lines above it"
    if "found unexpected end of stream" in problem or "found unknown escape" in problem:
        return f"{problem}: a quoted value is not closed, or a backslash in \"...\" (use '...' for regexes)"
    return problem


def parse_yaml(text: str, path: str, *, loader_class: type | None = None) -> Any:
    """Parse one YAML document from ``text``; errors are PackError(path, line)."""
    loader = (loader_class or _Loader)(text, path)
    try:
        return loader.get_single_data()
    except PackError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = plain_yaml_problem(exc.problem or exc.context or "invalid YAML", text, mark)
        raise PackError(f"invalid YAML: {problem}", path, line) from None
    except yaml.YAMLError as exc:
        raise PackError(f"invalid YAML: {exc}", path) from None
    except RecursionError:
        raise PackError("invalid YAML: nested too deeply", path) from None
    finally:
        loader.dispose()


def load_yaml(path: Path, *, display: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Read and parse a pack file, refusing files over ``max_bytes`` before reading them."""
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise PackError(f"file is {size:,} bytes; pack files are limited to {max_bytes:,}", shown)
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise PackError(f"cannot read: {exc.strerror or exc}", shown) from None
    if len(raw) > max_bytes:
        raise PackError(f"file is over {max_bytes:,} bytes; pack files are limited to that", shown)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PackError("not UTF-8 text", shown, line) from None
    return parse_yaml(text, shown)
