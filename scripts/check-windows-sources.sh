#!/usr/bin/env bash
# Check, from Linux, that durable-rules' C engine builds for 64-bit Windows: compile each of its
# engine sources (src/rules/*.c of the version pyproject.toml pins) with zig for
# x86_64-windows-gnu and link them into a DLL (ws2_32 for its sockets), so every symbol resolves.
#
# What this proves, and what it does not (README, "Offline install"): the engine's C sources and
# their Windows branches (#ifdef _WIN32) compile and link for Windows. It does not build the Python
# binding (src/rulespy/rules.c needs Windows CPython's pyconfig.h and pythonXY.lib, which no
# registry reachable here offers) and runs nothing on Windows.
#
# Two portability findings are handled here and documented in the README:
# - the sources include <WinSock2.h>; the header is winsock2.h (only a case-sensitive file system
#   notices): a one-line shim header;
# - state.c assigns a jsonProperty * to a jsonProperty ** under _WIN32: zig's clang (and GCC 14) refuse
#   it by default, MSVC warns (C4133): -Wno-error=incompatible-pointer-types.
#
# Usage: scripts/check-windows-sources.sh   (needs python3 with venv and pip, and PyPI)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-python3}
durable=$(sed -n 's/.*"durable-rules==\([^"]*\)".*/\1/p' "$repo/pyproject.toml")
work=$(mktemp -d "${TMPDIR:-/tmp}/relaydoctor-wincheck.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/tools"
"$work/tools/bin/pip" install --quiet ziglang
"$work/tools/bin/pip" download --quiet --no-deps --no-binary :all: "durable-rules==$durable" -d "$work/sdist"
tar -xzf "$work"/sdist/durable_rules-*.tar.gz -C "$work"
src=$(echo "$work"/durable_rules-*/src/rules)

mkdir -p "$work/shim" "$work/obj"
echo '#include <winsock2.h>' >"$work/shim/WinSock2.h"
zig=("$work/tools/bin/python" -m ziglang cc -target x86_64-windows-gnu -fno-sanitize=undefined -O2)
for file in "$src"/*.c; do
    "${zig[@]}" -Wno-error=incompatible-pointer-types -I"$work/shim" -c "$file" \
        -o "$work/obj/$(basename "$file" .c).o"
done
"${zig[@]}" -shared -o "$work/durable_rules_engine.dll" "$work"/obj/*.o -lws2_32

# A PE32+ DLL for x86-64: "MZ" at 0, and the PE header's machine field 0x8664.
"$python" - "$work/durable_rules_engine.dll" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
pe = struct.unpack_from("<I", data, 0x3C)[0]
assert data[:2] == b"MZ" and data[pe:pe + 4] == b"PE\0\0", "not a PE file"
assert struct.unpack_from("<H", data, pe + 4)[0] == 0x8664, "not x86-64"
EOF
echo "ok: durable-rules $durable engine sources ($(ls "$src"/*.c | wc -l) files) compile and link for x86_64-windows-gnu"
