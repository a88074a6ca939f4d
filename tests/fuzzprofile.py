"""Hypothesis budgets: small by default (fast CI), large under the ``deep`` profile.

Run deep with ``RELAYDOCTOR_HYPOTHESIS=deep python -m pytest tests/hostile tests/engine/evidence``
(or ``--hypothesis-profile=deep``): at least 10,000 examples per parser and end to end.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

DEEP_EXAMPLES = int(os.environ.get("RELAYDOCTOR_HYPOTHESIS_EXAMPLES", "10000"))  # ≥ 10,000 for the record
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large,
            HealthCheck.filter_too_much]

settings.register_profile("deep", max_examples=DEEP_EXAMPLES, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile("default", deadline=None)
if os.environ.get("RELAYDOCTOR_HYPOTHESIS"):
    settings.load_profile(os.environ["RELAYDOCTOR_HYPOTHESIS"])


def deep() -> bool:
    """True under the deep profile (by env var or by ``--hypothesis-profile=deep``)."""
    return settings.default.max_examples >= DEEP_EXAMPLES


def examples(default: int) -> int:
    """``default`` examples normally; the deep budget under the deep profile."""
    return max(default, DEEP_EXAMPLES) if deep() else default


def fuzz_settings(default: int) -> settings:
    return settings(max_examples=examples(default), deadline=None, suppress_health_check=_SLOW_OK)
