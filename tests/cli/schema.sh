# schema.sh -- the model remembers its columns: eval and predict find them by
# name in any order, with extra, id and missing label columns; label
# encodings, --positive, class columns, missing values, categories (and
# --categorical), header
# detection, LIBSVM label and index checks, predict's output columns and
# rows, and predict's memory independent of the file's length.
. "$(dirname "$0")/lib.sh"

# ---- round trip: the same rows, columns shuffled, extras, an id, no label
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m.mlpb --seed 3 --quiet
run 0 "$MLPBLAS" predict m.mlpb "$DATA/binary.csv"
cp out.txt pred.csv
[ "$(head -n 1 pred.csv)" = "prob_y,pred_y" ] || fail "predict header: $(head -n 1 pred.csv)"
[ "$(wc -l <pred.csv)" -eq 201 ] || fail "predict: not a header and 200 rows"
awk -F, 'NR > 1 && (($1 >= 0.5) != $2) { exit 1 }' pred.csv || fail "pred_y is not prob >= 0.5"
probs pred.csv >p0.txt
awk -F, '/^#/ { next } NR == 2 { print "id,x3,note,y,x1,x4,x2"; next }
         { print "r" NR "," $3 ",n" NR "," $5 "," $1 "," $4 "," $2 }' "$DATA/binary.csv" >shuf.csv
run 0 "$MLPBLAS" predict m.mlpb shuf.csv --id id
cp out.txt shuf-pred.csv
[ "$(head -n 1 shuf-pred.csv)" = "id,prob_y,pred_y" ] || fail "--id header"
probs shuf-pred.csv >p1.txt
cmp -s p0.txt p1.txt || fail "shuffled columns: different probabilities"
[ "$(sed -n 2p shuf-pred.csv | cut -d, -f1)" = "r3" ] || fail "--id value not carried"
grep -q 'note' err.txt || fail "no note about the extra column"
[ "$(grep -c . err.txt)" -eq 1 ] || fail "more than one note on stderr"
awk -F, '{ print $1 "," $2 "," $5 "," $6 "," $7 }' shuf.csv >nolabel.csv
run 0 "$MLPBLAS" predict m.mlpb nolabel.csv
probs out.txt >p2.txt
cmp -s p0.txt p2.txt || fail "label column removed: different probabilities"
run 0 "$MLPBLAS" eval m.mlpb "$DATA/binary.csv" --json
cp out.txt e0.json
run 0 "$MLPBLAS" eval m.mlpb shuf.csv --json
[ "$(json_get out.txt metrics.test.accuracy)" = "$(json_get e0.json metrics.test.accuracy)" ] || fail "eval shuffled"
[ "$(json_get out.txt metrics.test.auc)" = "$(json_get e0.json metrics.test.auc)" ] || fail "eval shuffled auc"
# The library's own predictions on the original file.
run 0 "$REF" m.mlpb "$DATA/binary.csv"
cmp -s out.txt p0.txt || fail "predict differs from the library's mlpb_predict"

# A missing feature column: exit 1, named. No label: eval refuses.
awk -F, '{ print $1 "," $2 "," $3 "," $4 "," $6 "," $7 }' shuf.csv >nox1.csv
run 1 "$MLPBLAS" predict m.mlpb nox1.csv
grep -q '"x1"' err.txt || fail "missing column not named: $(cat err.txt)"
run 1 "$MLPBLAS" eval m.mlpb nolabel.csv
grep -q '"y"' err.txt || fail "eval without the label: $(cat err.txt)"

# ---- row alignment: blank and comment lines, CRLF; one output row a data row
awk 'NR == 3 { print ""; print "# a comment" } NR == 10 { print "" } { print }' shuf.csv \
    >gaps.csv
run 0 "$MLPBLAS" predict m.mlpb gaps.csv --id id
cmp -s out.txt shuf-pred.csv || fail "blank and comment lines change the output rows"

# ---- label encodings: yes/no and -1/+1 are 0/1; the same model, bit for bit
awk -F, 'BEGIN { OFS = "," } /^#/ || NR == 2 { print; next } { $5 = $5 ? "yes" : "no"; print }' \
    "$DATA/binary.csv" >yesno.csv
