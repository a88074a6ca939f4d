"""The verdict list (confirmed first, grouped by status) and the reasoning chain of one verdict."""

from __future__ import annotations

from collections.abc import Sequence

from relaydoctor.engine.api import Packs, Report, Status, Verdict
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..literal import clean, join, lines, lit, lit_line
from ..refs import ref_parts
from ..views import STATUS_GLYPH, STATUS_STYLE, cert_rows, ip_rows, pictures_for, verdict_key, verdict_name
from .pictures import Picture


def status_badge(status: Status) -> Content:
    return Content.styled(f"{STATUS_GLYPH[status]} {status.short_label}", STATUS_STYLE[status])


class VerdictList(OptionList):
    """Every verdict with its status glyph; status groups have a heading. Option ids are
    ``views.verdict_key`` (code, cause and, for a cause judged per subject, the subject)."""

    def show(self, verdicts: Sequence[Verdict], keep: str | None = None) -> None:
        self.clear_options()
        options: list[Option | None] = []
        last = None
        for v in verdicts:
            if v.status != last:
                n = sum(1 for x in verdicts if x.status == v.status)
                heading = Content.styled(f"{v.status.short_label} ({n})", "bold")
                options.append(Option(heading, id=f"--{v.status}", disabled=True))
                last = v.status
            glyph = STATUS_GLYPH[v.status]
            options.append(
                Option(
                    Content.assemble((f"{glyph} ", STATUS_STYLE[v.status]), lit_line(verdict_name(v))),
                    id=verdict_key(v),
                )
            )
        self.add_options(options)
        target = None
        if keep is not None:
            target = next((i for i, o in enumerate(self.options) if o.id == keep), None)
        if target is None:
            target = next((i for i, o in enumerate(self.options) if not o.disabled), None)
        if target is not None:
            self.highlighted = target


class VerdictDetail(VerticalScroll):
    """The selected verdict: status, why, the pictures, the evidence chain (file:line and the
    excerpt), the rules that decided it, what the cause means, and the references."""

    def compose(self) -> ComposeResult:
        yield Static(id="verdict-head")
        yield Picture(id="verdict-picture-cert")
        yield Picture(id="verdict-picture-ip")
        yield Static(id="verdict-chain")

    def show(
        self,
        verdict: Verdict | None,
        report: Report | None,
        packs: Packs | None,
        roots: Sequence[str] = (),
        *,
        empty: str = "Select a cause to see how relaydoctor reached its verdict.",
    ) -> None:
        head = self.query_one("#verdict-head", Static)
        chain = self.query_one("#verdict-chain", Static)
        cert_box = self.query_one("#verdict-picture-cert", Picture)
        ip_box = self.query_one("#verdict-picture-ip", Picture)
        if verdict is None or report is None:
            head.update(Content(empty))
            chain.update(Content(""))
            cert_box.show([])
            ip_box.show([])
            return
        head.update(verdict_head(verdict))
        cause = packs.causes.get(verdict.cause) if packs is not None else None
        show_cert, show_ip = pictures_for(getattr(cause, "decided_by", ()))
        certs = cert_rows(report) if show_cert else []
        ips = ip_rows(report) if show_ip else []
        cert_box.show(certs)
        ip_box.show(ips)
        chain.update(verdict_chain(verdict, roots))
        self.scroll_home(animate=False)


def verdict_head(v: Verdict) -> Content:
    parts = [
        join(
            status_badge(v.status),
            ("  ", ""),
            lit_line(verdict_name(v), "bold"),
            (f"  ({v.code})", "$text-muted"),
        ),
        lit(v.title, "bold"),
    ]
    if v.summary:
        parts.append(join(("Why: ", "bold"), lit(v.summary)))
    if v.status.positive and v.remediation:
        parts.append(
            Content.styled("Press 5 (or f) for the fix, with your names filled in.", "italic $text-accent")
        )
    if v.status == "undetermined":
        parts.append(
            Content.styled("Press 3 to answer its question, or 2 to add evidence.", "italic $text-accent")
        )
    return lines(parts)


def verdict_chain(v: Verdict, roots: Sequence[str] = ()) -> Content:
    out: list[Content] = []
    if v.evidence:
        title = "Ruled out by:" if v.status is Status.RULED_OUT else "Evidence (how relaydoctor got here):"
        out.append(Content.styled(title, "bold underline"))
        for i, link in enumerate(v.evidence, 1):
            name, folder = ref_parts(link.source, roots)
            where = [("  in ", "$text-muted"), lit(folder, "$text-muted")] if folder else []
            out.append(join((f"{i}. ", "bold"), lit(name, "bold $text-accent"), *where))
            out.append(join(("   ", ""), (f"{link.fact}: ", "$text-muted"), lit(link.says)))
            if link.excerpt:
                out.append(
                    join(("   │ ", "$text-muted"), lit_line(link.excerpt, "italic $text-muted", limit=400))
                )
    else:
        out.append(Content.styled("No evidence decided this cause.", "italic"))
    if v.rules:
        out.append(join(("Rules: ", "bold"), lit(", ".join(v.rules), "$text-muted")))
    if v.explanation:
        out.append(Content(""))
        out.append(Content.styled("What this cause means", "bold underline"))
        out.append(lit(" ".join(clean(v.explanation).split())))
    if v.references:
        out.append(Content(""))
        out.append(Content.styled("References", "bold underline"))
        out.extend(lit(url, "$text-accent") for url in v.references)
    return lines(out)
