"""The evidence parsers, in the order files are offered to them (most specific first).

Adding a format is one module + one line here + its tests:

1. write ``<family>/<format>.py`` exposing ``KIND``, ``sniff(doc)`` and ``parse(doc)``
   (``base.ParserModule``; add ``scan`` for a log that must be streamed, ``streaming=True`` below);
2. add ``Entry("<family>.<format>", gate)`` to ``PARSERS`` where it belongs in sniffing
   order — before any parser whose ``sniff`` would also take it;
3. test ``sniff``/``parse`` on realistic fixtures, and one ``load_evidence`` run over a folder.

Nothing is looked up by name or by signature: the loader uses exactly the entries below.

A parser module is imported only when a file passes its entry's **gate** (issue 11, start-up
latency: importing all ~30 parsers and running their sniffs cost a third of a small diagnosis).
A gate is a cheap test on the file's head that the module's ``sniff`` cannot answer True
without: a text every match of that sniff contains, read from the sniff's code (each gate says
why). So a gate never changes which parser takes a file, only how soon the others are ruled
out; ``tests/engine/evidence/test_registry_gates.py`` checks it on every evidence file of the
tests and samples. A gate of None always lets the sniff decide.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

from .. import lazyre
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from .base import Document, ParseResult

if TYPE_CHECKING:
    from .base import ScanFn

PasswordParse = Callable[[Document, str], ParseResult]
Gate = Callable[[Document], bool]


@dataclass(frozen=True, slots=True)
class Parser:
    """A format as the loader calls it, made of functions (tests build readers of their own)."""

    kind: str  # ``SourceSummary.kind`` of the files it reads
    sniff: Callable[[Document], bool]
    parse: Callable[[Document], ParseResult]
    scan: ScanFn | None = None  # streaming: large files are scanned in worker processes
    parse_with_password: PasswordParse | None = None  # given the --pfx-password-env value
    generic: bool = False  # a catch-all: JSON, XML or binary files never reach it
    pasted: bool = False  # offered text pasted with --ndr

    @property
    def streaming(self) -> bool:
        return self.scan is not None


_MODULES: dict[str, ModuleType] = {}


@dataclass(frozen=True, slots=True)
class Entry:
    """One registered format: its parser module (imported on first use) and how the loader may
    call it. It answers as a ``Parser`` does (``sniff``, ``parse``, ``scan``, ...)."""

    module: str  # below this package: "cmdlets.formatlist"
    gate: Gate | None = None  # a cheap necessary condition of the module's sniff (module docstring)
    streaming: bool = False  # the module has ``scan``: large files are scanned in worker processes
    password: bool = False  # the module has ``parse_with_password`` (the --pfx-password-env value)
    generic: bool = False  # a catch-all: JSON, XML or binary files never reach it
    pasted: bool = False  # offered text pasted with --ndr

    def loaded(self) -> ModuleType:
        module = _MODULES.get(self.module)
        if module is None:
            module = _MODULES[self.module] = importlib.import_module(f"{__package__}.{self.module}")
        return module

    @property
    def kind(self) -> str:
        """The module's ``KIND`` (read once a file passed the gate: no sooner needed)."""
        return self.loaded().KIND

    def sniff(self, doc: Document) -> bool:
        if self.gate is not None and not self.gate(doc):
            return False
        return self.loaded().sniff(doc)

    @property
    def parse(self) -> Callable[[Document], ParseResult]:
        return self.loaded().parse

    @property
    def scan(self) -> ScanFn | None:
        return self.loaded().scan if self.streaming else None

    @property
    def parse_with_password(self) -> PasswordParse | None:
        return self.loaded().parse_with_password if self.password else None


# -- gates: each names what its module's sniff cannot match without ---------------------------------
# ``doc.head_folded()`` is for case-insensitive patterns (see ``Document.head_folded``).


def _any_of(*texts: str) -> Gate:
    """One of ``texts`` in the head as written (the sniff's patterns are case-sensitive)."""
    return lambda doc: any(t in doc.head_text() for t in texts)


def _any_folded(*texts: str) -> Gate:
    """One of ``texts`` (lower case) in the folded head (the sniff's patterns ignore case)."""
    return lambda doc: any(t in doc.head_folded() for t in texts)


def _smtp_log(kind: str) -> Gate:
    """The send/receive sniff is ``format.log_type`` alone (a light module): the gate is the sniff,
    asked only of a head with a ``#Log-type`` header (case ignored) or rows with an ISO "…Z," time."""

    def gate(doc: Document) -> bool:
        if "log-type" not in doc.head_folded() and "Z," not in doc.head_text():
            return False
        from .smtplog.format import log_type

        return log_type(doc.head_text()) == kind

    return gate


