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


def for_each_pack(root: Path) -> Path:
    """A site code whose fix repeats a command per SenderIPAddresses entry (``for_each``)."""
    for folder in ("rules/5.7.99", "knowledge/codes", "knowledge/causes"):
        (root / folder).mkdir(parents=True)
    (root / "pack.yaml").write_text(
        'id: site\nversion: "0.1.0"\nengine_format: 1\ndescription: "per address"\n', "utf-8"
    )
    (root / "knowledge" / "codes" / "5.7.99.yaml").write_text(
        'code: "5.7.99"\ntitle: "Site relay denied"\nsummary: "A site code."\ndirection: relay_to_exo\n'
        "recognize:\n  - '(?<![\\d.])5\\.7\\.99(?![\\d.])'\ncauses: [site-allow]\n",
        "utf-8",
    )
    (root / "knowledge" / "causes" / "site-allow.yaml").write_text(
        'cause: site-allow\ncode: "5.7.99"\ntitle: "Allow each address"\nexplanation: "Site check."\n'
        "decided_by: [inbound_connector]\nremediation:\n"
        '  - step: "Allow each address of {c.name}"\n    for_each: c.sender_ip_addresses\n'
        '    commands: ["Add-Allowed -Connector {c.name} -Address {c.sender_ip_addresses}"]\n',
        "utf-8",
    )
    (root / "rules" / "5.7.99" / "allow.yaml").write_text(
        'id: site-allow.listed\ncause: site-allow\ncode: "5.7.99"\nstatus: likely\n'
        'description: "A connector that lists addresses."\nmessage: "{c.name}"\n'
        'when:\n  - fact: symptom\n    as: s\n    where: {code: "5.7.99"}\n'
        "  - fact: inbound_connector\n    as: c\n    where: {enabled: true}\n",
        "utf-8",
    )
    return root


def test_a_long_for_each_shows_some_commands_and_copies_them_all(tmp_path: Path) -> None:
    """A for_each over 300 addresses: the fix step mounts a screenful of commands and says how
    many more there are (thousands of command widgets take a minute to mount); y copies all 300."""
    import json

    from relaydoctor.tui.widgets.command import CommandLine

    bundle = tmp_path / "bundle"
    bundle.mkdir()
    ips = [f"192.0.2.{i % 250}/32" if i < 250 else f"198.51.100.{i - 250}" for i in range(300)]
    (bundle / "Get-InboundConnector.json").write_text(
        json.dumps([{"Name": "Big relay", "Enabled": True, "ConnectorType": "OnPremises",
                     "SenderIPAddresses": ips}]),
        "utf-8",
    )
    (bundle / "ndr.txt").write_text(
        "Delivery has failed to these recipients or groups:\r\n\r\n"
        "Remote Server returned '550 5.7.99 Site relay denied'\r\n",
        "utf-8",
    )
    app = make_app(str(bundle), pack_dirs=[str(for_each_pack(tmp_path / "site"))])

    async def scenario(pilot) -> None:
        verdict = next(v for v in app.walk.report.verdicts if v.cause == "site-allow")
        assert len(verdict.remediation[0].commands) == 300
        await press(pilot, "5")
        shown = list(app.screen.query(CommandLine))
        assert 0 < len(shown) < 300
        assert f"+{300 - len(shown)} more commands of this step" in flat(screen_text(app)) or any(
            f"+{300 - len(shown)} more commands" in str(w.render()) for w in app.screen.query("Static")
        )
        await press(pilot, "y")
        assert app.clipboard.count("Add-Allowed") == 300

    drive(app, scenario, size=(160, 60))
