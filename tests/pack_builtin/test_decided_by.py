"""`decided_by` is pack data the TUI reads (which pictures to draw, what evidence is missing), so it
must name every certificate/IP relation that proves the cause (a positive pattern of a confirmed or
likely rule)."""

from __future__ import annotations

from relaydoctor.engine.pack import load_packs
from relaydoctor.tui.views import CERT_CAUSE_KINDS, IP_CAUSE_KINDS, pictures_for

PICTURE_KINDS = CERT_CAUSE_KINDS | IP_CAUSE_KINDS


def test_decided_by_names_the_relations_the_rules_use() -> None:
    packs = load_packs(include_user_config=False)
    missing = []
    for cause in packs.causes.values():
        proving = [r for r in packs.rules_for(cause.cause) if r.status in ("confirmed", "likely")]
        used = {p.kind for rule in proving for p in rule.patterns}
        lacking = (used & PICTURE_KINDS) - set(cause.decided_by)
        if lacking:
            missing.append(f"{cause.loc.path}: decided_by lacks {sorted(lacking)}")
    assert not missing, "\n".join(missing)


def test_pictures_follow_decided_by_only() -> None:
    assert pictures_for(["smtp_session", "ip_attribution"]) == (False, True)
    assert pictures_for(["cert_attribution"]) == (True, False)
    assert pictures_for(["symptom", "answer"]) == (False, False)