run 0 "$MLPBLAS" train yesno.csv --out yn.mlpb --seed 3 --quiet
run 0 "$MLPBLAS" predict yn.mlpb yesno.csv
probs out.txt >p3.txt
cmp -s p0.txt p3.txt || fail "yes/no labels train another model than 0/1"
run 0 "$MLPBLAS" eval yn.mlpb yesno.csv --json
[ "$(json_get out.txt metrics.test.accuracy)" = "$(json_get e0.json metrics.test.accuracy)" ] || fail "eval yes/no"
awk -F, 'BEGIN { OFS = "," } /^#/ || NR == 2 { print; next } { $5 = $5 ? "+1" : "-1"; print }' \
    "$DATA/binary.csv" >pm.csv
run 0 "$MLPBLAS" train pm.csv --out pm.mlpb --seed 3 --quiet
run 0 "$MLPBLAS" predict pm.mlpb pm.csv
probs out.txt >p4.txt
cmp -s p0.txt p4.txt || fail "-1/+1 labels train another model than 0/1"
# Two other values: the one that sorts second (dog, after cat) is 1, or
# the --positive one.
awk -F, 'BEGIN { OFS = "," } /^#/ || NR == 2 { print; next } { $5 = $5 ? "dog" : "cat"; print }' \
    "$DATA/binary.csv" >pets.csv
run 0 "$MLPBLAS" train pets.csv --out pets.mlpb --seed 3 --quiet
run 0 "$MLPBLAS" predict pets.mlpb pets.csv
probs out.txt >p5.txt
cmp -s p0.txt p5.txt || fail "cat/dog without --positive differs from 0/1"
run 1 "$MLPBLAS" train pets.csv --out pets.mlpb --quiet --positive bird
grep -q 'bird' err.txt || fail "a --positive that is no value"
run 0 "$MLPBLAS" train pets.csv --out pets.mlpb --seed 3 --quiet --positive dog
run 0 "$MLPBLAS" predict pets.mlpb pets.csv
probs out.txt >p5.txt
cmp -s p0.txt p5.txt || fail "--positive dog differs from 0/1"
run 0 "$MLPBLAS" info pets.mlpb
grep -q '1 = "dog", 0 = "cat"' out.txt || fail "info: label values"
# One value only.
awk -F, 'BEGIN { OFS = "," } /^#/ || NR == 2 { print; next } { $5 = 1; print }' \
    "$DATA/binary.csv" >one.csv
run 1 "$MLPBLAS" train one.csv --out one.mlpb --quiet
grep -q 'one value' err.txt || fail "one-valued label: $(cat err.txt)"
[ ! -e one.mlpb ] || fail "a model written for a one-valued label"

# ---- --label by number and range, names with commas, --ignore
run 0 "$MLPBLAS" train "$DATA/multi.csv" --label a,b --out ab.mlpb --hidden 8 --epochs 3 --quiet
run 0 "$MLPBLAS" train "$DATA/multi.csv" --label 2,5 --out 25.mlpb --hidden 8 --epochs 3 --quiet
cmp -s ab.mlpb 25.mlpb || fail "--label 2,5 is not --label a,b"
run 0 "$MLPBLAS" train "$DATA/multi.csv" --label a --label b --out a-b.mlpb --hidden 8 \
    --epochs 3 --quiet
cmp -s ab.mlpb a-b.mlpb || fail "--label a --label b is not --label a,b"
awk -F, '/^#/ { next } { print $1 "," $3 "," $4 "," $6 "," $2 "," $5 }' "$DATA/multi.csv" |
    sed '1s/.*/f1,f2,f3,f4,a,b/' >multi-last.csv
run 0 "$MLPBLAS" train multi-last.csv --label 5-6 --out r.mlpb --hidden 8 --epochs 3 --quiet
run 0 "$MLPBLAS" info r.mlpb --json
[ "$(json_get out.txt outputs)" -eq 2 ] || fail "--label 5-6: not two outputs"
run 0 "$MLPBLAS" train "$DATA/multi.csv" --label a,b --ignore '"f4, scaled"' --out i1.mlpb \
    --hidden 8 --epochs 3 --quiet
run 0 "$MLPBLAS" train "$DATA/multi.csv" --label a,b --ignore 'f4, scaled' --out i2.mlpb \
    --hidden 8 --epochs 3 --quiet
