"""Writing a report to ``--output`` without ever destroying what was read (issue 12, 13).

The path is checked before any work starts: it must not be one of the inputs (same inode,
through symlinks and hard links; an input folder's file; an input zip), must not be a FIFO,
device, socket or directory, and must not exist unless ``--force``. The text is written to a
temporary file in the same folder and renamed over the target, so an error, a full disk or
Ctrl+C leaves either the old file or the new one — never a partial one, never a stray temp file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Sequence

from .errors import InputError

# --output's extension decides the format when --format is not given (issue 13).
FORMAT_BY_SUFFIX = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}


def infer_format(output: str | None, given: str | None, allowed: Sequence[str], default: str = "text") -> str:
    """``--format`` when given; else the format the extension of ``--output`` names (if allowed)."""
    if given is not None:
        return given
    if output is not None:
        fmt = FORMAT_BY_SUFFIX.get(os.path.splitext(output)[1].lower())
        if fmt in allowed:
            return fmt
    return default


def check_output(output: str, inputs: Iterable[str], *, force: bool = False) -> None:
    """Refuse an output path that would destroy evidence, block, or overwrite silently.

    Raises ``InputError`` naming ``output`` (one line, exit 2)."""
    parent = os.path.dirname(os.path.abspath(output)) or "."
    if not os.path.isdir(parent):
        raise InputError("cannot write: the folder does not exist", path=output)
    try:
        st = os.stat(output)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path=output) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise InputError("cannot write: is a directory", path=output)
        if not stat.S_ISREG(st.st_mode):
            raise InputError("cannot write: not a regular file (a FIFO, device or socket)", path=output)
        for source in inputs:
            if _is_or_holds(source, output, st):
                raise InputError(
                    f"refusing to overwrite evidence being read ({source}); choose another --output",
                    path=output,
                )
        if not force:
            raise InputError("already exists; use --force to overwrite it", path=output)
    elif os.path.islink(output):
        raise InputError("cannot write: a dangling symbolic link", path=output)


def _is_or_holds(source: str, output: str, out_stat: os.stat_result) -> bool:
    """True when ``output`` (which exists) is ``source`` or a file under the folder ``source``."""
    try:
        src = os.stat(source)
    except OSError:
        return False
    if (src.st_dev, src.st_ino) == (out_stat.st_dev, out_stat.st_ino):
        return True
    if stat.S_ISDIR(src.st_mode):
        real_src = os.path.realpath(source)
        real_out = os.path.realpath(output)
        return os.path.commonpath([real_src, real_out]) == real_src
    return False


def write_atomic(output: str, text: str) -> None:
    """Write ``text`` (UTF-8; unpaired surrogates from odd file names as escapes) to ``output``
    through a temporary file in the same folder and a rename."""
    data = text.encode("utf-8", errors="backslashreplace")
    parent = os.path.dirname(os.path.abspath(output)) or "."
    base = os.path.basename(output)
    import tempfile  # only when a file is written (it imports shutil, random...)

    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{base[:64]}.", suffix=".tmp")
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fchmod(fd, _mode_for(output))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, output)
    except BaseException as exc:  # Ctrl+C, a full disk: never leave the temp file behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write: {exc.strerror or exc}", path=output) from None
        raise


def _mode_for(output: str) -> int:
    """An overwritten file keeps its mode; a new one gets 0666 minus the umask (like ``open``)."""
    try:
        return stat.S_IMODE(os.stat(output).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
