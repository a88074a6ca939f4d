"""docs/writing-rules.md (the tutorial) and docs/rules-reference.md cannot rot: every example runs here.

The fenced blocks of the tutorial, then of the reference, are executed in order in one fresh
directory, as an admin following them literally would: ```yaml file=PATH``` blocks are written
to PATH, ```console``` blocks are run (``$ relaydoctor ...`` with the real CLI, ``$ rm PATH ...``)
and their shown output is compared.
Output conventions: a line ``...`` stands for any number of lines, ``...`` inside a line for any
text, and a last line ``[exit N]`` for the exit code (0 when not shown). Other tests check that
the facts table is the fact model's, and that the operator tour uses every operator.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from facts_table import GUIDE, TUTORIAL, facts_table, table_in
from relaydoctor.engine.pack import load_pack_dirs
from relaydoctor.engine.pack.model import OPERATORS, AnyOf, Ref

FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
EXIT = re.compile(r"^\[exit (\d+)\]$")


@dataclass
class Command:
    argv: list[str]
    expected: list[str] = field(default_factory=list)
    exit_code: int = 0


@dataclass
class Block:
    line: int  # 1-based line of the opening fence in its document
    kind: str  # "file" | "console" | the unknown info string
    path: str = ""
    body: str = ""
    commands: list[Command] = field(default_factory=list)
    doc: str = ""  # the document's file name

    @property
    def where(self) -> str:
        return f"{self.doc} line {self.line}"


def _parse_console(body: str) -> list[Command]:
    commands: list[Command] = []
    for raw in body.splitlines():
        if raw.startswith("$ "):
            commands.append(Command(shlex.split(raw[2:])))
        elif commands:
            m = EXIT.match(raw.strip())
            if m:
                commands[-1].exit_code = int(m.group(1))
            else:
                commands[-1].expected.append(raw.rstrip())
        elif raw.strip():
            raise AssertionError(f"console output before any command: {raw!r}")
    return commands


def guide_blocks(text: str, doc: str = "") -> list[Block]:
    blocks = []
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        info = m.group("info").strip().split()
        body = m.group("body")
        if info[:1] == ["yaml"] and len(info) == 2 and info[1].startswith("file="):
            blocks.append(Block(line, "file", path=info[1][len("file=") :], body=body, doc=doc))
        elif info == ["console"]:
            blocks.append(Block(line, "console", commands=_parse_console(body), doc=doc))
        else:
            blocks.append(Block(line, " ".join(info) or "(no tag)", body=body, doc=doc))
    return blocks


TUTORIAL_TEXT = TUTORIAL.read_text(encoding="utf-8")
GUIDE_TEXT = GUIDE.read_text(encoding="utf-8")  # the reference
BLOCKS = [*guide_blocks(TUTORIAL_TEXT, TUTORIAL.name), *guide_blocks(GUIDE_TEXT, GUIDE.name)]


def _output_regex(expected: list[str]) -> re.Pattern[str]:
    parts = []
    for line in expected:
        if line == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(p) for p in line.split("...")) + r"[ \t]*\n")
    return re.compile("".join(parts))


def output_matches(expected: list[str], actual: str) -> bool:
    if not expected:
        return True
    text = "\n".join(line.rstrip() for line in actual.splitlines()) + "\n"
    return _output_regex(expected).fullmatch(text) is not None


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(home), "APPDATA": str(home), "NO_COLOR": "1"}
    env.pop("RELAYDOCTOR_PACKS", None)
    return env


def _run(cmd: Command, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    if cmd.argv[0] == "rm":
        for rel in cmd.argv[1:]:
            target = (cwd / rel).resolve()
            assert cwd.resolve() in target.parents, f"rm outside the work folder: {rel}"
            target.unlink()
        return 0, ""
    assert cmd.argv[0] == "relaydoctor", f"the guide runs only relaydoctor and rm, not {cmd.argv[0]!r}"
    proc = subprocess.run(
        [sys.executable, "-m", "relaydoctor.engine", *cmd.argv[1:]],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    return proc.returncode, proc.stdout + proc.stderr


def test_every_fenced_block_is_executable():
    """No example in the guide escapes the test: only file and console blocks are allowed."""
    assert {b.doc for b in BLOCKS} == {TUTORIAL.name, GUIDE.name}, "both documents have examples"
    unknown = [f"{b.where}: ```{b.kind}" for b in BLOCKS if b.kind not in ("file", "console")]
    assert unknown == []
    assert all(b.commands for b in BLOCKS if b.kind == "console")


def test_output_matching_is_strict():
    """The comparison itself: ellipses match, anything else must be there, in order."""
    assert output_matches(["a", "...", "c ... e"], "a\nb\nb2\nc d e\n")
    assert not output_matches(["a", "c"], "a\nb\nc\n")
    assert not output_matches(["c", "a"], "a\nc\n")
    assert output_matches(["ok: ... codes"], "ok: 15 codes\n")


@pytest.fixture(scope="module")
def guide_run(tmp_path_factory):
    """Follow the guide from top to bottom in a fresh folder; record every problem."""
    work = tmp_path_factory.mktemp("guide")
    env = _env(tmp_path_factory.mktemp("config"))
    problems: list[str] = []
    for block in BLOCKS:
        if block.kind == "file":
            target = work / block.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.body, encoding="utf-8")
        elif block.kind == "console":
            for cmd in block.commands:
                code, out = _run(cmd, work, env)
                where = f"{block.where}: $ {shlex.join(cmd.argv)}"
                if code != cmd.exit_code:
                    problems.append(f"{where}: exit {code}, expected {cmd.exit_code}\n{out}")
                elif not output_matches(cmd.expected, out):
                    shown = "\n".join(cmd.expected)
                    problems.append(f"{where}: output differs\n--- expected\n{shown}\n--- got\n{out}")
    return work, problems


def test_the_guide_runs_as_written(guide_run):
    _, problems = guide_run
    assert problems == [], "\n\n".join(problems)


@pytest.mark.parametrize(
    ("name", "code", "builtin"),
    [("mypack", "5.7.68", False), ("ippack", "5.7.606-649", True)],
    ids=["re-created-builtin-code-alone", "new-code-beside-builtin"],
)
def test_the_worked_examples_are_working_packs(guide_run, name, code, builtin):
    """What the reader ends up with: user packs that lint clean and pass their own cases; the
    re-created built-in code alone (--no-builtin), the new code beside the built-in pack."""
    work, _ = guide_run
    from relaydoctor.engine.api import diagnose
    from relaydoctor.engine.pack import load_packs
    from relaydoctor.engine.pack.cases import run_case
    from relaydoctor.engine.pack.lint import lint

    packs = load_packs([work / name], include_builtin=builtin, include_user_config=False)
    assert [p.one_line() for p in lint(packs)] == []
    assert code in packs.codes
    mine = [c for c in packs.cases if c.pack == name]
    assert len(mine) >= 3
    for case in mine:
        result = run_case(case, packs, diagnose=diagnose)
        assert result.passed, result.message()
    assert not list((work / name).rglob("todo-*")), "the skeleton files are still there"


def test_the_operator_tour_uses_every_operator(guide_run):
    work, _ = guide_run
    packs = load_pack_dirs([work / "tour"])
    (rule,) = [r for r in packs.rules if r.id == "operator-tour.every-operator"]
    ops: set[str] = set()

    def walk(tests):
        for t in tests:
            if isinstance(t, AnyOf):
                ops.add("any_of")
                for group in t.groups:
                    walk(group)
            else:
                ops.add("ref" if isinstance(t.value, Ref) else t.op)

    for pattern in rule.when:
        walk(pattern.tests)
    if rule.negations:
        ops.add("not")
    assert ops >= {*OPERATORS, "ref", "any_of", "not"}


def test_the_operator_table_names_every_operator():
    section = GUIDE_TEXT.split("## 2. The condition language", 1)[1].split("\n## 3.", 1)[0]
    for op in OPERATORS:
        assert f"{{{op}:" in section, op
    for word in ("{ref:", "any_of", "not:"):
        assert word in section, word


def test_facts_table_is_the_fact_model():
    """Regenerate with: python tests/docs/facts_table.py --write"""
    assert table_in(GUIDE_TEXT) == facts_table()


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_tutorial_is_short_and_its_links_land():
    """The tutorial stays a tutorial (the details belong in the reference), and every link
    between the two documents names a heading that exists."""
    assert len(TUTORIAL_TEXT.splitlines()) < 400
    texts = {TUTORIAL.name: TUTORIAL_TEXT, GUIDE.name: GUIDE_TEXT}
    anchors = {
        name: {_slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}
        for name, text in texts.items()
    }
    broken = []
    for name, text in texts.items():
        for target, anchor in re.findall(r"\]\(([\w.-]*\.md)?#([^)\s]+)\)", text):
            doc = target or name
            if doc in anchors and anchor not in anchors[doc]:
                broken.append(f"{name}: {target}#{anchor}")
    assert broken == []