def _event_csv(doc: Document) -> bool:
    """The header (or, by position, the first) line is split on one of these delimiters into 4+
    cells: the first non-blank line (as the sniff finds it) holds one at least 3 times."""
    first = next((ln for ln in doc.head_text().lstrip("\ufeff").splitlines() if ln.strip()), "")
    return any(first.count(d) >= 3 for d in (",", "\t", ";"))


def _after_blank(core: lazyre.LazyPattern, text: str, also: str = "", at_start: bool = True) -> bool:
    """Does ``core`` match at a place of ``text`` that a blank (``str.isspace``: what ``\\s`` takes)
    or one of ``also`` comes right before, or at its start when ``at_start``? That is a search for
    ``(?<![^\\s...])core``, asked of each place ``core`` matches in turn (each found with ``search``):
    a pattern that starts with a look-behind or ``\\s`` is tried at every position of a head
    (0.1-0.9 ms a file); one that starts with its words is not (test_literal_prefilters compares)."""
    m = core.search(text)
    while m is not None:
        at = m.start()
        if at_start if at == 0 else (text[at - 1].isspace() or text[at - 1] in also):
            return True
        m = core.search(text, at + 1)
    return False


# a "Source:" label line (labels.py, "source"; the label is what precedes the colon, blanks aside):
# (?<!\S)(?:source|quelle|origine|origen)\s*:
_SOURCE_LABEL = lazyre.compile(r"(?:source|quelle|origine|origen)\s*:")
_SOURCE_WORDS = ("source", "quelle", "origine", "origen")  # one is in every text it matches


def _event_text(doc: Document) -> bool:
    """Labelled events name their source (a label line); a wevtutil export starts ``Event[n]:``;
    events read by position come from these providers (``events.source_family``)."""
    folded = doc.head_folded()
    return ("Event[" in doc.head_text() or any(t in folded for t in ("capi2", "schannel", "msexchange"))
            or (any(w in folded for w in _SOURCE_WORDS) and _after_blank(_SOURCE_LABEL, folded)))


# a host key (appconfig's _HOST_KEYS) where appconfig's _ENV reads a key: first on its line, after
# blanks, a "- " or "export ", and a quote: (?:^|(?<=[\s\-\"']))KEY with re.MULTILINE
_HOST_KEY = lazyre.compile(r"(?:EMAIL_HOST|MAIL_HOST|SMTP(?:_HOST|_SERVER)?)[\"']?\s*[=:]")
# an Exim log line's flag between its message id and the address (maillog's _EXIM_ID): \sFLAG
_EXIM_FLAG = lazyre.compile(r"(?:<=|=>|->|\*\*|==)\s")


def _mail_log(doc: Document) -> bool:
    """A syslog line from one of these programs (maillog's _PROGRAMS), or an Exim log line."""
    head = doc.head_text()
    return (any(t in head for t in ("postfix", "sm-mta", "sendmail", "exim"))
            or _after_blank(_EXIM_FLAG, head, at_start=False))


def _app_config(doc: Document) -> bool:
    """``<mailSettings>`` (with a network host), or a setting of one of the host keys."""
    head = doc.head_text()
    if "<mailSettings" in head:
        return True
    # every key _HOST_KEY matches holds MAIL_HOST or SMTP (case as written): most heads have neither
    return ("MAIL_HOST" in head or "SMTP" in head) and _after_blank(_HOST_KEY, head, "-\"'")


def _json(doc: Document) -> bool:
    """The first line that is not blank or a prompt opens an array or object: some line does."""
    head = doc.head_text()
    if "{" not in head and "[" not in head:
        return False
    return any(ln.lstrip()[:1] in ("[", "{") for ln in head.lstrip("\ufeff").splitlines())


def _csv(doc: Document) -> bool:
    """A ``#TYPE`` first line, or a header row that starts with a quote (``csvexport.sniff``)."""
    head = doc.head_text().lstrip("\ufeff")
    return head.startswith("#TYPE") or head.lstrip("\r\n").startswith('"')


def _postfix_config(doc: Document) -> bool:
    """A ``key = value`` line (first on its line) whose key is relayhost, smtp_*, or one of
    ``_POSTFIX_ONLY`` (the sniff wants one of those): each starts with one of these (the test
    checks the list against the module)."""
    head = doc.head_text()
    # the pattern's keys start with one of the hints: a head with none of them is not searched
    return "=" in head and any(h in head for h in POSTFIX_HINTS) and _after_blank(_POSTFIX_KEY, head)


