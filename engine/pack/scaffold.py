"""``relaydoctor rules new CODE``: the skeleton of a new code in a pack directory.

Each file starts with a ``# yaml-language-server: $schema=...`` line naming the installed JSON
Schema of its kind, so an editor with the YAML language server checks it while typing. The
skeleton is valid and lint-clean, so ``rules lint`` passes and ``rules test`` runs, but its
cases fail on purpose until the author replaces the placeholders: the placeholder rule concludes
``likely`` from any symptom of the code, while the cases expect ``confirmed``, ``ruled_out`` and
``undetermined``, and each case's TODO description says what to fill in.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import InputError
from .model import CODE_RE, ENGINE_FORMAT, ID_RE
from .schema import modeline


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def code_slug(code: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-") or "code"


def scaffold_code(code: str, dest: Path) -> list[Path]:
    """Write the knowledge, cause, rule and case skeletons for ``code`` into the pack at
    ``dest`` (creating ``pack.yaml`` if absent). Returns the files written. Never overwrites."""
    if not CODE_RE.match(code):
        raise InputError(f"{code!r} is not a code (letters, digits, '.', '-', '_' or spaces; e.g. 5.7.99)")
    dest = Path(dest)
    slug = code_slug(code)
    name = code if re.fullmatch(r"[A-Za-z0-9._-]+", code) else slug  # file and folder names
    cause = f"todo-cause-{slug}"
    recognize = r"(?<![\d.])" + re.escape(code) + r"(?![\d.])"
    files: dict[Path, str] = {}
    if not (dest / "pack.yaml").exists():
        pack_id = re.sub(r"[^a-z0-9._-]+", "-", dest.resolve().name.lower()).strip("-._")
        pack_id = pack_id if pack_id and ID_RE.match(pack_id) else "local"
        files[dest / "pack.yaml"] = (
            f"id: {_q(pack_id)}\n"
            'version: "0.1.0"\n'
            f"engine_format: {ENGINE_FORMAT}\n"
            f"description: {_q('TODO: what this pack adds')}\n"
        )
    files[dest / "knowledge" / "codes" / f"{name}.yaml"] = (
        f"code: {_q(code)}\n"
        f"title: {_q('TODO: the reply text this code is known by')}\n"
        f"summary: {_q('TODO: one paragraph: what the code means and who generates it.')}\n"
        "direction: relay_to_exo   # TODO: relay_to_exo | exo_to_onprem | client_submission | onprem\n"
        "recognize:                 # Python regexes, searched case-insensitively in reply text\n"
        f"  - '{recognize}'\n"
        f"causes: [{cause}]\n"
        "references: []            # TODO: {title: ..., url: https://...}\n"
    )
    files[dest / "knowledge" / "causes" / f"{cause}.yaml"] = (
        f"cause: {cause}\n"
        f"code: {_q(code)}\n"
        f"title: {_q('TODO: one line saying what is wrong')}\n"
        "explanation: |\n"
        "  TODO: plain-text paragraphs: what goes wrong, and how the evidence shows it.\n"
        "decided_by: [symptom]        # TODO: the fact kinds that decide this cause\n"
        "question:\n"
        f"  id: {cause}-question\n"
        f"  ask: {_q('TODO: what to ask the admin when the evidence cannot decide')}\n"
        f"  why: {_q('TODO: why the answer matters')}\n"
        "  # answers_with: \"key=<value>\"  # TODO: with a rule reading {fact: answer, where: {key: key}}\n"
        "remediation:\n"
        f"  - step: {_q('TODO: what to do; commands below are PowerShell templates')}\n"
        '    commands: []             # e.g. "Get-Something -Identity {s.host}"\n'
        f"verify: {_q('TODO: what to look for after the fix')}\n"
    )
    rule_todo = (
        f"TODO: placeholder: any {code} symptom makes the cause likely. Replace the patterns with the "
        "evidence that proves it, and add confirmed and ruled_out rules."
    )
    files[dest / "rules" / name / f"{cause}.likely.yaml"] = (
        f"id: {cause}.likely\n"
        f"cause: {cause}\n"
        f"code: {_q(code)}\n"
        "status: likely\n"
        f"description: {_q(rule_todo)}\n"
        f"message: {_q('TODO: one line with the names involved, e.g. {s.text}')}\n"
        "when:\n"
        "  - fact: symptom\n"
        "    as: s\n"
        "    where:\n"
        f"      code: {_q(code)}\n"
        "evidence: [s]\n"
    )
    reply = f"550 {code} TODO reply text"
    fact = f"{{kind: symptom, code: {_q(code)}, text: {_q(reply)}}}"
    expectations = {
        "positive": (
            "confirmed",
            "evidence that proves the cause (evidence: or ndr:), and a rule that "
            "concludes confirmed from it; the placeholder rule only says likely",
        ),
        "ruled-out": ("ruled_out", "evidence that rules the cause out, and a ruled_out rule for it"),
        "undetermined": (
            "undetermined",
            "evidence that is not enough to decide; no rule may conclude "
            "from it (the placeholder rule fires on any symptom)",
        ),
    }
    case_dir = dest / "rules" / name / "cases"
    for suffix, (status, todo) in expectations.items():
        files[case_dir / f"{cause}-{suffix}.yaml"] = (
            f"case: {cause}-{suffix}\n"
            f"description: {_q('TODO: replace the inline fact with ' + todo + '.')}\n"
            "facts:\n"
            f"  - {fact}\n"
            "expect:\n"
            f"  {cause}: {status}\n"
        )
    existing = [p for p in files if p.exists() and p.name != "pack.yaml"]
    if existing:
        raise InputError("already exists; scaffold writes only new files", str(existing[0]))
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(modeline(_file_kind(path, dest)) + text, encoding="utf-8")
    return list(files)


def _file_kind(path: Path, dest: Path) -> str:
    """Which pack file kind a scaffolded file is (for its schema modeline)."""
    parts = path.relative_to(dest).parts
    if parts == ("pack.yaml",):
        return "manifest"
    if parts[0] == "knowledge":
        return "code" if parts[1] == "codes" else "cause"
    return "case" if "cases" in parts[:-1] else "rule"