cmp -s i1.mlpb i2.mlpb || fail "a name with a comma, quoted or whole"
run 0 "$MLPBLAS" info i1.mlpb --json
[ "$(json_get out.txt inputs)" -eq 3 ] || fail "--ignore: not 3 inputs"
run 2 "$MLPBLAS" train "$DATA/multi.csv" --label ''
run 1 "$MLPBLAS" train "$DATA/multi.csv" --label nope --out x.mlpb
grep -q 'nope' err.txt || fail "unknown --label not named"
# Multi-label predict: prob_ then pred_ per output, thresholds per output.
run 0 "$MLPBLAS" predict ab.mlpb "$DATA/multi.csv" --threshold 0,1
[ "$(head -n 1 out.txt)" = "prob_a,prob_b,pred_a,pred_b" ] || fail "multi-label header"
awk -F, 'NR > 1 && ($3 != 1 || ($4 == 1) != ($2 >= 1)) { exit 1 }' out.txt ||
    fail "--threshold 0,1"
run 2 "$MLPBLAS" predict ab.mlpb "$DATA/multi.csv" --threshold 0.5,0.5,0.5

# ---- JSON lines
run 0 "$MLPBLAS" predict m.mlpb shuf.csv --id id --output-format jsonl
[ "$(wc -l <out.txt)" -eq 200 ] || fail "jsonl: not 200 lines"
head -n 1 out.txt >row1.json
[ "$(json_get row1.json id)" = r3 ] || fail "jsonl id"
json_get row1.json prob_y >/dev/null
json_get row1.json pred_y >/dev/null

# ---- a class column: 10 digits (scikit-learn's, 1000 rows)
run 0 "$MLPBLAS" train "$DATA/digits.csv" --out dig.mlpb --hidden 32 --epochs 40 --seed 1 \
    --quiet
run 0 "$MLPBLAS" info dig.mlpb --json
[ "$(json_get out.txt architecture)" = "64-32-10" ] || fail "digits architecture"
run 0 "$MLPBLAS" eval dig.mlpb "$DATA/digits.csv" --json
cp out.txt dig.json
at_least "$(json_get dig.json classes.class_accuracy)" 0.9 "digits accuracy"
at_least "$(json_get dig.json classes.macro_f1)" 0.9 "digits macro-F1"
[ "$(json_get dig.json classes.classes)" = '["0","1","2","3","4","5","6","7","8","9"]' ] ||
    fail "digits classes"
# The confusion matrix counts every row, its diagonal the right ones.
json_get dig.json classes.confusion_matrix | tr -d '[]' | tr ',' '\n' |
    awk '{ s += $1 } END { exit s != 1000 }' || fail "confusion matrix does not sum to 1000"
run 0 "$MLPBLAS" eval dig.mlpb "$DATA/digits.csv"
grep -q '^macro f1 ' out.txt || fail "text: no macro f1"
grep -q '^confusion matrix' out.txt || fail "text: no confusion matrix"
run 0 "$MLPBLAS" predict dig.mlpb "$DATA/digits.csv"
cp out.txt dpred.csv
[ "$(head -n 1 dpred.csv)" = "digit,prob_0,prob_1,prob_2,prob_3,prob_4,prob_5,prob_6,prob_7,prob_8,prob_9" ] ||
    fail "multi-class header: $(head -n 1 dpred.csv)"
# The class is the argmax, and agrees with eval's accuracy.
awk -F, 'NR > 1 { b = 2; for (i = 3; i <= 11; i++) if ($i > $b) b = i; if ($1 != b - 2) exit 1 }' \
    dpred.csv || fail "predicted class is not the argmax"
