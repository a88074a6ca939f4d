"""The ``relaydoctor`` command line: the commands and their exit codes over ``engine/api.py``.

Exit codes: 0 a report (or listing) was produced; 1 ``rules test`` had failing cases; 2 usage or
input error — one line on stderr naming the file (and line) or the argument, never a traceback;
70 an internal error (a bug: one line, and ``RELAYDOCTOR_DEBUG=1`` shows the traceback);
130 interrupted. The commands and options are a contract (docs/architecture.md, "Contracts").
Everything the commands do goes through the api, which imports the heavy modules (packs,
parsers, the rules engine) only when a command needs them, so ``--help`` is instant.

The parser (argparse) is ``engine/cliparser.py``, imported only when a command line is not a plain
``diagnose`` one (``cliargs.plain_diagnose_args``): argparse costs ~2.5 ms of every run (issue 11).
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from . import api
from .api import (
    Cancelled,
    EvidenceError,
    InputError,
    PackErrors,
    RelaydoctorError,
    Report,
)
from .cliargs import PROG, UsageError, command_of, demo_epilog, demo_examples, plain_diagnose_args

if TYPE_CHECKING:
    import argparse

    from .api import Packs

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 70, 130


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The CLI's argparse parser (``cliparser.build_parser``) running this module's commands; with
    ``only`` (a command), that command's arguments alone are made."""
    from .cliparser import build_parser as build

    return build(only, {
        "tui": cmd_tui, "diagnose": cmd_diagnose, "facts": cmd_facts, "codes": cmd_codes,
        "explain": cmd_explain, "rules lint": cmd_rules_lint, "rules test": cmd_rules_test,
        "rules fields": cmd_rules_fields, "rules docs": cmd_rules_docs, "rules new": cmd_rules_new,
        "precheck": cmd_precheck, "watch": cmd_watch, "collect-script": cmd_collect_script,
        "demo": cmd_demo,
    })


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (the console script passes it to ``sys.exit``)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    _tolerant_streams()
    previous = api.sigterm_as_interrupt()
    shown = warnings.showwarning
    warnings.showwarning = _warning_line
    try:
        args = plain_diagnose_args(args_list, cmd_diagnose)
        if args is None:  # help, usage errors, other commands: argparse (engine/cliparser.py)
            args = build_parser(command_of(args_list)).parse_args(args_list)
        func: Callable[[argparse.Namespace], int] = getattr(args, "func", cmd_tui)
        if not hasattr(args, "paths"):
            args.paths = []
        return func(args)
    except SystemExit as exc:  # --help / --version
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_INPUT)
    except (KeyboardInterrupt, Cancelled):  # the user stopped it: no message, no traceback
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `relaydoctor ... | head`: the reader left; not an error
        _silence_stdout()
        return EXIT_OK
    except InputError as exc:
        _err(exc.one_line())
        return EXIT_INPUT
    except OSError as exc:  # the machine, not the program: a full disk, an I/O error
        where = f"{os.fsdecode(exc.filename)}: " if isinstance(exc.filename, str | bytes) else ""
        _err(f"{where}{exc.strerror or exc}")
        return EXIT_INPUT
    except Exception as exc:  # a bug, or the engine refusing something it should not see
        if os.environ.get("RELAYDOCTOR_DEBUG"):
            raise
        kind = "engine error" if isinstance(exc, RelaydoctorError) else "internal error"
        text = " ".join(str(exc).split()) or type(exc).__name__
        _err(f"{kind}: {type(exc).__name__}: {text} (a bug; RELAYDOCTOR_DEBUG=1 shows details)")
        return EXIT_INTERNAL
    finally:
        api.restore_sigterm(previous)  # in-process callers (tests, the TUI) get their handler back
        warnings.showwarning = shown


def _warning_line(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    """A Python warning from a library (the X.509 parser, the regex engine) as one line, like
    every other message: never the two-line ``file:line: Category`` form with a source line."""
    _err(f"warning: {message}")


def _tolerant_streams() -> None:
    """A stdout in a non-UTF-8 locale (``LANG=C`` on old systems, ISO-8859-1) or a file name of
    undecodable bytes must degrade to escapes, never crash: characters the stream cannot encode
    are written as ``\\uXXXX``."""
    for stream, errors in ((sys.stdout, "backslashreplace"), (sys.stderr, "backslashreplace"),
                           (sys.stdin, "surrogateescape")):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors=errors)


