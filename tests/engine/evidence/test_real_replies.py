"""The reply recogniser against real error strings collected from public sources (data/real_replies.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from relaydoctor.engine.evidence.symptoms.smtp_reply import find_replies, recognise

TABLE = yaml.safe_load((Path(__file__).parent / "data" / "real_replies.yaml").read_text(encoding="utf-8"))


def test_table_is_large_and_cited() -> None:
    assert len(TABLE) >= 40
    assert all(str(row["source"]).startswith("https://") for row in TABLE)
    assert len({row["text"] for row in TABLE}) == len(TABLE)


@pytest.mark.parametrize("row", TABLE, ids=[f"{i:02d}" for i in range(len(TABLE))])
def test_real_reply_is_recognised(row: dict) -> None:
    found = [r for r in recognise(row["text"]) if not (r.reply_code or r.status_code or "").startswith("2")]
    got = [{"code": r.reply_code, "status": r.status_code, "text": r.text} for r in found]
    assert got == row["expect"], row["source"]
    with_status = [e for e in row["expect"] if e["status"]]
    assert [r.status_code for r in find_replies(row["text"])] == [e["status"] for e in with_status]
