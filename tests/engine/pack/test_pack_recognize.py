"""Recognition: which code a reply text is, most specific pattern first."""

from __future__ import annotations

from pathlib import Path

from packkit import cause_file, code_file, load, manifest
from relaydoctor.engine.pack.recognize import recognition_order


def _pack(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    manifest(root)
    # file names sort generic first: load order alone would let the generic code win
    code_file(root, "1.0.0-generic", ("c1",), recognize=(r"5\.7\.64\b.*Relay Access Denied",))
    code_file(root, "2.0.0-attr36", ("c2",), recognize=(r"5\.7\.64.*ATTR36",))
    code_file(root, "3.0.0-short", ("c3",), recognize=(r"Denied",))
    code_file(root, "4.0.0-long", ("c4",), recognize=(r"TenantAttribution; Relay Access Denied",))
    for cause, code in (
        ("c1", "1.0.0-generic"),
        ("c2", "2.0.0-attr36"),
        ("c3", "3.0.0-short"),
        ("c4", "4.0.0-long"),
    ):
        cause_file(root, cause, code)
    return root


def test_attr_token_patterns_win_over_generic_ones(tmp_path: Path) -> None:
    packs = load(_pack(tmp_path))
    code = packs.recognize("550 5.7.64 TenantAttribution; Relay Access Denied ATTR36 [AM6PR.outlook.com]")
    assert code is not None and code.code == "2.0.0-attr36"


def test_more_literal_text_wins_then_load_order(tmp_path: Path) -> None:
    packs = load(_pack(tmp_path))
    assert packs.recognize("550 5.7.64 TenantAttribution; Relay Access Denied").code == "4.0.0-long"
    assert packs.recognize("550 5.7.64 Relay Access Denied").code == "1.0.0-generic"
    assert packs.recognize("Access Denied").code == "3.0.0-short"


def test_case_insensitive_search_and_no_match(tmp_path: Path) -> None:
    packs = load(_pack(tmp_path))
    assert packs.recognize("550 5.7.64 relay access denied attr36").code == "2.0.0-attr36"
    assert packs.recognize("250 2.6.0 Queued mail for delivery") is None
    assert packs.recognize("") is None


def test_order_is_listed(tmp_path: Path) -> None:
    packs = load(_pack(tmp_path))
    order = [code.code for _, code in recognition_order(list(packs.codes.values()))]
    assert order == ["2.0.0-attr36", "4.0.0-long", "1.0.0-generic", "3.0.0-short"]


def test_builtin_recognises_its_documented_replies() -> None:
    from relaydoctor.engine.pack import load_packs

    packs = load_packs(include_user_config=False)
    for text in (
        "550 5.7.64 TenantAttribution; Relay Access Denied [AM6PR0502MB3734.eurprd05.prod.outlook.com]",
        "550 5.7.64 TenantAttribution; Relay Access Denied ATTR36 "
        "[DM3NAM03FT035.eop-NAM03.prod.protection.outlook.com]",
    ):
        code = packs.recognize(text)
        assert code is not None and code.code == "5.7.64", text


# -- the prefilter: texts a pattern's every match contains (regex.required_literals) ---------------

import re  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from relaydoctor.engine.pack.regex import required_literals  # noqa: E402


def test_required_literals_are_the_top_level_runs() -> None:
    runs = ("relay", "access", "denied", "attr36")
    assert required_literals(r"Relay[ +]Access[ +]Denied[ +]ATTR36\b") == runs
    assert required_literals(r"4\.4\.62\b.*ATTR35\b") == ("4.4.62", "attr35")
    assert required_literals(r"(a|b)cde?f") == ("cd",)  # runs of one character are left out
    assert required_literals(r"x(abc)y|z") == ()  # an alternation at the top: nothing is required
    assert required_literals(r"Ünïcode\b ok") == (" ok",)  # non-ASCII runs are left out
    assert required_literals(r"[unclosed") == ()


def _builtin_patterns() -> list[str]:
    from relaydoctor.engine.pack import load_packs

    packs = load_packs(include_user_config=False)
    return [p for code in packs.codes.values() for p in code.recognize]


PATTERNS = _builtin_patterns()


@given(st.sampled_from(PATTERNS), st.lists(st.sampled_from(
    [*{n for p in PATTERNS for n in required_literals(p)}, " ", "550 ", "5.7.64", "[x]", "\u212a", "ſ", "İ"]),
    max_size=12), st.booleans())
def test_the_prefilter_never_skips_a_pattern_that_matches(pattern: str, pieces: list[str],
                                                          upper: bool) -> None:
    text = "".join(pieces)
    text = text.upper() if upper else text
    if re.search(pattern, text, re.IGNORECASE) and text.isascii():
        assert all(need in text.lower() for need in required_literals(pattern))


def _matching_pairs() -> list[tuple[str, str]]:
    """(pattern, text) pairs where a built-in pattern matches a pack text (titles, cases' NDRs)."""
    from relaydoctor.engine.pack import load_packs

    packs = load_packs(include_user_config=False)
    texts = [*(c.title for c in packs.codes.values()), *(n for case in packs.cases for n in case.ndr)]
    return [(p, t) for p in PATTERNS for t in texts if re.search(p, t, re.IGNORECASE)]


MATCHING = _matching_pairs()


def test_the_prefilter_is_tried_on_texts_that_match() -> None:
    """The test above draws texts from literal runs: in 500 examples none matched its pattern, so
    its assertion never ran. Real pack texts match most patterns (55 of 60 when written)."""
    assert len({p for p, _ in MATCHING}) >= len(PATTERNS) * 3 // 4
    for pattern, text in MATCHING:
        assert all(need in text.lower() for need in required_literals(pattern)), (pattern, text)


ASCII_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20)


@given(st.sampled_from(MATCHING), ASCII_TEXT, ASCII_TEXT, st.booleans())
def test_the_prefilter_never_skips_a_pattern_matching_a_real_text(pair: tuple[str, str], before: str,
                                                                   after: str, upper: bool) -> None:
    pattern, text = pair
    text = before + (text.upper() if upper else text) + after
    if re.search(pattern, text, re.IGNORECASE) and text.isascii():
        assert all(need in text.lower() for need in required_literals(pattern))


def test_recognition_with_and_without_the_prefilter_agrees(monkeypatch) -> None:
    from relaydoctor.engine.pack import load_packs, recognize

    packs = load_packs(include_user_config=False)
    texts = [*(c.title for c in packs.codes.values()),
             *(n for case in packs.cases for n in case.ndr),
             "550 5.7.64 TenantAttribution; Relay Access Denied [AM6EUR05FT012.eop-EUR05.prod.outlook.com]",
             "451 4.4.62 Mail sent to the wrong Office 365 region. ATTR35", "nothing known here"]
    with_filter = [getattr(packs.recognize(t), "code", None) for t in texts]
    real = recognize.pattern_rank
    monkeypatch.setattr(recognize, "pattern_rank", lambda p: (*real(p)[:2], ()))  # every pattern tried
    recognize._ordered.cache_clear()
    assert [getattr(packs.recognize(t), "code", None) for t in texts] == with_filter
    recognize._ordered.cache_clear()
