"""CliXML <Ref> bombs: references expanded past MAX_REF_EXPANSION read as absent, with a warning."""

from __future__ import annotations

import io
import time

from relaydoctor.engine.evidence.base import Document
from relaydoctor.engine.evidence.cmdlets import clixml

NS = 'xmlns="http://schemas.microsoft.com/powershell/2004/04"'
DSC = "Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration"



def _doc(props: str) -> Document:
    text = (
        f'<Objs Version="1.1.0.1" {NS}>\n<Obj RefId="top">\n'
        f"<TN RefId=\"0\"><T>{DSC}.SmtpSendConnectorConfig</T></TN>\n<Props>\n"
        '<S N="Name">Outbound to Office 365</S>\n'
        f"{props}\n</Props>\n</Obj>\n</Objs>\n"
    )
    data = text.encode("utf-8")
    return Document(name="bomb.xml", size=len(data), head=data[:65536], opener=lambda: io.BytesIO(data))


def _doubling(levels: int) -> str:
    """Object k lists object k-1 twice: 2**levels strings if expanded, a few KB on disk."""
    parts = ['<Obj N="Seed" RefId="r0"><LST><S>relay.contoso.com</S></LST></Obj>']
    for k in range(1, levels + 1):
        twice = f'<Ref RefId="r{k - 1}" />' * 2
        parts.append(f'<Obj N="L{k}" RefId="r{k}"><LST>{twice}</LST></Obj>')
    parts.append(f'<Ref N="SmartHosts" RefId="r{levels}" />')
    return "\n".join(parts)


def test_ref_bomb_is_bounded_and_warned():
    started = time.monotonic()
    result = clixml.parse(_doc(_doubling(60)))
    assert time.monotonic() - started < 10
    (warning,) = [w for w in result.warnings if "<Ref>" in w]
    assert warning.startswith("line ") and f"{clixml.MAX_REF_EXPANSION:,}" in warning


def _fan(refs: int) -> str:
    """``refs`` references to a two-object list: 2 * refs objects expanded."""
    seed = '<Obj N="Seed" RefId="s"><LST><S>relay.contoso.com</S></LST></Obj>'
    many = "".join('<Ref RefId="s" />' for _ in range(refs))
    return f'{seed}\n<Obj N="SmartHosts" RefId="m"><LST>{many}</LST></Obj>'


def test_ref_expansion_just_below_and_just_above_the_limit():
    at_limit = clixml.MAX_REF_EXPANSION // 2
    below = clixml.parse(_doc(_fan(at_limit)))
    assert not [w for w in below.warnings if "<Ref>" in w]
    above = clixml.parse(_doc(_fan(at_limit + 1)))
    assert [w for w in above.warnings if "<Ref>" in w]


def test_ref_bomb_through_the_cli_within_the_time_and_memory_bounds(tmp_path):
    """The issue's case end to end: exit 0 with the warning, within 30 s and 2 GiB of address
    space (a 3 KB file of 10 levels once took 4.2 GB and was killed at 120 s)."""
    from clikit_path import diagnose_notes_within_bounds

    bomb = _doc(_doubling(60))
    with bomb.opener() as fh:
        (tmp_path / "Get-SendConnector.xml").write_bytes(fh.read())
    notes = diagnose_notes_within_bounds(tmp_path)
    assert any("<Ref>" in note for note in notes)  # the cut is named
