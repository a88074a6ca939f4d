"""Windows sources: event exports (XML, text, CSV; a binary .evtx is skipped with how to export
it) and certificate checks (Test-Certificate, certutil -verify). Get-WinEvent objects exported
with Export-Clixml / ConvertTo-Json are read by the cmdlets package through ``events.to_fact``.
Each format module is registered in ``evidence/registry.py``.
"""
