"""Whether text starts like a JSON document, without parsing it.

Log lines such as ``[2024-07-25 08:44:50] local.ERROR: …`` (Laravel/Monolog, PHP) or
``[11:22:02.990][2fff2f7c] SMTP[DATA]: …`` (RainLoop) also begin with ``[``: only what follows the
bracket tells a JSON array from a log prefix.
"""

from __future__ import annotations

from .. import lazyre

_ARRAY = lazyre.compile(
    r"^\[\s*(?:[\[{\"\]]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*[,\]]|true\b|false\b|null\b|$)")


def looks_like_json(text: str) -> bool:
    """True for text that opens a JSON object or array (leading BOM and blanks ignored)."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):
        return True
    return stripped.startswith("[") and bool(_ARRAY.match(stripped))
