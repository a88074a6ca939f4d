"""Windows sources: event exports (XML, text, CSV; a binary .evtx is skipped with how to export
it) and certificate checks (Test-Certificate, certutil -verify). Get-WinEvent objects exported
with Export-Clixml / ConvertTo-Json are read by the cmdlets package through ``events.to_fact``.

``PARSERS`` is in sniffing order: the binary signature first, XML before the text shapes.
"""

from __future__ import annotations

from types import ModuleType

from . import certcheck, eventcsv, eventtext, eventxml, evtx

PARSERS: list[ModuleType] = [evtx, eventxml, eventcsv, certcheck, eventtext]

__all__ = ["PARSERS", "certcheck", "eventcsv", "eventtext", "eventxml", "evtx"]
