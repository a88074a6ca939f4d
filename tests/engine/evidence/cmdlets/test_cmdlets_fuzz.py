"""Hypothesis: whatever bytes arrive, the cmdlet parsers answer with facts or a relaydoctor error.

Per format: arbitrary text, text built from that format's own pieces, and the real samples
mutated (cut, spliced, truncated, lines duplicated) — then every parser sniffs and parses it.
"""

from __future__ import annotations

import json

from cmdletkit import PARSERS, doc_from_bytes
from fuzzprofile import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from relaydoctor.engine.errors import RelaydoctorError
from relaydoctor.engine.evidence.base import ParseResult
from relaydoctor.engine.evidence.decoding import decode
from relaydoctor.engine.facts import Fact
from samplepath import SAMPLES as SAMPLE_DIR

SAMPLES = SAMPLE_DIR
FUZZ = fuzz_settings(150)  # RELAYDOCTOR_HYPOTHESIS=deep: 10,000

KNOWN = [
    "Name", "Identity", "Id", "Enabled", "ConnectorType", "ConnectorSource", "SenderIPAddresses",
    "SenderDomains", "TlsSenderCertificateName", "RequireTls", "WhenChangedUTC", "WhenChanged",
    "RecipientDomains", "SmartHosts", "AddressSpaces", "TlsCertificateName", "DNSRoutingEnabled",
    "Bindings", "RemoteIPRanges", "PermissionGroups", "Thumbprint", "Services", "Subject", "Issuer",
    "NotAfter", "NotBefore", "CertificateDomains", "RootCAType", "DomainName", "DomainType", "Default",
    "IsVerified", "Status", "Authentication", "SendProtocolLogPath",
]  # fmt: skip
SPICY = "\"'{}[],;:<>/\\\n\r\t &_x0123456789ABCDEFabcdef.…-=#@$TrueFalsenull "
VALUES = st.one_of(
    st.sampled_from(
        [
            "True",
            "False",
            "{}",
            "{a, b, c, d...}",
            "IP.WS.",
            "....S.C",
            "27",
            "-1",
            "",
            "12/8/2025 7:03:12 PM",
            "13/45/2025 99:99:99 PM",
            "\\/Date(-99999999999999)\\/",
            "2025-12-08T19:03:12.1234567Z",
            "<I>CN=a<S>CN=b",
            "<i><s>",
            "System.Collections.ArrayList",
            "@{a=1}",
            "F13EA69EB8D27B0D2A8947D5BCC472E6B2724B29",
            "Verified",
            "OnPremises",
            "2",
        ]
    ),
    st.text(alphabet=SPICY, max_size=40),
    st.text(max_size=20),
)


def _check(data: bytes) -> None:
    doc = doc_from_bytes(data, "fuzz.txt")
    for module in PARSERS:
        try:
            claimed = module.sniff(doc)
        except RelaydoctorError:
            claimed = False
        assert isinstance(claimed, bool)
        try:
            result = module.parse(doc)
        except RelaydoctorError:
            continue
        assert isinstance(result, ParseResult)
        assert all(isinstance(f, Fact) for f in result.facts)
        assert all(isinstance(w, str) for w in result.warnings)


def _samples(suffix: str) -> list[str]:
    if not SAMPLES.is_dir():
        return ["Name : x"]
    files = sorted((SAMPLES / "cmdlets").glob(f"*{suffix}"))
    return [decode(p.read_bytes(), p.name) for p in files]


@st.composite
def _mutated(draw: st.DrawFn, texts: list[str]) -> str:
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "truncate", "dupline", "replace"]))
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 200)))
        if op == "insert":
            text = text[:i] + draw(st.text(alphabet=SPICY, max_size=30)) + text[i:]
        elif op == "delete":
            text = text[:i] + text[j:]
        elif op == "truncate":
            text = text[:i]
        elif op == "replace":
            text = text[:i] + draw(VALUES) + text[j:]
        else:
            lines = text.split("\n")
            k = draw(st.integers(0, max(0, len(lines) - 1)))
            lines.insert(k, lines[k] if lines else "")
            text = "\n".join(lines)
    return text


ENCODINGS = st.sampled_from(["utf-8", "utf-16", "utf-8-sig", "cp1252"])


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes):
    _check(data)


@FUZZ
@given(st.text(max_size=2000), ENCODINGS)
def test_arbitrary_text(text: str, encoding: str):
    _check(_encode(text, encoding))


# --- Format-List -------------------------------------------------------------------------


