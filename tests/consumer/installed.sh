#!/bin/sh
# What an install puts in a prefix, checked as a user meets it, with no
# LD_LIBRARY_PATH: every installed program answers --version and --help;
# every installed program and library finds its shared libraries (the
# $ORIGIN run path), also after the prefix is moved; every documentation file
# that a help text or the man page names is installed; the man page renders
# and documents every command; and the options that the help texts, the man
# page and docs/cli.md name are exactly the options the tool accepts.
# Usage: installed.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -eu
build=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/installed" >/dev/null
# Moved after the install: nothing may depend on the install path.
mv "$work/installed" "$work/prefix"
prefix=$work/prefix
unset LD_LIBRARY_PATH
export LC_ALL=C
fail() { echo "installed: $*"; exit 1; }
tool=$prefix/bin/mlpblas
[ -x "$tool" ] || fail "mlpblas not installed"
version=$("$tool" --version | awk '{ print $2 }')
# The commands, as the top-level help lists them.
commands=$("$tool" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
                                 on && /^  [a-z]/ { print $1 }')
[ -n "$commands" ] || fail "mlpblas --help lists no command"

# 1. Every installed program: --version names it and the version; --help
# exits 0 with a usage text.
for exe in "$prefix"/bin/*; do
    name=$(basename "$exe")
    out=$("$exe" --version 2>&1) || fail "$name --version: exit $?: $out"
    case $out in "$name $version"*) ;; *) fail "$name --version printed '$out'" ;; esac
    out=$("$exe" --help 2>&1) || fail "$name --help: exit $?"
    echo "$out" | grep -qi 'usage' || fail "$name --help printed no usage"
done
"$tool" demo --epochs 2 --quiet || fail "the installed mlpblas fails"

# 2. Every ELF file installed finds all its libraries.
for f in "$prefix"/bin/* "$prefix"/lib*/*.so* "$prefix"/lib/*/*.so*; do
    [ -f "$f" ] && [ ! -L "$f" ] || continue
    missing=$(ldd "$f" 2>&1 | grep 'not found' || true)
    [ -z "$missing" ] || fail "$f: $missing"
done

# 3. The documentation the help texts and the man page name.
docdir=$prefix/share/doc/mlpblas
man1=$prefix/share/man/man1/mlpblas.1
[ -f "$man1" ] || fail "man page not installed"
[ -f "$docdir/README.md" ] || fail "README.md not installed"
{
    "$tool" --help
    for cmd in $commands; do "$tool" "$cmd" --help; done
    for exe in "$prefix"/bin/*; do "$exe" --help; done
    cat "$man1"
} >"$work/texts" 2>&1
grep -o '[A-Za-z0-9_-][A-Za-z0-9_-]*\.md' "$work/texts" | sort -u >"$work/named"
[ -s "$work/named" ] || fail "no .md file named in the help texts (the check found nothing)"
while read -r doc; do
    [ -f "$docdir/$doc" ] || fail "$doc is named in a help text or the man page, not installed in $docdir"
done <"$work/named"
# The images the installed Markdown links to.
for img in $(grep -oh '(img/[^)]*)' "$docdir"/*.md | tr -d '()' | sort -u); do
    [ -f "$docdir/$img" ] || fail "$img (linked from the documentation) not installed"
done

# 4. The man page renders without a warning and documents every command.
if command -v man >/dev/null 2>&1; then
    page=$(MANWIDTH=80 man --warnings -l "$man1" 2>"$work/man.err") || { cat "$work/man.err"; exit 1; }
    [ ! -s "$work/man.err" ] || { cat "$work/man.err"; exit 1; }
    for cmd in $commands; do
        echo "$page" | grep -q "mlpblas $cmd" || fail "man page: no $cmd"
    done
fi

# 5. Options. Accepted: for each command, the options of any help text that
# the parser does not call unknown. Each command's help lists exactly its
# accepted options; the man page and docs/cli.md name no other.
opts() { grep -o -- '--[a-z][a-z0-9-]*' | sort -u; }
cat "$work/texts" "$src/docs/cli.md" | opts >"$work/candidates"
: >"$work/accepted"
for cmd in $commands; do
    "$tool" "$cmd" --help | grep -E '^ +(-[a-zA-Z], )?--[a-z]' | opts >"$work/help-$cmd"
    : >"$work/ok-$cmd"
    while read -r o; do
        # A value, then an option no command takes: the parse always fails,
        # so nothing runs; only whether it names $o as unknown counts.
        err=$(cd "$work" && "$tool" "$cmd" "$o" x --zz-no-such-option 2>&1 </dev/null || true)
        case $err in *"unknown option '$o'"*) ;; *) echo "$o" >>"$work/ok-$cmd" ;; esac
    done <"$work/candidates"
    sort -u "$work/ok-$cmd" -o "$work/ok-$cmd"
    grep -qx -- '--help' "$work/ok-$cmd" || fail "the unknown-option check found nothing for $cmd"
    # --help and --version are taken by every command, listed at the top level.
    grep -vx -e '--help' -e '--version' "$work/help-$cmd" >"$work/listed-$cmd" || true
    d=$(grep -vx -e '--help' -e '--version' "$work/ok-$cmd" |
        comm -3 - "$work/listed-$cmd" | tr -s ' \t\n' ' ')
    [ -z "${d# }" ] || fail "$cmd: accepted and listed by --help differ (left: accepted only): $d"
    cat "$work/ok-$cmd" >>"$work/accepted"
done
sort -u "$work/accepted" -o "$work/accepted"
sed 's/\\-/-/g' "$man1" | opts >"$work/man-opts"
d=$(comm -23 "$work/man-opts" "$work/accepted" | tr '\n' ' ')
[ -z "$d" ] || fail "the man page names options the tool does not take: $d"
d=$(comm -13 "$work/man-opts" "$work/accepted" | tr '\n' ' ')
[ -z "$d" ] || fail "the man page does not document: $d"
# docs/cli.md: its two examples of a mistyped and a placeholder option aside.
d=$(opts <"$src/docs/cli.md" | grep -vx -e '--epoch' -e '--opt' | comm -23 - "$work/accepted" |
    tr '\n' ' ')
[ -z "$d" ] || fail "docs/cli.md names options the tool does not take: $d"

echo "installed: $(ls "$prefix/bin" | tr '\n' ' ')answer --version $version and --help;" \
     "libraries found from a moved prefix; $(wc -l <"$work/named") named docs installed;" \
     "$(wc -l <"$work/accepted") options agree with --help, the man page and docs/cli.md"
