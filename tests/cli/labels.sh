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

# ---- two-valued labels of any values: 1 is the --positive one, else the
# second of 0/1, -1/+1, false/true, no/yes, else the value that sorts second.
# A prediction prints the label's own value; the probability's column says
# which value it is the probability of.
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out b01.mlpb --seed 3 --epochs 30 --quiet
run 0 "$MLPBLAS" predict b01.mlpb "$DATA/binary.csv"
probs out.txt >p01.txt
# relabel FILE ONE ZERO: binary.csv with its 0/1 label written as ONE/ZERO.
relabel() {
    awk -F, -v one="$2" -v zero="$3" 'BEGIN { OFS = "," } /^#/ || NR == 2 { print; next }
        { $5 = $5 ? one : zero; print }' "$DATA/binary.csv" >"$1"
}
relabel mb.csv M B
run 0 "$MLPBLAS" train mb.csv --out mb.mlpb --seed 3 --epochs 30
grep -q '^label y: 1 = "M" (the positive value), 0 = "B"' out.txt ||
    fail "train summary does not say M is positive: $(cat out.txt)"
run 0 "$MLPBLAS" info mb.mlpb
grep -q '1 = "M", 0 = "B"' out.txt || fail "info: M is not 1"
run 0 "$MLPBLAS" predict mb.mlpb mb.csv
cp out.txt mb-pred.csv
[ "$(head -n 1 mb-pred.csv)" = "prob_y=M,pred_y" ] || fail "header: $(head -n 1 mb-pred.csv)"
probs mb-pred.csv >pmb.txt
cmp -s p01.txt pmb.txt || fail "M/B without --positive is not the 0/1 model with M as 1"
awk -F, 'NR > 1 && ($2 != ($1 >= 0.5 ? "M" : "B")) { exit 1 }' mb-pred.csv ||
    fail "pred_y is not M at prob >= 0.5, else B"
run 0 "$MLPBLAS" predict mb.mlpb mb.csv --output-format jsonl
head -n 1 out.txt >row1.json
case "$(json_get row1.json pred_y)" in M | B) ;; *) fail "jsonl pred_y: $(cat row1.json)" ;; esac
json_get row1.json prob_y=M >/dev/null
run 0 "$MLPBLAS" eval mb.mlpb mb.csv
grep -q 'label y (positive "M", negative "B")' out.txt || fail "eval does not name the positive"
run 0 "$MLPBLAS" eval mb.mlpb mb.csv --plot mb.svg
grep -q '>y=M: AUC' mb.svg || fail "eval --plot: the curve does not name its value M"
run 0 "$MLPBLAS" eval mb.mlpb mb.csv --json
[ "$(json_get out.txt data.positive)" = '["M"]' ] || fail "eval --json: data.positive"
run 0 "$MLPBLAS" eval dig.mlpb "$DATA/digits.csv" --json
[ "$(json_get out.txt data.positive)" = null ] || fail "eval --json: a class column's positive"
# --positive still chooses; the other value is then 1 - p.
run 0 "$MLPBLAS" train mb.csv --out bm.mlpb --seed 3 --epochs 30 --quiet --positive B
run 0 "$MLPBLAS" predict bm.mlpb mb.csv
[ "$(head -n 1 out.txt)" = "prob_y=B,pred_y" ] || fail "--positive B header: $(head -n 1 out.txt)"
# Integers other than 0/1: the larger is 1, and predictions print them.
relabel two.csv 2 0
run 0 "$MLPBLAS" train two.csv --out two.mlpb --seed 3 --epochs 30 --quiet
run 0 "$MLPBLAS" predict two.mlpb two.csv
[ "$(head -n 1 out.txt)" = "prob_y=2,pred_y" ] || fail "0/2 header: $(head -n 1 out.txt)"
probs out.txt >p02.txt
cmp -s p01.txt p02.txt || fail "0/2 is not the 0/1 model with 2 as 1"
# The usual pairs print their own values: yes/no, -1/+1 (header unchanged: 1).
relabel yn.csv yes no
run 0 "$MLPBLAS" train yn.csv --out yn.mlpb --seed 3 --epochs 3 --quiet
run 0 "$MLPBLAS" predict yn.mlpb yn.csv
[ "$(head -n 1 out.txt)" = "prob_y=yes,pred_y" ] || fail "yes/no header: $(head -n 1 out.txt)"
awk -F, 'NR > 1 && ($2 != ($1 >= 0.5 ? "yes" : "no")) { exit 1 }' out.txt ||
    fail "yes/no predictions: $(sed -n 2p out.txt)"
relabel pm.csv +1 -1
run 0 "$MLPBLAS" train pm.csv --out pm.mlpb --seed 3 --epochs 3 --quiet
run 0 "$MLPBLAS" predict pm.mlpb pm.csv
[ "$(head -n 1 out.txt)" = "prob_y,pred_y" ] || fail "-1/+1 header: $(head -n 1 out.txt)"
awk -F, 'NR > 1 && ($2 != ($1 >= 0.5 ? "1" : "-1")) { exit 1 }' out.txt ||
    fail "-1/+1 predictions: $(sed -n 2p out.txt)"

