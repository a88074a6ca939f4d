"""A binary ``.evtx`` event log given by mistake: recognised by its ``ElfFile`` signature (the
EVTX file header, libyal's "Windows XML Event Log (EVTX) format" documentation) and skipped with
the commands that export it in a form relydoctor reads. Decoding the binary format is out of
scope: the XML export carries the same events.
"""

from __future__ import annotations

from ...errors import EvidenceError
from ..base import Document, ParseResult

KIND = "windows_evtx"

SIGNATURE = b"ElfFile\x00"
HOW_TO_EXPORT = (
    "binary .evtx event log, not read; export it as XML instead: "
    "wevtutil qe <file.evtx> /lf:true /f:RenderedXml /e:Events > events.xml "
    "(or wevtutil qe Microsoft-Windows-CAPI2/Operational /f:RenderedXml /e:Events > capi2.xml "
    "on the server, or Event Viewer > Save All Events As > XML)"
)


def sniff(doc: Document) -> bool:
    return doc.head.startswith(SIGNATURE)


def parse(doc: Document) -> ParseResult:
    raise EvidenceError(HOW_TO_EXPORT, doc.name)
