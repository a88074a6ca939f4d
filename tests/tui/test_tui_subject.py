"""A cause judged per subject (a site pack's ``subject:`` on a built-in 5.7.64 cause) has several
verdicts: the walk lists each one, names its subject (literally, clipped), shows its own reasoning
and its own fix — and never builds two list entries with one id (Textual refuses that)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tuikit import drive, example, flat, make_app, press, screen_text, widget_text

# (the Format-List reader drops escape sequences from values, so markup is what reaches a subject)
HOSTILE = "[bold red]Boom[/bold red] [link=https://x.example]y[/link]"
RULE = """\
id: site.disabled-per-connector
cause: connector-disabled
code: "5.7.64"
status: likely
subject: c.name
description: "Site: one verdict per inbound connector."
message: "{c.name} checked"
when:
  - fact: inbound_connector
    as: c
evidence: [c]
"""


def site_pack(root: Path) -> Path:
    (root / "rules" / "5.7.64").mkdir(parents=True)
    (root / "pack.yaml").write_text(
        'id: site\nversion: "0.1.0"\nengine_format: 1\ndescription: "per connector"\n', "utf-8"
    )
    (root / "rules" / "5.7.64" / "per-connector.yaml").write_text(RULE, "utf-8")
    return root


def bundle(tmp_path: Path) -> Path:
    """renewed-certificate with its Partner connector renamed to markup."""
    out = tmp_path / "bundle"
    shutil.copytree(example("renewed-certificate"), out)
    fl = out / "Get-InboundConnector.fl.txt"
    text = fl.read_text("utf-16")
    assert "Fabrikam Partner TLS" in text
    fl.write_text(text.replace("Fabrikam Partner TLS", HOSTILE), "utf-16")
    return out


def test_one_entry_per_subject_with_its_own_reasoning_and_fix(tmp_path: Path) -> None:
    app = make_app(str(bundle(tmp_path)), pack_dirs=[str(site_pack(tmp_path / "site"))])

    async def scenario(pilot) -> None:
        report = app.walk.report
        assert report is not None
        mine = [v for v in report.verdicts if v.cause == "connector-disabled" and v.subject]
        assert sorted(v.subject for v in mine) == sorted(
            [HOSTILE, "Inbound from 5c1a4e1b-6a0e-4e2b-9f3d-2c7b8d9e0f11"]
        )
        vlist = app.screen.query_one("#verdicts")
        ids = [o.id for o in vlist.options if not o.disabled]
        assert len(ids) == len(set(ids)) == len(report.verdicts)
        labels = [str(o.prompt) for o in vlist.options]
        for v in mine:
            # the list names the subject (clipped to one short line)
            wanted = f"connector-disabled [{v.subject[:40]}"
            vlist.highlighted = next(i for i, label in enumerate(labels) if wanted in label)
            await pilot.pause()
            head = flat(widget_text(app, "#verdict-head"))
            assert wanted in head and f"{v.subject} checked" in head
        for strip in app.screen._compositor.render_strips():
            assert not any(seg.style is not None and seg.style.link for seg in strip), "markup made a link"
        await press(pilot, "5")
        fix = flat(screen_text(app))
        assert "connector-disabled [Inbound from 5c1a4e1b" in fix

    drive(app, scenario, size=(160, 60))
