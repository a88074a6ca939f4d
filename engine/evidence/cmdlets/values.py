"""Read typed values out of exported properties, whatever the format did to them.

Pure functions over ``Prop``. Each returns ``None`` when the value is absent or unreadable, so
the fact field stays "not known" rather than wrong.

Times: values that carry an offset (CliXML ``<DT>``, JSON ``\\/Date(ms)\\/``, ISO with ``Z`` or
``±hh:mm``) become UTC ``YYYY-MM-DDTHH:MM:SSZ``. The en-US text dates of Format-List, tables and
Export-Csv (``M/d/yyyy h:mm:ss tt``) carry no offset: they are the exporting machine's local time,
so they are kept as naive ``YYYY-MM-DDTHH:MM:SS`` (no ``Z``) and consumers must treat them as
uncertain by up to ±14 h — unless the property itself is a ``*UTC`` one (``WhenChangedUTC``), which
callers say with ``utc_hint``. Fractions of seconds are dropped so every format agrees.

Other cultures write other text dates (``DateTime.ToString()`` follows the exporting session's
culture): ``02.02.2028 04:22:23`` (de-DE and every dotted culture: day first),
``28/05/2027 14:00:00`` (en-GB, fr-FR), ``28-05-2027 14:00:00`` (nl-NL: dashes are day first),
``2027/05/28 14:00:00`` (ja-JP) and ISO-like ``2027-05-28 14:00:00``. A slash date decides its own
order when a part is above 12, when it carries AM/PM or has an unpadded part (en-US writes
``M/d/yyyy h:mm:ss tt``; dd/MM cultures pad both parts). ``02/03/2027 14:00:00`` is ambiguous and
stays unknown unless the caller passes the order other dates of the same file revealed
(``date_order``).
"""

from __future__ import annotations

import datetime as dt
import re

from ... import lazyre
from ...lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use
from ...utctime import format_naive, format_utc
from .model import Prop, PSValue, Style

# What PowerShell writes when it could not (or would not) serialise a collection: the type name
# from ToString() (Export-Csv, ConvertTo-Json past -Depth) or a hashtable/PSCustomObject rendering.
_UNEXPORTED = lazyre.compile(
    r"^(?:System\.(?:Collections\.[\w.`\[\], =]+|Object\[\]|String\[\]|Management\.Automation\.PSObject)"
    r"|Microsoft\.Exchange\.Data\.MultiValuedProperty.*"
    r"|Deserialized\.[\w.`\[\], =]+"
    r"|@\{.*\})$",
    re.S,
)
_INTEGER = lazyre.compile(r"\s*-?\d{1,18}\s*")
_ITEM_BREAK = lazyre.compile(r"[\s,]+")
_MS_DATE = lazyre.compile(r"^/Date\((-?\d{1,16})(?:[+-]\d{4})?\)/$")
_NUM_DATE = lazyre.compile(
    r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?"
    r"(?:\s*([AaPp])\.?[Mm]\.?)?$"
)
_DOT_DATE = lazyre.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:,\d+)?$")
_YMD_SLASH = lazyre.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
DateOrder = str  # "dmy" | "mdy"
_ISO = lazyre.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$",
    re.I,
)
_TRUNC_MARKS = ("...", "…")


def is_unexported(text: str) -> bool:
    """True for ``System.Collections.ArrayList``, ``@{a=1}`` and friends: the value was not exported."""
    return bool(_UNEXPORTED.match(text.strip()))


def nested_text(value: dict[str, PSValue]) -> str | None:
    """The string form of a nested Exchange object that ConvertTo-Json ``-Depth`` wrote out whole.

    ``SmtpX509Identifier`` (a send connector's TlsCertificateName) → ``<I>issuer<S>subject``;
    ``ADObjectId`` (SourceTransportServers, Server) → its Name; ``Unlimited<T>`` → ``Unlimited``
    or its value; ``LongPath`` (log paths) → PathName; ``ServerVersion`` → ``Version 15.2 (Build
    2562.17)``; ``SmtpDomainWithSubdomains`` → Address. Anything else is ``None`` (not understood).
    """
    keys = {k.lower(): k for k in value}

    def get(name: str) -> PSValue:
        key = keys.get(name.lower())
        return value.get(key) if key is not None else None

    def scalar(name: str) -> str | None:
        got = get(name)
        if isinstance(got, bool) or got is None or isinstance(got, dict | tuple):
            return None
        text = str(got).strip()
        return text or None

    subject = scalar("CertificateSubject")
    if "certificatesubject" in keys:
        issuer = scalar("CertificateIssuer")
        if subject and issuer:
            return f"<I>{issuer}<S>{subject}"
        return subject
    if "isunlimited" in keys:
        if get("IsUnlimited") is True:
            return "Unlimited"
        inner = get("Value")
        return nested_text(inner) if isinstance(inner, dict) else scalar("Value")
    if "pathname" in keys:
        return scalar("PathName")
    if {"major", "minor", "build"} <= keys.keys():
        parts = [scalar(n) for n in ("Major", "Minor", "Build", "Revision")]
        if all(p is not None and p.isdigit() for p in parts[:3]):
            revision = parts[3] if parts[3] is not None and parts[3].isdigit() else "0"
            return f"Version {parts[0]}.{parts[1]} (Build {parts[2]}.{revision})"
        return None
    if "distinguishedname" in keys and ("name" in keys or "rdn" in keys or "objectguid" in keys):
        name = scalar("Name")
        if name:
            return name
        dn = scalar("DistinguishedName") or ""
        first = dn.split(",", 1)[0]
        return first.split("=", 1)[1].strip() or None if "=" in first else None
    if "address" in keys and ("includesubdomains" in keys or "isstar" in keys):
        return scalar("Address") or scalar("Domain")
    return None


