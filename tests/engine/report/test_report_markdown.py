"""The Markdown report, parsed back with a real CommonMark parser (markdown-it, as GitHub-like
renderers do): hostile evidence text must come out as plain text, never as markup."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from relaydoctor.engine.report.markdown import md, md_code_block, md_link, render_markdown
from reportkit import CONNECTOR, HOSTILE, build_report


def _tokens(text: str):
    parser = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    for token in parser.parse(text):
        yield token
        yield from token.children or ()


def _plain_text(text: str) -> str:
    return "".join(t.content for t in _tokens(text) if t.type in ("text", "code_inline"))


@pytest.fixture(scope="module")
def hostile_md() -> str:
    return render_markdown(build_report(hostile=True))


def test_no_links_images_or_html_come_from_evidence(hostile_md):
    kinds = {t.type for t in _tokens(hostile_md)}
    assert "image" not in kinds
    assert not kinds & {"html_inline", "html_block"}
    assert "s_open" not in kinds  # no ~~strikethrough~~ either
    links = [t.attrGet("href") for t in _tokens(hostile_md) if t.type == "link_open"]
    assert links and all(h.startswith("https://learn.microsoft.com/") for h in links), links


def test_hostile_text_survives_literally(hostile_md):
    rendered = _plain_text(hostile_md)
    assert "[click me](javascript:alert(1))" in rendered
    assert "<script>alert('x')</script>" in rendered
    assert "![x](https://evil.example/p.png)" in rendered
    assert "left | right ||" in rendered


def test_every_table_row_keeps_its_columns(hostile_md):
    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(hostile_md)
    rows, cells = 0, 0
    for token in tokens:
        if token.type == "tr_open":
            rows += 1
            cells = 0
        elif token.type in ("td_open", "th_open"):
            cells += 1
        elif token.type == "tr_close":
            assert cells == 4
    assert rows >= 9
    assert "notesleft | right || .docx" in _plain_text(hostile_md)


def test_no_heading_or_list_is_injected(hostile_md):
    tokens = list(MarkdownIt("commonmark").enable("table").parse(hostile_md))
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == [
        "relaydoctor diagnosis", "Symptom", "Confirmed: certificate-name-mismatch", "Evidence", "What to do",
        "References", "Likely: domain-not-accepted", "Evidence", "What to do",
        "Undetermined — needs more evidence", "Ruled out", "Notes", "Evidence",
    ]
    # "- injected list" from the evidence stays inside a paragraph, never starts a list item.
    inline = [t.content for t in tokens if t.type == "inline"]
    assert not any(c.startswith("- injected") or c.startswith("injected") for c in inline)
    assert any("- injected list" in c for c in inline)


def test_commands_are_in_fences_they_cannot_close(hostile_md):
    fences = [t for t in _tokens(hostile_md) if t.type == "fence"]
    command = (f"Set-InboundConnector -Identity '{CONNECTOR}' "
               f"-TlsSenderCertificateName 'mail2026.contoso.net'{HOSTILE['ticks']}")
    assert any(f.content.strip("\n") == command and f.info == "powershell" for f in fences)
    assert any(f.content.strip() == "--answer egress_ip=<IPv4 address>" for f in fences)


def test_code_block_fence_outruns_backticks():
    block = md_code_block(["echo ````x`````"])
    assert block[0] == "``````powershell" and block[-1] == "``````"
    assert md_code_block(["Get-X"])[0] == "```powershell"


def test_md_escapes_each_special():
    assert md("[a](b)") == r"\[a\]\(b\)"
    assert md("<b>") == r"\<b\>"
    assert md("a|b") == r"a\|b"
    assert md("`x`") == r"\`x\`"
    assert md("x\ny") == "x y"
    assert md("1. one", line_start=True) == r"1\. one"
    assert md("- item", line_start=True) == r"\- item"
    assert md("mail.contoso.com") == "mail.contoso.com"  # readable: dots and hyphens left alone


def test_links_only_for_plain_web_urls():
    assert md_link("https://learn.microsoft.com/a") == "<https://learn.microsoft.com/a>"
    assert md_link("javascript:alert(1)") == r"javascript:alert\(1\)"
    assert "<" not in md_link("https://x.example/<script>").replace("\\<", "")


def test_clean_report_reads_well():
    text = render_markdown(build_report())
    assert text.startswith("# relaydoctor diagnosis\n")
    assert "## Confirmed: certificate-name-mismatch" in text
    assert "## Likely: domain-not-accepted" in text
    assert "## Undetermined" in text and "## Ruled out" in text
    assert "| SEND20261120-1.LOG:105 | smtp\\_session |" in text
    assert "2026-11-27T12:00:00Z" in text and "builtin 1.0.0" in text
