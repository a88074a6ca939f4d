"""A cause shared by two codes is judged under each; the reports must say which is which and ask
its question once."""

from __future__ import annotations

import datetime as dt

from relaydoctor.engine.api import diagnose, load_packs
from relaydoctor.engine.report import markdown, text

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
TEXTS = [
    "550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT012.eop-EUR05.prod.protection.outlook.com]",
    "TLS negotiation failed with error UnknownCredentials",
]


def _report():
    return diagnose([], ndr_texts=TEXTS, packs=load_packs(cached=True), now=NOW)


def test_the_shared_cause_has_a_verdict_per_code() -> None:
    codes = {v.code for v in _report().verdicts if v.cause == "certificate-not-bound-to-smtp"}
    assert len(codes) == 2 and "5.7.64" in codes


def test_text_and_markdown_name_the_code_and_ask_once() -> None:
    report = _report()
    undetermined = [v for v in report.verdicts if v.status == "undetermined"]
    assert undetermined
    full = (lambda r: text.render_text(r, verbose=True), markdown.render_markdown)
    for render in (text.render_text, *full):
        out = render(report)
        for verdict in undetermined:
            assert f"{verdict.cause} ({verdict.code})" in out, render
        for question in report.questions:
            # the one-screen text shows the first questions, each once; the full formats all, once
            expected = (1,) if render in full else (0, 1)
            assert out.count(f"--answer {question.answers_with}") in expected, (render, question.id)
