"""Parsers for PowerShell cmdlet output: Format-List, Format-Table, Export-Csv, ConvertTo-Json
and Export-Clixml, all mapped through one object model (``model.py``) to facts (``objects.py``).

Each format module is registered in ``evidence/registry.py``, most specific format first: a CliXML
or JSON file would never pass the text sniffers, but a table could look like a list to a lax eye.
"""
