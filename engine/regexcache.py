"""The compiled programs of relaydoctor's own regular expressions, kept on disk between runs.

``re.compile`` parses a pattern and generates its program in pure Python: the ~45 patterns a small
diagnosis needs cost ~6 ms of it a run (issue 11, start-up latency), every run the same. The
program is a list of integers that depends only on the pattern, its flags and the interpreter, so
it is kept, like bytecode, in the cache folder (``paths.cache_dir``) and handed to the regex engine
(``_sre.compile``, what ``re.compile`` itself ends with) on later runs: ~0.3 ms for the same
patterns. Only ``lazyre`` patterns (module constants of this code base) and the built-in pack's
recognition patterns (shipped with the code: a bounded set, ``pack/recognize.py``) come here, never
patterns from user packs or evidence.

- The file is per interpreter build: its name and its header carry ``sys.version`` and the regex
  engine's magic number and limits, so a program is only ever given to the engine that made it.
- One line per program, ``CRC-32<TAB>pattern key<TAB>program`` (JSON texts, ASCII only), after a
  header line naming the engine: a run splits the file into lines and decodes only the lines of
  the patterns it uses (a file holding all ~270 patterns of the code base is ~260 KB: decoding it
  whole cost ~1 ms), each after its CRC-32 is checked; a line not as written is ignored (and
  rewritten). The CRC-32 is against damage, not against a writer of the cache folder (trusted, as
  for the pack cache). The engine checks every program it is given (``_sre`` validates the code,
  the group names must agree with the group numbers), and
  anything that fails falls back to ``re.compile``. A pattern object made here is the one
  ``re.compile`` makes (``tests/engine/vocabulary/test_regexcache.py`` compares them, pattern by
  pattern, and their matches).
- Programs compiled in a run are added at exit (``atexit``): the file is re-read, merged and
  renamed into place (atomic); an unwritable folder only costs speed.
"""

from __future__ import annotations

import _sre
import atexit
import binascii
import contextlib
import json
import os
import re
import sys
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from pathlib import Path
from re import _compiler, _parser  # type: ignore[attr-defined]
from typing import Any

from .paths import cache_dir

MAX_PROGRAMS = 4096  # the code base has a few hundred patterns: more means something is wrong
_ENGINE = f"{sys.version}|sre {_sre.MAGIC} {_sre.CODESIZE} {_sre.MAXREPEAT} {_sre.MAXGROUPS}|1"
_WORD = "I" if memoryview(bytes(_sre.CODESIZE)).cast("I").itemsize == _sre.CODESIZE else None

_PLAIN = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE | re.ASCII | re.UNICODE  # no DEBUG, TEMPLATE
_HEADER = "relaydoctor regex programs 1\t"
_lines: dict[bytes, bytes] | None = None  # JSON key -> its line (CRC, key, program), read on first use
_file: Path | None = None  # where they were read from, and where this run's are added
_new: dict[bytes, bytes] = {}  # JSON key -> line, for the programs made in this run


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, from the kept program when there is one."""
    flags = int(flags)
    if _WORD is None or flags & ~_PLAIN or not isinstance(pattern, str):
        return re.compile(pattern, flags)
    key = encode_basestring_ascii(f"{flags}:{pattern}")
    line = _read().get(key.encode("ascii"))
    if line is not None:
        try:
            seal, _, rest = line.partition(b"\t")
            if int(seal, 16) != binascii.crc32(rest):
                raise ValueError("not as written")
            final, groups, groupindex, indexgroup, code = json.loads(rest.partition(b"\t")[2])
            if len(indexgroup) != groups + 1 or any(indexgroup[i] != n for n, i in groupindex.items()):
                raise ValueError("group names and numbers that do not agree")
            program = memoryview(binascii.a2b_base64(code)).cast(_WORD).tolist()
            return _sre.compile(pattern, final, program, groups, groupindex, tuple(indexgroup))
        except Exception:  # not a program this engine takes (OverflowError too): compile it afresh
            pass
    try:
        rx, entry = _compile(pattern, flags)
    except re.error:
        raise
    except Exception:  # the re module's internals are not these: compile as usual
        return re.compile(pattern, flags)
    if not _new:
        atexit.register(save)
    rest = f"{key}\t{json.dumps(entry, separators=(',', ':'))}".encode("ascii")
    _new[key.encode("ascii")] = b"%08x\t%s" % (binascii.crc32(rest), rest)
    return rx


def _compile(pattern: str, flags: int) -> tuple[re.Pattern[str], list[Any]]:
    """What ``re._compiler.compile`` does, keeping the program it hands to the engine."""
    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    final, groups = flags | parsed.state.flags, parsed.state.groups - 1
    rx = _sre.compile(pattern, final, code, groups, groupindex, tuple(indexgroup))
    import array  # only when a program is made

    encoded = binascii.b2a_base64(array.array(_WORD, code).tobytes(), newline=False).decode("ascii")  # type: ignore[arg-type]
    return rx, [final, groups, groupindex, indexgroup, encoded]


def path() -> Path:
    """This interpreter's file in the cache folder."""
    return cache_dir() / f"regex-programs-{binascii.crc32(_ENGINE.encode()):08x}.txt"


def _read() -> dict[bytes, bytes]:
    global _lines, _file
    if _lines is None:
        try:
            _file = path()
        except (OSError, RuntimeError, KeyError):  # no cache folder (no home directory): none kept
            _lines = {}
            return _lines
        _lines = _load(_file)
    return _lines


def _load(file: Path) -> dict[bytes, bytes]:
    """The lines of ``file`` by pattern key (not decoded); none when it is missing or for another
    engine."""
    try:
        lines = file.read_bytes().split(b"\n")
    except OSError:
        return {}
    if lines[0] != _header():
        return {}
    found: dict[bytes, bytes] = {}
    for line in lines[1:]:
        key = line[9:].partition(b"\t")[0]  # after the CRC's 8 hex digits and a tab
        if key:
            found[key] = line
    return found


def _header() -> bytes:
    return (_HEADER + encode_basestring_ascii(_ENGINE)).encode("ascii")


def save() -> None:
    """Add the programs compiled in this run to the file (at exit)."""
    if not _new:
        return
    try:
        file = _file or path()
    except (OSError, RuntimeError, KeyError):
        return
    lines = {**_load(file), **_new}
    if len(lines) > MAX_PROGRAMS:
        lines = dict(_new)  # start again from this run's
    _new.clear()
    body = b"\n".join([_header(), *lines.values()])
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(body)
        os.replace(tmp, file)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
