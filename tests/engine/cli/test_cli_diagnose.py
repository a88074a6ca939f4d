"""The CLI end to end with the real parsers, packs and engine: diagnose, facts, demo, codes,
explain, rules, collect-script, and every kind of bad evidence (exit 2, one line, never a bug)."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import zipfile

import jsonschema
import pytest
from clikit import REPO, run_cli, run_main
from relaydoctor.engine.answers import answer_form
from relaydoctor.engine.paths import builtin_dir
from relaydoctor.engine.report.jsonreport import report_schema

NOW = "2026-11-27T12:00:00Z"
EXPECTED = {  # the shared samples' README: the cause each bundle proves
    "renewed-certificate": "certificate-name-mismatch",
    "ip-changed": "sender-ip-mismatch",
    "attr36": "domain-not-accepted",
}
STATUS_RANK = {"confirmed": 0, "likely": 1, "undetermined": 2, "ruled_out": 3}


@pytest.fixture(scope="module")
def validator():
    return jsonschema.Draft202012Validator(report_schema(), format_checker=jsonschema.FormatChecker())


def _json(capsys, *argv):
    r = run_main(capsys, *argv)
    assert r.code == 0, r.err
    return json.loads(r.out)


# --- diagnose ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bundle", sorted(EXPECTED))
def test_diagnose_bundle_json_is_valid_sorted_and_names_the_cause(capsys, samples, validator, bundle):
    data = _json(capsys, "diagnose", str(samples / "bundles" / bundle), "--format", "json", "--now", NOW)
    validator.validate(data)
    ranks = [STATUS_RANK[v["status"]] for v in data["verdicts"]]
    assert ranks == sorted(ranks)
    assert data["generated_at"] == NOW
    statuses = {v["cause"]: v["status"] for v in data["verdicts"]}
    assert statuses[EXPECTED[bundle]] in ("confirmed", "likely"), statuses
    assert all(e["facts"] > 0 or e["skipped_reason"] for e in data["evidence"])
    assert data["symptoms"] and data["symptoms"][0]["code"] == "5.7.64"


def test_diagnose_subprocess_all_formats_agree(samples, tmp_path):
    bundle = str(samples / "bundles" / "attr36")
    outputs = {}
    for fmt in ("text", "markdown", "json"):
        out = tmp_path / f"report.{fmt}"
        r = run_cli("diagnose", bundle, "--now", NOW, "--format", fmt, "--output", str(out), "--verbose")
        assert (r.code, r.out, r.err) == (0, "", "")
        outputs[fmt] = out.read_text("utf-8")
    data = json.loads(outputs["json"])
    top = data["verdicts"][0]
    assert top["cause"] in outputs["text"] and top["cause"] in outputs["markdown"]
    for e in top["evidence"]:
        assert e["source"] in outputs["text"]
    assert "EVIDENCE" in outputs["text"] and "## Evidence" in outputs["markdown"]


def test_diagnose_text_shows_evidence_and_remediation(capsys, samples):
    r = run_main(capsys, "diagnose", str(samples / "bundles" / "ip-changed"), "--now", NOW)
    assert r.code == 0, r.err
    decided = r.out[: r.out.index("RULED OUT")] if "RULED OUT" in r.out else r.out
    assert "sender-ip-mismatch" in decided
    assert re.search(r"SEND20261014-1\.LOG:\d+", decided)
    assert "198.51.100.77" in decided
    assert "\x1b" not in r.out  # not a terminal: no colour


def test_ndr_text_alone_is_enough(capsys):
    text = ("550 5.7.64 Relay Access Denied ATTR36. For more details please refer to: "
            "https://support.microsoft.com/kb/3169958")
    data = _json(capsys, "diagnose", "--ndr", text, "--format", "json", "--now", NOW)
    assert data["symptoms"][0]["tokens"] and "ATTR36" in data["symptoms"][0]["tokens"]
    assert data["symptoms"][0]["source"].startswith("--ndr")


def test_ndr_from_stdin():
    ndr = "#550 5.7.64 TenantAttribution; Relay Access Denied [AM6PR04MB1234.eurprd04.prod.outlook.com] ##"
    r = run_cli("diagnose", "--ndr", "-", "--format", "json", "--now", NOW, stdin=ndr)
    assert r.code == 0, r.err
    assert json.loads(r.out)["symptoms"][0]["code"] == "5.7.64"


def test_answers_reach_the_diagnosis(capsys, samples):
    ndr = str(samples / "ndr" / "NDR-Exchange2010-5.7.64.pasted.txt")
    first = _json(capsys, "diagnose", ndr, "--format", "json", "--now", NOW)
    assert first["questions"], "a bare symptom must lead to questions"
    form = answer_form(first["questions"][0]["answers_with"])
    assert form is not None and form.choices  # an unknown value would now be refused (exit 2)
    answer = f"{form.key}={form.choices[-1]}"
    second = _json(capsys, "diagnose", ndr, "--format", "json", "--now", NOW, "--answer", answer)
    assert any(e["source"] == "--answer" for e in second["evidence"])
    assert second != first


def test_now_changes_the_report_time(capsys, samples):
    bundle = str(samples / "bundles" / "renewed-certificate")
    a = _json(capsys, "diagnose", bundle, "--format", "json", "--now", "2026-11-20T09:00:00-08:00")
    assert a["generated_at"] == "2026-11-20T17:00:00Z"


def test_pfx_password_from_environment(capsys, samples, monkeypatch, tmp_path):
    pfx = str(samples / "certs" / "mail.contoso.com.pfx")
    monkeypatch.setenv("RD_PFX", "relaydoctor-sample")
    data = _json(capsys, "facts", pfx, "--format", "json", "--pfx-password-env", "RD_PFX")
    certs = [f for f in data["facts"] if f["kind"] == "certificate"]
    assert certs and "mail.contoso.com" in json.dumps(certs)
    assert "PRIVATE KEY" not in json.dumps(data)
    monkeypatch.setenv("RD_PFX", "wrong password")
    line = run_main(capsys, "facts", pfx, "--pfx-password-env", "RD_PFX").one_error_line()
    assert "mail.contoso.com.pfx" in line


# --- redaction end to end ----------------------------------------------------------------------


def _identifying_values(facts_json: dict) -> set[str]:
    """Domains, IPs and thumbprints the evidence holds (Microsoft names excluded)."""
    blob = json.dumps(facts_json)
    values = set(re.findall(r"\b[0-9A-F]{40}\b", blob))
    values |= {ip for ip in re.findall(r"\b(?:\d{1,3}\.){3}\d{1,3}\b", blob) if not ip.startswith("127.")}
    values |= {d for d in re.findall(r"\b[\w-]+\.contoso\.(?:com|net)\b|\bcontoso\.(?:com|net)\b", blob)}
    return values


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_redact_leaves_no_domain_ip_or_thumbprint(capsys, samples, fmt):
    bundle = str(samples / "bundles" / "renewed-certificate")
    facts = _json(capsys, "facts", bundle, "--format", "json", "--now", NOW)
    secrets = _identifying_values(facts)
    assert {"contoso.com", "203.0.113.25"} <= secrets and any(len(s) == 40 for s in secrets)
    r = run_main(capsys, "diagnose", bundle, "--now", NOW, "--format", fmt, "--redact", "--verbose")
    assert r.code == 0, r.err
    leaked = sorted(s for s in secrets if s.lower() in r.out.lower())
    assert not leaked
    assert "contoso" not in r.out.lower()
    assert "learn.microsoft.com" in r.out or "support.microsoft.com" in r.out


def test_redacted_facts(capsys, samples):
    bundle = str(samples / "bundles" / "ip-changed")
    r = run_main(capsys, "facts", bundle, "--redact", "--now", NOW)
    assert r.code == 0, r.err
    assert "contoso" not in r.out.lower() and "198.51.100.77" not in r.out


# --- facts -------------------------------------------------------------------------------------


def test_facts_json_has_provenance_and_relations(capsys, samples):
    data = _json(capsys, "facts", str(samples / "bundles" / "renewed-certificate"), "--format", "json",
                 "--now", NOW)
    kinds = {f["kind"] for f in data["facts"]}
    assert {"smtp_session", "inbound_connector", "certificate", "accepted_domain"} <= kinds
    assert any(f["relation"] for f in data["facts"]) and "cert_attribution" in kinds
    for f in data["facts"]:
        assert f["file"] and (f["source"] == f["file"] or f["source"] == f"{f['file']}:{f['line']}")
    assert any(f["line"] for f in data["facts"] if f["kind"] == "smtp_session")


def test_facts_text(capsys, samples):
    r = run_main(capsys, "facts", str(samples / "bundles" / "attr36"), "--now", NOW)
    assert r.code == 0, r.err
    assert r.out.startswith("EVIDENCE\n")
    assert re.search(r"^FACTS \(\d+\)$", r.out, re.M)
    assert re.search(r"^RELATIONS \(\d+, derived\)$", r.out, re.M)
    assert re.search(r"smtp_session  @ .*SEND20261124-1\.LOG:\d+", r.out)


# --- demo --------------------------------------------------------------------------------------


def test_demo_default_runs_without_arguments():
    r = run_cli("demo")
    assert r.code == 0, r.err
    assert "certificate-name-mismatch" in r.out
    assert "renewed-certificate/NDR-5.7.64-TenantAttribution.eml:" in r.out  # short names,
    assert str(builtin_dir("knowledge")) not in r.out  # not where the package is installed
    assert "Traceback" not in r.err


def test_demo_json_validates(capsys, validator):
    data = _json(capsys, "demo", "--format", "json", "--now", NOW)
    validator.validate(data)


def test_demo_unknown_name_lists_the_examples(capsys):
    line = run_main(capsys, "demo", "no-such-example").one_error_line()
    assert "unknown example 'no-such-example'; available: " in line
    assert "renewed-certificate" in line


# --- knowledge commands ------------------------------------------------------------------------


def test_codes_lists_codes_and_causes(capsys):
    r = run_main(capsys, "codes")
    assert r.code == 0
    assert re.search(r"^5\.7\.64  TenantAttribution", r.out, re.M)
    codes = re.findall(r"^(\S+)  ", r.out, re.M)
    assert len(codes) == len(set(codes))
    if "4.4.62" in codes:  # numeric order, not text order
        assert codes.index("4.4.62") < codes.index("5.7.64")
    for cause in EXPECTED.values():
        assert f"  {cause} " in r.out


def test_explain_code_and_cause(capsys):
    code = run_main(capsys, "explain", "5.7.64")
    assert code.code == 0 and "Causes:" in code.out and "certificate-name-mismatch" in code.out
    cause = run_main(capsys, "explain", "certificate-name-mismatch")
    assert cause.code == 0
    assert "--answer " in cause.out and "Remediation" in cause.out and "https://" in cause.out


@pytest.mark.parametrize("topic", ["no-such-cause", "9.9.99", "certificate-name-mismatc", "550 5.7.1"])
def test_explain_unknown_topic(capsys, topic):
    r = run_main(capsys, "explain", topic)
    line = r.one_error_line()
    assert r.code == 2 and r.out == ""
    assert f"unknown code or cause '{topic}', and no code recognises it" in line


@pytest.mark.parametrize(
    ("topic", "code"),
    [
        ("5.7.230", "4.7.230"),
        ("535 5.7.139", "5.7.57"),
        ("TLS negotiation failed with error UnknownCredentials", "tls-negotiation-failed"),
    ],
)
def test_explain_a_status_or_reply_explains_the_code_recognising_it(capsys, topic, code):
    r = run_main(capsys, "explain", topic)
    assert r.code == 0
    assert r.out.startswith(f"'{topic}' is recognised as code {code}.\n\n{code} — ")
    assert "Causes:" in r.out


def test_explain_a_shared_cause_lists_it_under_both_codes(capsys):
    for code in ("5.7.64", "tls-negotiation-failed"):
        r = run_main(capsys, "explain", code)
        assert r.code == 0 and "  certificate-not-bound-to-smtp  " in r.out


def test_collect_script_prints_the_collector(capsys):
    r = run_main(capsys, "collect-script")
    assert r.code == 0
    assert r.out.lstrip().startswith("<#") and "Export" in r.out and "OutputDirectory" in r.out


# --- rules -------------------------------------------------------------------------------------


def test_rules_lint_builtin_is_clean(capsys):
    r = run_main(capsys, "rules", "lint")
    assert (r.code, r.err) == (0, "")
    assert r.out.startswith("ok: ")


def test_rules_new_then_lint_and_test(capsys, tmp_path):
    pack = tmp_path / "mypack"
    r = run_main(capsys, "rules", "new", "5.7.99", "--dest", str(pack))
    assert r.code == 0, r.err
    created = [line.removeprefix("created ") for line in r.out.splitlines()]
    assert created and all(os.path.exists(p) for p in created)
    assert run_main(capsys, "rules", "lint", "--pack", str(pack)).code == 0
    test = run_main(capsys, "rules", "test", "--pack", str(pack))
    assert test.code == 1  # the scaffold's placeholder cases fail until the author fills them in
    assert re.search(r"^FAIL  \S+", test.out, re.M) and re.search(r"^PASS  \S+", test.out, re.M)
    assert re.search(r"^\d+ passed, [1-9]\d* failed$", test.out, re.M)


def test_rules_test_builtin_passes(capsys):
    r = run_main(capsys, "rules", "test")
    assert r.code == 0, r.out
    assert "FAIL" not in r.out and re.search(r"^\d+ passed, 0 failed$", r.out, re.M)


def test_rules_lint_prints_every_problem_and_exits_2(capsys, tmp_path):
    pack = tmp_path / "broken"
    assert run_main(capsys, "rules", "new", "5.7.98", "--dest", str(pack)).code == 0
    code_file = next((pack / "knowledge" / "codes").glob("*.yaml"))
    code_file.write_text("code: [unclosed\n", "utf-8")
    rule_file = next((pack / "rules").glob("*/*.yaml"))
    rule_file.write_text(rule_file.read_text("utf-8") + "id: again\n", "utf-8")
    r = run_main(capsys, "rules", "lint", "--pack", str(pack))
    assert r.code == 2 and "Traceback" not in r.err
    lines = r.err.splitlines()
    assert len(lines) >= 3 and lines[-1].startswith("relaydoctor: ") and "problem" in lines[-1]
    assert any(line.startswith(f"{code_file}:") for line in lines)
    assert any(line.startswith(f"{rule_file}:") for line in lines)
    # The same broken pack in diagnose is one line naming the first problem.
    d = run_main(capsys, "diagnose", "--ndr", "550 5.7.64 TenantAttribution", "--pack", str(pack))
    assert str(pack) in d.one_error_line()


# --- bad evidence: exit 2, one line, never an internal error --------------------------------------


def test_directory_with_nothing_known(capsys, tmp_path):
    (tmp_path / "notes.txt").write_text("lunch at noon\n")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
    line = run_main(capsys, "diagnose", str(tmp_path)).one_error_line()
    assert str(tmp_path) in line and "no evidence relaydoctor recognises" in line


def test_empty_directory(capsys, tmp_path):
    assert str(tmp_path) in run_main(capsys, "diagnose", str(tmp_path)).one_error_line()


def test_unknown_file_named_directly(capsys, tmp_path, samples):
    """Issue 9: skipped with a one-line warning, like a file in a folder; the rest is diagnosed."""
    f = tmp_path / "shopping-list.txt"
    f.write_text("eggs\nmilk\n")
    r = run_main(capsys, "diagnose", str(f), str(samples / "bundles" / "attr36"), "--now", NOW,
                 "--format", "json")
    assert r.code == 0
    assert r.err == f"relaydoctor: warning: {f}: skipped: not recognised as evidence\n"
    data = json.loads(r.out)
    (entry,) = [e for e in data["evidence"] if e["source"] == str(f)]
    assert entry == {"source": str(f), "kind": "unknown", "facts": 0,
                     "skipped_reason": "not recognised as evidence"}
    assert any(v["cause"] == EXPECTED["attr36"] and v["status"] == "confirmed" for v in data["verdicts"])
    alone = run_main(capsys, "diagnose", str(f)).one_error_line()  # nothing recognised at all: exit 2
    assert alone.startswith(f"relaydoctor: {f}: not evidence relaydoctor can read")


def test_subprocess_bad_evidence_has_no_traceback(tmp_path):
    f = tmp_path / "SEND20261120-1.LOG"
    f.write_bytes(b"\x00\x01garbage\xff" * 50)
    r = run_cli("diagnose", str(f), "--format", "json")
    assert str(f) in r.one_error_line() and r.out == ""


HOSTILE_FILES = {
    "empty.log": b"",
    "header-only.LOG": b"#Software: Microsoft Exchange Server\r\n#Log-type: SMTP Send Protocol Log\r\n",
    "bad-fields.LOG": (b"#Software: Microsoft Exchange Server\r\n#Version: 15.02.1544.004\r\n"
                       b"#Log-type: SMTP Send Protocol Log\r\n#Date: 2026-11-20T00:00:00.000Z\r\n"
                       b"#Fields: date-time,connector-id\r\nnot,a,log,\"unterminated\r\n"),
    "truncated.zip": b"PK\x03\x04" + b"\x00" * 40,
    "not-json.json": b"[{\"Name\": \"x\", \"TlsSenderCertificateName\": ",
    "bad.xml": b"<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><Obj>",
    "entity.xml": (b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]>"
                   b"<Objs xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">&a;</Objs>"),
    "bad.pem": b"-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n",
    "bad.eml": b"From: a\r\nContent-Type: multipart/report; boundary=\"x\"\r\n\r\n--x\r\n550 5.7.64\r\n",
    "utf16.txt": "Name : Inbound\r\nTlsSenderCertificateName : \ud800".encode("utf-16-le", "surrogatepass"),
    "fl-truncated.txt": (b"Name                     : Inbound from x\r\n"
                         b"SenderIPAddresses        : {203.0.113.1, 20...\r\n"),
    "nul.bin": b"\x00" * 4096,
    "long-line.txt": b"550 5.7.64 " + b"A" * 300_000,
    "csv.csv": (b"#TYPE Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration."
                b"TenantInboundConnector\r\n\"Name\r\n"),
}


def _nested_zip(tmp_path):
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("../../escape.txt", "550 5.7.64 TenantAttribution")
        z.writestr("inner.zip", b"PK\x05\x06" + b"\x00" * 18)
        z.writestr("x/" + "y" * 200 + ".LOG", HOSTILE_FILES["header-only.LOG"])
    return path


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_hostile_file_is_exit_0_or_2_never_a_bug(capsys, tmp_path, name):
    f = tmp_path / name
    f.write_bytes(HOSTILE_FILES[name])
    for argv in (["diagnose", str(f)], ["facts", str(f), "--format", "json"]):
        r = run_main(capsys, *argv)
        assert r.code in (0, 2), (argv, r.code, r.err)
        assert "Traceback" not in r.err and "internal error" not in r.err and "engine error" not in r.err
        if r.code == 2:
            assert r.one_error_line()


def test_folder_of_hostile_files_is_never_a_bug(capsys, tmp_path):
    for name, data in HOSTILE_FILES.items():
        (tmp_path / name).write_bytes(data)
    _nested_zip(tmp_path)
    r = run_main(capsys, "diagnose", str(tmp_path), "--format", "json")
    assert r.code in (0, 2), r.err
    assert "internal error" not in r.err and "engine error" not in r.err and "Traceback" not in r.err
    assert not (tmp_path.parent.parent / "escape.txt").exists()


# --- colour on a real terminal -----------------------------------------------------------------


def _run_on_pty(argv, env):
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "relaydoctor.engine", *argv], stdout=slave,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env, cwd=REPO)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize(("no_color", "expect_ansi"), [(None, True), ("1", False)])
def test_colour_on_a_terminal_unless_no_color(samples, no_color, expect_ansi):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI", "TERM")}
    env["TERM"] = "xterm"
    if no_color:
        env["NO_COLOR"] = no_color
    code, out = _run_on_pty(["diagnose", str(samples / "bundles" / "attr36"), "--now", NOW], env)
    assert code == 0
    assert ("\x1b[" in out) is expect_ansi
    assert "RULED OUT" in out


def test_output_to_a_directory_is_an_input_error(capsys, samples, tmp_path):
    bundle = str(samples / "bundles" / "attr36")
    line = run_main(capsys, "diagnose", bundle, "--output", str(tmp_path)).one_error_line()
    assert line.startswith(f"relaydoctor: {tmp_path}: cannot write")


def test_progress_bar_only_on_a_terminal_stderr(samples, tmp_path):
    """stderr on a pty: the bar is drawn (and erased); the report goes to --output untouched."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TERM", "NO_COLOR")}
    env["TERM"] = "xterm"
    out = tmp_path / "report.txt"
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "relaydoctor.engine", "diagnose",
         str(samples / "bundles" / "renewed-certificate"), "--now", NOW, "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=slave, stdin=subprocess.DEVNULL, env=env, cwd=REPO)
    os.close(slave)
    chunks = []
    while select.select([master], [], [], 120)[0]:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=120) == 0
    os.close(master)
    drawn = b"".join(chunks).decode("utf-8", "replace")
    assert "reading evidence [" in drawn and "100.0%" in drawn
    assert drawn.rstrip(" ").endswith("\r")  # erased at the end
    assert "reading evidence" not in out.read_text("utf-8") and "\r" not in out.read_text("utf-8")


def test_redacted_facts_of_every_sample_folder(capsys, samples):
    folders = [str(samples / d) for d in ("send-logs", "certs", "cmdlets", "ndr")]
    plain = _json(capsys, "facts", *folders, "--format", "json", "--now", NOW)
    secrets = _identifying_values(plain) | {"EXCH01", "fabrikam", "tailspintoys"}
    redacted = run_main(capsys, "facts", *folders, "--format", "json", "--now", NOW, "--redact")
    assert redacted.code == 0, redacted.err
    text = redacted.out.lower()
    assert sorted(s for s in secrets if s.lower() in text) == []
    assert "contoso" not in text