def _item_text(value: PSValue) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return nested_text(value)
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, dt.datetime):
        return iso(value, utc_hint=False)
    if isinstance(value, tuple):
        parts = [t for t in (_item_text(v) for v in value) if t]
        return ", ".join(parts) if parts else None
    text = str(value).strip()
    return text or None


def text(prop: Prop | None) -> str | None:
    """The value as one string (stripped); ``None`` when absent or empty."""
    if prop is None:
        return None
    return _item_text(prop.value)


def boolean(prop: Prop | None) -> bool | None:
    if prop is None or prop.value is None:
        return None
    value = prop.value
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "$true"):
            return True
        if low in ("false", "$false"):
            return False
    return None


def integer(prop: Prop | None) -> int | None:
    if prop is None or isinstance(prop.value, bool):
        return None
    if isinstance(prop.value, int):
        return prop.value
    if isinstance(prop.value, str) and _INTEGER.fullmatch(prop.value):
        return int(prop.value)
    return None


@dataclass(frozen=True, slots=True)
class Items:
    values: tuple[str, ...]
    incomplete: bool  # the exporter truncated or did not export the collection


def items(prop: Prop | None, style: Style) -> Items:
    """A multi-valued property as a tuple of strings, and whether the export lost some of it."""
    if prop is None or prop.value is None:
        return Items((), False)
    value = prop.value
    if isinstance(value, tuple):
        texts = [_item_text(v) for v in value]
        lost = any(t is None and isinstance(v, dict) for t, v in zip(texts, value, strict=True))
        return Items(tuple(t for t in texts if t), prop.truncated or lost)
    if isinstance(value, dict):
        single = nested_text(value)
        return Items((single,), prop.truncated) if single else Items((), True)
    if not isinstance(value, str):
        single = _item_text(value)
        return Items((single,) if single else (), prop.truncated)
    raw = value.strip()
    if not raw:
        return Items((), prop.truncated)
    if is_unexported(raw):
        return Items((), True)
    if style == "text" or (raw.startswith("{") and raw.endswith("}")):
        return _braced(raw, prop.truncated)
    if style == "csv":
        return Items(tuple(raw.split()), prop.truncated)
    return Items(tuple(p for p in _ITEM_BREAK.split(raw) if p), prop.truncated)


def _braced(raw: str, truncated: bool) -> Items:
    """Format-List/Table's ``{a, b, c, d...}``; a cut table cell may lack the closing brace."""
    if not raw.startswith("{"):
        return Items((raw,), truncated)
    inner = raw[1:]
    closed = inner.endswith("}")
    if closed:
        inner = inner[:-1]
    inner = inner.strip()
    for mark in _TRUNC_MARKS:
        if inner.endswith(mark):
            inner = inner[: -len(mark)]
            truncated = True
            break
    parts = [p.strip() for p in inner.split(", ")]
    if not closed and truncated and parts:
        parts = parts[:-1]  # the last item was cut mid-way
    return Items(tuple(p for p in parts if p), truncated or not closed)


def flags(prop: Prop | None, style: Style) -> tuple[str, ...] | None:
    """A [Flags] enum or list shown as ``A, B`` (or a real list); ``None`` for an unknown integer."""
    if prop is None or prop.value is None:
        return None
    value = prop.value
    if isinstance(value, tuple):
        return items(prop, style).values
    if isinstance(value, str):
        raw = value.strip()
        if raw.startswith("{"):
            return items(prop, "text").values
        return tuple(p.strip() for p in raw.split(",") if p.strip())
    return None


