# dialects.sh -- files as R, pandas, a spreadsheet and scikit-learn write them
# (tests/data/dialects, made by its gen_*.py and gen_r.R with the real tools),
# each through train -> info -> eval -> predict: the features, classes and
# ids the model must have, and an accuracy above chance on its own rows.
. "$(dirname "$0")/lib.sh"
DIA=$DATA/../dialects

# info_has LINE: a line of the last model's info is LINE exactly (blanks
# after the key squeezed to one).
info_has() {
    sed 's/   */ /' info.txt | grep -qxF -- "$1" || { cat info.txt >&2; fail "info: no line '$1'"; }
}

# accuracy_over MIN: eval's accuracy (first figure of its accuracy line).
accuracy_over() {
    a=$(awk '$1 == "accuracy" { print $2; exit }' out.txt)
    at_least "$a" "$1" "accuracy"
}

# roundtrip FILE TRAIN-OPTIONS...: train on FILE, then info, eval and
# predict on FILE ($READ: reading options of all three).
READ=""
roundtrip() {
    f=$1
    shift
    # One network: the architecture lines below are those of the file read.
    run 0 "$MLPBLAS" train "$DIA/$f" --out m.mlpb --epochs 300 --seed 7 --ensemble 1 $READ "$@"
    cp err.txt train-err.txt
    run 0 "$MLPBLAS" info --verify m.mlpb
    cp out.txt info.txt
    run 0 "$MLPBLAS" eval m.mlpb "$DIA/$f" $READ
    cp out.txt eval.txt
    run 0 "$MLPBLAS" predict m.mlpb "$DIA/$f" --out pred.csv $READ
    rows=$(($(wc -l <pred.csv) - 1))
}

iris_checks() { # ID FEATURE-NAMES...: the model of an iris file
    id=$1
    shift
    info_has "architecture 4-128-3: 4 inputs, 1 hidden ReLU layer, 3 sigmoid outputs"
    info_has "classes setosa versicolor virginica"
    i=1
    for n in "$@"; do
        info_has "feature $i $n: number"
        i=$((i + 1))
    done
    if [ -n "$id" ]; then
        info_has "id $id"
        head -1 pred.csv | grep -q "^\"$id\"," || fail "predictions do not start with the id"
    else
        ! grep -q '^id ' info.txt || fail "an id where the file has none"
    fi
    [ "$rows" -eq 150 ] || fail "$rows predictions, not 150"
    cp eval.txt out.txt
    accuracy_over 0.8
}

PD="sepal_length sepal_width petal_length petal_width"
RN="Sepal.Length Sepal.Width Petal.Length Petal.Width"

# pandas df.to_csv(): the unnamed index is the id, said once; never a feature.
roundtrip pandas_index.csv
grep -q "column 1 has no name: read as the row index" train-err.txt ||
    fail "no note on the row index"
iris_checks "Unnamed: 0" $PD
sed -n 2p pred.csv | grep -q '^0,setosa,' || fail "the first prediction's id is not 0"
# ... and --ignore 1 leaves it out altogether.
roundtrip pandas_index.csv --ignore 1
iris_checks "" $PD
info_has "ignored Unnamed: 0"
# to_csv(index=False)
roundtrip pandas_noindex.csv
iris_checks "" $PD
# Repeated and empty names: pandas' names for them, in the model and at eval.
roundtrip pandas_dupnames.csv
iris_checks "Unnamed: 0" length width length.1 "Unnamed: 4"
# No header and a text label: refused as a header, then read with --no-header.
run 1 "$MLPBLAS" train "$DIA/pandas_noheader.csv" --out m.mlpb
err_is "$DIA/pandas_noheader.csv:1:1: the first line looks like data, not column names"
READ=--no-header
roundtrip pandas_noheader.csv
READ=""
info_has "label 5: 3 classes"
iris_checks "" 1 2 3 4
# Excel, European locale: BOM, CRLF, ';' and a decimal comma: numbers.
roundtrip excel_decimal_comma.csv
grep -q "decimal comma" train-err.txt || fail "no note on the decimal comma"
iris_checks "" $PD
# ... and read with --decimal . the columns are categories, which is said.
run 0 "$MLPBLAS" train "$DIA/excel_decimal_comma.csv" --decimal . --out m.mlpb --epochs 1
grep -q 'column "sepal_length" is read as 35 categories, not as numbers: "5,1" is not a number' \
    err.txt || fail "no note on a numeric-looking column read as categories"

