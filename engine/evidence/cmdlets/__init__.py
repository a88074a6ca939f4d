"""Parsers for PowerShell cmdlet output: Format-List, Format-Table, Export-Csv, ConvertTo-Json
and Export-Clixml, all mapped through one object model (``model.py``) to facts (``objects.py``).

``PARSERS`` is the registry the evidence loader imports, most specific format first: a CliXML or
JSON file would never pass the text sniffers, but a table could look like a list to a lax eye.
"""

from __future__ import annotations

from types import ModuleType

from . import clixml, csvexport, formatlist, formattable, jsonexport

PARSERS: list[ModuleType] = [clixml, jsonexport, csvexport, formattable, formatlist]

__all__ = ["PARSERS", "clixml", "csvexport", "formatlist", "formattable", "jsonexport"]
