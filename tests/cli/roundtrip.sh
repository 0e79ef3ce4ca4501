# roundtrip.sh -- train -> eval -> predict -> info on the small files in
# tests/data/cli: binary and multi-label CSV, LIBSVM, gzip, standard input,
# other delimiters; predictions equal the library's (predict_ref) bit for bit.
. "$(dirname "$0")/lib.sh"

# ---- train, with a learning-curve log
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m.mlpb --seed 3 --log curve.csv
[ -s m.mlpb ] || fail "no model written"
grep -q '^model saved to m.mlpb$' out.txt || fail "train: no 'model saved' line"
grep -q '^  accuracy ' out.txt || fail "train: no validation accuracy"
grep -q '^epoch ' err.txt || fail "train: no per-epoch lines on stderr"
head -n 1 curve.csv | grep -q '^epoch,train_loss,val_loss,val_accuracy,' ||
    fail "log: bad header"
epochs=$(($(wc -l <curve.csv) - 1))
[ "$epochs" -eq "$(grep -c '^epoch ' err.txt)" ] || fail "log rows != epoch lines"
awk -F, 'NR > 1 && (NF != 11 || $1 != NR - 1) { exit 1 }' curve.csv || fail "log: bad rows"
cp err.txt train-err.txt

# --json: the same run gives the same model, bit for bit; --quiet prints nothing.
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m2.mlpb --seed 3 --json --quiet
[ ! -s err.txt ] || fail "train --quiet wrote to stderr"
cp out.txt train.json
[ "$(json_get train.json training.epochs_run)" -eq "$epochs" ] || fail "json epochs_run != log rows"
# The defaults: 64 hidden units, and under 1,000 rows an ensemble of 8
# networks saved as one (8 x 64 hidden units side by side), each keeping its
# best epoch's weights (no refit: mlpb_refit_default).
[ "$(json_get train.json training.ensemble_members)" -eq 8 ] || fail "default ensemble"
[ "$(json_get train.json model.architecture)" = "4-512-1" ] || fail "default architecture"
[ "$(json_get train.json data.rows)" -eq 200 ] || fail "json rows"
cmp -s m.mlpb m2.mlpb || fail "same seed, different models"
be=$(json_get train.json training.best_epoch)
[ "$be" -ge 1 ] && [ "$(json_get train.json training.refit_epochs)" -eq 0 ] || fail "ensemble refitted"
[ "$(json_get train.json training.train_rows)" -lt 200 ] || fail "ensemble: trained on all rows"
[ "$(json_get train.json config.refit)" = false ] || fail "config.refit of an ensemble"
! grep -q '^refit ' train-err.txt || fail "ensemble: refit lines"
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m4.mlpb --seed 3 --json --quiet --no-refit
cmp -s m.mlpb m4.mlpb || fail "--no-refit: not the ensemble's default"
# --refit: best_epoch epochs on all 200 rows after the validated run, every
# member; a single network refits by default.
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m4.mlpb --seed 3 --json --quiet --refit
[ "$(json_get out.txt training.refit_epochs)" -eq "$be" ] || fail "--refit: refit epochs"
[ "$(json_get out.txt training.best_epoch)" -eq "$be" ] || fail "--refit: another best epoch"
[ "$(json_get out.txt training.train_rows)" -eq 200 ] || fail "--refit: not on all rows"
[ "$(json_get out.txt config.refit)" = true ] || fail "config.refit of --refit"
! cmp -s m.mlpb m4.mlpb || fail "--refit: the ensemble's default model"
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m4.mlpb --seed 3 --json --quiet --ensemble 1
[ "$(json_get out.txt training.refit_epochs)" -eq "$be" ] || fail "single network: no refit"
[ "$(json_get out.txt config.refit)" = true ] || fail "config.refit of one network"
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m3.mlpb --quiet
[ ! -s out.txt ] && [ ! -s err.txt ] || fail "train --quiet printed something"

# ---- eval
run 0 "$MLPBLAS" eval m.mlpb "$DATA/binary.csv"
at_least "$(awk '$1 == "accuracy" { print $2 }' out.txt)" 0.95 "eval accuracy"
run 0 "$MLPBLAS" eval m.mlpb "$DATA/binary.csv" --json
cp out.txt eval.json
at_least "$(json_get eval.json metrics.test.accuracy)" 0.95 "eval --json accuracy"
at_least "$(json_get eval.json metrics.test.auc)" 0.95 "eval --json auc"
[ "$(json_get eval.json metrics.test.rows)" -eq 200 ] || fail "eval rows"
for key in loss precision recall f1 exact_match per_output per_output.0.confusion seconds; do
    json_get eval.json "metrics.test.$key" >/dev/null
