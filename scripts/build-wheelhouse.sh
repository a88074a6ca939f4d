#!/usr/bin/env bash
# Build an offline wheelhouse: a wheel of relaydoctor and of every runtime dependency.
#
#   scripts/build-wheelhouse.sh DIR [--with-test]
#
# durable-rules publishes no wheels, so it is compiled here, once (this machine needs a C
# compiler and the Python headers). Machines of the same platform and Python version then
# install with no network and no compiler:
#
#   pip install --no-index --find-links DIR relaydoctor
#
# --with-test adds the test extras (pytest, hypothesis, ...) so the suite can run offline too.
# PYTHON selects the interpreter (default: python3) — use the one the target machines run.
set -euo pipefail

usage="usage: scripts/build-wheelhouse.sh DIR [--with-test]"
dest=${1:?$usage}
extras=""
case "${2:-}" in
    "") ;;
    --with-test) extras="[test]" ;;
    *) echo "$usage" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-python3}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# Python 3.13 removed PyEval_CallObject, which durable-rules 2.0.28 still calls (docs/engine-traps.md #40).
if "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)'; then
    export CPPFLAGS="${CPPFLAGS:-} -DPyEval_CallObject=PyObject_CallObject"
fi

# Build from a clean copy of the sources: an in-tree build/ directory may hold stale files.
src=$(mktemp -d "${TMPDIR:-/tmp}/relaydoctor-src.XXXXXX")
trap 'rm -rf "$src"' EXIT
(
    cd "$repo"
    tar --exclude='__pycache__' --exclude='*.pyc' --exclude='*.so' -cf - pyproject.toml setup.py README.md engine tui rules knowledge
) | tar -xf - -C "$src"

"$python" -m pip wheel --wheel-dir "$dest" "${src}${extras}"

count=$(find "$dest" -maxdepth 1 -name '*.whl' | wc -l)
echo "wheelhouse: $dest ($count wheels)"
echo "install offline with: pip install --no-index --find-links '$dest' relaydoctor"
