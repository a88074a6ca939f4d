"""Markdown syntax in untrusted text never changes the document (issue 12).

Every hostile string below is put in every place evidence text reaches the Markdown report (NDR
and log text, file names of read and skipped files, cmdlet values in evidence lines, warnings,
questions, remediation steps and commands) and rendered by the real renderers (diagnosis and
precheck). Parsed back with a CommonMark parser (tables and strikethrough on, as GitHub renders),
the document must have exactly the structure of the same report with harmless words in those
places: no heading, list, quote, table cell, emphasis, code span, link, image or HTML more or less,
and the hostile text must come back literally.
"""

from __future__ import annotations

import dataclasses

import pytest
import reportkit
from markdown_it import MarkdownIt
from relaydoctor.engine.precheck.model import Check, Plan, PrecheckReport
from relaydoctor.engine.report.markdown import md, md_code_block, render_markdown
from relaydoctor.engine.report.precheck import precheck_markdown
from relaydoctor.engine.results import EvidenceLink, SourceSummary

HOSTILE = [
    "*bold* **strong** _it_ __it__", "`code` ``two`` ```three```", "[x](https://evil.example/)",
    "[ref]: https://evil.example/", "![img](https://evil.example/p.png)", "<b>html</b> <!-- c -->",
    "<https://evil.example/auto>", "a | b || c", "# heading", "## heading", "> quote", "- item",
    "+ item", "* item", "1. item", "1) item", "---", "***", "===", "~~struck~~", "&amp; &#x41;",
    "trailing backslash\\", "    indented code", "\\*not escaped\\*", "|", "\n# heading after newline",
    "two spaces  \nbreak", "$math$", "{curly} <tag attr='x'>",
]


def _report(extra: str):
    """reportkit's report with ``extra`` in every untrusted place."""
    original = reportkit.HOSTILE
    reportkit.HOSTILE = dict.fromkeys(original, extra)
    try:
        report = reportkit.build_report(hostile=True)
    finally:
        reportkit.HOSTILE = original
    report.symptoms[0] = dataclasses.replace(report.symptoms[0], source=f"ndr {extra}.eml:3")
    report.evidence.append(SourceSummary(f"logs/{extra}/SEND{extra}.LOG", "send_log", facts=2,
                                         detail=f"line 9: {extra}"))
    return report


def _shape(text: str) -> list[tuple]:
    """The document's structure: block tokens and inline markup, not the words."""
    parser = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    shape: list[tuple] = []
    for token in parser.parse(text):
        if token.type == "inline":
            shape.append(("inline", tuple(c.type for c in token.children or ()
                                          if c.type not in ("text", "text_special", "softbreak"))))
        else:
            shape.append((token.type, token.tag, token.nesting, token.info if token.type == "fence" else ""))
    return shape


def _text(text: str) -> str:
    parser = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    out = []
    for token in parser.parse(text):
        for child in token.children or ():
            if child.type in ("text", "text_special", "code_inline"):
                out.append(child.content)
            elif child.type == "softbreak":
                out.append(" ")
        if token.type == "fence":
            out.append(token.content)
    return "".join(out)


BASELINE = render_markdown(_report("plain words"))


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_keeps_the_diagnosis_document_as_it_is(hostile):
    rendered = render_markdown(_report(hostile))
    assert _shape(rendered) == _shape(BASELINE)
    flat = " ".join(hostile.split())
    assert flat in " ".join(_text(rendered).split())  # shown literally


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_is_inert_in_a_line_or_cell(hostile):
    for line_start in (False, True):
        para = md(hostile, line_start=True) if line_start else f"Why: {md(hostile)}"
        doc = f"| a | b |\n|---|---|\n| {md(hostile)} | x |\n\n{para}\n"
        shape = _shape(doc)
        assert shape[:3] == [("table_open", "table", 1, ""), ("thead_open", "thead", 1, ""),
                             ("tr_open", "tr", 1, "")]
        assert [s for s in shape if s[0] == "td_open"] == [("td_open", "td", 1, "")] * 2
        assert all(s[1] == () for s in shape if s[0] == "inline"), shape  # no markup at all
        assert sum(1 for s in shape if s[0] == "paragraph_open") == 1


@pytest.mark.parametrize("ticks", [1, 2, 3, 4, 7])
def test_a_code_block_fence_outruns_any_backtick_run(ticks):
    command = "Write-Host " + "`" * ticks + "n# not a heading " + "`" * ticks
    block = "\n".join(md_code_block([command, "```", "~~~"]))
    tokens = [t for t in MarkdownIt("commonmark").parse(block)]
    assert [t.type for t in tokens] == ["fence"]
    assert tokens[0].content.splitlines() == [command, "```", "~~~"]


def _precheck_report(extra: str) -> PrecheckReport:
    check = Check(
        check="cert-names", status="fail", title=f"The name {extra} is not on the certificate",
        summary=f"expects {extra}", subject=f"connector {extra}",
        evidence=(EvidenceLink(fact="certificate", source=f"certs/{extra}.cer", says=f"CN={extra}"),),
        commands=(f"Set-InboundConnector -Identity '{extra}'",),
    )
    plan = Plan(cert=f"{extra}.pfx", connector=extra, connector_cert_name=extra)
    return PrecheckReport(tool_version="0.1.0", generated_at="2026-11-27T12:00:00Z", plan=plan,
                          checks=[check], evidence=[], notes=[f"note {extra}"])


@pytest.mark.parametrize("hostile", HOSTILE)
def test_precheck_markdown_is_inert_too(hostile):
    baseline = _shape(precheck_markdown(_precheck_report("plain words")))
    rendered = precheck_markdown(_precheck_report(hostile))
    assert _shape(rendered) == baseline
    assert " ".join(hostile.split()) in " ".join(_text(rendered).split())
