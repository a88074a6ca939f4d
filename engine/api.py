"""The engine's one front door: what the CLI and the TUI call, and all they import.

The pipeline runs one way: load packs → load evidence → facts (symptoms recognised, answers
added) → relations → the rules session → the diagnosis's judgement → a ``Report`` → render or
export. Each step lives in its own module; this one assembles them, so neither front end knows
the engine's inside. The types a front end needs to read a report (``Report``, ``Verdict``,
``Status``, the fact classes, the errors) are re-exported here.

Importing this module is cheap (the results model only): packs, parsers, the rules engine and
the renderers are imported when first used, so ``relaydoctor --help`` stays instant.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

from . import __version__
from .answers import ANSWER_KEY, answer_form
from .describe import describe
from .errors import Cancelled, EvidenceError, InputError, PackError, PackErrors, RelaydoctorError
from .facts import (
    FACT_KINDS,
    RELATION_KINDS,
    Answer,
    CertAttribution,
    Certificate,
    CertNameMatch,
    Fact,
    InboundConnector,
    IpAttribution,
    IpConnectorMatch,
    SmtpSession,
    Symptom,
)
from .guidance import COLLECT_SCRIPT, SOURCE_HINT, MissingEvidence, NextStep, missing_evidence, settled_codes
from .results import EvidenceSet, Question, RemediationStep, Report, SourceSummary, Verdict
from .status import STATUS_ORDER, Status
from .utctime import as_utc, format_utc, now_utc, parse_utc, try_parse_utc

if TYPE_CHECKING:
    from .compiled import CompiledRuleset, Firing
    from .evidence.folders import FolderSurvey
    from .pack.cases import CaseResult
    from .pack.model import Packs
    from .precheck.model import Plan as PrecheckPlan
    from .precheck.model import PrecheckReport
    from .report.progress import ProgressBar

Format = Literal["text", "markdown", "json"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "json")
NDR_LABEL = "--ndr"  # the source name of pasted NDR text, in the CLI and the TUI alike
PASTE_LIMIT = 1024 * 1024  # pasted text is a paste, not a log: bigger belongs in a file

Progress = Callable[[int, int], None]
CancelCheck = Callable[[], bool]

# The rules engine has no locks of its own (docs/engine-traps.md #21): one diagnosis at a time,
# also when the TUI re-diagnoses after an answer while a reload is being read.
_ENGINE_LOCK = threading.RLock()
_PACK_CACHE: dict[tuple[str, ...], Packs] = {}
_COMPILED: dict[int, tuple[Packs, CompiledRuleset]] = {}


# ---------------------------------------------------------------------------------------------
# Packs
# ---------------------------------------------------------------------------------------------


def load_packs(pack_dirs: Sequence[str] = (), *, builtin: bool = True, cached: bool = False) -> Packs:
    """The built-in, user-config and ``pack_dirs`` packs merged (only ``pack_dirs`` without
    ``builtin``). ``cached`` reuses the packs loaded before for the same directories; lint and
    test always read them afresh. Raises ``PackErrors`` with every ``path:line`` problem."""
    from .pack import load_packs as load

    dirs = tuple(pack_dirs)
    if not builtin:
        return load(list(dirs), include_builtin=False, include_user_config=False)
    if not cached:
        return load(list(dirs))
    with _ENGINE_LOCK:
        if dirs not in _PACK_CACHE:
            _PACK_CACHE[dirs] = load(list(dirs))
        return _PACK_CACHE[dirs]


def prefetch_packs(pack_dirs: Sequence[str] = ()) -> threading.Thread:
    """Load and compile the packs in a background thread, so a front end that starts up
    meanwhile (the TUI importing Textual, painting its first screen) finds them ready in the
    cache. Errors are left for the real ``load_packs`` call to raise."""

    def load() -> None:
        try:
            with _ENGINE_LOCK:
                _compiled(load_packs(pack_dirs, cached=True))
        except Exception:  # the caller's own load_packs reports it
            pass

    thread = threading.Thread(target=load, name="relaydoctor-prefetch", daemon=True)
    thread.start()
    return thread


def lint_packs(packs: Packs) -> list[PackError]:
    """Every problem ``rules lint`` reports for the loaded ``packs`` (empty: clean)."""
    # from the submodule: the package's lazy ``lint`` is shadowed by the module ``pack.lint`` once
    # anything imported that module first (Python binds a submodule on its package when loaded)
    from .pack.lint import lint
    from .regex_probe import probe

    return list(lint(packs, probe=probe))


def test_packs(packs: Packs, only: Iterable[str] | None = None) -> list[CaseResult]:
    """Run every case of ``packs`` (or those whose case or pack id is in ``only``) through the
    real pipeline (``rules test``)."""
    from .pack import run_cases

    return list(run_cases(packs, diagnose=diagnose, only=only))


test_packs.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def scaffold_code(code: str, dest: Path) -> list[Path]:
    """Write a new code's knowledge, rule and case skeletons into ``dest``; the created files."""
    from .pack import scaffold_code as scaffold

    return list(scaffold(code, dest))