done
json_get eval.json data.labels >/dev/null
grep -q '"label":"y"' eval.json || fail "eval --json: per-output label"

# ---- predict: the library's probabilities, labelled file or features only
run 0 "$MLPBLAS" predict m.mlpb "$DATA/binary.csv"
cp out.txt pred.csv
[ "$(wc -l <pred.csv)" -eq 201 ] || fail "predict: not a header and 200 lines"
[ "$(head -n 1 pred.csv)" = "prob_y,pred_y" ] || fail "predict: header"
awk -F, 'NR > 1 && (NF != 2 || $1 < 0 || $1 > 1) { exit 1 }' pred.csv || fail "predict: bad values"
run 0 "$REF" m.mlpb "$DATA/binary.csv"
probs pred.csv >pred-probs.txt
cmp -s out.txt pred-probs.txt || fail "predict differs from the library's mlpb_predict"
awk -F, '/^#/ { next } { print $1 "," $2 "," $3 "," $4 }' "$DATA/binary.csv" >features.csv
run 0 "$MLPBLAS" predict m.mlpb features.csv
cmp -s out.txt pred.csv || fail "predict on features only differs"
run 0 "$MLPBLAS" predict m.mlpb "$DATA/binary.csv" --out p.csv
[ ! -s out.txt ] || fail "predict --out also wrote to stdout"
cmp -s p.csv pred.csv || fail "predict --out differs"
# The predictions agree with the metrics: accuracy recomputed from them.
acc=$(awk -F, 'NR == FNR { if (!/^#/ && FNR > 2) y[++n] = $5; next }
               FNR > 1 { ok += (($1 >= 0.5) == y[FNR - 1]) } END { printf "%.6f", ok / n }' \
          "$DATA/binary.csv" pred.csv)
awk -v a="$acc" -v b="$(json_get eval.json metrics.test.accuracy)" \
    'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }' ||
    fail "accuracy from predictions $acc != eval's"

# ---- other input forms give the same predictions
gzip -c "$DATA/binary.csv" >binary.csv.gz
run 0 "$MLPBLAS" predict m.mlpb binary.csv.gz
cmp -s out.txt pred.csv || fail "gzip input differs"
run 0 sh -c "cat '$DATA/binary.csv' | '$MLPBLAS' predict m.mlpb -"
cmp -s out.txt pred.csv || fail "standard input differs"
tr ',' ';' <"$DATA/binary.csv" >semi.csv
run 0 "$MLPBLAS" predict m.mlpb semi.csv
cmp -s out.txt pred.csv || fail "';' file differs"
awk '{ gsub(/,/, "\t"); printf "%s\r\n", $0 }' "$DATA/binary.csv" >tab-crlf.txt
run 0 "$MLPBLAS" predict m.mlpb tab-crlf.txt --delimiter tab
cmp -s out.txt pred.csv || fail "tab-separated CRLF file differs"
# A header-less file has no names to match a model trained with a header.
awk '!/^#/' "$DATA/binary.csv" | awk 'NR > 1' >noheader.csv
run 1 "$MLPBLAS" predict m.mlpb noheader.csv --no-header
err_is 'noheader.csv: no columns "x1", "x2", "x3", "x4"'

# ---- LIBSVM, plain and gzipped: same rows, same predictions and metrics
run 0 "$MLPBLAS" predict m.mlpb "$DATA/binary.svm"
cmp -s out.txt pred.csv || fail "LIBSVM predictions differ"
run 0 "$MLPBLAS" eval m.mlpb "$DATA/binary.svm" --json
[ "$(json_get out.txt metrics.test.accuracy)" = "$(json_get eval.json metrics.test.accuracy)" ] || fail "LIBSVM eval"
gzip -c "$DATA/binary.svm" >binary.svm.gz
run 0 "$MLPBLAS" train binary.svm.gz --out svm.mlpb --seed 3 --quiet
run 0 "$MLPBLAS" info svm.mlpb --json
[ "$(json_get out.txt inputs)" -eq 4 ] || fail "LIBSVM model inputs"
cp "$DATA/binary.svm" renamed.txt
run 0 "$MLPBLAS" eval svm.mlpb renamed.txt --format libsvm --json
at_least "$(json_get out.txt metrics.test.accuracy)" 0.95 "LIBSVM-trained model accuracy"

# ---- JSON strings are escaped: quotes, tabs, UTF-8 kept, bytes that are not
# UTF-8 replaced.
awk -F, '/^#/ { next } NR == 2 { print "x1,x2,x3,x4,\"lab \"\"q\"\"\tna\303\257ve\377\""; next } { print }' \
    "$DATA/binary.csv" >odd.csv
run 0 "$MLPBLAS" train odd.csv --out odd.mlpb --epochs 2 --json
want=$(printf '["lab \\"q\\"\\tna\303\257ve\\ufffd"]')
[ "$(json_get out.txt data.labels)" = "$want" ] || fail "JSON escaping of the label name"
run 0 "$MLPBLAS" eval odd.mlpb odd.csv --json
json_get out.txt metrics.test.per_output >/dev/null

# ---- info
run 0 "$MLPBLAS" info m.mlpb
grep -q '^architecture  4-512-1' out.txt || fail "info: architecture"
grep -q '^ensemble      8 networks of 4-64-1, ' out.txt || fail "info: the ensemble"
grep -q '^standardized  yes' out.txt || fail "info: standardized"
run 0 "$MLPBLAS" info m.mlpb --json
cp out.txt info.json
[ "$(json_get info.json inputs)" -eq 4 ] || fail "info inputs"
[ "$(json_get info.json outputs)" -eq 1 ] || fail "info outputs"
[ "$(json_get info.json hidden)" = "[512]" ] || fail "info hidden (an ensemble of 8 x 64)"
[ "$(json_get info.json parameters)" -eq $((4 * 512 + 512 + 512 + 1)) ] || fail "info parameters"
[ "$(json_get info.json standardized)" = "true" ] || fail "info standardized"

# ---- options reach the trainer
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out deep.mlpb --hidden 8,4 --ensemble 1 --epochs 3 \
    --batch 16 --threads 1 --no-standardize --val-split 0 --quiet
run 0 "$MLPBLAS" info deep.mlpb --json
[ "$(json_get out.txt architecture)" = "4-8-4-1" ] || fail "--hidden 8,4"
[ "$(json_get out.txt standardized)" = "false" ] || fail "--no-standardize"
for opt in sgd momentum nesterov adam adamw rmsprop; do
    for sched in constant step cosine; do
        run 0 "$MLPBLAS" train "$DATA/binary.csv" --out o.mlpb --optimizer $opt \
            --schedule $sched --lr 0.01 --weight-decay 0.0001 --epochs 4 --patience 2 \
            --pos-weight auto --json
        [ "$(json_get out.txt config.optimizer)" = "$opt" ] || fail "--optimizer $opt"
    done
done
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out o.mlpb --epochs 7 --patience 0 --json
[ "$(json_get out.txt training.epochs_run)" -eq 7 ] || fail "--epochs 7 --patience 0"

# ---- multi-label: label columns named, in the middle of the file
run 0 "$MLPBLAS" train "$DATA/multi.csv" --label a,b --out multi.mlpb --hidden 32 --ensemble 1 --seed 5 --json
[ "$(json_get out.txt model.architecture)" = "4-32-2" ] || fail "multi-label architecture"
run 0 "$MLPBLAS" eval multi.mlpb "$DATA/multi.csv" --json
cp out.txt multi.json
[ "$(json_get multi.json model.outputs)" -eq 2 ] || fail "multi-label outputs"
at_least "$(json_get multi.json metrics.test.exact_match)" 0.85 "multi-label exact match"
at_least "$(json_get multi.json metrics.test.accuracy)" 0.9 "multi-label mean accuracy"
grep -q '"label":"a"' multi.json && grep -q '"label":"b"' multi.json || fail "per-output labels"
run 0 "$MLPBLAS" eval multi.mlpb "$DATA/multi.csv"
grep -q '^exact match' out.txt || fail "multi-label text: no exact match line"
run 0 "$MLPBLAS" predict multi.mlpb "$DATA/multi.csv"
probs out.txt >mpred.csv
awk -F, 'NF != 2 || $1 < 0 || $1 > 1 || $2 < 0 || $2 > 1 { exit 1 }' mpred.csv ||
    fail "multi-label predictions"
# The same rows with the labels moved last: the library's predictions match.
awk -F, '/^#/ { next } { print $1 "," $3 "," $4 "," $6 "," $2 "," $5 }' "$DATA/multi.csv" \
    | sed 's/^f1,f2,f3,"f4,.*/f1,f2,f3,"f4, scaled",a,b/' >multi-last.csv
run 0 "$REF" multi.mlpb multi-last.csv
cmp -s out.txt mpred.csv || fail "multi-label predict differs from the library's"
run 0 "$MLPBLAS" predict multi.mlpb multi-last.csv
probs out.txt >mpred2.csv
cmp -s mpred2.csv mpred.csv || fail "multi-label: columns found by name"
exit 0
