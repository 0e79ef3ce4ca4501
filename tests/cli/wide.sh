# wide.sh -- a header of 2^20 fields (the reader's limit), half of them one
# repeated name: train, info --verify, eval and predict each take time linear
# in the columns. Pairwise name checks took hours at this width (39 s at
# 65,536 columns, growing with the square); the test's time limit (ctest
# TIMEOUT, 600 s) fails that. The four commands take about 15 s of CPU in
# all here (80 s of wall time on a busy two-core machine) and 740 MB at most
# (train: some 300 bytes of state a column).
. "$(dirname "$0")/lib.sh"
# Under a sanitizer the time and memory (shadow) say nothing of the passes.
[ "${MLPB_SANITIZED:-0}" = 1 ] && exit 77

n=1048575 # features; with the label, 2^20 fields
awk -v n=$n 'BEGIN {
    for (j = 0; j < n; j++) printf "%s,", (j % 2 ? "c" j : "x")
    print "y"
    for (r = 0; r < 4; r++) {
        for (j = 0; j < n; j++) printf "%d,", (j + r) % 3
        print r % 2
    }
}' >wide.csv
run 0 "$MLPBLAS" train wide.csv --epochs 1 --hidden 2 --ensemble 1 --val-split 0 --quiet --out w.mlpb \
    --ignore 2-1000
run 0 "$MLPBLAS" info --verify w.mlpb
grep -q "^architecture  1047576-2-1:" out.txt || fail "not 1047576 inputs: $(grep '^arch' out.txt)"
grep -q "^feature 1047576 x.524287: number$" out.txt || fail "the last feature is not x.524287"
grep -q "^ignored       x.1$" out.txt || fail "column 3 (the second x) is not ignored as x.1"
run 0 "$MLPBLAS" eval w.mlpb wide.csv
run 0 "$MLPBLAS" predict w.mlpb wide.csv --out p.csv
[ "$(wc -l <p.csv)" -eq 5 ] || fail "not 4 predictions"
exit 0
