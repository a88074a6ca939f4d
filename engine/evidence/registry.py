"""The evidence parsers, in the order files are offered to them (most specific first).

Adding a format is one module + one line here + its tests:

1. write ``<family>/<format>.py`` exposing ``KIND``, ``sniff(doc)`` and ``parse(doc)``
   (``base.ParserModule``; add ``scan`` for a log that must be streamed);
2. import it below and add ``Parser.of(module)`` to ``PARSERS`` where it belongs in sniffing order
   — before any parser whose ``sniff`` would also take it;
3. test ``sniff``/``parse`` on realistic fixtures, and one ``load_evidence`` run over a folder.

Nothing is looked up by name or by signature: the loader uses exactly the entries below.
"""

from __future__ import annotations

from collections.abc import Callable

from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from . import hcwlog, manifest
from .applog import appconfig
from .applog import reader as applog
from .base import Document, ParseResult, ParserModule, ScanFn, StreamingParserModule
from .certificates import certs
from .cmdlets import clixml, csvexport, formatlist, formattable, jsonexport, signins
from .relaylogs import eximconf, iismetabase, maillog, postfixconf
from .smtplog import iis, receive, send
from .symptoms import messagetrace, msgtrk, ndr, queue, text
from .windows import certcheck, eventcsv, eventtext, eventxml, evtx

PasswordParse = Callable[[Document, str], ParseResult]


@dataclass(frozen=True, slots=True)
class Parser:
    """One registered format and how the loader may call it."""

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

    @classmethod
    def of(cls, module: ParserModule, *, parse_with_password: PasswordParse | None = None,
           generic: bool = False, pasted: bool = False) -> Parser:
        return cls(module.KIND, module.sniff, module.parse, parse_with_password=parse_with_password,
                   generic=generic, pasted=pasted)

    @classmethod
    def streamed(cls, module: StreamingParserModule) -> Parser:
        return cls(module.KIND, module.sniff, module.parse, scan=module.scan)


PARSERS: tuple[Parser, ...] = (
    Parser.streamed(send),
    Parser.streamed(receive),
    Parser.streamed(iis),
    Parser.of(messagetrace),
    Parser.of(hcwlog),
    Parser.of(manifest),
    # Windows and Exchange sources (issue 9): the binary signature first, XML before text shapes
    Parser.of(evtx),
    Parser.of(eventxml),
    Parser.of(eventcsv),
    Parser.of(certcheck),
    Parser.of(eventtext),
    Parser.of(msgtrk),
    Parser.of(signins),
    # relays that are not Exchange: before the cmdlet parsers (adsutil output looks like a list)
    Parser.streamed(maillog),
    Parser.of(postfixconf),
    Parser.of(iismetabase),
    Parser.of(eximconf),
    Parser.of(appconfig),
    Parser.of(certs, parse_with_password=certs.parse_with_password),
    # cmdlet output: CliXML and JSON never pass the text sniffers, but a table could look like a list
    Parser.of(clixml),
    Parser.of(jsonexport),
    Parser.of(csvexport),
    Parser.of(formattable),
    Parser.of(formatlist),
    Parser.of(queue, pasted=True),
    Parser.of(ndr, generic=True, pasted=True),
    # an app's log: a catch-all after the NDR (a bounce quotes replies too), before a single pasted error
    Parser(applog.KIND, applog.sniff, applog.parse, scan=applog.scan, generic=True),
    Parser.of(text, generic=True, pasted=True),
)
