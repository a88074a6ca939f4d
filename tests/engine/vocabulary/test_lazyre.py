"""engine/lazyre.py: a module-level pattern compiled on first use behaves as the compiled one."""

from __future__ import annotations

import re

from relaydoctor.engine import lazyre, regexcache


def test_a_lazy_pattern_answers_as_re_does():
    lazy = lazyre.compile(r"(?P<code>\d\.\d\.\d+)\s+(\w+)", re.IGNORECASE)
    real = re.compile(r"(?P<code>\d\.\d\.\d+)\s+(\w+)", re.IGNORECASE)
    text = "550 5.7.64 TenantAttribution; 4.4.62 Attr35"
    assert lazy.pattern == real.pattern
    assert lazy.search(text).group("code") == real.search(text).group("code")
    assert lazy.match(text) is None and real.match(text) is None
    assert lazy.findall(text) == real.findall(text)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert lazy.sub("<\\g<code>>", text) == real.sub("<\\g<code>>", text)
    assert lazy.split(text) == real.split(text)
    assert lazy.flags == real.flags and lazy.groups == real.groups and lazy.groupindex == real.groupindex
    assert lazy.compiled() is lazy.compiled()


def test_nothing_is_compiled_before_the_first_use(monkeypatch):
    calls = []
    original = regexcache.compile  # re.compile, or the program kept from an earlier run
    monkeypatch.setattr(regexcache, "compile", lambda *a: calls.append(a) or original(*a))
    lazy = lazyre.compile(r"x+")
    assert calls == [] and lazy.pattern == "x+"
    assert lazy.fullmatch("xx")
    assert lazy.fullmatch("xxx") and len(calls) == 1  # compiled once, then the pattern's own methods


def test_an_invalid_pattern_fails_when_used():
    lazy = lazyre.compile(r"(unclosed")
    try:
        lazy.search("x")
    except re.error:
        return
    raise AssertionError("an invalid pattern must raise re.error when used")
