"""Fixtures for the collector tests: the fixture folder and the parser registry it needs.

``registered_parsers`` makes sure the loader's registry lists the parser modules this work added
(``hcwlog``, ``manifest``, ``messagetrace``) at the positions proposed for ``PARSER_MODULES``;
once the loader lists them itself this changes nothing. The real loader and parsers run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from collectorkit import SCENARIO
from relaydoctor.engine.evidence import loader


def _with_new_modules(current: tuple[str, ...]) -> tuple[str, ...]:
    names = list(current)
    for name in ("messagetrace", "hcwlog", "manifest"):
        if name in names:
            continue
        anchor = names.index("certs") if "certs" in names else len(names)
        names.insert(anchor, name)
    return tuple(names)


@pytest.fixture
def registered_parsers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    wanted = _with_new_modules(loader.PARSER_MODULES)
    if wanted != loader.PARSER_MODULES:
        monkeypatch.setattr(loader, "PARSER_MODULES", wanted)
        monkeypatch.setattr(loader, "_REGISTRY", None)
    yield
    monkeypatch.setattr(loader, "_REGISTRY", None)


@pytest.fixture
def scenario() -> Path:
    return SCENARIO