POSTFIX_HINTS = ("relayhost", "smtp_", "my", "inet_", "alias_", "append_dot_", "biff", "compatibility_level",
                 "smtpd_", "mailbox_size_limit", "recipient_delimiter", "readme_directory")
_POSTFIX_KEY = lazyre.compile(rf"(?:{'|'.join(POSTFIX_HINTS)})[a-z0-9_]*\s*=")  # (?<!\S)KEY


def _message_trace(doc: Document) -> bool:
    """Every column set ``_SIGNATURES`` names holds one of these columns; the CSV reader only
    drops quotes from the header line, so its names, quotes removed, are in the folded head."""
    folded = doc.head_folded()
    if '"' in folded:
        folded = folded.replace('"', "")
    return any(t in folded for t in ("messagetraceid", "origin_timestamp_utc", "eventid"))


def _certificate(doc: Document) -> bool:
    """DER/PKCS#7/PKCS#12 start with a SEQUENCE tag (``certs.detect_binary``); PEM has its marker."""
    return doc.head[:1] == b"\x30" or "-----BEGIN " in doc.head_text()


# a Format-Table underline row (formattable's _UNDERLINE) after a line break, ending its line
_TABLE_UNDERLINE = lazyre.compile(r"[\r\n] *-+(?: +-+)* *(?:[\r\n]|\Z)")


def _format_table(doc: Document) -> bool:
    """The sniff wants a header line above a row of dash runs (``-----  ----``): a row after a line
    break (CR, LF or CRLF: ``split_lines``), of blanks and dashes only; ANSI escapes (removed before
    the sniff reads the lines) may sit in it, so a head holding one lets the sniff decide."""
    head = doc.head_text()
    return "\x1b" in head or ("-" in head and _TABLE_UNDERLINE.search(head) is not None)


def _format_list(doc: Document) -> bool:
    """``Label : value`` needs a space before a colon (ANSI escapes between them are removed)."""
    head = doc.head_text()
    return " :" in head or "\x1b" in head


PARSERS: tuple[Entry, ...] = (
    Entry("smtplog.send", _smtp_log("send"), streaming=True),
    Entry("smtplog.receive", _smtp_log("receive"), streaming=True),
    # "#Software: Microsoft Internet Information Services" (case ignored)
    Entry("smtplog.iis", _any_folded("microsoft internet information services"),
          streaming=True),
    Entry("symptoms.messagetrace", _message_trace),
    Entry("hcwlog", _any_of("Thread=")),  # the wizard's [..., Thread=N] context
    Entry("manifest", _any_of('"relaydoctor-collect"')),
    # Windows and Exchange sources (issue 9): the binary signature first, XML before text shapes
    Entry("windows.evtx", lambda doc: doc.head.startswith(b"ElfFile\x00")),
    Entry("windows.eventxml",
          _any_of("http://schemas.microsoft.com/win/2004/08/events/event")),
    Entry("windows.eventcsv", _event_csv),
    # CertUtil's "-verify command" / "ChainContext.dwErrorStatus", or Test-Certificate (case ignored)
    Entry("windows.certcheck",
          _any_folded("certutil: -verify command", "chaincontext.dwerrorstatus", "test-certificate")),
    Entry("windows.eventtext", _event_text),
    Entry("symptoms.msgtrk", _any_of("#Fields:")),
    # Entra sign-in export: a "Date (UTC)" column (case ignored)
    Entry("cmdlets.signins", _any_folded("date (utc)")),
    # relays that are not Exchange: before the cmdlet parsers (adsutil output looks like a list)
    Entry("relaylogs.maillog", _mail_log, streaming=True),
    Entry("relaylogs.postfixconf", _postfix_config),
    Entry("relaylogs.iismetabase", _any_folded("iissmtpserver")),
    Entry("relaylogs.eximconf", _any_of("driver")),  # a "driver = smtp" transport
    Entry("applog.appconfig", _app_config),
    Entry("certificates.certs", _certificate, password=True),
    # cmdlet output: CliXML and JSON never pass the text sniffers, but a table could look like a list
    Entry("cmdlets.clixml", _any_of("<Objs")),
    Entry("cmdlets.jsonexport", _json),
    Entry("cmdlets.csvexport", _csv),
    Entry("cmdlets.formattable", _format_table),
    Entry("cmdlets.formatlist", _format_list),
    Entry("symptoms.queue", _any_of("{LED=", "LastError"), pasted=True),
    Entry("symptoms.ndr", generic=True, pasted=True),
    # an app's log: a catch-all after the NDR (a bounce quotes replies too), before a single pasted error
    Entry("applog.reader", streaming=True, generic=True),
    Entry("symptoms.text", generic=True, pasted=True),
)