# R: write.csv with and without row names, write.table's defaults (space,
# quotes, a header one short), write.csv2 (';' and a decimal comma).
roundtrip r_write_csv.csv
iris_checks "Unnamed: 0" $RN
sed -n 2p pred.csv | grep -q '^1,setosa,' || fail "the first prediction's id is not 1"
roundtrip r_write_csv_norownames.csv
iris_checks "" $RN
roundtrip r_write_table.txt
iris_checks "Unnamed: 0" $RN
roundtrip r_write_csv2.csv
iris_checks "Unnamed: 0" $RN
# Row names that are text (mtcars' car models), a 0/1 label chosen by name.
roundtrip r_mtcars.csv --label am --val-split 0
info_has "architecture 10-64-1: 10 inputs, 1 hidden ReLU layer, 1 sigmoid output"
info_has "id Unnamed: 0"
sed -n 2p pred.csv | grep -q '^"Mazda RX4",' || fail "the car models are not the ids"
[ "$rows" -eq 32 ] || fail "$rows predictions, not 32"
cp eval.txt out.txt
accuracy_over 0.8

# scikit-learn's dump_svmlight_file at its defaults: 0-based indices.
roundtrip sklearn_binary.svm
info_has "architecture 4-64-1: 4 inputs, 1 hidden ReLU layer, 1 sigmoid output"
[ "$rows" -eq 100 ] || fail "$rows predictions, not 100"
cp eval.txt out.txt
accuracy_over 0.8

# A regression target is refused, saying how to insist.
run 1 "$MLPBLAS" train "$DIA/diabetes.csv" --out m.mlpb
err_is "$DIA/diabetes.csv: label column \"target\" looks continuous: 132 distinct numbers in 200 rows"
grep -q -- "--classify" err.txt || fail "no word of --classify"
run 0 "$MLPBLAS" train "$DIA/diabetes.csv" --classify --out m.mlpb --epochs 100 --val-split 0 \
    --quiet
# 132 classes of numbers: eval's count of rows right (through its memo of
# the labels' classes) is predict's count of rows where the class is the label.
run 0 "$MLPBLAS" eval m.mlpb "$DIA/diabetes.csv"
right=$(awk '$1 == "accuracy" { sub(/^\(/, "", $3); print $3; exit }' out.txt)
run 0 "$MLPBLAS" predict m.mlpb "$DIA/diabetes.csv" --out pred.csv
tail -n +2 pred.csv | cut -d, -f1 >pred.body
tail -n +2 "$DIA/diabetes.csv" | cut -d, -f11 | sed 's/\.0$//' >label.body
agree=$(paste -d, label.body pred.body | awk -F, '$1 == $2 { n++ } END { print n + 0 }')
[ "$right" = "$agree" ] || fail "eval counts $right rows right, predict agrees on $agree"

# Column names get "did you mean" and, for a short header, the list.
run 1 "$MLPBLAS" train "$DIA/pandas_noindex.csv" --label specis --out m.mlpb
err_is "$DIA/pandas_noindex.csv:1: --label: no column named \"specis\" (and not a column number or range in 1..5); did you mean \"species\"? (the columns: \"sepal_length\", \"sepal_width\", \"petal_length\", \"petal_width\", \"species\")"
run 1 "$MLPBLAS" train "$DIA/pandas_noindex.csv" --id sepal_lenght --out m.mlpb
err_is "$DIA/pandas_noindex.csv:1: --id: no column named \"sepal_lenght\""
grep -q 'did you mean "sepal_length"?' err.txt || fail "--id: no suggestion"
run 1 "$MLPBLAS" train "$DIA/pandas_noindex.csv" --ignore '"petal_widht"' --out m.mlpb
grep -q 'did you mean "petal_width"?' err.txt || fail "--ignore: no suggestion"
run 0 "$MLPBLAS" train "$DIA/pandas_noindex.csv" --out m.mlpb --epochs 1 --quiet
run 1 "$MLPBLAS" predict m.mlpb "$DIA/pandas_noindex.csv" --id specie --out p.csv
grep -q 'did you mean "species"?' err.txt || fail "predict --id: no suggestion"
exit 0