acc=$(awk -F, 'NR == FNR { if (FNR > 2) y[FNR - 2] = $65; next }
               FNR > 1 { ok += ($1 == y[FNR - 1]) } END { printf "%.6f", ok / 1000 }' \
          "$DATA/digits.csv" dpred.csv)
awk -v a="$acc" -v b="$(json_get dig.json classes.class_accuracy)" \
    'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }' || fail "accuracy $acc from predict"
# Macro-F1 recomputed from predict's classes and the file's labels.
f1=$(awk -F, 'NR == FNR { if (FNR > 2) y[FNR - 2] = $65; next }
              FNR > 1 { t = y[FNR - 1]; p = $1; tp[t] += (t == p); np[p]++; nt[t]++ }
              END { for (c = 0; c < 10; c++) { pr = np[c] ? tp[c] / np[c] : 0
                        rc = nt[c] ? tp[c] / nt[c] : 0; s += pr + rc > 0 ? 2 * pr * rc / (pr + rc) : 0 }
                    printf "%.9f", s / 10 }' "$DATA/digits.csv" dpred.csv)
awk -v a="$f1" -v b="$(json_get dig.json classes.macro_f1)" \
    'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }' || fail "macro-F1 $f1 from predict"
# String classes, labels not last, an integer class column with 3 values.
awk -F, 'BEGIN { split("zero one two three four five six seven eight nine", w, " ") }
         /^#/ { next }
         { s = NR == 2 ? "digit" : w[$65 + 1]; for (i = 1; i <= 64; i++) s = s "," $i; print s }' \
    "$DATA/digits.csv" >words.csv
run 0 "$MLPBLAS" train words.csv --label digit --out words.mlpb --hidden 32 --epochs 40 --quiet
run 0 "$MLPBLAS" predict words.mlpb words.csv
case "$(head -n 1 out.txt)" in
digit,prob_eight,prob_five,prob_four,prob_nine,prob_one,*) ;;
*) fail "string classes header: $(head -n 1 out.txt)" ;;
esac
[ "$(sed -n 2p out.txt | cut -d, -f1)" = "zero" ] || fail "first digit is not zero"

# ---- missing values
awk -F, 'BEGIN { OFS = "," } /^#/ { next } NR == 5 { $2 = "" } NR == 9 { $2 = "NA" } { print }' \
    "$DATA/binary.csv" >miss.csv
run 1 "$MLPBLAS" train miss.csv --out miss.mlpb --quiet
err_is "miss.csv:4:"
grep -q 'x2' err.txt || fail "missing value: column not named"
run 0 "$MLPBLAS" train miss.csv --out mean.mlpb --missing mean --seed 3 --quiet
run 0 "$MLPBLAS" info mean.mlpb --json
[ "$(json_get out.txt inputs)" -eq 4 ] || fail "--missing mean adds inputs"
run 0 "$MLPBLAS" info mean.mlpb
grep -q "x2: number, missing = " out.txt || fail "info: no imputation mean"
mean=$(sed -n 's/.* x2: number, missing = //p' out.txt)
# The training mean, from the text (the model's is from the floats read).
awk -v m="$mean" -F, 'NR > 1 && $2 != "" && $2 != "NA" { s += $2; n++ }
    END { d = s / n - m; exit !(d < 1e-6 && d > -1e-6) }' miss.csv || fail "mean $mean"
# A missing cell predicts as the training mean written in.
awk -F, -v m="$mean" 'BEGIN { OFS = "," } NR == 4 || NR == 8 { $2 = m } { print }' miss.csv \
    >filled.csv
run 0 "$MLPBLAS" predict mean.mlpb miss.csv
probs out.txt >p6.txt
run 0 "$MLPBLAS" predict mean.mlpb filled.csv
probs out.txt >p7.txt
cmp -s p6.txt p7.txt || fail "a missing cell does not predict as the mean"
run 0 "$MLPBLAS" train miss.csv --out ind.mlpb --missing indicator --quiet
run 0 "$MLPBLAS" info ind.mlpb --json
[ "$(json_get out.txt inputs)" -eq 5 ] || fail "--missing indicator: not 5 inputs"
run 0 "$MLPBLAS" predict ind.mlpb miss.csv
[ "$(wc -l <out.txt)" -eq 201 ] || fail "indicator predict rows"
# A model trained without missing values refuses them, with the position.
run 1 "$MLPBLAS" predict m.mlpb miss.csv
err_is "miss.csv:4:"
[ ! -s out.txt ] || fail "predict wrote to standard output before refusing: $(cat out.txt)"

# ---- categorical features, an unseen category
awk -F, 'BEGIN { OFS = ","; split("red green blue", c, " ") } /^#/ { next }
         NR == 2 { print $0, "colour"; next } { print $0, c[NR % 3 + 1] }' \
    "$DATA/binary.csv" | awk -F, 'BEGIN { OFS = "," } { t = $5; $5 = $6; $6 = t; print }' >cat.csv