def is_code_id(code: str) -> bool:
    """Whether ``code`` is a valid code id of the pack format (what ``rules new`` accepts)."""
    from .pack.model import CODE_RE

    return bool(CODE_RE.match(code))


def fact_kinds() -> list[str]:
    """Every fact kind a rule can match, for ``rules fields``."""
    return list(FACT_KINDS)


def fields_text(kind: str | None = None) -> str:
    """The fact catalogue for pack authors: kinds, fields, types, enum values, a sentence each."""
    from .factdocs import fields_text as text

    return text(kind)


def guide_names() -> tuple[str, ...]:
    """The pack author's documents that ship with the package (``rules docs``)."""
    from .guides import DEFAULT_GUIDES

    return tuple(DEFAULT_GUIDES)


def guide_text(name: str) -> str:
    from .guides import guide_text as text

    return text(name)


def write_guides(dest: Path) -> list[Path]:
    from .guides import write_guides as write

    return list(write(dest))


def codes_text(packs: Packs) -> str:
    """Every code and cause the packs know, for ``relaydoctor codes``."""
    from .report.knowledge import codes_text as text

    return text(packs)


def explain(packs: Packs, topic: str) -> str:
    """The knowledge entry of a code or a cause, or of the code recognising a status or reply
    text; ``InputError`` (with close matches) when nothing knows ``topic``."""
    from .report.common import one_line
    from .report.knowledge import explain_cause, explain_code, token_topics

    topic = topic.strip()
    if topic in packs.codes:
        return explain_code(packs, topic)
    if topic in packs.causes:
        return explain_cause(packs, topic)
    if topic in packs.renamed:  # a cause's former id (its knowledge file says `replaces:`)
        new = packs.renamed[topic]
        return f"{one_line(topic)!r} was renamed to cause {one_line(new)}.\n\n" + explain_cause(packs, new)
    recognised = packs.recognize(topic) if topic else None
    if recognised is not None:
        lead = f"{one_line(topic)!r} is recognised as code {one_line(recognised.code)}.\n\n"
        return lead + explain_code(packs, recognised.code)
    # a reply token ("ATTR36", "UnknownCredentials"): the cause it means, else the code(s) naming it
    causes, codes = token_topics(packs, topic)
    if causes or codes:
        named = causes[0] if causes else codes[0]
        body = explain_cause(packs, named) if causes else explain_code(packs, named)
        others = [*causes[1:], *codes] if causes else codes[1:]
        tail = f"\n(also named by: {', '.join(others)})\n" if others else ""
        lead = f"{topic!r} is a token of {'cause' if causes else 'code'} {named}.\n\n"
        return lead + body + tail
    import difflib  # only for a suggestion: not on every run's import path
    close = difflib.get_close_matches(topic, [*packs.codes, *packs.causes], n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else "; 'relaydoctor codes' lists them"
    raise InputError(f"unknown code or cause {topic!r}, and no code recognises it{hint}", path="explain")


# ---------------------------------------------------------------------------------------------
# Evidence
# ---------------------------------------------------------------------------------------------


def load_evidence(
    paths: Sequence[str],
    *,
    ndr_texts: Sequence[str] = (),
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
    pfx_password: str | None = None,
) -> EvidenceSet:
    """Parse the evidence at ``paths`` plus pasted NDR texts (one load: same de-duplication,
    order and labels whichever front end asks). Large logs are streamed; raises ``Cancelled``
    when ``cancel()`` says so."""
    from .evidence.loader import load_evidence as load

    many = len(ndr_texts) > 1
    labelled = [(f"{NDR_LABEL} #{i + 1}" if many else NDR_LABEL, t) for i, t in enumerate(ndr_texts)]
    return load(
        list(paths), progress=progress, cancel=cancel, pfx_password=pfx_password, extra_texts=labelled
    )


def survey_folder(folder: str | Path, *, cap: int = 100_000) -> FolderSurvey:
    """How many files adding ``folder`` would read (counting stops at ``cap``), and the tool
    folders (``.git``, virtualenvs, ``node_modules``) its walk skips with their file counts: for
    asking before a big read."""
    from .evidence.folders import survey

    return survey(os.fspath(folder), cap=cap)


def check_text(text: str) -> str | None:
    """Why pasted ``text`` cannot be used as a symptom (None when it can, or when it is empty)."""
    if not text.strip():
        return None
    try:
        load_evidence([], ndr_texts=[text])
    except RelaydoctorError as exc:
        return error_line(exc)
    return None


def preview_text(text: str) -> tuple[list[Fact], str | None]:
    """Symptoms in pasted text, for a live preview: the facts, or why there are none."""
    if not text.strip():
        return [], None
    if len(text.encode("utf-8", "replace")) > PASTE_LIMIT:
        return [], "too long for pasted text: add the file as evidence instead (2)"
    from .evidence.symptoms.text import parse_text

    try:
        return list(parse_text(NDR_LABEL, text).facts), None
    except RelaydoctorError as exc:
        return [], error_line(exc)


# ---------------------------------------------------------------------------------------------
# Diagnosis
# ---------------------------------------------------------------------------------------------


def diagnose(
    paths: Sequence[str],
    *,
    ndr_texts: Sequence[str] = (),
    answers: Mapping[str, str] | None = None,
    extra_facts: Sequence[Fact] = (),
    packs: Packs | None = None,
    pack_dirs: Sequence[str] = (),
    now: dt.datetime | None = None,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
    pfx_password: str | None = None,
) -> Report:
    """Read the evidence at ``paths`` (plus pasted NDR texts and inline facts) and diagnose it
    with ``packs`` (default: the cached built-in, user-config and ``pack_dirs`` packs)."""
    if packs is None:
        packs = load_packs(pack_dirs, cached=True)
    check_answers(answers or {}, packs)  # before reading anything: a typo never decides nothing silently
    evidence = load_evidence(
        paths, ndr_texts=ndr_texts, progress=progress, cancel=cancel, pfx_password=pfx_password
    )
    if extra_facts:
        evidence.facts.extend(extra_facts)
        evidence.sources.append(SourceSummary("inline facts", "facts", facts=len(extra_facts)))
    check_answers(answers or {}, packs, evidence)
    return diagnose_evidence(evidence, packs=packs, answers=answers, now=now)


def answer_problem(key: str, value: str, packs: Packs, evidence: EvidenceSet | None = None) -> str | None:
    """One line naming what is wrong with ``KEY=VALUE`` and what is allowed (None when it is fine):
    the CLI exits 2 with it, the TUI shows it under the field."""
    from .answers import answer_problem as pack_problem
    from .scope import scope_answer_problem

    problem = pack_problem(key, value, packs)
    if problem is None and evidence is not None:
        problem = scope_answer_problem(key, value, evidence.facts)
    return problem


def check_answers(answers: Mapping[str, str], packs: Packs, evidence: EvidenceSet | None = None) -> None:
    """Raise InputError for the first answer the packs (or the evidence's tenants) do not know."""
    for key, value in sorted(answers.items()):
        problem = answer_problem(key, str(value), packs, evidence)
        if problem:
            raise InputError(problem)


def diagnose_evidence(
    evidence: EvidenceSet,
    *,
    packs: Packs,
    answers: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Diagnose already-read evidence: re-diagnosing with new answers never re-reads files."""
    from .diagnosis import build_report
    from .session import get_engine

    moment = as_utc(now or now_utc())

    def run_rules(ruleset: CompiledRuleset, facts: Sequence[Fact]) -> Sequence[Firing]:
        # made one at a time and dropped once checked: a list of them all stayed alive beside the
        # engine's own copies through the run (1.6 MB of a 1 GB bundle's 1,247 facts, at its peak)
        return get_engine().run(ruleset, (f.to_engine() for f in facts))

    with _ENGINE_LOCK:
        return build_report(evidence, _compiled(packs), packs, run_rules, answers=answers or {}, now=moment)


def _compiled(packs: Packs) -> CompiledRuleset:
    """The packs' rules compiled once per ``Packs`` object."""
    key = id(packs)
    if key not in _COMPILED:
        _COMPILED[key] = (packs, _compile_cached(packs))  # holding packs keeps its id unique
    return _COMPILED[key][1]


def _compile_cached(packs: Packs) -> CompiledRuleset:
    """Compiled once per pack content and engine build, on disk beside the packs (~15 ms a run)."""
    import hashlib

    from .pack.cache import read_compiled, write_compiled
    from .pack.loader import cache_key_of
    from .session import engine_build

    packs_key = cache_key_of(packs)
    key = hashlib.sha256(f"{packs_key}\0{engine_build()}".encode()).hexdigest() if packs_key else None
    if key is not None:
        hit = read_compiled(key)
        if hit is not None:
            return hit
    from .pack.compiler import compile_packs
    from .regex_probe import probe

    ruleset = compile_packs(packs, probe=probe)
    if key is not None:
        from .errors import EngineError
        from .session import prepare_rules

        try:  # the facade's form of each rule, stored so a run's registration need not make it
            prepared: tuple[str, ...] | None = prepare_rules(ruleset)
        except EngineError:  # a rule the facade refuses: registration says so, every run
            prepared = None
        write_compiled(key, ruleset, prepared=prepared)
    return ruleset


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def redact(report: Report) -> Report:
    """The report with domains, IPs, names and thumbprints replaced consistently (``--redact``)."""
    from .report.redact import redact_report

    return redact_report(report)


def render(
    report: Report,
    fmt: Format,
    *,
    redacted: bool = False,
    color: bool = False,
    verbose: bool = False,
    width: int | None = None,
) -> str:
    """The report as ``diagnose --format fmt [--redact] [--verbose]`` prints it (text wrapped at
    ``width`` columns, default the renderer's)."""
    from .report import render as render_as

    chosen = redact(report) if redacted else report
    return render_as(chosen, fmt, color=color, verbose=verbose, width=width)


def export(
    report: Report,
    fmt: Format,
    path: str | Path,
    *,
    redacted: bool = False,
    inputs: Sequence[str] = (),
    force: bool = False,
) -> Path:
    """Write the rendered report to ``path`` through the safe writer, as ``--output`` does: never
    over evidence in ``inputs``, a folder, FIFO or device; over an existing file only with
    ``force``; atomically (UTF-8). Returns the path; ``InputError`` naming it when refused."""
    target = Path(path).expanduser()
    check_output(str(target), inputs, force=force)
    write_text(render(report, fmt, redacted=redacted), target)
    return target


def facts_view(report: Report, fmt: Literal["text", "json"], *, redacted: bool = False) -> str:
    """What was extracted from the evidence, with provenance (``relaydoctor facts``)."""
    from .report.common import json_text
    from .report.factsview import facts_json, facts_text

    if redacted:
        report = redact(report)
    return json_text(facts_json(report)) if fmt == "json" else facts_text(report)


def rewrite_sources(report: Report, rewrite: Callable[[str], str]) -> Report:
    """The report with every source path passed through ``rewrite`` (the demo's short names)."""
    from .report.redact import rewrite_report

    return rewrite_report(report, rewrite)


def write_text(text: str, path: str | Path) -> None:
    """Write ``text`` as UTF-8 through a temporary file and a rename (never a partial file); a
    failure is an ``InputError`` naming the file."""
    write_atomic(str(path), text)


def infer_format(output: str | None, given: str | None, allowed: Sequence[str]) -> Format:
    """``--format`` when given, else the format ``--output``'s extension names, else text."""
    from .output import infer_format as infer

    return infer(output, given, allowed)  # type: ignore[return-value]


def check_output(output: str, inputs: Sequence[str], *, force: bool = False) -> None:
    """Refuse an output path that would destroy evidence being read, block, or overwrite without
    ``force`` (``InputError`` naming it)."""
    from .output import check_output as check

    check(output, inputs, force=force)


def write_atomic(output: str, text: str) -> None:
    from .output import write_atomic as write

    write(output, text)


def sigterm_as_interrupt() -> object:
    """SIGTERM stops a command like Ctrl+C does (exit 130), worker processes included. Returns
    the handler it replaced, for ``restore_sigterm``."""
    from .lifecycle import sigterm_as_interrupt as install

    return install()


def restore_sigterm(previous: object) -> None:
    """Put back the SIGTERM handler ``sigterm_as_interrupt`` replaced (in-process callers)."""
    from .lifecycle import restore_sigterm as restore

    restore(previous)


def one_line(text: str) -> str:
    """``text`` on one line, control characters made visible (safe for a terminal)."""
    from .report.common import one_line as flat

    return flat(text)


def error_line(exc: BaseException) -> str:
    """An error as one line (``path:line: message`` for the engine's own errors)."""
    text = exc.one_line() if isinstance(exc, RelaydoctorError) else str(exc)
    return " ".join(text.split()) or type(exc).__name__


def progress_bar(stream: TextIO) -> ProgressBar | None:
    """A reading-progress bar on ``stream`` when it is a terminal that wants one, else None."""
    from .report.progress import progress_for

    return progress_for(stream)


def wants_color(stream: TextIO) -> bool:
    from .report.progress import use_color

    return use_color(stream)


# ---------------------------------------------------------------------------------------------
# Bundled data
# ---------------------------------------------------------------------------------------------


def examples() -> dict[str, str]:
    """The bundled examples, each with its one-line description (``index.yaml``), by name."""
    import yaml

    folder = examples_dir()
    names = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    index_file = folder / "index.yaml"
    index = yaml.safe_load(index_file.read_text("utf-8")) if index_file.is_file() else {}
    return {n: str((index.get(n) or {}).get("shows", "")) for n in names}


def examples_dir() -> Path:
    """The folder of bundled example cases (``knowledge/examples``)."""
    from .paths import builtin_dir

    try:
        return builtin_dir("knowledge") / "examples"
    except FileNotFoundError as exc:
        raise InputError(f"no bundled examples: {exc}") from None


def collect_script() -> str:
    """The PowerShell evidence collector's text."""
    from .paths import builtin_dir

    try:
        script = builtin_dir("knowledge") / "collect" / "collect.ps1"
    except FileNotFoundError as exc:
        raise InputError(f"the evidence collector is not installed ({exc})") from None
    if not script.is_file():
        raise InputError("the evidence collector is not installed", path=str(script))
    return script.read_text("utf-8-sig")


# ---------------------------------------------------------------------------------------------
# Prevent and prove (issue 15): precheck a planned change, watch the logs until the fix holds
# ---------------------------------------------------------------------------------------------


def precheck(
    paths: Sequence[str],
    plan: PrecheckPlan,
    *,
    now: dt.datetime | None = None,
    pfx_password: str | None = None,
    pack_dirs: Sequence[str] = (),
) -> PrecheckReport:
    """Will ``plan`` break relay, judged against the exports at ``paths``? (an empty plan: audit).
    The checks that are pack data are judged by the built-in pack and ``pack_dirs``."""
    from .precheck import precheck as run

    packs = load_packs(pack_dirs, cached=True)
    return run(
        paths,
        plan,
        now=as_utc(now) if now else now_utc(),
        pfx_password=pfx_password,
        diagnose=lambda evidence, at: diagnose_evidence(evidence, packs=packs, now=at),
    )


def render_precheck(
    report: PrecheckReport,
    fmt: Format,
    *,
    color: bool = False,
    verbose: bool = False,
    width: int | None = None,
    redacted: bool = False,
) -> str:
    """The precheck as ``precheck --format fmt [--redact]`` prints it: one line per check."""
    from .report.precheck import render_precheck as render_as

    if redacted:
        from .report.redact import redact_precheck

        report = redact_precheck(report)
    return render_as(report, fmt, color=color, verbose=verbose, width=width or 100)


def watch(
    paths: Sequence[str],
    *,
    since: dt.datetime | None,
    until_fixed: bool,
    timeout: float | None,
    interval: float,
    out: TextIO,
    pfx_password: str | None = None,
    stop: threading.Event | None = None,
    pack_dirs: Sequence[str] = (),
    on_minute: Callable[[str, int, int, str], None] | None = None,
) -> int:
    """Follow the send logs, receive logs, Postfix/sendmail/Exim mail logs, IIS SMTP logs and app logs at
    ``paths`` (exports beside them give the verdicts) and print what happens on ``out``; returns the
    exit code (0 fixed — every failing sender accepted — or stopped, 1 ``--timeout`` before a fix,
    130 Ctrl+C). ``on_minute(minute, sessions, accepted, rejected_by_code)`` feeds a live view after
    every session; ``stop`` ends it."""
    from .watch import run_watch

    packs = load_packs(pack_dirs, cached=True)
    return run_watch(
        paths,
        since=since,
        until_fixed=until_fixed,
        timeout=timeout,
        interval=interval,
        out=out,
        diagnose=lambda evidence, at: diagnose_evidence(evidence, packs=packs, now=at),
        pfx_password=pfx_password,
        stop=stop,
        on_minute=on_minute,
    )


def __getattr__(name: str) -> object:
    """``Packs`` (and the precheck's ``PrecheckPlan``, the folder walk's ``FolderSurvey``) at run
    time without importing their packages at import time."""
    if name == "Packs":
        from .pack.model import Packs

        return Packs
    if name == "FolderSurvey":
        from .evidence.folders import FolderSurvey

        return FolderSurvey
    if name == "PrecheckPlan":
        from .precheck.model import Plan

        return Plan
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ANSWER_KEY",
    "COLLECT_SCRIPT",
    "FACT_KINDS",
    "FORMATS",
    "NDR_LABEL",
    "RELATION_KINDS",
    "SOURCE_HINT",
    "STATUS_ORDER",
    "Answer",
    "Cancelled",
    "CertAttribution",
    "CertNameMatch",
    "Certificate",
    "EvidenceError",
    "EvidenceSet",
    "Fact",
    "FolderSurvey",
    "Format",
    "InboundConnector",
    "InputError",
    "IpAttribution",
    "IpConnectorMatch",
    "MissingEvidence",
    "NextStep",
    "PackError",
    "PackErrors",
    "Packs",
    "Question",
    "RelaydoctorError",
    "RemediationStep",
    "Report",
    "SmtpSession",
    "SourceSummary",
    "Status",
    "Symptom",
    "Verdict",
    "__version__",
    "answer_form",
    "answer_problem",
    "as_utc",
    "check_answers",
    "check_output",
    "check_text",
    "codes_text",
    "collect_script",
    "describe",
    "diagnose",
    "diagnose_evidence",
    "error_line",
    "examples",
    "examples_dir",
    "explain",
    "export",
    "facts_view",
    "format_utc",
    "infer_format",
    "lint_packs",
    "load_evidence",
    "load_packs",
    "missing_evidence",
    "now_utc",
    "one_line",
    "parse_utc",
    "prefetch_packs",
    "preview_text",
    "progress_bar",
    "redact",
    "render",
    "restore_sigterm",
    "rewrite_sources",
    "scaffold_code",
    "settled_codes",
    "sigterm_as_interrupt",
    "survey_folder",
    "test_packs",
    "try_parse_utc",
    "wants_color",
    "write_atomic",
    "write_text",
]