# ---- two string label columns: --positive per column, or one value each
awk -F, 'BEGIN { OFS = "," } /^#/ { next } NR == 2 { print "x1,x2,x3,x4,size,kind"; next }
         { print $1, $2, $3, $4, ($1 > 0 ? "O" : "S"), ($5 ? "M" : "B") }' \
    "$DATA/binary.csv" >two-str.csv
run 0 "$MLPBLAS" train two-str.csv --label size,kind --out ts.mlpb --epochs 3 --quiet \
    --positive O --positive M
run 0 "$MLPBLAS" info ts.mlpb
grep -q 'size: 1 = "O", 0 = "S"' out.txt && grep -q 'kind: 1 = "M", 0 = "B"' out.txt ||
    fail "--positive O --positive M: $(cat out.txt)"
run 0 "$MLPBLAS" train two-str.csv --label size,kind --out ts.mlpb --epochs 3 --quiet \
    --positive size=S --positive kind=B
run 0 "$MLPBLAS" info ts.mlpb
grep -q 'size: 1 = "S", 0 = "O"' out.txt && grep -q 'kind: 1 = "B", 0 = "M"' out.txt ||
    fail "--positive COLUMN=VALUE: $(cat out.txt)"
run 0 "$MLPBLAS" predict ts.mlpb two-str.csv
[ "$(head -n 1 out.txt)" = "prob_size=S,prob_kind=B,pred_size,pred_kind" ] ||
    fail "two labels header: $(head -n 1 out.txt)"
run 1 "$MLPBLAS" train two-str.csv --label size,kind --out ts.mlpb --positive size=M
err_is 'two-str.csv: --positive size=M: "M" is not a value of label column "size"'
run 1 "$MLPBLAS" train two-str.csv --label size,kind --out ts.mlpb --positive Q
err_is 'two-str.csv: --positive "Q" is not a value of any two-valued label column'
run 1 "$MLPBLAS" train two-str.csv --label size,kind --out ts.mlpb --positive O --positive S
err_is 'two-str.csv: --positive names both values of label column "size"'

# ---- LIBSVM class ids: more than two train a class column (as
# scikit-learn's dump_svmlight_file writes digits), two other than 0/1 a
# binary label whose larger id is 1, printed as the ids.
awk -F, '/^#/ || NR == 2 { next } { s = $65; for (i = 1; i <= 64; i++) if ($i != 0) s = s " " i ":" $i
         print s }' "$DATA/digits.csv" >digits.svm
run 0 "$MLPBLAS" train digits.svm --out dsvm.mlpb --hidden 32 --epochs 20 --seed 1 --quiet
run 0 "$MLPBLAS" info dsvm.mlpb
grep -q '^classes *0 1 2 3 4 5 6 7 8 9$' out.txt || fail "LIBSVM classes: $(cat out.txt)"
run 0 "$MLPBLAS" eval dsvm.mlpb digits.svm --json
cp out.txt dsvm.json
sacc=$(json_get dsvm.json metrics.test.accuracy)
at_least "$sacc" 0.9 "LIBSVM digits accuracy"
run 0 "$MLPBLAS" predict dsvm.mlpb digits.svm
[ "$(head -n 1 out.txt | cut -d, -f1-3)" = "label,prob_0,prob_1" ] ||
    fail "LIBSVM class header: $(head -n 1 out.txt)"
pacc=$(awk 'NR == FNR { y[FNR] = $1; next } FNR > 1 { split($0, f, ","); ok += (f[1] == y[FNR - 1]) }
            END { printf "%.9f", ok / 1000 }' digits.svm out.txt)
near "$pacc" "$sacc" 1e-9 "LIBSVM eval accuracy against predict's classes"
printf '11 3:1\n' >eleven.svm
run 1 "$MLPBLAS" eval dsvm.mlpb eleven.svm
err_is 'eleven.svm:1:1: class id 11 is not one of the model'"'"'s 10 classes (0..9)'
awk '{ $1 = $1 == 1 ? 2 : 1; print }' "$DATA/binary.svm" >b12.svm
run 0 "$MLPBLAS" train b12.svm --out b12.mlpb --epochs 3 --quiet
run 0 "$MLPBLAS" predict b12.mlpb b12.svm
[ "$(head -n 1 out.txt)" = "prob_label=2,pred_label" ] || fail "1/2 header: $(head -n 1 out.txt)"
awk -F, 'NR > 1 && ($2 != ($1 >= 0.5 ? 2 : 1)) { exit 1 }' out.txt || fail "1/2 predictions"
run 0 "$MLPBLAS" eval b12.mlpb b12.svm
exit 0
