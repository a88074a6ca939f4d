#!/usr/bin/env bash
# Build an offline wheelhouse: a wheel of relaydoctor and of every runtime dependency, for Linux
# machines as old as glibc 2.17 (RHEL/CentOS 7 and newer: manylinux2014), and a SHA256SUMS file.
#
#   scripts/build-wheelhouse.sh DIR [--with-test]
#
# Target: the CPU architecture and the CPython version of PYTHON (default: python3) on this
# machine, glibc 2.17 or newer. durable-rules publishes no wheels, so it is compiled here with
# zig (the `ziglang` package from PyPI: `zig cc -target <arch>-linux-gnu.2.17` links against
# glibc 2.17 symbols whatever glibc this machine has), checked with `auditwheel show` and tagged
# manylinux2014. Every other dependency is downloaded as a manylinux2014 (or pure-Python) wheel.
# The build tools (ziglang, auditwheel, wheel) go into a throw-away venv; the target machines
# need no network and no compiler:
#
#   pip install --no-index --find-links DIR relaydoctor
#
# Check the download after copying it across the air gap: cd DIR && sha256sum -c SHA256SUMS
#
# --with-test adds the test extras (pytest, hypothesis, ...) so the suite can run offline too.
# WHEELHOUSE_NATIVE=1 skips zig and builds durable-rules with this machine's C compiler for this
# machine only (its wheel keeps the linux_* tag, which says exactly that).
# Windows: scripts/build-wheelhouse.ps1.
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
arch=$(uname -m)
glibc=2.17
plat="manylinux2014_${arch}"
pyver=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
abi=$("$python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
durable=$(sed -n 's/.*"durable-rules==\([^"]*\)".*/\1/p' "$repo/pyproject.toml")

# Python 3.13 removed PyEval_CallObject, which durable-rules 2.0.28 still calls (docs/engine-traps.md #40).
if "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)'; then
    export CPPFLAGS="${CPPFLAGS:-} -DPyEval_CallObject=PyObject_CallObject"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/relaydoctor-wheelhouse.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The build tools for a portable wheelhouse: zig as the C compiler for glibc 2.17, auditwheel.
if [ "${WHEELHOUSE_NATIVE:-}" != 1 ]; then
    "$python" -m venv "$work/tools"
    "$work/tools/bin/pip" install --quiet ziglang auditwheel wheel setuptools
    # zig cc turns on UBSan traps by default; durable-rules reads unaligned structs on purpose
    # (its rule image is packed), so a trap would abort the first diagnosis: plain C semantics.
    cat > "$work/zigcc" <<EOF
#!/bin/sh
exec "$work/tools/bin/python" -m ziglang cc -target ${arch}-linux-gnu.${glibc} -fno-sanitize=undefined "\$@"
EOF
    chmod +x "$work/zigcc"
fi

# A wheel compiled here must need nothing newer than glibc 2.17: check it, tag it manylinux2014.
retag() {
    local built=$1 shown minor
    shown=$("$work/tools/bin/auditwheel" show "$built")
    # auditwheel names the oldest tag the wheel fits ("manylinux_2_5" when it needs only glibc
    # 2.2.5 symbols): any glibc up to 2.17 fits manylinux2014
    minor=$(grep -o "manylinux_2_[0-9]*_${arch}" <<<"$shown" | head -n 1 | cut -d_ -f3)
    if [ -z "$minor" ] || [ "$minor" -gt 17 ]; then
        echo "$shown" >&2
        echo "build-wheelhouse: $(basename "$built") does not fit manylinux_2_17_${arch}" >&2
        exit 1
    fi
    "$work/tools/bin/python" -m wheel tags --remove \
        --platform-tag "manylinux_2_17_${arch}.manylinux2014_${arch}" "$built" >/dev/null
}

# 1. relaydoctor itself, from a clean copy of the sources (an in-tree build/ may hold stale files),
#    with its optional native send-log prefilter (setup.py) compiled like durable-rules below.
mkdir "$work/src" "$work/ours"
(
    cd "$repo"
    tar --exclude='__pycache__' --exclude='*.pyc' --exclude='*.so' \
        -cf - pyproject.toml setup.py README.md engine tui rules knowledge docs
) | tar -xf - -C "$work/src"
has_so='import sys, zipfile; sys.exit(not any(n.endswith(".so") for n in zipfile.ZipFile(sys.argv[1]).namelist()))'
if [ "${WHEELHOUSE_NATIVE:-}" = 1 ]; then
    "$python" -m pip wheel --no-deps --wheel-dir "$dest" "$work/src"
else
    CC="$work/zigcc" LDSHARED="$work/zigcc -shared" \
        "$python" -m pip wheel --no-deps --no-cache-dir --wheel-dir "$work/ours" "$work/src"
    built=$(find "$work/ours" -name 'relaydoctor-*.whl' | head -n 1)
    if "$python" -c "$has_so" "$built"; then
        retag "$built"
        cp "$work"/ours/relaydoctor-*manylinux*.whl "$dest/"
    else  # the prefilter did not compile (it is optional): a pure-Python wheel
        "$work/tools/bin/python" -m wheel tags --remove --python-tag py3 --abi-tag none \
            --platform-tag any "$built" >/dev/null
        cp "$work"/ours/relaydoctor-*-py3-none-any.whl "$dest/"
    fi
fi

# 2. durable-rules, compiled once.
if [ "${WHEELHOUSE_NATIVE:-}" = 1 ]; then
    "$python" -m pip wheel --no-deps --no-binary durable-rules --wheel-dir "$dest" "durable-rules==$durable"
    plat=""
else
    mkdir "$work/durable"
    CC="$work/zigcc" LDSHARED="$work/zigcc -shared" \
        "$python" -m pip wheel --no-deps --no-cache-dir --no-binary durable-rules \
        --wheel-dir "$work/durable" "durable-rules==$durable"
    built=$(find "$work/durable" -name 'durable_rules-*.whl' | head -n 1)
    retag "$built"
    cp "$work"/durable/durable_rules-*manylinux*.whl "$dest/"
fi

# 3. every other dependency: manylinux2014 or pure-Python wheels, never built here.
relaydoctor_wheel=$(find "$dest" -maxdepth 1 -name 'relaydoctor-*.whl' | head -n 1)
if [ -n "$plat" ]; then
    "$python" -m pip download --dest "$dest" --find-links "$dest" --only-binary=:all: \
        --platform "$plat" --platform "manylinux_2_17_${arch}" \
        --python-version "$pyver" --implementation cp --abi "$abi" --abi abi3 --abi none \
        "${relaydoctor_wheel}${extras}"
else
    "$python" -m pip wheel --wheel-dir "$dest" --find-links "$dest" "${relaydoctor_wheel}${extras}"
fi

# 4. the checksum manifest: sha256sum -c SHA256SUMS on the target checks every file.
(cd "$dest" && find . -maxdepth 1 -name '*.whl' -printf '%f\n' | LC_ALL=C sort | xargs sha256sum) \
    > "$dest/SHA256SUMS.tmp"
mv "$dest/SHA256SUMS.tmp" "$dest/SHA256SUMS"

count=$(find "$dest" -maxdepth 1 -name '*.whl' | wc -l)
echo "wheelhouse: $dest ($count wheels, for ${plat:-this machine only}, CPython $pyver)"
echo "check it with: (cd '$dest' && sha256sum -c SHA256SUMS)"
echo "install offline with: pip install --no-index --find-links '$dest' relaydoctor"
