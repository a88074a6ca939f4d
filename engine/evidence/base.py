"""What every evidence parser receives and returns, and the shape of a parser module.

A parser module exposes ``KIND`` (str), ``sniff(doc) -> bool`` (cheap, content only, never the
file extension) and ``parse(doc) -> ParseResult`` (``ParserModule``); a log parser also has
``scan(stream, name, *, progress, cancel)`` so large files are streamed (``StreamingParserModule``).
``parse`` raises ``EvidenceError`` (with path and line) for input it recognised but cannot read; it
never lets another exception escape. The ordered list of parsers is ``evidence/registry.py``; the
walk over files, folders and zips is ``evidence/loader.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from ..facts import Fact
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

ProgressFn = Callable[[int, int], None]  # (bytes done, bytes total)
CancelFn = Callable[[], bool]  # True when the user asked to stop


@dataclass(slots=True)
class Document:
    """One evidence file (or zip member), opened lazily so large logs can be streamed."""

    name: str  # as shown to the user: the path as given, or "bundle.zip!dir/file.txt"
    size: int
    head: bytes  # the first bytes (up to 64 KiB), for sniffing; None once parked (``park``)
    opener: Callable[[], BinaryIO]  # a fresh binary stream over the whole content
    _text: str | None = field(default=None, repr=False)
    _head_text: str | None = field(default=None, repr=False, compare=False)  # every sniff reads it
    _folded: str | None = field(default=None, repr=False, compare=False)
    # what a sniff worked out that its parse may reuse, by parser KIND (e.g. Format-List objects)
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _head_digest: str | None = field(default=None, repr=False, compare=False)

    def read_bytes(self) -> bytes:
        with self.opener() as fh:
            return fh.read()

    def text(self) -> str:
        """The whole content decoded (BOM / UTF-16 / UTF-8 / cp1252 fallback). Cached."""
        if self._text is None:
            from .decoding import decode

            self._text = decode(self.read_bytes(), self.name)
        return self._text

    def release(self) -> None:
        """Forget the cached text (and what a sniff kept for the parse) once the file is parsed:
        documents live until every file is read, and 20 event exports of 10 MB kept 200 MB of text
        that nothing read again."""
        self._text = None
        self.memo = {}

    def head_text(self) -> str:
        """The head decoded for sniffing (``decoding.decode_head``). Cached: each parser's sniff
        and the registry's gates read it."""
        if self._head_text is None:
            from .decoding import decode_head

            self._head_text = decode_head(self.head)
        return self._head_text

    def sniffed(self, keep: str | None = None) -> None:
        """Sniffing is over: drop what it cached (the decoded head, folded, other parsers' memos),
        so thousands of documents waiting to be parsed hold only their head bytes."""
        self._head_text = self._folded = None
        self.memo = {keep: self.memo[keep]} if keep in self.memo else {}

    def head_digest(self) -> str:
        """SHA-256 of the head (hex): the loader orders evidence by it. Kept when the head is parked."""
        if self._head_digest is None:
            import hashlib  # the loader has imported it already

            self._head_digest = hashlib.sha256(self.head).hexdigest()
        return self._head_digest

    def park(self) -> None:
        """Nothing reads the head again (a log streamed from ``opener``, a file skipped): drop its
        bytes, keep its digest. The walk reads every file's head before any is parsed, and 300
        logs waiting held 19 MB of heads (10,000 would hold 640 MB). A late reader of ``head``
        gets None and fails loudly rather than sniffing an empty file."""
        self.head_digest()
        self.head = None  # type: ignore[assignment]
        self._head_text = self._folded = None

    def head_folded(self) -> str:
        """``fold_case(head_text())``, cached: for the registry's gates."""
        if self._folded is None:
            self._folded = fold_case(self.head_text())
        return self._folded


def fold_case(text: str) -> str:
    """``text`` lower-cased, with the letters a case-insensitive ``re`` pattern matches to ASCII
    letters that ``str.lower`` does not give mapped to them (dotted capital I, dotless i, long s;
    the Kelvin sign lowers to k): every ASCII text such a pattern matches in ``text`` is, lower-cased,
    a substring of this (a cheap test before a pattern is compiled or run)."""
    folded = text.lower()
    if not folded.isascii():
        folded = folded.replace("i\u0307", "i").replace("\u0131", "i").replace("\u017f", "s")
    return folded


@dataclass(slots=True)
class ParseResult:
    facts: list[Fact] = field(default_factory=list)
    detail: str | None = None  # e.g. "1,234 lines, 12 sessions (5 to Exchange Online)"
    warnings: list[str] = field(default_factory=list)  # e.g. "Format-List value truncated at line 40"
    certificates: dict[str, bytes] = field(default_factory=dict)  # thumbprint -> DER, for chain/trust checks


if TYPE_CHECKING:  # the parser shapes, for type checkers only (Protocol classes cost ~0.2 ms to make)

    class ScanFn(Protocol):
        """Streams one file: ``progress(n)`` gets the bytes read since its last call."""

        def __call__(self, stream: BinaryIO, name: str, *, progress: Callable[[int], None] | None = ...,
                     cancel: CancelFn | None = ...) -> ParseResult: ...


    class ParserModule(Protocol):
        """A parser module, as the registry takes it (a module object satisfies this protocol)."""

        KIND: str

        def sniff(self, doc: Document) -> bool: ...

        def parse(self, doc: Document) -> ParseResult: ...


    class StreamingParserModule(ParserModule, Protocol):
        """A log parser that also reads a stream line by line (worker processes call ``scan``)."""

        scan: ScanFn
