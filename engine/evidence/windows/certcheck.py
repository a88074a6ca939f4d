"""What Windows said when asked to verify a certificate: ``Test-Certificate`` output (warnings
``Chain status: CERT_TRUST_…``, the error line ``… 0x800b0109 (-2146762487 CERT_E_UNTRUSTEDROOT)``,
then ``True``/``False``; the command is the one the Exchange team's certificate article quotes,
https://techcommunity.microsoft.com/blog/exchange/tls-certificates-in-exchange-hybrid---common-issues--how-to-fix-them/4420592)
and ``certutil -verify`` output (``ChainContext.dwErrorStatus = CERT_TRUST_… (0x…)``,
``CertContext[0][0]: …`` with ``  Cert: <sha1>``, ``CertUtil: -verify command FAILED: 0x800b010a
(-2146762486 CERT_E_CHAINING)`` or ``… completed successfully.``; the layout of real outputs pasted in
saltstack/salt#55024, OpenSC/OpenSC#755 and GSA/piv-guides#102; the status names are
CERT_TRUST_STATUS's, learn.microsoft.com).

Windows' own verdict on a certificate is the strongest trust evidence (DESIGN §3), so each run
becomes a ``cert_check`` fact, tied to a certificate by the thumbprint the command or the output
names (``Cert:\\LocalMachine\\My\\<thumbprint>``, ``Cert Hash(sha1)``, ``Cert:``).
"""

from __future__ import annotations

import re

from ... import lazyre
from ...errors import EngineError, EvidenceError
from ...facts import CertCheck, Provenance
from ..base import Document, ParseResult
from .events import chain_error_of

KIND = "windows_cert_check"

_TEST_CMD = lazyre.compile(r"\bTest-Certificate\b", re.I)
_CERTUTIL = lazyre.compile(r"CertUtil: -verify command|ChainContext\.dwErrorStatus", re.I)
_HRESULT = lazyre.compile(r"\b0x(8009[0-9a-f]{4}|800b[0-9a-f]{4})\b", re.I)
_FLAG = lazyre.compile(r"\b(CERT_TRUST_[A-Z_]+)\b")
_THUMB_PATH = lazyre.compile(r"Cert:\\[^\\\s]+\\[^\\\s]+\\([0-9A-Fa-f]{40})\b", re.I)
_THUMB_HASH = lazyre.compile(r"^\s*(?:Cert Hash\(sha1\)|Cert):\s*((?:[0-9a-f]{2}\s?){20})\s*$", re.I | re.M)
_SUBJECT = lazyre.compile(r"^\s*Subject:\s*(?:\r?\n\s+)?(CN=[^,\r\n]+)", re.I | re.M)
_PROMPT = lazyre.compile(r"^PS [^>\r\n]*>", re.M)


def sniff(doc: Document) -> bool:
    head = doc.head_text()
    if _CERTUTIL.search(head):
        return True
    return bool(_TEST_CMD.search(head)) and bool(
        re.search(r"Chain status|CERT_E_|CRYPT_E_|^\s*(True|False)\s*$", head, re.I | re.M)
    )


def parse(doc: Document) -> ParseResult:
    text = doc.text().lstrip("\ufeff")
    tool = "certutil" if _CERTUTIL.search(text) else "test_certificate"
    warnings: list[str] = []
    facts = []
    for start, segment in _segments(text, tool):
        line = text.count("\n", 0, start) + 1
        fact = _check(segment, tool, doc.name, line, warnings)
        if fact is not None:
            facts.append(fact)
    if not facts:
        raise EvidenceError(f"no {tool.replace('_', '-')} result found", doc.name)
    detail = f"{'certutil -verify' if tool == 'certutil' else 'Test-Certificate'}: {len(facts)} check(s)"
    return ParseResult(facts=facts, detail=detail, warnings=warnings)


def _segments(text: str, tool: str) -> list[tuple[int, str]]:
    """One segment per command run (split at PowerShell prompts), else the whole text."""
    cuts = [m.start() for m in _PROMPT.finditer(text)]
    if len(cuts) < 2:
        return [(0, text)]
    bounds = [*cuts, len(text)]
    out = [(0, text[: cuts[0]])] if text[: cuts[0]].strip() else []
    out += [(bounds[i], text[bounds[i] : bounds[i + 1]]) for i in range(len(cuts))]
    keep = _CERTUTIL if tool == "certutil" else _TEST_CMD
    return [(s, seg) for s, seg in out if keep.search(seg)]


def _check(segment: str, tool: str, source: str, line: int, warnings: list[str]) -> CertCheck | None:
    codes = [m.group(1) for m in _HRESULT.finditer(segment)]
    flags = set(_FLAG.findall(segment))
    if tool == "certutil":
        passed = bool(re.search(r"-verify command completed successfully", segment, re.I)) and not codes
    else:
        lines = [ln.strip() for ln in segment.splitlines() if ln.strip()]
        verdicts = [ln for ln in lines if ln in ("True", "False")]
        passed = bool(verdicts) and verdicts[-1] == "True" and not codes
        if not verdicts and not codes and not flags:
            warnings.append(f"line {line}: Test-Certificate ran but its result is not in the file")
            return None
    chain_error, code = chain_error_of(codes, flags)
    if chain_error is None:
        chain_error = "none" if passed else "other"
    thumb = _THUMB_PATH.search(segment) or None
    thumbprint = thumb.group(1).upper() if thumb else None
    if thumbprint is None and (h := _THUMB_HASH.search(segment)):
        thumbprint = h.group(1).replace(" ", "").upper()
    subject = _SUBJECT.search(segment)
    if thumbprint is None:
        warnings.append(
            f"line {line}: {tool.replace('_', '-')} result without the certificate's thumbprint; "
            "it cannot be tied to a presented certificate (run it as Get-ChildItem "
            "Cert:\\LocalMachine\\My\\<thumbprint> | Test-Certificate)"
        )
    excerpt = next(
        (ln.strip() for ln in segment.splitlines() if _HRESULT.search(ln) or "Chain status" in ln),
        segment.strip().splitlines()[0] if segment.strip() else "",
    )
    try:
        return CertCheck(
            provenance=Provenance(source, line, Provenance.clip(excerpt)),
            tool=tool,
            thumbprint=thumbprint,
            subject_cn=subject.group(1)[3:].strip().lower() if subject else None,
            chain_error=chain_error,
            error_code=code,
            passed=passed,
            scope="server",
            scope_id="",
        )
    except EngineError as exc:
        warnings.append(f"line {line}: check skipped: {exc}")
        return None
