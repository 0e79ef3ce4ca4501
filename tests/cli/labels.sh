# labels.sh -- one meaning for each metric and each label (docs/cli.md,
# "Metrics" and "Labels"): a multi-class model's accuracy is the class
# accuracy in the epoch lines, --log, the history, the summary, eval's text
# and JSON; two-valued labels of any values train, the positive one stated;
# predict names classes; --positive per column; LIBSVM class ids.
. "$(dirname "$0")/lib.sh"
LC_ALL=C
export LC_ALL
SHAPES=$(dirname "$0")
[ "${SHAPES#/}" != "$SHAPES" ] || SHAPES=$OLDPWD/$SHAPES

# near A B TOL WHAT: two numbers within TOL.
near() {
    awk -v a="$1" -v b="$2" -v t="$3" \
        'BEGIN { d = a - b; exit !(a != "" && b != "" && d <= t && d >= -t) }' ||
        fail "$4: '$1' and '$2' differ by more than $3"
}

# ---- multi-class: accuracy is the share of rows whose most probable class
# is the true one, wherever it is printed.
run 0 "$MLPBLAS" train "$DATA/digits.csv" --out dig.mlpb --hidden 32 --epochs 20 --seed 1 \
    --no-refit --log dig.log --json
cp out.txt train.json
"$JSON" "@$SHAPES/json-shape.txt" "@$SHAPES/json-classes.txt" <train.json ||
    fail "train --json: shape of a multi-class run"
acc=$(json_get train.json classes.class_accuracy)
near "$(json_get train.json metrics.validation.accuracy)" "$acc" 1e-9 \
    "train --json: metrics.validation.accuracy against classes.class_accuracy"
near "$(json_get train.json metrics.validation.f1)" "$(json_get train.json classes.macro_f1)" \
    1e-9 "train --json: metrics.validation.f1 against classes.macro_f1"
best=$(json_get train.json training.best_epoch)
near "$(json_get train.json "training.history.$((best - 1)).val.accuracy")" "$acc" 1e-9 \
    "the best epoch's history record"
near "$(awk -F, -v e="$best" '$1 == e { print $4 }' dig.log)" "$acc" 1e-9 \
    "--log val_accuracy of the best epoch"
# The same run in text: the summary and the best epoch's line.
run 0 "$MLPBLAS" train "$DATA/digits.csv" --out dig.mlpb --hidden 32 --epochs 20 --seed 1 \
    --no-refit
near "$(awk '$1 == "accuracy" { print $2 }' out.txt)" "$acc" 5e-5 "train summary accuracy"
near "$(awk -v e="$best/20" '$1 == "epoch" && $2 == e { for (i = 1; i < NF; i++)
        if ($i == "acc") print $(i + 1) }' err.txt)" "$acc" 5e-5 "the best epoch's line"
# eval: text, JSON and predict's classes against the file's labels.
run 0 "$MLPBLAS" eval dig.mlpb "$DATA/digits.csv" --json
cp out.txt eval.json
"$JSON" "@$SHAPES/json-shape.txt" "@$SHAPES/json-classes.txt" <eval.json ||
    fail "eval --json: shape of a multi-class model"
eacc=$(json_get eval.json metrics.test.accuracy)
near "$eacc" "$(json_get eval.json classes.class_accuracy)" 1e-9 "eval --json accuracy"
run 0 "$MLPBLAS" eval dig.mlpb "$DATA/digits.csv"
near "$(awk '$1 == "accuracy" { print $2 }' out.txt)" "$eacc" 5e-5 "eval text accuracy"
run 0 "$MLPBLAS" predict dig.mlpb "$DATA/digits.csv"
pacc=$(awk -F, 'NR == FNR { if (FNR > 2) y[FNR - 2] = $65; next }
                FNR > 1 { ok += ($1 == y[FNR - 1]) } END { printf "%.9f", ok / 1000 }' \
           "$DATA/digits.csv" out.txt)
near "$pacc" "$eacc" 1e-9 "eval accuracy against predict's classes"
exit 0
