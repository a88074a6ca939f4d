"""Enum values of facts in the admin's words, for prose (messages, summaries, remediation text).

Rules compare the short enum values (``not_in_range``); people read sentences. Messages in packs
interpolate fields such as ``{ip.match}``, so the filler renders enum fields through this table.
Commands never do: a command gets the raw value. A value missing here falls back to its words with
underscores as spaces, so a new enum value never leaks as an identifier.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# (field, value) → words. Keyed by field so one value can read differently per field.
_WORDS: Mapping[tuple[str, str], str] = {
    ("match", "match"): "exact match",
    ("match", "wildcard_match"): "matches through a wildcard",
    ("match", "mismatch"): "no match",
    ("match", "ambiguous"): "match depends on how Exchange Online reads a plain name",
    ("match", "no_cert_connector"): "no connector identifies senders by certificate",
    ("match", "in_range"): "in a listed range",
    ("match", "not_in_range"): "not in any listed range",
    ("match", "ipv6"): "an IPv6 address, which IP-based connectors do not cover",
    ("match", "no_ip_connector"): "no connector lists sender IP addresses",
    ("status", "accepted"): "an accepted domain",
    ("status", "not_accepted"): "not an accepted domain",
    ("status", "unverified"): "not verified in the tenant",
    ("status", "unknown"): "of unknown acceptance",
    ("tls", "negotiated"): "negotiated",
    ("tls", "failed"): "failed",
    ("tls", "not_attempted"): "not attempted (plain text)",
    ("tls", "unknown"): "unknown",
    ("validity", "valid"): "within its dates",
    ("validity", "expired"): "expired",
    ("validity", "not_yet_valid"): "not yet valid",
    ("validity", "unknown"): "of unknown validity",
    ("trust", "trusted"): "trusted",
    ("trust", "self_signed"): "self-signed",
    ("trust", "private_ca"): "issued by a private CA",
    ("trust", "untrusted_root"): "issued under an untrusted root",
    ("trust", "revoked"): "revoked",
    ("trust", "unknown"): "of unknown trust",
    ("trust_basis", "windows"): "what Windows reported",
    ("trust_basis", "public_roots"): "the public root store",
    ("trust_basis", "certificate"): "the certificate itself",
    ("trust_basis", "answer"): "your answer",
    ("trust_basis", "none"): "no evidence",
    ("chain", "complete"): "complete",
    ("chain", "incomplete"): "incomplete",
    ("chain", "unknown"): "unknown",
    ("state", "empty"): "empty",
    ("state", "malformed"): "malformed",
    ("state", "matches_installed"): "names an installed certificate",
    ("state", "not_installed"): "names a certificate that is not installed",
    ("presented", "same"): "the one presented",
    ("presented", "different"): "not the one presented",
    ("outcome", "internal_only"): "only tenant recipients, accepted",
    ("outcome", "tls_failed"): "ended after the TLS failure",
    ("outcome", "no_mail"): "no message sent",
    # messages say "identifies senders by {c.auth}"
    ("auth", "ip"): "IP address",
    ("auth", "certificate"): "certificate",
    ("auth", "both"): "certificate and IP address",
    ("auth", "none"): "nothing (no certificate name, no IP addresses)",
}


def plain_value(field: str, value: Any) -> Any:
    """The words for an enum value of ``field``; other values unchanged."""
    if not isinstance(value, str):
        return value
    words = _WORDS.get((field, value))
    if words is not None:
        return words
    return value.replace("_", " ")


def plain_values(values: Mapping[str, Any], enum_fields: Mapping[str, frozenset[str]]) -> dict[str, Any]:
    """``alias.field`` template values with enum fields in words (``enum_fields``: alias.field → enum)."""
    out = dict(values)
    for key, allowed in enum_fields.items():
        value = out.get(key)
        if isinstance(value, str) and value in allowed:
            out[key] = plain_value(key.rsplit(".", 1)[-1], value)
    return out


_KIND_WORDS: Mapping[str, str] = {
    "send_log": "send protocol log",
    "receive_log": "receive protocol log",
    "iis_log": "IIS SMTP log",
    "hcw_log": "Hybrid Configuration Wizard log",
    "ndr": "NDR",
    "cmdlet_format_list": "cmdlet output (Format-List)",
    "cmdlet_format_table": "cmdlet output (Format-Table)",
    "cmdlet_json": "cmdlet output (JSON)",
    "cmdlet_csv": "cmdlet output (CSV)",
    "cmdlet_clixml": "cmdlet output (CliXML)",
    "collector_manifest": "collector manifest",
    "message_trace": "message trace",
    "queue": "queue error",
    "text": "pasted text",
}


def plain_kind(kind: str) -> str:
    """An evidence kind (``send_log``) in words, for text reports; JSON keeps the kind itself."""
    return _KIND_WORDS.get(kind, kind.replace("_", " "))