run 0 "$MLPBLAS" train cat.csv --out cat.mlpb --quiet
run 0 "$MLPBLAS" info cat.mlpb --json
[ "$(json_get out.txt inputs)" -eq 7 ] || fail "categories: not 4 + 3 inputs"
run 0 "$MLPBLAS" info cat.mlpb
grep -q 'colour: 3 categories: blue green red' out.txt || fail "info: categories"
sed '5s/,red,/,purple,/; 5s/,green,/,purple,/; 5s/,blue,/,purple,/' cat.csv >unseen.csv
run 0 "$MLPBLAS" predict cat.mlpb unseen.csv
[ "$(wc -l <out.txt)" -eq 201 ] || fail "unseen category: rows"
grep -q '1 cell' err.txt && grep -q 'colour' err.txt || fail "unseen: no warning: $(cat err.txt)"
[ "$(grep -c . err.txt)" -eq 1 ] || fail "unseen: more than one warning line"

# ---- --categorical: a factor written as numeric codes, one code a word
awk 'BEGIN { print "cyl,wt,am"; split("4 6 8", c, " ")
             for (i = 0; i < 200; i++) {
                 cyl = i == 7 ? "unknown" : c[i % 3 + 1]
                 print cyl "," (i * 37 % 100) / 25 "," (cyl == 4 || i % 5 == 0) } }' >codes.csv
run 1 "$MLPBLAS" train codes.csv --out codes.mlpb --quiet
err_is 'codes.csv:9:1: "unknown" is not a number (column "cyl" holds numbers; --categorical "cyl" reads its cells as categories)'
run 0 "$MLPBLAS" train codes.csv --out codes.mlpb --categorical cyl --epochs 5 --ensemble 1
grep -q 'is read as' err.txt && fail "--categorical: a note that the column is read as categories"
run 0 "$MLPBLAS" info codes.mlpb --json
[ "$(json_get out.txt inputs)" -eq 5 ] || fail "--categorical: not 4 + 1 inputs"
run 0 "$MLPBLAS" info codes.mlpb
grep -q 'cyl: 4 categories: 4 6 8 unknown' out.txt || fail "--categorical: info: $(cat out.txt)"
run 0 "$MLPBLAS" train codes.csv --out codes1.mlpb --categorical 1 --epochs 5 --ensemble 1
cmp -s codes.mlpb codes1.mlpb || fail "--categorical 1 and --categorical cyl differ"
# Codes are matched by value ("4.0" is "4"); an unseen code encodes as zeros.
printf 'cyl,wt\n4,1.5\n4.0,1.5\n12,1.5\n' >codes-new.csv
run 0 "$MLPBLAS" predict codes.mlpb codes-new.csv
[ "$(sed -n 2p out.txt)" = "$(sed -n 3p out.txt)" ] || fail "--categorical: 4.0 is not 4"
grep -q '1 cell held categories not seen in training' err.txt || fail "unseen code: $(cat err.txt)"
run 1 "$MLPBLAS" train codes.csv --out codes.mlpb --categorical am
err_is 'codes.csv:1: --categorical: column "am" is not a feature (it is a label'
run 1 "$MLPBLAS" train codes.csv --out codes.mlpb --categorical wt --ignore wt
err_is 'codes.csv:1: --categorical: column "wt" is not a feature (it is ignored)'

# ---- header detection
awk '!/^#/' "$DATA/binary.csv" | awk 'NR > 1' >noheader.csv
run 1 "$MLPBLAS" train noheader.csv --out nh.mlpb --quiet
grep -q -- '--no-header' err.txt || fail "an all-number first line: $(cat err.txt)"
run 0 "$MLPBLAS" train noheader.csv --no-header --out nh.mlpb --quiet
run 0 "$MLPBLAS" predict nh.mlpb noheader.csv --no-header
[ "$(wc -l <out.txt)" -eq 201 ] || fail "--no-header: 200 rows"
[ "$(head -n 1 out.txt)" = "prob_5,pred_5" ] || fail "--no-header: label named 5"

# ---- LIBSVM: a stray label, 0-based indices, an index past the model's d
# (a third integer is a third class: labels.sh)
sed '3s/^+1/2.5/' "$DATA/binary.svm" >stray.svm
run 1 "$MLPBLAS" train stray.svm --out s.mlpb --quiet
grep -q 'stray.svm:3' err.txt || fail "stray label: no line: $(cat err.txt)"
awk '{ s = $1; for (i = 2; i <= NF; i++) { split($i, p, ":"); s = s " " p[1] - 1 ":" p[2] }
       print s }' "$DATA/binary.svm" >zero.svm
