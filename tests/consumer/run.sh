#!/bin/sh
# Install the built library into a scratch prefix, then build and run a
# consumer against it through find_package (shared and static) and through
# pkg-config; check that the shared library exports only mlpb_ symbols, and
# that the tool, mlpblas-bench, the man page (read by man -l) and the
# documentation are installed and work.
# Usage: run.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -eu
# The C locale: man refuses to run under one that is not installed.
LC_ALL=C
export LC_ALL
build=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null

libdir=$(dirname "$(find "$prefix" -name 'libmlpblas.so' | head -n 1)")
[ -f "$libdir/libmlpblas.a" ] || { echo "static library not installed"; exit 1; }
[ -f "$prefix/include/mlpblas.h" ] || { echo "header not installed"; exit 1; }

# Only mlpb_ names may be exported.
bad=$(nm -D --defined-only "$libdir/libmlpblas.so" | awk 'NF == 3 { print $3 }' | grep -v '^mlpb_' || true)
if [ -n "$bad" ]; then
    echo "exported symbols without the mlpb_ prefix:"; echo "$bad"; exit 1
fi
soname=$(objdump -p "$libdir/libmlpblas.so" | awk '/SONAME/ { print $2 }')
case $soname in libmlpblas.so.*) ;; *) echo "bad SONAME '$soname'"; exit 1 ;; esac

cmake -S "$src/tests/consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake" >/dev/null
LD_LIBRARY_PATH=$libdir "$work/cmake/consumer_shared"
"$work/cmake/consumer_static"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -o "$work/consumer_pc" "$src/tests/consumer/consumer.c" \
    $(pkg-config --cflags --libs mlpblas)
LD_LIBRARY_PATH=$libdir "$work/consumer_pc"
cc -std=c11 -o "$work/consumer_pc_static" "$src/tests/consumer/consumer.c" \
    $(pkg-config --static --cflags mlpblas) "$libdir/libmlpblas.a" \
    $(pkg-config --static --libs-only-L --libs-only-l mlpblas | sed 's/-lmlpblas//')
"$work/consumer_pc_static"
# The tool, the benchmark, the manual page and the documentation.
"$prefix/bin/mlpblas" --version | grep -q '^mlpblas ' || { echo "mlpblas not installed"; exit 1; }
"$prefix/bin/mlpblas" demo --epochs 2 --quiet || { echo "the installed mlpblas fails"; exit 1; }
if [ -e "$build/bench/mlpblas-bench" ]; then
    "$prefix/bin/mlpblas-bench" --help >/dev/null || { echo "mlpblas-bench not installed"; exit 1; }
fi
man1=$prefix/share/man/man1/mlpblas.1
[ -f "$man1" ] || { echo "man page not installed"; exit 1; }
for doc in README.md cli.md model-format.md bench.md; do
    [ -f "$prefix/share/doc/mlpblas/$doc" ] || { echo "$doc not installed"; exit 1; }
done
if command -v man >/dev/null 2>&1; then
    # The page renders without a warning and documents every command.
    page=$(MANWIDTH=80 man --warnings -l "$man1" 2>"$work/man.err") || { cat "$work/man.err"; exit 1; }
    [ ! -s "$work/man.err" ] || { cat "$work/man.err"; exit 1; }
    for cmd in train eval predict info plot demo; do
        echo "$page" | grep -q "mlpblas $cmd" || { echo "man page: no $cmd"; exit 1; }
    done
fi

echo "consumer: find_package (shared, static) and pkg-config (shared, static) OK, $soname"
