"""Walk the user's evidence (files, folders, zips), sniff each file by content, run its parser.

- Files are recognised by **content only**: each parser's ``sniff`` is asked in the fixed order of
  ``registry.PARSERS`` (most specific first, generic text last).
- Folders are walked recursively in sorted order, except tool folders (``.git``, virtualenvs,
  ``node_modules``: ``folders.py``), which are listed as skipped with their file count; ``.zip``
  archives (recognised by content) are read in place with ``zipfile`` — nothing is extracted to
  disk — with limits on member names, total size and compression ratio; zips inside zips are
  opened one level deep.
- Something the user named that is missing or cannot be read raises ``EvidenceError``. A file
  that is not evidence, or is broken, is listed as skipped with the reason, whether it was named
  or found in a folder or zip: one stray file never costs the diagnosis. Pasted text (``--ndr``)
  without an SMTP error is an error: it was given as the symptom.
- Identical files are read once; identical facts from different files are kept once (first
  provenance wins); send-log aggregates of several files are folded together.
- Large send/receive logs on disk are scanned in worker processes, one file each, with shared
  progress and cancel; everything else runs in-process.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import stat
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

from .. import lazyre
from ..errors import Cancelled, EvidenceError, RelaydoctorError
from ..facts import Fact
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ..results import EvidenceSet, SourceSummary
from .base import CancelFn, Document, ParseResult, ProgressFn
from .budget import FactBudget
from .fieldlimit import bound_fact
from .registry import PARSERS, Entry, Parser

if TYPE_CHECKING:
    import zipfile

    from .base import ScanFn

HEAD_BYTES = 64 * 1024
MAX_ZIP_MEMBERS = 20_000
MAX_ZIP_TOTAL = 8 * 1024**3  # uncompressed bytes in one archive
MAX_ZIP_RATIO = 200  # uncompressed / compressed, per member (text logs compress ~10-30x)
RATIO_MIN_SIZE = 1024 * 1024  # small members may compress better than that harmlessly
MAX_NESTED_ZIP = 512 * 1024**2  # a zip inside a zip is read into memory, so it is bounded
PARALLEL_MIN_BYTES = 48 * 1024**2
MAX_DEPTH = 32  # folder nesting walked at most
# Files that are not streamed are read whole (and decoded, and often re-encoded): bounded so memory
# stays well under 2 GB. Cmdlet exports of a whole organisation are a few MB.
MAX_CMDLET_BYTES = 64 * 1024**2
MAX_WHOLE_FILE_BYTES = 256 * 1024**2
# one warning given by many files (10,000 tiny syslogs, each "timestamps carry no year") is listed
# this many times, then once with the count of the others
MAX_SAME_WARNING = 5

_PY_HINT = lazyre.compile(r"^(?:from [\w.]+ import |import [\w.]+|def \w+\(|class \w+[(:])", re.MULTILINE)

# ------------------------------------------------------------------------------------------------
# Documents
# ------------------------------------------------------------------------------------------------


class _FileOpener:
    """Opens a file on disk; picklable so worker processes can use it."""

    def __init__(self, path: str):
        self.path = path

    def __call__(self) -> BinaryIO:
        return open(self.path, "rb")


@dataclass(slots=True)
class _Item:
    doc: Document | None  # None: skipped before it became a document
    pasted: bool = False  # text given on the command line (--ndr), not a file
    path: str | None = None  # on disk (for workers and duplicate checks)
    skipped: SourceSummary | None = None
    parser: Parser | Entry | None = None
    result: ParseResult | None = None
    error: EvidenceError | None = None
    n_facts: int = 0  # its facts went to the budget as soon as they were read
    wide: bool = False  # a streamed log in UTF-16/32: the native send-log scan leaves it to Python


def _file_document(path: str, name: str) -> Document:
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise EvidenceError("not a regular file", name)
    opener = _FileOpener(path)
    with opener() as fh:
        head = fh.read(HEAD_BYTES)
    return Document(name=name, size=st.st_size, head=head, opener=opener)


def _bytes_document(name: str, data: bytes) -> Document:
    return Document(name=name, size=len(data), head=data[:HEAD_BYTES], opener=lambda: io.BytesIO(data))


def _is_zip(head: bytes) -> bool:
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def _unsafe_member(name: str) -> bool:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
        return True
    return any(part == ".." for part in re.split(r"[\\/]", name))


class _Walker:
    """Turns the user's paths into items, in a deterministic order. Each file is classified as
    soon as its head is read (``admit``), so the heads of logs waiting to be parsed are dropped
    during the walk rather than all held until it ends."""

    def __init__(self, admit: Callable[[_Item], None] | None = None) -> None:
        self.items: list[_Item] = []
        self.zips: list[zipfile.ZipFile] = []
        self._admit = admit or (lambda item: None)

    def _add(self, item: _Item) -> None:
        self.items.append(item)
        self._admit(item)

    def close(self) -> None:
        for zf in self.zips:
            with contextlib.suppress(Exception):  # closing must not mask the real outcome
                zf.close()

    def add_path(self, given: str) -> None:
        if not os.path.lexists(given):
            raise EvidenceError("no such file or folder", given)
        if os.path.isdir(given):
            self._walk(given)
        else:
            self._add_file(given, given, direct=True)

    def _walk(self, folder: str, depth: int = 0) -> None:
        """Files in path order (a folder's entries sorted by name, sub-folders where they sort)."""
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self.items.append(_skip(folder, "unknown", f"cannot read folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            path = os.path.join(folder, entry.name)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                from .folders import skip_reason, tool_folder  # a flat folder (most bundles) never needs it

                tool = tool_folder(path)
                if tool is not None:  # .git, a virtualenv, node_modules: never evidence
                    self.items.append(_skip(path, "folder", skip_reason(path, tool)))
                elif depth < MAX_DEPTH:
                    self._walk(path, depth + 1)
                else:
                    self.items.append(
                        _skip(path, "unknown", f"folder nested deeper than {MAX_DEPTH} levels: not read")
                    )
                continue
            self._add_file(path, path, direct=False)

    def _add_file(self, path: str, name: str, *, direct: bool) -> None:
        """A named file that cannot be read stops the run; one found in a folder is skipped."""
        try:
            doc = _file_document(path, name)
        except EvidenceError as exc:
            if direct:
                raise
            self.items.append(_skip(name, "unknown", exc.message))
            return
        except OSError as exc:
            if direct:
                raise EvidenceError(f"cannot read: {exc.strerror or exc}", name) from None
            self.items.append(_skip(name, "unknown", f"cannot read: {exc.strerror or exc}"))
            return
        if _is_zip(doc.head):
            self._add_zip(doc, source=path)
            return
        self._add(_Item(doc=doc, path=path))

    def _add_zip(self, doc: Document, *, source: str | bytes, depth: int = 0) -> None:
        """A zip's members, in name order; a zip that is broken or refused is skipped whole."""
        try:
            members = self._open_zip(doc, source)
        except EvidenceError as exc:
            self.items.append(_skip(doc.name, "zip", exc.message))
            return
        zf, infos = members
        for info in infos:
            name = f"{doc.name}!{info.filename}"
            if info.flag_bits & 0x1:
                self.items.append(_skip(name, "unknown", "encrypted zip member"))
                continue
            try:
                with zf.open(info) as fh:
                    head = fh.read(HEAD_BYTES)
            except Exception as exc:  # BadZipFile, zlib.error, EOFError, ...
                self.items.append(_skip(name, "unknown", f"unreadable zip member: {exc}"))
                continue
            if _is_zip(head):
                if depth >= 1:
                    self.items.append(_skip(name, "zip", "zip nested more than one level: not opened"))
                    continue
                if info.file_size > MAX_NESTED_ZIP:
                    self.items.append(_skip(name, "zip", "nested zip too large to open in memory"))
                    continue
                try:
                    with zf.open(info) as fh:
                        data = fh.read(MAX_NESTED_ZIP + 1)
                except Exception as exc:
                    self.items.append(_skip(name, "zip", f"unreadable zip member: {exc}"))
                    continue
                inner = _bytes_document(name, data)
                self._add_zip(inner, source=data, depth=depth + 1)
                continue
            opener = _member_opener(zf, info)
            self._add(_Item(doc=Document(name=name, size=info.file_size, head=head, opener=opener)))

    def _open_zip(self, doc: Document, source: str | bytes) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
        import zipfile  # only when a zip is given

        try:
            zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise EvidenceError(f"not a readable zip archive: {exc}", doc.name) from None
        self.zips.append(zf)
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_ZIP_MEMBERS:
            raise EvidenceError(f"zip has {len(infos):,} members (limit {MAX_ZIP_MEMBERS:,})", doc.name)
        total = packed = 0
        for info in infos:
            if _unsafe_member(info.filename):
                raise EvidenceError(
                    f"zip member name escapes the archive ({info.filename!r}); refusing the archive",
                    doc.name,
                )
            total += info.file_size
            packed += info.compress_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size >= RATIO_MIN_SIZE and ratio > MAX_ZIP_RATIO:
                raise EvidenceError(
                    f"zip member {info.filename!r} expands {ratio:,.0f}x (limit {MAX_ZIP_RATIO}x): "
                    "refusing a possible zip bomb",
                    doc.name,
                )
        if total >= RATIO_MIN_SIZE and total / max(packed, 1) > MAX_ZIP_RATIO:  # many small bombs
            raise EvidenceError(
                f"zip expands {total / max(packed, 1):,.0f}x overall (limit {MAX_ZIP_RATIO}x): "
                "refusing a possible zip bomb",
                doc.name,
            )
        if total > MAX_ZIP_TOTAL:
            raise EvidenceError(
                f"zip expands to {total:,} bytes (limit {MAX_ZIP_TOTAL:,}): refusing a possible zip bomb",
                doc.name,
            )
        infos.sort(key=lambda i: i.filename)
        return zf, infos


def _member_opener(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        return zf.open(info)  # type: ignore[return-value]

    return opener


def _skip(name: str, kind: str, reason: str) -> _Item:
    return _Item(doc=None, skipped=SourceSummary(source=name, kind=kind, skipped_reason=reason))


# ------------------------------------------------------------------------------------------------
# Classification and parsing
# ------------------------------------------------------------------------------------------------


def _looks_like_python(text: str) -> bool:
    first = text.split("\n", 1)[0]
    if first.startswith("#!") and "python" in first:
        return True
    sample = text[:8192]
    if sum(sample.count(w) for w in ("import ", "def ", "class ")) < 3:  # each hint holds one
        return False
    return len(_PY_HINT.findall(sample)) >= 3


def _not_evidence_reason(doc: Document, text: str) -> str | None:
    """Why a file no specific parser took is not worth offering to the generic text parsers."""
    from .jsonish import looks_like_json  # only files no parser took come here

    stripped = text.lstrip("\ufeff \t\r\n")
    if looks_like_json(stripped):
        return "JSON that is not recognised cmdlet output"
    if stripped.startswith(("<?xml", "<Objs")):
        return "XML that is not recognised cmdlet output"
    head = doc.head[:4096]
    if b"\x00" in head and not text.strip():
        return "binary file"
    if b"\x00" in head and "\ufffd" in text[:2048]:
        return "binary file"
    return None


def _sniff(parser: Parser | Entry, doc: Document, crashed: list[str]) -> bool:
    """Does ``parser`` claim ``doc``? A sniff that raises does not, but it is remembered: a file
    no reader claims because one of them crashed is a bug to report, not plain non-evidence."""
    try:
        return bool(parser.sniff(doc))
    except Exception as exc:
        try:
            kind = parser.kind
        except Exception:  # its module did not import: named by where it lives
            kind = getattr(parser, "module", "unknown")
        crashed.append(f"the {kind} reader failed while checking it ({type(exc).__name__})")
        return False


def classify(doc: Document, parsers: Sequence[Parser | Entry] = PARSERS) -> Parser | Entry | str:
    """The parser for ``doc``, or the reason it is not evidence."""
    found = _classify(doc, parsers)
    doc.sniffed(keep=None if isinstance(found, str) else found.kind)
    return found


def _classify(doc: Document, parsers: Sequence[Parser | Entry]) -> Parser | Entry | str:
    if doc.size == 0:
        return "empty file"
    try:
        text = doc.head_text()
    except Exception:
        text = ""
    if _looks_like_python(text):
        return "a Python script, not evidence"
    crashed: list[str] = []
    for parser in parsers:
        if parser.generic:
            reason = _not_evidence_reason(doc, text)
            if reason:
                return reason
        if _sniff(parser, doc, crashed):
            return parser
    reason = _not_evidence_reason(doc, text) or "not recognised as evidence"
    if crashed:
        reason += f"; {crashed[0]}: a relaydoctor bug worth reporting"
    return reason


def _parse(parser: Parser | Entry, doc: Document, pfx_password: str | None,
           progress: Callable[[int], None] | None, cancel: CancelFn | None) -> ParseResult:
    kind = parser.kind
    limit = MAX_CMDLET_BYTES if str(kind).startswith("cmdlet") else MAX_WHOLE_FILE_BYTES
    if parser.scan is None and doc.size > limit:
        raise EvidenceError(f"{kind}: too large to read ({doc.size:,} bytes; limit {limit:,})", doc.name)
    try:
        if parser.scan is not None:
            with doc.opener() as stream:
                result = parser.scan(stream, doc.name, progress=progress, cancel=cancel)
        elif pfx_password is not None and parser.parse_with_password is not None:
            result = parser.parse_with_password(doc, pfx_password)
        else:
            result = parser.parse(doc)
    except (EvidenceError, Cancelled):
        raise
    except RelaydoctorError as exc:
        raise EvidenceError(str(exc), doc.name) from None
    except MemoryError:
        raise EvidenceError(f"{kind}: file too large to parse", doc.name) from None
    except Exception as exc:
        raise EvidenceError(f"{kind} parser failed: {type(exc).__name__}: {exc}", doc.name) from None
    if not isinstance(result, ParseResult):
        raise EvidenceError(f"{kind} parser returned no result", doc.name)
    return result


# -- worker processes ------------------------------------------------------------------------------

_W_PROGRESS: Any = None
_W_CANCEL: Any = None


def _worker_init(progress: Any, cancel: Any) -> None:
    global _W_PROGRESS, _W_CANCEL
    from ..lifecycle import guard_worker  # only in worker processes

    guard_worker()
    _W_PROGRESS, _W_CANCEL = progress, cancel


def _worker_scan(kind: str, scan: ScanFn, path: str, name: str) -> tuple[str, Any]:
    """Scan one log file in a worker; errors come back as values (exceptions lose their fields).
    ``scan`` is a module-level function, so it reaches the worker pickled by its qualified name."""

    def progress(n: int) -> None:
        with _W_PROGRESS.get_lock():
            _W_PROGRESS.value += n

    try:
        with open(path, "rb") as fh:
            result = scan(fh, name, progress=progress, cancel=_W_CANCEL.is_set)
        return "ok", result
    except Cancelled:
        return "cancelled", None
    except EvidenceError as exc:
        return "error", (exc.message, exc.path, exc.line)
    except OSError as exc:
        return "error", (f"cannot read: {exc.strerror or exc}", name, None)
    except Exception as exc:
        return "error", (f"{kind} parser failed: {type(exc).__name__}: {exc}", name, None)


# ------------------------------------------------------------------------------------------------
# The entry point
# ------------------------------------------------------------------------------------------------


class _Progress:
    def __init__(self, total: int, hook: ProgressFn | None):
        self.total = total
        self.done = 0
        self.hook = hook

    def add(self, n: int) -> None:
        self.done = min(self.total, self.done + n)
        if self.hook:
            self.hook(self.done, self.total)

    def set(self, done: int) -> None:
        self.done = min(self.total, max(self.done, done))
        if self.hook:
            self.hook(self.done, self.total)


def load_evidence(
    paths: Sequence[str],
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    pfx_password: str | None = None,
    extra_texts: Sequence[tuple[str, str]] = (),
) -> EvidenceSet:
    """Everything the user's files, folders, zips and pasted texts say, as facts with provenance."""
    def admit(item: _Item) -> None:
        if cancel is not None and cancel():
            raise Cancelled("loading evidence was cancelled")
        _admit(item)

    walker = _Walker(admit)
    try:
        for given in paths:
            walker.add_path(os.fspath(given))
        for label, text in extra_texts:
            data = text.encode("utf-8")
            walker.items.append(_Item(doc=_bytes_document(label, data), pasted=True))
        return _load(walker.items, progress, cancel, pfx_password)
    finally:
        walker.close()


def _admit(item: _Item) -> None:
    """Classify ``item``'s document (pasted text by the parsers that read pasted text) and park
    its head when nothing will read it again: a streamed log, a file skipped."""
    doc = item.doc
    assert doc is not None
    if item.pasted:
        found = classify(doc, [p for p in PARSERS if p.pasted])
        if isinstance(found, str):
            raise EvidenceError("no SMTP error or non-delivery report found in this text", doc.name)
    else:
        found = classify(doc)
        if isinstance(found, str):
            item.skipped = SourceSummary(source=doc.name, kind="unknown", skipped_reason=found)
            doc.park()
            return
    item.parser = found
    if found.streaming:
        from .decoding import is_wide, sniff_encoding  # (the sniff imported it)

        item.wide = is_wide(sniff_encoding(doc.head[:4096])[0])  # (as sendfilter.prefilter asks)
        doc.park()


def _load(items: list[_Item], progress: ProgressFn | None, cancel: CancelFn | None,
          pfx_password: str | None) -> EvidenceSet:
    budget = FactBudget()

    def absorb(item: _Item) -> None:
        """Fold a parsed item's facts into the budget at once (at its place in the canonical
        order): memory stays bounded by the budget and the results in flight, not by the number
        of files."""
        assert item.result is not None
        facts = _bounded_facts(item.result)
        item.n_facts = len(facts)
        budget.add(_canonical(item), facts)
        item.result.facts = []
        if item.doc is not None:
            item.doc.release()

    total = sum(it.doc.size for it in items if it.doc is not None)
    prog = _Progress(total, progress)

    def check_cancel() -> None:
        if cancel is not None and cancel():
            raise Cancelled("loading evidence was cancelled")

    # 1. classify what the walk did not (pasted text); files skipped count as read
    for item in items:
        check_cancel()
        doc = item.doc
        if doc is None:
            continue
        if item.parser is None and item.skipped is None:
            _admit(item)
        if item.skipped is not None:
            prog.add(doc.size)
    _mark_duplicates(items, prog)

    # 2. parse: big logs on disk in worker processes, the rest here
    parallel = [
        it for it in items
        if it.parser is not None and it.skipped is None and it.parser.streaming and it.path is not None
    ]
    sizes = [it.doc.size if it.doc else 0 for it in parallel]
    workers, shards = 0, [1] * len(parallel)  # what plan_jobs plans below PARALLEL_MIN_BYTES
    if sum(sizes) >= PARALLEL_MIN_BYTES:  # (so a small diagnosis does not import the worker policy)
        from .workers import plan_jobs, scan_costs

        send = [it.parser is not None and it.parser.kind == "send_log" for it in parallel]
        native = [s and not it.wide for s, it in zip(send, parallel, strict=True)]  # (wide: the Python scan)
        workers, shards = plan_jobs(scan_costs(sizes, native), send, min_total=PARALLEL_MIN_BYTES)
    if workers >= 2 and sum(shards) >= 2:
        try:
            _parse_parallel(parallel, prog, cancel, absorb, workers, shards)
        except (OSError, RuntimeError) as exc:  # no processes here (BrokenProcessPool is a RuntimeError)
            warnings.warn(f"parallel log scan unavailable ({exc}); scanning in-process", RuntimeWarning,
                          stacklevel=2)
    for item in items:
        if item.parser is None or item.skipped is not None or item.result is not None or item.error:
            continue
        check_cancel()
        doc = item.doc
        assert doc is not None
        base = prog.done
        try:
            item.result = _parse(item.parser, doc, pfx_password, prog.add, cancel)
            absorb(item)
        except EvidenceError as exc:
            if item.pasted:
                raise  # the text given as the symptom must be readable
            item.error = exc
        doc.release()  # a file that failed to parse too
        prog.set(base + doc.size)

    # 3. errors: a file that is broken is skipped with the reason, named or not
    for item in items:
        if item.error is not None:
            assert item.doc is not None and item.parser is not None
            item.skipped = SourceSummary(
                source=item.doc.name,
                kind=item.parser.kind,
                skipped_reason=_reason(item.error),
            )
    return _assemble(items, budget)


_LINE_PREFIX = lazyre.compile(r"line (\d+)[:,]?\s*(.*)", re.DOTALL)  # a parser warning's ``line N``


def _located(name: str, warning: str) -> str:
    """A parser warning as ``file:line: text`` when it starts with ``line N``, else ``file: text``."""
    m = _LINE_PREFIX.match(warning)
    if m:
        return f"{name}:{m.group(1)}: {m.group(2) or warning}"
    return f"{name}: {warning}"


def _unplaced(warning: str) -> str:
    """A parser warning without its ``line N`` prefix: what makes two files' warnings the same."""
    m = _LINE_PREFIX.match(warning)
    return m.group(2) or warning if m else warning


def _reason(exc: EvidenceError) -> str:
    return f"line {exc.line}: {exc.message}" if exc.line is not None else exc.message


def _mark_duplicates(items: list[_Item], prog: _Progress) -> None:
    """Files with identical content are read once (a folder holding a bundle twice, say)."""
    by_size: dict[int, list[_Item]] = {}
    for item in items:
        if item.doc is not None and item.parser is not None and item.skipped is None:
            by_size.setdefault(item.doc.size, []).append(item)
    for group in by_size.values():
        if len(group) < 2:
            continue
        seen: dict[str, _Item] = {}
        for item in group:
            assert item.doc is not None
            try:
                digest = _digest(item.doc)
            except Exception:
                continue
            first = seen.get(digest)
            if first is None:
                seen[digest] = item
                continue
            assert first.doc is not None and item.parser is not None
            item.skipped = SourceSummary(
                source=item.doc.name,
                kind=item.parser.kind,
                skipped_reason=f"same content as {first.doc.name}",
            )
            item.doc.sniffed()  # not parsed: what its sniff kept for the parse goes
            prog.add(item.doc.size)


def _digest(doc: Document) -> str:
    h = hashlib.sha256()
    with doc.opener() as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _parse_parallel(items: list[_Item], prog: _Progress, cancel: CancelFn | None,
                    absorb: Callable[[_Item], None], workers: int, shards: list[int]) -> None:
    """Scan ``items`` in worker processes; an item with several ``shards`` (a large send log) is
    scanned by one job per shard and joined when all are back."""
    import concurrent.futures as cf  # only when workers start
    import functools
    import multiprocessing

    from ..lifecycle import interrupts_held, stop_workers
    from .smtplog import send

    jobs: list[tuple[_Item, Any, int]] = []  # (item, scan function, shard count)
    for it, n in sorted(zip(items, shards, strict=True), key=lambda x: -(x[0].doc.size if x[0].doc else 0)):
        if n > 1:
            jobs.extend((it, functools.partial(send.scan_part, shard=(i, n)), n) for i in range(n))
        else:
            jobs.append((it, it.parser.scan, 1))  # type: ignore[union-attr]
    parts: dict[int, list[tuple[int, Any]]] = {}

    ctx = multiprocessing.get_context("spawn")  # no fork: callers (the TUI) run threads
    counter = ctx.Value("q", 0)
    stop = ctx.Event()
    base = prog.done
    workers = min(len(jobs), workers)
    pool = cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init, initargs=(counter, stop))
    try:
        with interrupts_held():  # workers are spawned here and must never get Ctrl+C
            futures = {
                pool.submit(_worker_scan, it.parser.kind, scan, it.path, it.doc.name): (it, scan, n)  # type: ignore[union-attr]
                for it, scan, n in jobs
            }
        pending = set(futures)
        while pending:
            done, pending = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            prog.set(base + counter.value)
            if cancel is not None and cancel():
                raise Cancelled("loading evidence was cancelled")
            for fut in done:
                item, scan, n = futures[fut]
                if item.error is not None:
                    continue  # another shard of it failed already
                try:
                    status, value = fut.result()
                except Exception as exc:
                    item.result = None
                    warnings.warn(f"log worker failed ({exc!r}); scanning in-process", RuntimeWarning,
                                  stacklevel=2)
                    continue
                if status == "ok" and n > 1:
                    got = parts.setdefault(id(item), [])
                    got.append((scan.keywords["shard"][0], value))
                    if len(got) == n:
                        got.sort(key=lambda x: x[0])
                        item.result = send.join_parts([part for _, part in got])
                        absorb(item)
                elif status == "ok":
                    item.result = value
                    absorb(item)
                elif status == "error":
                    message, path, line = value
                    item.error = EvidenceError(message, path, line)
                else:
                    raise Cancelled("loading evidence was cancelled")
    except BaseException:  # Ctrl+C, SIGTERM, cancel, or a failure: end the workers now
        stop.set()
        stop_workers(pool)
        raise
    pool.shutdown(wait=True)
    prog.set(base + sum(it.doc.size for it in items if it.doc is not None and it.result is not None))


def _bounded_facts(result: ParseResult) -> list[Fact]:
    """The result's facts with over-long values cut (warned on the result, located)."""
    out: list[Fact] = []
    for fact in result.facts:
        fact, cut = bound_fact(fact)
        result.warnings.extend(cut)
        out.append(fact)
    return out


def _canonical(item: _Item) -> tuple:
    """Order of the evidence in a report: by kind, then by content, never by argument order or
    file name, so the same evidence gives the same bytes (issue 12) and a fact two files both
    give is attributed to the same one every time. Small files' heads are their whole content."""
    skipped = item.skipped is not None or item.result is None
    kind = item.skipped.kind if item.skipped is not None else (item.parser.kind if item.parser else "")
    if item.doc is not None:
        content = (item.doc.size, item.doc.head_digest())
    else:
        content = (-1, "")
    reason = item.skipped.skipped_reason or "" if item.skipped is not None else ""
    name = item.doc.name if item.doc is not None else (item.skipped.source if item.skipped else "")
    return (skipped, kind, reason, content, name)


def _assemble(items: list[_Item], budget: FactBudget) -> EvidenceSet:
    items = sorted(items, key=_canonical)
    ev = EvidenceSet()
    seen: set[tuple] = set()
    duplicates: dict[tuple, int] = {}
    for where, fact in budget.entries():  # in canonical order: the first file of a fact owns it
        identity = fact.identity()
        if identity in seen:
            duplicates[where] = duplicates.get(where, 0) + 1
            continue
        seen.add(identity)
        ev.facts.append(fact)
    repeats: dict[str, int] = {}  # a warning's text without its place → times given
    for item in items:
        if item.skipped is not None:
            ev.sources.append(item.skipped)
            continue
        if item.result is None or item.doc is None or item.parser is None:
            continue
        detail = item.result.detail
        dup = duplicates.get(_canonical(item), 0)
        if dup:
            note = f"{dup} fact(s) also given by another file"
            detail = f"{detail}; {note}" if detail else note
        for w in item.result.warnings:
            text = _unplaced(w)
            repeats[text] = repeats.get(text, 0) + 1
            if repeats[text] <= MAX_SAME_WARNING:
                ev.warnings.append(_located(item.doc.name, w))
        for thumbprint, der in item.result.certificates.items():
            ev.certificates.setdefault(thumbprint, der)
        ev.sources.append(
            SourceSummary(
                source=item.doc.name,
                kind=item.parser.kind,
                facts=item.n_facts,
                detail=detail,
            )
        )
    ev.warnings.extend(
        f"{text} (the same in {n - MAX_SAME_WARNING:,} more place(s) not listed)"
        for text, n in repeats.items() if n > MAX_SAME_WARNING
    )
    ev.warnings.extend(budget.notes())
    return ev