def enum_name(prop: Prop | None, known: dict[int, str]) -> tuple[str | None, bool]:
    """An enum shown as its name or its integer value. Returns (name, understood).

    Names are matched to ``known`` case-insensitively and returned in canonical spelling; an
    integer not in ``known`` gives ``(None, False)`` so the caller can warn.
    """
    if prop is None or prop.value is None:
        return None, True
    value = prop.value
    number = integer(prop)
    if number is not None:
        return known.get(number), number in known
    name = _item_text(value)
    if name is None:
        return None, True
    for canonical in known.values():
        if canonical.lower() == name.lower():
            return canonical, True
    return name, True


def timestamp(prop: Prop | None, *, utc_hint: bool = False, order: DateOrder | None = None) -> str | None:
    """The property as an ISO time (see the module docstring for zones and cultures)."""
    if prop is None or prop.value is None:
        return None
    value = prop.value
    if isinstance(value, dt.datetime):
        return iso(value, utc_hint=utc_hint)
    if not isinstance(value, str):
        return None
    moment = parse_time(value, order=order)
    return iso(moment, utc_hint=utc_hint) if moment is not None else None


def date_order(raw: str) -> str | None:
    """How a numeric ``a/b/yyyy`` (or ``a-b-yyyy``) text date orders day and month.

    ``dmy`` or ``mdy`` when the text decides (a part above 12; AM/PM marks en-US), ``same``
    when both readings agree (``3/3/2027``), ``ambiguous`` when they differ, ``None`` for any
    other text (dotted and ISO dates need no order).
    """
    m = _NUM_DATE.match(raw.strip())
    if not m:
        return None
    first, second = int(m.group(1)), int(m.group(3))
    if first > 12 and second <= 12:
        return "dmy"
    if second > 12 and first <= 12:
        return "mdy"
    if first > 12:
        return None  # neither reading is a date
    if first == second:
        return "same"
    if m.group(2) == "-":
        return "dmy"  # nl-NL d-M-yyyy, en-IN dd-MM-yyyy: no month-first culture writes dashes
    if m.group(8):
        return "mdy"  # slashes with AM/PM: en-US, the culture of the samples
    if len(m.group(1)) == 1 or len(m.group(3)) == 1:
        return "mdy"  # an unpadded part: the en-US M/d/yyyy shape (dd/MM cultures pad both)
    return "ambiguous"  # 02/03/2027: dd/MM (en-GB, fr-FR) or MM/dd


def parse_time(raw: str, *, order: DateOrder | None = None) -> dt.datetime | None:
    """``\\/Date(ms)\\/``, ISO 8601 (any fraction length) or a culture's text date.

    ``order`` (``dmy``/``mdy``) settles a slash/dash date whose text does not; without it such
    a date is ``None`` (see ``date_order``)."""
    raw = raw.strip().replace("\\/", "/")
    try:
        m = _MS_DATE.match(raw)
        if m:
            return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=int(m.group(1)))
        m = _ISO.match(raw)
        if m:
            year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
            second = int(m.group(6) or 0)
            zone = _zone(m.group(8))
            return dt.datetime(year, month, day, hour, minute, second, tzinfo=zone)
        m = _NUM_DATE.match(raw)
        if m:
            found = date_order(raw)
            if found == "ambiguous":
                found = order if order in ("dmy", "mdy") else None
            if found is None:
                return None
            first, second, year, hour, minute = (int(m.group(i)) for i in (1, 3, 4, 5, 6))
            day, month = (first, second) if found == "dmy" else (second, first)
            hour = _clock(hour, m.group(8))
            if hour is None:
                return None
            return dt.datetime(year, month, day, hour, minute, int(m.group(7) or 0))
        m = _DOT_DATE.match(raw)
        if m:
            day, month, year, hour, minute = (int(m.group(i)) for i in range(1, 6))
            return dt.datetime(year, month, day, hour, minute, int(m.group(6) or 0))
        m = _YMD_SLASH.match(raw)
        if m:
            year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
            return dt.datetime(year, month, day, hour, minute, int(m.group(6) or 0))
    except (ValueError, OverflowError):
        return None
    return None


def _clock(hour: int, half: str | None) -> int | None:
    """A 12-hour clock hour with its AM/PM letter as 0-23 (a 24-hour one unchanged)."""
    if not half:
        return hour
    if not 1 <= hour <= 12:
        return None
    return hour % 12 + (12 if half.lower() == "p" else 0)


def _zone(text: str | None) -> dt.tzinfo | None:
    if not text:
        return None
    if text.upper() == "Z":
        return dt.UTC
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def iso(moment: dt.datetime, *, utc_hint: bool) -> str | None:
    """Aware → UTC with ``Z``; naive → as is, with ``Z`` only when the caller knows it is UTC."""
    try:
        if moment.tzinfo is not None:
            return format_utc(moment)
    except (OverflowError, ValueError):
        return None
    return format_naive(moment) + ("Z" if utc_hint else "")