run 0 "$MLPBLAS" train "$DATA/binary.svm" --out svm1.mlpb --seed 3 --quiet
run 0 "$MLPBLAS" train zero.svm --out svm0.mlpb --seed 3 --quiet
cmp -s svm1.mlpb svm0.mlpb || fail "0-based file not read as the 1-based one"
run 0 "$MLPBLAS" predict svm1.mlpb zero.svm --zero-based
probs out.txt >p8.txt
run 0 "$MLPBLAS" predict svm1.mlpb "$DATA/binary.svm"
probs out.txt >p9.txt
cmp -s p8.txt p9.txt || fail "predict --zero-based"
# Indices the model was not trained on are ignored (said once, with a
# count): a row predicts as the same row without them.
echo "+1 1:0.5 9:1" >wide.svm
run 0 "$MLPBLAS" predict svm1.mlpb wide.svm
grep -q 'note: wide.svm: ignored 1 value of feature indices the model was not trained on (the first: index 9 on line 1)' err.txt ||
    fail "index above d: $(cat err.txt)"
probs out.txt >p10.txt
echo "+1 1:0.5" >narrow.svm
run 0 "$MLPBLAS" predict svm1.mlpb narrow.svm
probs out.txt >p11.txt
cmp -s p10.txt p11.txt || fail "an unseen index changed the prediction"
[ ! -s err.txt ] || fail "a note without unseen indices: $(cat err.txt)"

# ---- a version-1 model file (no schema): loads, and matches by position
V1="$DATA/../model-v1.mlpb"
run 0 "$MLPBLAS" info "$V1"
grep -q '^schema        none' out.txt || fail "v1 model: schema line"
printf 'a,b,c\n0.5,1,-1\n2,0,0.25\n' >v1.csv
run 0 "$MLPBLAS" predict "$V1" v1.csv
[ "$(head -n 1 out.txt)" = "prob_1,prob_2,pred_1,pred_2" ] || fail "v1 predict header"
probs out.txt >v1-probs.txt
run 0 "$REF" "$V1" v1.csv
cmp -s out.txt v1-probs.txt || fail "v1 predict differs from the library's"
printf 'a,b,c,y1,y2\n0.5,1,-1,0,1\n2,0,0.25,1,0\n' >v1-labels.csv
run 0 "$MLPBLAS" eval "$V1" v1-labels.csv --json
[ "$(json_get out.txt metrics.test.rows)" -eq 2 ] || fail "v1 eval rows"
run 1 "$MLPBLAS" predict "$V1" "$DATA/multi.csv"
grep -q 'no column names to match' err.txt || fail "v1: wrong column count: $(cat err.txt)"

# ---- predict's memory does not grow with the file (chunks of 4096 rows)
awk 'BEGIN { print "x1,x2,x3,x4"; for (i = 0; i < 20000; i++) print i % 7 - 3 ",0.5," i % 3 ",60" }' \
    >small.csv
awk 'BEGIN { print "x1,x2,x3,x4"; for (i = 0; i < 400000; i++) print i % 7 - 3 ",0.5," i % 3 ",60" }' \
    >big.csv
# Under AddressSanitizer, freed blocks wait in a quarantine (256 MB) instead
# of being reused, so the peak would count what each chunk freed (oneDNN's
# packing buffers among it): no quarantine for this check.
"$PEAK_RSS" rss-small.txt env ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0" \
    "$MLPBLAS" predict m.mlpb small.csv --out small-out.csv || fail "predict small"
"$PEAK_RSS" rss-big.txt env ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0" \
    "$MLPBLAS" predict m.mlpb big.csv --out big-out.csv || fail "predict big"
[ "$(wc -l <big-out.csv)" -eq 400001 ] || fail "big: rows"
small=$(cat rss-small.txt)
big=$(cat rss-big.txt)
# 20x the rows; the whole file's floats alone would be 6.4 MB more.
[ "$big" -lt $((small + 3000)) ] || fail "predict RSS grows with the file: $small KiB -> $big KiB"
exit 0
