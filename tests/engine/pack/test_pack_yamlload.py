"""Safe YAML loading: line numbers, refused constructs, size limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from relaydoctor.engine.errors import PackError
from relaydoctor.engine.pack import yamlload
from relaydoctor.engine.pack.yamlload import YList, YMap, load_yaml, parse_yaml

LOADERS = [pytest.param(cls, id=cls.__name__) for cls in yamlload._LOADERS]


@pytest.mark.parametrize("loader", LOADERS)
def test_lines_of_mappings_keys_and_items(loader: type) -> None:
    data = parse_yaml("a: 1\nb:\n  - x\n  - {c: 2}\nd:\n  e: f\n", "f.yaml", loader_class=loader)
    assert isinstance(data, YMap) and data.line == 1
    assert data.key_lines == {"a": 1, "b": 2, "d": 5}
    assert isinstance(data["b"], YList) and data["b"].item_lines == [3, 4]
    assert data["b"][1].line == 4
    assert data["d"].line_of("e") == 6


@pytest.mark.parametrize("loader", LOADERS)
def test_timestamps_stay_text_and_plain_scalars_are_typed(loader: type) -> None:
    text = "now: 2026-11-27T00:00:00Z\nday: 2026-11-27\nn: 3\nb: yes\ns: '3'\n"
    data = parse_yaml(text, "f.yaml", loader_class=loader)
    assert data == {"now": "2026-11-27T00:00:00Z", "day": "2026-11-27", "n": 3, "b": True, "s": "3"}


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("a: 1\nb: !!python/object/apply:os.system ['echo pwned']\n", 2, "tag"),
        ("a: !!python/name:os.system\n", 1, "tag"),
        ("a: !!binary aGk=\n", 1, "tag"),
        ("a: !custom 1\n", 1, "tag"),
        ("a: !!set {x: null}\n", 1, "tag"),
        ("a: &x [1]\nb: *x\n", 1, "anchors"),
        ("a: &x [1]\nb: [*x]\n", 1, "aliases"),
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a'"),
        ("a: [1,\n", 2, "invalid YAML"),
        ("a: 1\n---\nb: 2\n", 2, "invalid YAML"),
        ("? [1, 2]\n: x\n", 1, "plain text"),
    ],
)
@pytest.mark.parametrize("loader", LOADERS)
def test_refused_yaml(text: str, line: int, fragment: str, loader: type) -> None:
    with pytest.raises(PackError) as info:
        parse_yaml(text, "f.yaml", loader_class=loader)
    assert info.value.path == "f.yaml" and info.value.line == line
    assert fragment in info.value.message


def test_python_tags_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"a: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{marker}']]\n"
    with pytest.raises(PackError):
        parse_yaml(text, "f.yaml")
    assert not marker.exists()


@pytest.mark.parametrize("loader", LOADERS)
def test_alias_bomb_is_refused_before_expansion(loader: type) -> None:
    bomb = "a: &a [x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    with pytest.raises(PackError, match="anchors"):
        parse_yaml(bomb, "f.yaml", loader_class=loader)


@pytest.mark.parametrize("loader", LOADERS)
def test_deep_nesting_is_an_error_not_a_crash(loader: type) -> None:
    with pytest.raises(PackError):
        parse_yaml("[" * 20000 + "]" * 20000, "f.yaml", loader_class=loader)


def test_file_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * 2000 + "\n")
    with pytest.raises(PackError, match="limited to 1,000") as info:
        load_yaml(big, max_bytes=1000)
    assert info.value.path == str(big)
    assert load_yaml(big, max_bytes=5000)["a"].startswith("xx")


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: 1\nb: \xff\xfe\n")
    with pytest.raises(PackError, match="UTF-8") as info:
        load_yaml(bad)
    assert info.value.line == 2


def test_bom_is_accepted(tmp_path: Path) -> None:
    f = tmp_path / "bom.yaml"
    f.write_bytes("\ufeffa: é\n".encode())
    assert load_yaml(f) == {"a": "é"}