@st.composite
def _format_list(draw: st.DrawFn) -> str:
    lines = [draw(st.sampled_from(["", "PS C:\\> Get-X | fl", "[PS] C:\\>"]))]
    for _ in range(draw(st.integers(1, 3))):
        pad = draw(st.integers(1, 30))
        for _ in range(draw(st.integers(1, 8))):
            label = draw(st.sampled_from(KNOWN) | st.text(alphabet=SPICY, min_size=1, max_size=12))
            lines.append(f"{label.ljust(pad)} : {draw(VALUES)}")
            if draw(st.booleans()):
                lines.append(" " * draw(st.integers(0, pad + 4)) + draw(VALUES))
        lines.append("")
    return "\n".join(lines)


@FUZZ
@given(_format_list(), ENCODINGS)
def test_format_list_built(text: str, encoding: str):
    _check(_encode(text, encoding))


@FUZZ
@given(_mutated(_samples(".fl.txt")))
def test_format_list_mutated(text: str):
    _check(_encode(text, "utf-16"))


# --- Format-Table ------------------------------------------------------------------------


@st.composite
def _format_table(draw: st.DrawFn) -> str:
    labels = draw(st.lists(st.sampled_from(KNOWN), min_size=1, max_size=5, unique=True))
    widths = [max(len(lb), draw(st.integers(1, 30))) for lb in labels]
    head = " ".join(lb.ljust(w) for lb, w in zip(labels, widths, strict=True))
    under = " ".join(("-" * len(lb)).ljust(w) for lb, w in zip(labels, widths, strict=True))
    rows = [
        " ".join(draw(VALUES).replace("\n", " ")[:w].rjust(w) for w in widths)
        for _ in range(draw(st.integers(0, 4)))
    ]
    return "\n".join(["", head, under, *rows, ""])


@FUZZ
@given(_format_table(), ENCODINGS)
def test_format_table_built(text: str, encoding: str):
    _check(_encode(text, encoding))


@FUZZ
@given(_mutated(_samples(".table.txt")))
def test_format_table_mutated(text: str):
    _check(_encode(text, "utf-8"))


# --- Export-Csv --------------------------------------------------------------------------


@st.composite
def _csv(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.sampled_from(KNOWN), min_size=1, max_size=6, unique=True))
    out = [draw(st.sampled_from(["", "#TYPE Deserialized.X.TenantInboundConnector\n", "#TYPE \n"]))]
    out.append(",".join(f'"{n}"' for n in names))
    for _ in range(draw(st.integers(0, 4))):
        cells = []
        for _ in range(len(names) + draw(st.integers(-1, 1))):
            value = draw(VALUES)
            cells.append(draw(st.sampled_from(['"' + value.replace('"', '""') + '"', value, ""])))
        out.append(",".join(cells))
    return "\n".join(out)


@FUZZ
@given(_csv(), ENCODINGS)
def test_csv_built(text: str, encoding: str):
    _check(_encode(text, encoding))


@FUZZ
@given(_mutated(_samples(".csv")))
def test_csv_mutated(text: str):
    _check(_encode(text, "cp1252"))


# --- ConvertTo-Json ----------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | VALUES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KNOWN) | st.text(max_size=8), inner, max_size=8)
    ),
    max_leaves=40,
)


@FUZZ
@given(_JSON, st.sampled_from([None, 2, 4]), ENCODINGS)
def test_json_built(value: object, indent: int | None, encoding: str):
    _check(_encode(json.dumps(value, indent=indent), encoding))


@FUZZ
@given(_mutated(_samples(".json")))
def test_json_mutated(text: str):
    _check(_encode(text, "utf-8"))


# --- Export-Clixml -----------------------------------------------------------------------

_TAGS = [
    "S",
    "B",
    "I32",
    "DT",
    "Nil",
    "G",
    "Db",
    "Obj",
    "LST",
    "Props",
    "MS",
    "TN",
    "TNRef",
    "T",
    "ToString",
    "Ref",
    "DCT",
    "En",
]


@st.composite
def _clixml_node(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(_TAGS))
    attrs = ""
    if draw(st.booleans()):
        attrs += f' N="{draw(st.sampled_from(KNOWN))}"'
    if draw(st.booleans()):
        attrs += f' RefId="{draw(st.integers(0, 5))}"'
    if depth < 4 and draw(st.booleans()):
        inner = "".join(draw(st.lists(_clixml_node(depth + 1), max_size=4)))
    else:
        inner = draw(VALUES).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<{tag}{attrs}>{inner}</{tag}>"


@FUZZ
@given(st.lists(_clixml_node(), max_size=5), ENCODINGS)
def test_clixml_built(nodes: list[str], encoding: str):
    text = (
        '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
        + "".join(nodes)
        + "</Objs>"
    )
    _check(_encode(text, encoding))


@FUZZ
@given(_mutated(_samples(".xml")))
def test_clixml_mutated(text: str):
    _check(_encode(text, "utf-16"))
