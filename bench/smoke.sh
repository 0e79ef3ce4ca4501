#!/bin/sh
# smoke.sh -- the bench-smoke test: mlpblas-bench runs one tiny case briefly,
# its JSON and CSV output are well formed with positive finite figures, and
# bad flags exit 2. No timing figure is judged.
# Usage: smoke.sh BENCH_BINARY [WORK_DIR]; the files go in WORK_DIR (made
# afresh; the test gives one in the build tree), else in a mktemp -d folder.
set -u
# awk reads and printf writes numbers in the C locale whatever the caller's.
LC_ALL=C
export LC_ALL
bench=$1
here=$(dirname "$0")
check="$here/check_json.awk"
if [ $# -ge 2 ]; then
    tmp=$2
    rm -rf "$tmp" && mkdir -p "$tmp" ||
        { echo "bench-smoke: cannot make the work folder $tmp" >&2; exit 1; }
else
    tmp=$(mktemp -d) ||
        { echo "bench-smoke: cannot make a temporary folder in ${TMPDIR:-/tmp}" >&2; exit 1; }
fi
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "bench-smoke: $*" >&2; status=1; }

"$bench" --help > "$tmp/help" || fail "--help exited non-zero"
grep -q '^usage: mlpblas-bench' "$tmp/help" || fail "--help printed no usage"

for args in "--bogus" "--reps 0" "--case 1,2,3" "--case 8,0,8,1" "--min-time x" \
            "--threads" "--svg out.svg" "--json=1" "--rows 64" "--memory --rows 0" \
            "--memory --epochs x" "--memory --batch-sweep" "--memory --csv out.csv" \
            "--serial-small --split" "--members 0" "--members 65" "--members 2 --memory" \
            "--members 2 --batch-sweep"; do
    # shellcheck disable=SC2086 # the arguments are split on purpose
    "$bench" $args > /dev/null 2>&1
    rc=$?
    [ "$rc" -eq 2 ] || fail "'$args' exited $rc, expected 2"
done

# The checker itself must reject a bad line (a zero rate, a null figure).
good='{"case":"x","batch":8,"inputs":4,"hidden":[8],"outputs":1,"mode":"train",'
good=$good'"samples_per_s":1e+06,"gflops":0.5,"floor_samples_per_s":2e+06,"floor_gflops":1,'
good=$good'"floor_ratio":0.5,"peak_gflops":30,"peak_ratio":0.01,"median_s":2e-06,"min_s":1e-06,'
good=$good'"floor_median_s":1e-06,"floor_min_s":1e-06,"flops":1408,"threads":2,"max_rss_kib":5000}'
echo "$good" | awk -f "$check" -v want=1 2>/dev/null && fail "checker accepted an unpaired line"
echo "$good" | sed 's/"mode":"train"/"mode":"forward"/' > "$tmp/fwd"
{ echo "$good"; cat "$tmp/fwd"; } | awk -f "$check" -v want=2 || fail "checker rejected good lines"
for bad in 's/"gflops":0.5/"gflops":0/' 's/"floor_ratio":0.5/"floor_ratio":null/' \
           's/"peak_ratio":0.01/"peak_ratio":inf/' 's/,"threads":2//' \
           's/"hidden":\[8\]/"hidden":[]/' 's/"min_s":1e-06/"min_s":3e-06/'; do
    { echo "$good" | sed "$bad"; cat "$tmp/fwd"; } | awk -f "$check" -v want=2 2>/dev/null &&
        fail "checker accepted a line edited by $bad"
done

"$bench" --case 8,4,8,1 --json --min-time 0.01 --reps 1 --peak-size 64 \
    --csv "$tmp/out.csv" > "$tmp/out.json" 2> "$tmp/err" || fail "the run exited non-zero"
awk -f "$check" -v want=2 "$tmp/out.json" || fail "bad JSON output: $(cat "$tmp/out.json")"
grep -q '^# BLAS threads: [1-9]' "$tmp/err" || fail "no thread count in the header"
grep -q '^# max RSS: ' "$tmp/err" || fail "no max RSS in the footer"
[ "$(wc -l < "$tmp/out.csv")" -eq 3 ] || fail "the CSV has not a header and 2 rows"
head -n 1 "$tmp/out.csv" | grep -q '^case,batch,inputs,hidden,outputs,mode,samples_per_s' ||
    fail "bad CSV header"

