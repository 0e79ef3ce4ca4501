# lib.sh -- shared helpers of the mlpblas tool tests (POSIX sh, awk, grep).
# A test script is run as:
#   sh SCRIPT MLPBLAS DATA_DIR WORK_DIR JSON_CHECK PREDICT_REF VERSION SVG_CHECK
#      PROBE PEAK_RSS
# and sources this file, which sets those variables and enters a fresh WORK.

MLPBLAS=$1
DATA=$2
WORK=$3
JSON=$4
REF=$5
VERSION=$6
SVG=$7
PROBE=$8
PEAK_RSS=$9
MLPBLAS_BIN=$MLPBLAS

# Locale. The scripts' own helpers (awk, printf, sort, grep, sed, script)
# run in the C locale: under LC_ALL=de_DE.UTF-8 awk reads "0.7" as 0 and
# printf writes "1,000", and a locale that is not installed makes some of
# them print warnings. The tool must give the same results under any locale,
# so $MLPBLAS runs it under the caller's (a wrapper that puts LC_ALL back);
# $MLPBLAS_BIN is the binary itself.
mlpb_quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
if [ "${LC_ALL+set}" = set ]; then
    mlpb_locale="LC_ALL=$(mlpb_quote "$LC_ALL"); export LC_ALL"
else
    mlpb_locale="unset LC_ALL"
fi
LC_ALL=C
export LC_ALL
rm -rf "$WORK" "$WORK.bin" && mkdir -p "$WORK" "$WORK.bin" ||
    { echo "FAIL: cannot make the work folders $WORK and $WORK.bin (above: why)" >&2; exit 1; }
MLPBLAS=$WORK.bin/mlpblas
printf '#!/bin/sh\n# the tool under the caller'"'"'s locale\n%s\nexec %s "$@"\n' \
    "$mlpb_locale" "$(mlpb_quote "$MLPBLAS_BIN")" >"$MLPBLAS" && chmod +x "$MLPBLAS" || exit 1
cd "$WORK" || exit 1

fail() {
    printf "FAIL: %s\n" "$*" >&2
    exit 1
}

# run RC CMD...: run CMD with stdout in out.txt and stderr in err.txt; its
# exit status must be RC.
run() {
    want=$1
    shift
    "$@" >out.txt 2>err.txt
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "command: $*" >&2
        echo "--- stdout:" >&2
        head -c 4000 out.txt >&2
        echo "--- stderr:" >&2
        head -c 4000 err.txt >&2
        fail "exit status $rc, expected $want"
    fi
}

# err_is PREFIX: stderr of the last run is one line starting with PREFIX.
err_is() {
    n=$(wc -l <err.txt)
    [ "$n" -eq 1 ] || { cat err.txt >&2; fail "expected one line on stderr, got $n"; }
    case "$(cat err.txt)" in
    "$1"*) ;;
    *) fail "stderr '$(cat err.txt)' does not start with '$1'" ;;
    esac
}

# at_least VALUE MIN WHAT
at_least() {
    awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }' ||
        fail "$3: '$1' is not >= $2"
}

# json_get FILE KEY: the top-level member KEY of the JSON object in FILE,
# which must be valid JSON.
json_get() {
    "$JSON" "$2" <"$1" || fail "$1: not valid JSON or no member $2"
}

# no_temp_files: nothing a failed write could have left behind.
no_temp_files() {
    if ls -a | grep -q -e '\.tmp' -e '^\.mlpb-'; then
        ls -a >&2
        fail "temporary files left behind"
    fi
}

# probs FILE: the prob_ columns of a predict output (CSV), header dropped,
# as the library's reference predictor prints them.
probs() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^prob_/) c[++n] = i; next }
             { s = ""; for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") $c[i]; print s }' "$1"
}
