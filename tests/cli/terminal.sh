# terminal.sh -- what training shows on standard error: under a
# pseudo-terminal of 40 and of 200 columns (util-linux script), the bar and
# the epoch lines never reach the last column (so nothing wraps); piped, no
# bar and no escape codes, one line an epoch; --quiet prints nothing and
# --verbose more; --version answers on every command.
. "$(dirname "$0")/lib.sh"

for cmd in train eval predict info demo plot; do
    run 0 "$MLPBLAS" $cmd --version
    [ "$(cat out.txt)" = "mlpblas $VERSION" ] || fail "$cmd --version: $(cat out.txt)"
    run 0 "$MLPBLAS" $cmd -V
    [ "$(cat out.txt)" = "mlpblas $VERSION" ] || fail "$cmd -V"
done

# ---- piped: one plain line an epoch
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m.mlpb --epochs 6 --patience 0 --refit
[ "$(grep -c '^epoch [1-6]/6  train loss ' err.txt)" -eq 6 ] || fail "piped: not one line an epoch"
# then one line an epoch of the refit on all rows (asked for: the ensemble
# of a small file does not refit by default)
refits=$(grep -c '^refit [0-9]*/[0-9]*  train loss ' err.txt)
[ "$refits" -ge 1 ] || fail "piped: no refit lines"
[ "$(wc -l <err.txt)" -eq $((6 + refits)) ] || fail "piped: other lines on stderr"
esc=$(printf '\033')
cr=$(printf '\r')
grep -q -e "$esc" -e "$cr" err.txt && fail "piped: escape codes or carriage returns"
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m.mlpb --epochs 3 --quiet
[ ! -s err.txt ] && [ ! -s out.txt ] || fail "--quiet printed"
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m.mlpb --epochs 3 -v
grep -q 'auc ' err.txt || fail "--verbose: no validation AUC in the epoch lines"
run 0 "$MLPBLAS" demo --epochs 3 --verbose
[ "$(grep -c '^epoch ' err.txt)" -eq 3 ] || fail "demo --verbose: epoch lines"
run 0 "$MLPBLAS" demo --epochs 3
[ ! -s err.txt ] || fail "demo: stderr without --verbose"

# ---- under a pseudo-terminal
if ! command -v script >/dev/null 2>&1; then
    echo "SKIPPED: script (util-linux) not found; no pseudo-terminal test"
    exit 77
fi
for cols in 40 200; do
    # Long enough to redraw many times; the width is all that is checked.
    # The report goes to a file: only the progress display is under test.
    script -qec "stty cols $cols rows 24; exec '$MLPBLAS' train '$DATA/multi.csv' \
        --label a,b --out t.mlpb --epochs 120 --patience 0 --batch 4 --log t.csv \
        --hidden 256 --threads 1 >report.txt" /dev/null </dev/null >tty.txt 2>&1 ||
        { cat tty.txt; fail "$cols columns: train failed"; }
    [ "$(wc -l <t.csv)" -eq 121 ] || fail "$cols columns: the run was cut short"
    grep -q "$esc\[K" tty.txt || fail "$cols columns: no bar was drawn"
    grep -q "ETA " tty.txt || fail "$cols columns: no ETA in the bar"
    # Every stretch between carriage returns and line ends, escape codes
    # removed, is shorter than the terminal.
    widest=$(sed "s/$esc\[K//g" tty.txt | tr '\r' '\n' |
             awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }')
    [ "$widest" -lt "$cols" ] || fail "$cols columns: a line of $widest characters"
    [ "$widest" -gt 30 ] || fail "$cols columns: nothing drawn ($widest)"
    sed "s/$esc\[K//g" tty.txt | tr '\r' '\n' | grep -q '^epoch 120/120\|^120/120' ||
        fail "$cols columns: no line for the last epoch"
done
exit 0
