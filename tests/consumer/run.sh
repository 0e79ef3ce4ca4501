#!/bin/sh
# Install the built library into a scratch prefix, then build and run a
# consumer against it through find_package (shared and static) and through
# pkg-config; check that the shared library exports only mlpb_ symbols.
# Usage: run.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -eu
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
echo "consumer: find_package (shared, static) and pkg-config (shared, static) OK, $soname"
