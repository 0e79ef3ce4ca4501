#!/bin/sh
# Install the built library into a scratch prefix, then build and run
# consumers against it as the README says: the README's own CMake snippet
# and pkg-config line (extracted from README.md, so that they cannot drift),
# a C++-only project, the static library, the mpi component when built, and
# the version rule; check that the shared library exports only mlpb_ symbols.
# Every program runs without LD_LIBRARY_PATH.
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
unset LD_LIBRARY_PATH
fail() { echo "consumer: $*"; exit 1; }

libdir=$(dirname "$(find "$prefix" -name 'libmlpblas.so' | head -n 1)")
[ -f "$libdir/libmlpblas.a" ] || fail "static library not installed"
[ -f "$prefix/include/mlpblas.h" ] || fail "header not installed"

# Only mlpb_ names may be exported.
bad=$(nm -D --defined-only "$libdir/libmlpblas.so" | awk 'NF == 3 { print $3 }' | grep -v '^mlpb_' || true)
[ -z "$bad" ] || fail "exported symbols without the mlpb_ prefix: $bad"
soname=$(objdump -p "$libdir/libmlpblas.so" | awk '/SONAME/ { print $2 }')
case $soname in libmlpblas.so.*) ;; *) fail "bad SONAME '$soname'" ;; esac

# configure NAME SOURCE_DIR ARGS...: a consumer project against the prefix.
configure() {
    name=$1 dir=$2
    shift 2
    if ! cmake -S "$dir" -B "$work/$name" -DCMAKE_PREFIX_PATH="$prefix" "$@" \
        >"$work/$name.log" 2>&1; then
        cat "$work/$name.log"
        return 1
    fi
}

# 1. The README's CMake snippet, verbatim, as a project of its own.
mkdir -p "$work/readme"
awk '/^```cmake$/ { on = 1; buf = ""; next }
     /^```$/ && on { if (buf ~ /find_package\(mlpblas/) { printf "%s", buf; exit } on = 0; next }
     on { buf = buf $0 "\n" }' "$src/README.md" >"$work/readme/CMakeLists.txt"
grep -q 'find_package(mlpblas' "$work/readme/CMakeLists.txt" ||
    fail "README.md has no cmake block with find_package(mlpblas"
cp "$src/tests/consumer/consumer.c" "$work/readme/app.c"
configure readme-build "$work/readme" || fail "the README's CMake snippet does not configure"
cmake --build "$work/readme-build" >/dev/null || fail "the README's CMake snippet does not build"
"$work/readme-build/app" >/dev/null || fail "the README's CMake snippet's program fails"

# 2. The version rule the README states: this minor release, not the next.
version=$("$prefix/bin/mlpblas" --version | awk '{ print $2 }')
major=${version%%.*} rest=${version#*.}
minor=${rest%%.*}
grep -q "find_package(mlpblas $major.$minor REQUIRED)" "$src/README.md" ||
    fail "README.md's find_package does not ask for $major.$minor (the version is $version)"
mkdir -p "$work/next"
printf 'cmake_minimum_required(VERSION 3.20)\nproject(next C)\nfind_package(mlpblas %s REQUIRED)\n' \
    "$major.$((minor + 1))" >"$work/next/CMakeLists.txt"
if configure next-build "$work/next" 2>/dev/null; then
    fail "find_package(mlpblas $major.$((minor + 1))) accepted $version"
fi
mkdir -p "$work/bogus"
printf 'cmake_minimum_required(VERSION 3.20)\nproject(bogus C)\nfind_package(mlpblas REQUIRED COMPONENTS bogus)\n' \
    >"$work/bogus/CMakeLists.txt"
if configure bogus-build "$work/bogus"; then
    fail "find_package(mlpblas COMPONENTS bogus) succeeded"
fi
grep -q "no component 'bogus'" "$work/bogus-build.log" || fail "no message for an unknown component"

# 3. C and C++-only projects, shared and static; neither looks for MPI.
for lang in C CXX; do
    configure "cmake-$lang" "$src/tests/consumer" -DCONSUMER_LANG=$lang ||
        fail "a $lang project cannot find_package(mlpblas)"
    cmake --build "$work/cmake-$lang" >/dev/null || fail "the $lang consumer does not build"
    "$work/cmake-$lang/consumer_shared" >/dev/null || fail "$lang consumer_shared fails"
    "$work/cmake-$lang/consumer_static" >/dev/null || fail "$lang consumer_static fails"
done

# 4. The mpi component, in C and in C++, when the library was built with MPI.
if [ -f "$libdir/cmake/mlpblas/mlpblasMpiTargets.cmake" ]; then
    for lang in C CXX; do
        configure "mpi-$lang" "$src/tests/consumer" -DCONSUMER_LANG=$lang -DCONSUMER_MPI=ON ||
            fail "a $lang project cannot find_package(mlpblas COMPONENTS mpi)"
        cmake --build "$work/mpi-$lang" >/dev/null || fail "the $lang mpi consumer does not build"
        for exe in consumer_mpi consumer_mpi_static; do
            # One process, as mpirun starts it; Open MPI needs leave to run as root.
            OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
                mpirun --oversubscribe -np 1 --mca btl self,vader \
                "$work/mpi-$lang/$exe" >/dev/null || fail "$lang $exe fails"
        done
    done
fi

# 5. The README's pkg-config line, verbatim, then the static archive.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
line=$(grep -m 1 '^cc app.c .*pkg-config' "$src/README.md") ||
    fail "README.md has no 'cc app.c \$(pkg-config ...)' line"
(cd "$work/readme" && sh -c "$line -o app_pc") || fail "the README's pkg-config line fails"
"$work/readme/app_pc" >/dev/null || fail "the README's pkg-config program fails without LD_LIBRARY_PATH"
cc -std=c11 -o "$work/consumer_pc_static" "$src/tests/consumer/consumer.c" \
    $(pkg-config --static --cflags mlpblas) "$libdir/libmlpblas.a" \
    $(pkg-config --static --libs-only-L --libs-only-l mlpblas | sed 's/-lmlpblas//')
"$work/consumer_pc_static" >/dev/null || fail "the static pkg-config consumer fails"

echo "consumer: the README's find_package and pkg-config, C and C++ (shared, static)," \
     "version $version and the next minor refused, $soname OK"
