# svg.sh -- the charts: train --plot, plot LOG --out and eval --plot write
# well-formed SVG (parsed by cli_svg_check) whose every point lies inside its
# plot area, the best epoch marked where it is; rendered to PNG where
# rsvg-convert exists (the render part skipped, and said so, where not).
. "$(dirname "$0")/lib.sh"

# check FILE: well-formed, points inside; prints the checker's summary.
check() {
    "$SVG" <"$1" >svg.txt || fail "$1: not a well-formed chart"
    cat svg.txt
}

run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m.mlpb --epochs 30 --patience 0 \
    --log curve.csv --plot curve.svg --json --quiet
best=$(json_get out.txt training.best_epoch)
check curve.svg >summary.txt
grep -q "^best-epoch $best\$" summary.txt || fail "curve.svg: best epoch $best not marked"
grep -q '^panels 1 ' summary.txt || fail "curve.svg: one plot area"
# train loss, validation loss and the validation metric: 30 points each
pts=$(awk '/^panels/ { print $6 }' summary.txt)
[ "$pts" -eq 90 ] || fail "curve.svg: $pts points, expected 3 x 30"
grep -q 'training loss' curve.svg && grep -q 'validation loss' curve.svg &&
    grep -q 'validation AUC' curve.svg || fail "curve.svg: legend"
grep -q '>epoch<' curve.svg || fail "curve.svg: x axis label"

# the same chart from the saved log (the title aside)
run 0 "$MLPBLAS" plot curve.csv --out replot.svg --title "Learning curve: binary.csv"
cmp -s curve.svg replot.svg || fail "plot LOG differs from train --plot"
run 0 "$MLPBLAS" plot curve.csv -o replot.svg
# no validation: no best epoch, no validation series
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m0.mlpb --epochs 5 --val-split 0 \
    --plot noval.svg --quiet
check noval.svg >summary.txt
grep -q '^best-epoch' summary.txt && fail "noval.svg: a best epoch without validation"
grep -q 'validation loss' noval.svg && fail "noval.svg: a validation series"
# one epoch: still a chart
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m1.mlpb --epochs 1 --plot one.svg --quiet
check one.svg >/dev/null
# XML's special characters in the title are escaped
run 0 "$MLPBLAS" plot curve.csv --out esc.svg --title 'a <b> & "c"'
check esc.svg >/dev/null
grep -q 'a &lt;b&gt; &amp; &quot;c&quot;' esc.svg || fail "title not escaped"

# bad logs: one line, status 1, no chart
printf 'epoch,train_loss\n1,0.5\n1,0.4\n' >dup.csv
run 1 "$MLPBLAS" plot dup.csv --out bad.svg
err_is 'dup.csv:3: epoch "1" is not a whole number above the last'
printf 'a,b\n1,2\n' >nolog.csv
run 1 "$MLPBLAS" plot nolog.csv --out bad.svg
err_is 'nolog.csv:1:1: no "epoch" and "train_loss" columns'
printf 'epoch,train_loss\n1,abc\n' >nan.csv
run 1 "$MLPBLAS" plot nan.csv --out bad.svg
err_is 'nan.csv:2: train_loss "abc" is not a number'
[ ! -e bad.svg ] || fail "a bad log wrote a chart"
run 2 "$MLPBLAS" plot curve.csv
err_is 'mlpblas plot: needs --out FILE.svg'

# ROC and precision-recall
run 0 "$MLPBLAS" eval m.mlpb "$DATA/binary.csv" --plot roc.svg --json
auc=$(json_get out.txt metrics.test.auc)
ap=$(json_get out.txt metrics.test.ap)
check roc.svg >summary.txt
grep -q '^panels 2 ' summary.txt || fail "roc.svg: two panels"
grep -q 'ROC curve' roc.svg && grep -q 'Precision-recall curve' roc.svg || fail "roc.svg: titles"
# the curve's area, computed by the chart, is the library's AUC
# and its average precision the library's
want=$(awk -v a="$auc" -v p="$ap" 'BEGIN { printf "AUC %.3f, AP %.3f", a, p }')
grep -q "y: $want<" roc.svg || fail "roc.svg: legend does not say $want"
run 0 "$MLPBLAS" train "$DATA/multi.csv" --label a,b --out multi.mlpb --epochs 3 --quiet
run 0 "$MLPBLAS" eval multi.mlpb "$DATA/multi.csv" --plot mroc.svg
check mroc.svg >summary.txt
[ "$(awk '/^panels/ { print $4 }' summary.txt)" -eq 4 ] || fail "mroc.svg: a ROC and a PR curve an output"
# one class only: no curve to draw, an error, no file
awk -F, '/^#/ || NR == 2 || $5 == 1' "$DATA/binary.csv" >ones.csv
run 1 "$MLPBLAS" eval m.mlpb ones.csv --plot one-class.svg
err_is 'mlpblas: no ROC curve: the labels hold one class only'
[ ! -e one-class.svg ] || fail "one class: a chart was written"
no_temp_files

# rendered as a person would see them
if ! command -v rsvg-convert >/dev/null 2>&1; then
    echo "SKIPPED: rsvg-convert not found; the charts were not rendered"
    exit 77
fi
for f in curve roc mroc noval one; do
    rsvg-convert "$f.svg" -o "$f.png" 2>render.txt || { cat render.txt; fail "$f.svg: rsvg-convert failed"; }
    [ "$(head -c 4 "$f.png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "$f.png is not a PNG"
done
exit 0
