"""Compact pictures where looking beats reading: certificate names vs the connector's expected
name, egress IPs vs the connector's ranges, and relay failures per hour (a Sparkline).

All names and addresses shown are untrusted and go through ``literal``.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Sparkline, Static

from ..literal import join, lines, lit_line
from ..views import CertRow, IpRow, Timeline

MATCH_MARK = {
    "match": ("✔ match", "bold $text-success"),
    "wildcard_match": ("✔ wildcard", "bold $text-success"),
    "mismatch": ("✗ mismatch", "bold $text-error"),
    "ambiguous": ("? ambiguous", "bold $text-warning"),
    "no_cert_connector": ("– no certificate connector", "$text-muted"),
    "in_range": ("✔ in range", "bold $text-success"),
    "not_in_range": ("✗ not listed", "bold $text-error"),
    "ipv6": ("? IPv6", "bold $text-warning"),
    "no_ip_connector": ("– no IP connector", "$text-muted"),
}
MARK_WIDTH = 14


def _mark(match: str) -> tuple[str, str]:
    return MATCH_MARK.get(match, (match, ""))


def _cell(text: str, width: int, style: str = "") -> Content:
    flat = lit_line(text, style, limit=width)
    pad = width - flat.cell_length
    return Content.assemble(flat, " " * max(pad, 0))


def _columns(width: int) -> int:
    return min(max((width - MARK_WIDTH) // 2, 12), 34)


_ORDER = {"mismatch": 0, "not_in_range": 0, "ambiguous": 1, "ipv6": 1}


NARROW = 60  # below this width the pictures stack instead of standing side by side


def cert_picture_stacked(rows: Sequence[CertRow], width: int) -> Content:
    """The certificate picture for narrow panes::

    Presented  mail2026.contoso.net
               autodiscover.contoso.net
      ✗ mismatch
    Expected   mail.contoso.com
               on Inbound from 5c1a4e1b-…
    """
    room = max(width - 11, 10)
    out: list[Content] = []
    for i, row in enumerate(sorted(rows, key=lambda r: _ORDER.get(r.match, 2))):
        if i:
            out.append(Content.styled("─" * min(width, 40), "$text-muted"))
        label, style = _mark(row.match)
        names = row.names or (row.cn or row.thumbprint[:8],)
        out.append(join(("Presented  ", "bold"), lit_line(names[0], "bold", limit=room)))
        for name in names[1:3]:
            out.append(join((" " * 11, ""), lit_line(name, "$text-muted", limit=room)))
        out.append(join(("  ", ""), (label, style)))
        out.append(
            join(
                ("Expected   ", "bold"),
                lit_line(row.expected or "(no certificate connector)", "bold", limit=room),
            )
        )
        if row.connector:
            out.append(
                join((" " * 11 + "on ", "$text-muted"), lit_line(row.connector, "italic", limit=room - 3))
            )
    return lines(out)


def ip_picture_stacked(rows: Sequence[IpRow], width: int) -> Content:
    """The IP picture for narrow panes: each egress IP with its verdict, then the ranges."""
    room = max(width - 11, 10)
    out: list[Content] = []
    for row in sorted(rows, key=lambda r: _ORDER.get(r.match, 2)):
        label, style = _mark(row.match)
        suffix = " (you said)" if row.source == "answer" else ""
        out.append(
            join(
                ("Egress IP  ", "bold"),
                lit_line(row.ip + suffix, "bold", limit=room),
                ("  ", ""),
                (label, style),
            )
        )
    ranges = rows[0].ranges if rows else ()
    for name, addresses in ranges:
        out.append(join(("Allowed    ", "bold"), lit_line(", ".join(addresses), "bold", limit=room)))
        out.append(join((" " * 11 + "on ", "$text-muted"), lit_line(name, "italic", limit=room - 3)))
    if not ranges:
        out.append(Content.styled("Allowed    (no connector lists IPs)", "$text-muted"))
    return lines(out)


def cert_picture(rows: Sequence[CertRow], width: int = 76) -> Content:
    """Presented names on the left, the connector's expected name on the right, the verdict of
    the comparison between them::

        Presented                 compared    Connector expects
        mail2026.contoso.net      ✗ mismatch  mail.contoso.com
          autodiscover.contoso.net            on 'Inbound from 5c1a…'
    """
    col = _columns(width)
    out: list[Content] = [
        Content.assemble(
            _cell("Presented certificate", col, "bold underline"),
            _cell("", MARK_WIDTH),
            _cell("Connector expects", col, "bold underline"),
        )
    ]
    for row in sorted(rows, key=lambda r: _ORDER.get(r.match, 2)):
        label, style = _mark(row.match)
        names = row.names or (row.cn or row.thumbprint[:8],)
        expected = row.expected or "(none: no certificate connector)"
        out.append(
            Content.assemble(
                _cell(names[0], col, "bold"),
                _cell(label, MARK_WIDTH, style),
                lit_line(expected, "bold", limit=col),
            )
        )
        extra = [lit_line("  " + n, "$text-muted", limit=col) for n in names[1:3]]
        if len(names) > 3:
            extra.append(Content.styled(f"  … {len(names) - 3} more", "$text-muted"))
        right = (
            [join(("on ", "$text-muted"), lit_line(row.connector, "italic", limit=col - 3))]
            if row.connector
            else []
        )
        for i in range(max(len(extra), len(right))):
            left = extra[i] if i < len(extra) else Content("")
            pad = " " * max(col + MARK_WIDTH - left.cell_length, 0)
            out.append(Content.assemble(left, pad, right[i] if i < len(right) else Content("")))
    return lines(out)


def ip_picture(rows: Sequence[IpRow], width: int = 76) -> Content:
    """Egress IPs (as Exchange Online saw them) against the IP connectors' SenderIPAddresses::

    Egress IP (EOP saw)       compared     Connector allows
    198.51.100.77             ✗ not listed 203.0.113.25
    203.0.113.25              ✔ in range     on 'Contoso on-premises relay (IP)'
    """
    col = _columns(width)
    out: list[Content] = [
        Content.assemble(
            _cell("Egress IP (EOP saw)", col, "bold underline"),
            _cell("", MARK_WIDTH),
            _cell("Connector allows", col, "bold underline"),
        )
    ]
    ranges = rows[0].ranges if rows else ()
    right: list[Content] = []
    for name, addresses in ranges:
        for address in addresses:
            right.append(lit_line(address, "bold", limit=col))
        right.append(join(("on ", "$text-muted"), lit_line(name, "italic", limit=col - 3)))
    if not ranges:
        right.append(Content.styled("(no connector lists IPs)", "$text-muted"))
    left: list[Content] = []
    for row in sorted(rows, key=lambda r: _ORDER.get(r.match, 2)):
        label, style = _mark(row.match)
        suffix = " (you said)" if row.source == "answer" else ""
        left.append(Content.assemble(_cell(row.ip + suffix, col, "bold"), _cell(label, MARK_WIDTH, style)))
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else Content(" " * (col + MARK_WIDTH))
        out.append(Content.assemble(a, right[i] if i < len(right) else Content("")))
    return lines(out)


class Picture(Static):
    """A certificate or IP picture laid out for the width it gets."""

    def __init__(self, *, id: str | None = None, classes: str = "") -> None:
        super().__init__("", id=id, classes=f"picture {classes}".strip())
        self._rows: Sequence[CertRow] | Sequence[IpRow] = ()

    def show(self, rows: Sequence[CertRow] | Sequence[IpRow]) -> None:
        self._rows = rows
        self.display = bool(rows)
        self.refresh(layout=True)

    def on_resize(self) -> None:
        self.refresh(layout=True)

    def render(self) -> Content:
        width = max(self.content_size.width - 1, 30) if self.content_size.width else 76
        if not self._rows:
            return Content("")
        narrow = width < NARROW
        if isinstance(self._rows[0], CertRow):
            draw = cert_picture_stacked if narrow else cert_picture
        else:
            draw = ip_picture_stacked if narrow else ip_picture
        return draw(self._rows, width)  # type: ignore[arg-type]


class FailureTimeline(Horizontal):
    """``Rejected/hour ▁▃█▂ 08:00–11:59Z · 4 rejected, 2 relayed`` (hidden without send logs)."""

    def compose(self) -> ComposeResult:
        yield Static(Content("Rejected per hour "), classes="timeline-label")
        yield Sparkline([], id="failures")
        yield Static("", id="timeline-caption", markup=False)

    def show(self, timeline: Timeline) -> None:
        self.display = bool(timeline.rejected)
        if not timeline.rejected:
            return
        spark = self.query_one("#failures", Sparkline)
        data = [float(n) for n in timeline.rejected]
        spark.data = data
        spark.styles.width = max(min(len(data), 48), 1)
        caption = (
            f" {timeline.span_label} · {timeline.total_rejected} rejected, "
            f"{timeline.total_relayed} relayed sessions"
        )
        self.query_one("#timeline-caption", Static).update(Content(caption))
