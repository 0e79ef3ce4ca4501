# demo.sh -- `mlpblas demo` on the built-in breast-cancer data: held-out
# accuracy >= 0.96, valid JSON, runs from any directory (the data is compiled
# in), and its saved model, split and metrics agree with train and eval.
. "$(dirname "$0")/lib.sh"

run 0 "$MLPBLAS" demo
acc=$(awk '$1 == "accuracy" { print $2 }' out.txt)
at_least "$acc" 0.96 "demo held-out accuracy"
grep -q 'Wisconsin Diagnostic Breast Cancer' out.txt || fail "demo: no data description"
grep -q '569' out.txt || fail "demo: row count"

# The binary alone, run from elsewhere, needs no data file.
cp "$MLPBLAS_BIN" ./mlpblas-copy
(cd / && "$WORK/mlpblas-copy" demo --json >"$WORK/demo.json") || fail "demo from / failed"
at_least "$(json_get demo.json metrics.test.accuracy)" 0.96 "demo --json accuracy"
[ "$(json_get demo.json metrics.test.rows)" -eq 142 ] || fail "demo: 25% of 569 held out, stratified"
[ "$(json_get demo.json training.train_rows)" -gt 300 ] || fail "demo: train rows"

# Save the model and the split; eval on the held-out file reproduces the
# demo's metrics exactly, and `train` with the same seed the same model.
run 0 "$MLPBLAS" demo --quiet --out demo.mlpb --train-out train.csv --test-out test.csv
[ ! -s out.txt ] || fail "demo --quiet printed"
[ "$(($(wc -l <train.csv) + $(wc -l <test.csv)))" -eq 571 ] || fail "split sizes"
head -n 1 test.csv | grep -q ',benign$' || fail "test.csv header"
run 0 "$MLPBLAS" eval demo.mlpb test.csv --json
cp out.txt eval.json
for key in accuracy auc loss f1; do
    [ "$(json_get eval.json metrics.test.$key)" = "$(json_get demo.json metrics.test.$key)" ] ||
        fail "eval on test.csv: $key differs from the demo's"
done
run 0 "$MLPBLAS" train train.csv --out again.mlpb --seed 42 --quiet
cmp -s again.mlpb demo.mlpb || fail "train on the demo's rows with its seed: another model"
run 0 "$MLPBLAS" demo --seed 7 --json
at_least "$(json_get out.txt metrics.test.accuracy)" 0.94 "demo --seed 7 accuracy"
no_temp_files
exit 0
