"""Pull SMTP replies (basic code, enhanced status, ATTR token, bracketed host) out of any text.

Shared by every parser that meets an SMTP reply: NDRs, send-log `<` lines, queue LastError,
pasted application errors. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "550 5.7.64 TenantAttribution; ...", "#550 5.7.64 ...", "550-5.7.64", "(550, b'5.7.64 ...')",
# "550+5.7.64+..." (IIS W3C logs use + for blanks), or a bare "5.7.64 ..." with no basic code.
_REPLY = re.compile(
    r"(?<![\d.])(?:(?P<basic>[245]\d\d)(?:[ +\-]|,\s*b?['\"])\s*)?"
    r"(?P<status>[245]\.\d{1,3}\.\d{1,3})(?![\d.])"
)
_ATTR = re.compile(r"\bATTR\d+(?:\.\d+)?\b")
_BRACKET_HOST = re.compile(r"\[(?P<host>[A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z]{2,})(?:\s[^\]]*)?\]")
_WORD_TOKENS = (
    "TenantAttribution",
    "TenantInboundAttribution",
    "Relay Access Denied",
    "UnknownCredentials",
    "NoCredentials",
    "UntrustedRoot",
    "SubjectMismatch",
)


@dataclass(frozen=True, slots=True)
class Reply:
    reply_code: str | None  # "550"
    status_code: str  # "5.7.64"
    text: str  # from the basic code (or status) to the end of the reply
    attr: str | None
    host: str | None
    tokens: tuple[str, ...]

    @property
    def transient(self) -> bool:
        return self.status_code.startswith("4")


def find_replies(text: str) -> list[Reply]:
    """Every SMTP reply with an enhanced status code in ``text`` (one per status occurrence)."""
    text = text.replace("+", " ") if "+" in text and " " not in text.strip() else text
    out: list[Reply] = []
    matches = list(_REPLY.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        chunk = text[m.start():end]
        chunk = chunk.split("\n", 1)[0] if "\n" in chunk else chunk
        out.append(_reply_from(m.group("basic"), m.group("status"), chunk.strip(" #'\"\r")))
    return out


def parse_reply(text: str) -> Reply | None:
    """The first reply in ``text``, or None."""
    replies = find_replies(text)
    return replies[0] if replies else None


def _reply_from(basic: str | None, status: str, text: str) -> Reply:
    attr_m = _ATTR.search(text)
    host_m = _BRACKET_HOST.search(text)
    tokens = []
    if attr_m:
        tokens.append(attr_m.group(0))
    lowered = text.lower()
    tokens.extend(t for t in _WORD_TOKENS if t.lower() in lowered)
    if basic is None and len(status) and text[:3].isdigit():
        basic = text[:3]
    return Reply(
        reply_code=basic,
        status_code=status,
        text=text[:500],
        attr=attr_m.group(0) if attr_m else None,
        host=host_m.group("host").lower() if host_m else None,
        tokens=tuple(dict.fromkeys(tokens)),
    )