def _err(line: str) -> None:
    """One line on stderr; control characters in it (from hostile file names) are made visible."""
    if sys.stderr is None:
        return
    try:
        sys.stderr.write(f"{PROG}: {api.one_line(line)}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


def cmd_tui(args: argparse.Namespace) -> int:
    paths = _check_paths(args.paths)
    options = {
        "pack_dirs": _check_dirs(getattr(args, "pack", []), "--pack"),
        "now": getattr(args, "now", None),
        "answers": dict(getattr(args, "answer", [])),
        "pfx_password": _pfx_password(getattr(args, "pfx_password_env", None)),
    }
    if options["answers"]:  # the same check as diagnose: an answer no pack reads is refused
        api.check_answers(options["answers"], api.load_packs(options["pack_dirs"], cached=True))
    api.prefetch_packs(options["pack_dirs"])  # while Textual is imported and paints
    try:
        from relaydoctor.tui.app import run
    except ImportError as exc:
        raise InputError(
            f"the terminal UI is not available ({exc}); use 'relaydoctor diagnose PATH'"
        ) from None
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InputError("the terminal UI needs an interactive terminal; use 'relaydoctor diagnose PATH'")
    wanted = {k: v for k, v in options.items() if v}  # plain `relaydoctor` passes just the paths
    result = run(paths, **wanted)
    return result if isinstance(result, int) else EXIT_OK


def cmd_diagnose(args: argparse.Namespace) -> int:
    if not args.paths and not args.ndr:
        raise UsageError("give evidence PATH(s), --ndr TEXT, or both (see 'relaydoctor diagnose --help')")
    paths = _check_paths(args.paths)
    _prepare_output(args, paths, ("text", "markdown", "json"))
    report = _run_diagnosis(
        paths,
        ndr_texts=_ndr_texts(args.ndr),
        answers=dict(args.answer),
        **_pack_source(args),
        now=args.now,
        pfx_password=_pfx_password(args.pfx_password_env),
    )
    _require_evidence(report, paths, has_text=bool(args.ndr) or bool(args.answer))
    return _emit_report(report, args)


def cmd_demo(args: argparse.Namespace) -> int:
    examples, shown = demo_examples()
    if args.list:
        _write(demo_epilog() + "\n", None)
        return EXIT_OK
    names = list(shown)
    if args.name not in names:
        raise InputError(f"unknown example {args.name!r}; available: {', '.join(names)}", path="demo")
    folder = examples / args.name
    _prepare_output(args, [str(folder)], ("text", "markdown", "json"))
    report = _run_diagnosis([str(folder)], now=args.now)
    # Show the example's files as "renewed-certificate/SEND....LOG:116", not a site-packages path.
    prefix = str(examples) + os.sep
    report = api.rewrite_sources(report, lambda s: s.replace(prefix, ""))
    if args.output is None and args.format == "text":
        _err(f"demo: the bundled example '{args.name}' (its files are in {folder})")
    return _emit_report(report, args)


def cmd_facts(args: argparse.Namespace) -> int:
    paths = _check_paths(args.paths)
    _prepare_output(args, paths, ("text", "json"))
    report = _run_diagnosis(
        paths,
        ndr_texts=_ndr_texts(args.ndr),
        pack_dirs=_check_dirs(args.pack, "--pack"),
        now=args.now,
        pfx_password=_pfx_password(args.pfx_password_env),
    )
    _require_evidence(report, paths, has_text=bool(args.ndr))
    _write(api.facts_view(report, args.format, redacted=args.redact), args.output,
           inputs=args.inputs, force=args.force)
    return EXIT_OK


def cmd_codes(args: argparse.Namespace) -> int:
    packs = _load_packs(args.pack, cached=True, builtin=not args.no_builtin)
    _write(api.codes_text(packs), None)
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    """A code, a cause, or a raw status or reply text ("535 5.7.139 ...") that a code recognises."""
    packs = _load_packs(args.pack, cached=True, builtin=not args.no_builtin)
    _write(api.explain(packs, args.topic), None)
    return EXIT_OK


def cmd_rules_lint(args: argparse.Namespace) -> int:
    try:
        packs = _load_packs(args.pack, builtin=not args.no_builtin)
        problems = list(api.lint_packs(packs))
    except PackErrors as exc:
        problems = list(exc.errors) or [exc]
    if problems:
        for problem in problems:
            sys.stderr.write(problem.one_line() + "\n")
        sys.stderr.write(f"{PROG}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the packs\n")
        return EXIT_INPUT
    ids = ", ".join(f"{p.id} {p.version}" for p in packs.packs)
    _write(f"ok: {len(packs.codes)} codes, {len(packs.causes)} causes ({ids})\n", None)
    return EXIT_OK


def cmd_rules_test(args: argparse.Namespace) -> int:
    try:
        packs = _load_packs(args.pack, builtin=not args.no_builtin)
        problems = list(api.lint_packs(packs))  # a pack CI running only 'rules test' lints too
    except PackErrors as exc:
        problems = list(exc.errors) or [exc]
    if problems:
        for problem in problems:
            sys.stderr.write(problem.one_line() + "\n")
        sys.stderr.write(f"{PROG}: the packs do not lint ({len(problems)} problems); no case was run\n")
        return EXIT_INPUT
    if args.cases:
        known = {c.case for c in packs.cases} | {p.id for p in packs.packs}
        unknown = [c for c in args.cases if c not in known]
        if unknown:
            import difflib  # only for a suggestion: not on every run's import path
            close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise InputError(f"no case or pack {unknown[0]!r}{hint}", path="rules test")
    results = api.test_packs(packs, only=args.cases or None)
    failed = xfailed = 0
    lines = []
    for result in results:
        ok = bool(result.passed)
        failed += not ok
        xfailed += bool(result.xfail)
        lines.append(f"{result.label}  {result.case}  ({result.path})")
        if not ok or result.xfail:
            lines.extend(f"      {line}" for line in result.message().splitlines())
        if args.verbose:
            lines.extend(f"      fired: {one}" for one in result.fired or ("no rule concluded",))
            lines.extend(f"      near miss: {one}" for one in result.near)
        elif not ok:  # a failure says which rules concluded its causes and which came closest
            wrong = {m.cause.partition("@")[0] for m in result.mismatches}
            lines.extend(f"      fired: {one}" for one in result.fired if one.cause in wrong)
            lines.extend(f"      nearest miss: {one}" for one in result.near[:1])
    passed = len(results) - failed - xfailed
    lines.append(f"{passed} passed, {failed} failed" + (f", {xfailed} expected failures" if xfailed else ""))
    _write("\n".join(lines) + "\n", None)
    return EXIT_FAILED if failed else EXIT_OK


def cmd_rules_new(args: argparse.Namespace) -> int:
    code = args.code.strip()
    if not api.is_code_id(code):  # the pack format's own rule for code ids (docs/pack-format.md)
        raise InputError(
            f"{code!r} is not a code id (letters, digits, '.', '_', '-' and spaces, at most 40)",
            path="rules new",
        )
    dest = Path(args.dest)
    if dest.exists() and not dest.is_dir():
        raise InputError("not a directory", path=str(dest))
    created = api.scaffold_code(code, dest)
    _write("".join(f"created {p}\n" for p in created), None)
    return EXIT_OK


def cmd_rules_fields(args: argparse.Namespace) -> int:
    kind = args.kind.strip() if args.kind else None
    if kind is not None and kind not in api.fact_kinds():
        import difflib  # only for a suggestion: not on every run's import path
        close = difflib.get_close_matches(kind, api.fact_kinds(), n=1)
        hint = f"; did you mean {close[0]}?" if close else "; 'relaydoctor rules fields' lists them"
        raise InputError(f"unknown fact kind {kind!r}{hint}", path="rules fields")
    _write(api.fields_text(kind), None)
    return EXIT_OK


def cmd_rules_docs(args: argparse.Namespace) -> int:
    if args.dest:
        dest = Path(args.dest)
        if dest.exists() and not dest.is_dir():
            raise InputError("not a directory", path=str(dest))
        _write("".join(f"wrote {p}\n" for p in api.write_guides(dest)), None)
        return EXIT_OK
    names = [args.name] if args.name else list(api.guide_names())
    _write("\n\n".join(api.guide_text(n).rstrip("\n") for n in names) + "\n", None)
    return EXIT_OK


def cmd_precheck(args: argparse.Namespace) -> int:
    paths = _check_paths(args.paths)
    if args.cert is not None:
        _check_paths([args.cert])
    _prepare_output(args, [*paths, *([args.cert] if args.cert else [])], ("text", "markdown", "json"))
    plan = api.PrecheckPlan(
        cert=args.cert,
        egress_ip=args.egress_ip,
        connector_cert_name=args.connector_cert_name,
        connector_ips=args.connector_ips,
        connector=args.connector,
        sender_domain=args.sender_domain,
        days=args.days,
    )
    report = api.precheck(paths, plan, now=args.now, pfx_password=_pfx_password(args.pfx_password_env),
                          pack_dirs=_check_dirs(args.pack, "--pack"))
    if not [s for s in report.evidence if not s.skipped_reason]:
        raise InputError("no evidence relaydoctor recognises", path=paths[0] if len(paths) == 1 else None)
    color = args.output is None and args.format == "text" and api.wants_color(sys.stdout)
    width = _terminal_width() if args.output is None else None
    text = api.render_precheck(report, args.format, color=color, verbose=args.verbose, width=width,
                               redacted=args.redact)
    _write(text, args.output, inputs=args.inputs, force=args.force)
    return EXIT_FAILED if report.status == "fail" else EXIT_OK


def cmd_watch(args: argparse.Namespace) -> int:
    return api.watch(
        _check_paths(args.paths),
        since=args.since,
        until_fixed=args.until_fixed,
        timeout=args.timeout,
        interval=args.interval,
        out=sys.stdout,
        pfx_password=_pfx_password(args.pfx_password_env),
        pack_dirs=_check_dirs(args.pack, "--pack"),
    )


def cmd_collect_script(args: argparse.Namespace) -> int:
    _write(api.collect_script(), None)
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _check_paths(paths: Sequence[str]) -> list[str]:
    for path in paths:
        if not os.path.exists(path):
            raise InputError("no such file or directory", path=path)
        if not os.access(path, os.R_OK):
            raise InputError("permission denied", path=path)
    return list(paths)


def _check_dirs(dirs: Sequence[str], option: str) -> list[str]:
    for d in dirs:
        if not os.path.isdir(d):
            raise InputError(f"{option}: not a directory", path=d)
    return list(dirs)


MAX_NDR_STDIN_CHARS = 8 * 1024 * 1024  # `--ndr -` reads at most this much (an endless pipe ends here)


def _ndr_texts(texts: Sequence[str]) -> list[str]:
    out = []
    for text in texts:
        if text == "-":
            if sys.stdin is None:
                raise InputError("--ndr -: standard input is closed")
            text = sys.stdin.read(MAX_NDR_STDIN_CHARS + 1)
            if len(text) > MAX_NDR_STDIN_CHARS:
                raise InputError(f"--ndr -: more than {MAX_NDR_STDIN_CHARS:,} characters on standard input")
        if not text.strip():
            raise InputError("--ndr: empty text")
        out.append(text)
    return out


def _pfx_password(var: str | None) -> str | None:
    if var is None:
        return None
    if var not in os.environ:
        raise InputError(f"environment variable {var} is not set", path="--pfx-password-env")
    return os.environ[var]


def _load_packs(dirs: Sequence[str], *, cached: bool = False, builtin: bool = True) -> Packs:
    """The built-in, user-config and --pack packs (only the --pack ones without ``builtin``).
    ``rules lint/test`` always read them afresh."""
    dirs = _check_dirs(dirs, "--pack")
    if not builtin and not dirs:
        raise UsageError("--no-builtin needs at least one --pack DIR")
    return api.load_packs(dirs, builtin=builtin, cached=cached and builtin)


_PFX_LOCKED = "PFX is password-protected"


def _pack_source(args: argparse.Namespace) -> dict[str, Any]:
    """diagnose()'s pack argument: the cached default set, or only the --pack dirs (--no-builtin)."""
    if args.no_builtin:
        return {"packs": _load_packs(args.pack, builtin=False)}
    return {"pack_dirs": _check_dirs(args.pack, "--pack")}


def _run_diagnosis(paths: Sequence[str], *, prompt: Callable[[], str] | None = None, **kwargs: Any) -> Report:
    """Diagnose; when a PFX needs a password that --pfx-password-env did not give and we are on an
    interactive terminal, ask for it once (never echoed, never stored) and read the evidence again."""
    report = None
    try:
        report = _diagnose_once(paths, **kwargs)
        locked = any(_PFX_LOCKED in (s.skipped_reason or "") for s in report.evidence)
    except EvidenceError as exc:
        if _PFX_LOCKED not in exc.message:
            raise
        locked = True
        failure = exc
    if locked and kwargs.get("pfx_password") is None:
        ask = prompt or (_ask_pfx_password if _interactive() else None)
        if ask is not None:
            return _diagnose_once(paths, **{**kwargs, "pfx_password": ask()})
    if report is None:
        raise failure
    return report


def _diagnose_once(paths: Sequence[str], **kwargs: Any) -> Report:
    bar = api.progress_bar(sys.stderr)
    try:
        return api.diagnose(list(paths), progress=bar, **kwargs)
    finally:
        if bar is not None:
            bar.close()


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty() and not os.environ.get("CI")


def _ask_pfx_password() -> str:
    import getpass

    return getpass.getpass("relaydoctor: password for the .pfx file(s): ")


def _require_evidence(report: Report, paths: Sequence[str], *, has_text: bool) -> None:
    """Refuse to 'diagnose' nothing (no evidence read and no --ndr); otherwise warn, one line each,
    about the files the user named that were skipped. They stay in the report's evidence list,
    like files skipped inside a folder: one stray file never costs the diagnosis."""
    read = [s for s in report.evidence if not s.skipped_reason]
    if not read and not has_text:
        skipped = [s for s in report.evidence if s.skipped_reason]
        if len(skipped) == 1 and len(paths) == 1 and skipped[0].source == paths[0]:
            raise InputError(f"not evidence relaydoctor can read: {skipped[0].skipped_reason}", path=paths[0])
        example = f" (e.g. {skipped[0].source}: {skipped[0].skipped_reason})" if skipped else ""
        where = paths[0] if len(paths) == 1 else None
        raise InputError(
            f"no evidence relaydoctor recognises in {len(skipped)} file{'s' if len(skipped) != 1 else ''}"
            f"{example}",
            path=where,
        )
    skipped = {os.path.normpath(s.source): s for s in report.evidence if s.skipped_reason}
    for path in dict.fromkeys(os.path.normpath(p) for p in paths):  # in the order they were named
        source = skipped.get(path)
        if source is not None:
            _err(f"warning: {source.source}: skipped: {source.skipped_reason}")


def _prepare_output(args: argparse.Namespace, inputs: Sequence[str], formats: tuple[api.Format, ...]) -> None:
    """Settle the format (from --output's extension unless --format) and refuse a dangerous
    --output before any work is done."""
    if args.output == "-":  # the usual spelling of standard output
        args.output = None
    args.format = api.infer_format(args.output, args.format, formats)
    args.inputs = list(inputs)
    if args.output is not None:
        api.check_output(args.output, args.inputs, force=args.force)


def _emit_report(report: Report, args: argparse.Namespace) -> int:
    color = args.output is None and args.format == "text" and api.wants_color(sys.stdout)
    width = _terminal_width() if args.output is None else None
    text = api.render(report, args.format, redacted=args.redact, color=color,
                      verbose=getattr(args, "verbose", False), width=width)
    _write(text, args.output, inputs=args.inputs, force=args.force)
    return EXIT_OK


def _terminal_width() -> int | None:
    """The terminal's columns when stdout is one, else None (the report's default width)."""
    try:
        if sys.stdout.isatty():
            return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        pass
    return None


def _write(text: str, output: str | None, stream: TextIO | None = None, *,
           inputs: Sequence[str] = (), force: bool = False) -> None:
    if output is None:
        out = stream or sys.stdout
        if out is None:  # started with stdout closed (`>&-`)
            raise InputError("cannot write the report: standard output is closed (use --output FILE)")
        try:
            out.write(text)
            out.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:  # a full disk, a closed descriptor: one line, not "a bug"
            _silence_stdout()
            raise InputError(f"cannot write the report to standard output: {exc.strerror or exc}") from None
        return
    api.check_output(output, inputs, force=force)  # again: the path may have changed while we worked
    api.write_atomic(output, text)