# The library's own threading: 32 rows, split when BLAS has 2+ threads.
"$bench" --case 32,4,8,1 --split --json --min-time 0.01 --reps 1 --peak-size 32 \
    > "$tmp/split.json" 2> /dev/null || fail "the --split run exited non-zero"
awk -f "$check" -v want=2 "$tmp/split.json" || fail "bad JSON under --split"
grep -q '"threading":"split"' "$tmp/split.json" || fail "--split not reported"

# Two hidden layers: the L-layer floor runs too.
"$bench" --case 4,3,5,6,2 --json --min-time 0.005 --reps 1 --peak-size 32 \
    > "$tmp/deep.json" 2> /dev/null || fail "the two-hidden-layer run exited non-zero"
awk -f "$check" -v want=2 "$tmp/deep.json" || fail "bad JSON for two hidden layers"
grep -q '"hidden":\[5,6\]' "$tmp/deep.json" || fail "hidden widths not reported"

# The sweep: 13 batches (1..4096) of a tiny shape, 26 table rows, a chart.
"$bench" --batch-sweep --case 1,3,4,2 --min-time 0.002 --reps 1 --peak-size 16 \
    --svg "$tmp/sweep.svg" > "$tmp/sweep.txt" 2> /dev/null || fail "the sweep exited non-zero"
[ "$(grep -c '^[0-9]*x3x4x2 ' "$tmp/sweep.txt")" -eq 26 ] || fail "the sweep has not 26 rows"
head -n 1 "$tmp/sweep.svg" | grep -q '^<svg ' || fail "the chart does not open with <svg"
tail -n 1 "$tmp/sweep.svg" | grep -q '^</svg>$' || fail "the chart does not end with </svg>"
[ "$(grep -c '<polyline' "$tmp/sweep.svg")" -eq 4 ] || fail "the chart has not 4 lines"

# --memory: one process per case, one JSON line each, consistent figures (the
# pass/fail verdict itself depends on the machine and is not judged here).
"$bench" --memory --json --case 16,4,8,1 --case 8,3,5,6,2 --rows 64 --epochs 1 \
    > "$tmp/mem.json" 2> "$tmp/mem.err" || fail "the --memory run exited non-zero"
awk -f "$check" -v want=2 "$tmp/mem.json" || fail "bad --memory JSON: $(cat "$tmp/mem.json")"
grep -q '"mode":"memory","rows":64,"epochs":1,' "$tmp/mem.json" || fail "--rows/--epochs not used"
grep -q '^# BLAS threads: [1-9]' "$tmp/mem.err" || fail "no thread count in the --memory header"
# The checker rejects a memory line whose budget or verdict does not add up.
mem=$(head -n 1 "$tmp/mem.json")
for bad in 's/"budget_bytes":[0-9]*/"budget_bytes":1/' 's/"pass":[a-z]*/"pass":maybe/' \
           's/"heap_trainer_bytes":[0-9]*/"heap_trainer_bytes":0/' 's/,"params":[0-9]*//'; do
    echo "$mem" | sed "$bad" | awk -f "$check" -v want=1 2>/dev/null &&
        fail "checker accepted a memory line edited by $bad"
done
"$bench" --memory --case 16,4,8,1 --rows 64 --epochs 1 > "$tmp/mem.txt" 2> /dev/null ||
    fail "the --memory table run exited non-zero"
grep -Eq '^16x4x8x1 +64 +49 .* (pass|FAIL)$' "$tmp/mem.txt" || fail "no --memory table row"

# --members: one JSON line a case with both times and their ratio (the ratio
# itself depends on the machine and is not judged here).
"$bench" --members 3 --json --case 8,4,16,2 --rows 40 --epochs 2 --threads 2 \
    > "$tmp/members.json" 2> /dev/null || fail "the --members run exited non-zero"
grep -Eq '^\{"case":"8x4x16x2","mode":"members","members":3,"threads":2,"rows":40,"epochs":2,"one_after_another_s":[0-9.e-]+,"side_by_side_s":[0-9.e-]+,"speedup":[0-9.e-]+\}$' \
    "$tmp/members.json" || fail "bad --members JSON: $(cat "$tmp/members.json")"

[ "$status" -eq 0 ] && echo "bench-smoke: ok"
exit "$status"
