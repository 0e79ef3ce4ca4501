# errors.sh -- bad input: each case gives one line FILE:LINE:COLUMN: what (or
# MODEL: what), exit status 1 for data and models, 2 for the command line,
# and creates or replaces no output file.
. "$(dirname "$0")/lib.sh"

run 0 "$MLPBLAS" train "$DATA/binary.csv" --out good.mlpb --epochs 5 --quiet
cp good.mlpb keep.mlpb
echo "old predictions" >keep.csv

# bad_train NAME PREFIX [ARGS]: training on NAME fails with status 1 and the
# message prefix, creating no model and leaving an existing one untouched.
bad_train() {
    f=$1
    p=$2
    shift 2
    run 1 "$MLPBLAS" train "$f" --out new.mlpb "$@"
    err_is "$p"
    [ ! -e new.mlpb ] || fail "$f: a model was written"
    run 1 "$MLPBLAS" train "$f" --out keep.mlpb "$@"
    err_is "$p"
    cmp -s keep.mlpb good.mlpb || fail "$f: the existing model was replaced"
}

# bad_data NAME PREFIX: eval and predict on NAME fail the same way, and
# predict --out leaves the existing output alone.
bad_data() {
    run 1 "$MLPBLAS" eval good.mlpb "$1"
    err_is "$2"
    run 1 "$MLPBLAS" predict good.mlpb "$1" --out keep.csv
    err_is "$2"
    [ "$(cat keep.csv)" = "old predictions" ] || fail "$1: predict replaced its output"
    run 1 "$MLPBLAS" predict good.mlpb "$1" --out new.csv
    [ ! -e new.csv ] || fail "$1: predict created its output"
}

printf 'x1,x2,x3,x4,y\n1,2,3,4,0\n1,2,abc,4,1\n' >nonnumeric.csv
bad_train nonnumeric.csv 'nonnumeric.csv:3:5: "abc" is not a number'
bad_data nonnumeric.csv 'nonnumeric.csv:3:5: "abc" is not a number (column "x3" is numeric'

printf 'x1,x2,x3,x4,y\n1,2,3,4,0\n1,2,3,1\n' >ragged.csv
bad_train ragged.csv 'ragged.csv:3:8: 4 fields, expected 5 as on line 1'
bad_data ragged.csv 'ragged.csv:3:8: 4 fields, expected 5'
printf 'x1,x2,x3,x4,y\n1,2,3,4,0,7\n' >long.csv
bad_train long.csv 'long.csv:2:11: too many fields: expected 5'

: >empty.csv
bad_train empty.csv 'empty.csv:1:1: empty file'
bad_data empty.csv 'empty.csv:1:1: empty file'
printf 'x1,x2,x3,x4,y\r\n' >header-only.csv
bad_train header-only.csv 'header-only.csv:2:1: no data rows'

printf '# comment\nx1,x2,x3,x4,y\n1,2,3,4,0\n' >nolabel.csv
bad_train nolabel.csv 'nolabel.csv:2: --label: no column named "target"' --label target
printf 'x1,x2,x3,x4\n1,2,3,4\n' >features.csv
run 1 "$MLPBLAS" eval good.mlpb features.csv
err_is 'features.csv:1: no label column "y": eval needs the labels'

printf 'x1,x2,x3,x4,y\n1,2,3,4,0\n1,2,3,4,2\n' >label2.csv
run 1 "$MLPBLAS" eval good.mlpb label2.csv
err_is 'label2.csv:3: label "y": a value that is neither "0" nor "1"'
printf 'x1,x2,x3,x4,y\n1,2,3,4,1\n1,2,3,5,1\n' >label1.csv
bad_train label1.csv 'label1.csv: label column "y" has one value only ("1"): nothing to learn'

printf 'x1,x2,x3,x4,y\n1,NaN,3,4,0\n1,2,3,4,1\n' >nan.csv
bad_train nan.csv 'nan.csv:2:3: missing value in column "x2" (train with --missing mean or --missing indicator to impute)'
bad_data nan.csv 'nan.csv:2:3: missing value in column "x2" (the model was trained with --missing error)'
printf 'x1,x2,x3,x4,y\n1,2,3,-Inf,1\n' >inf.csv
bad_train inf.csv 'inf.csv:2:7: "-Inf" is not a finite number'
printf 'x1,x2,x3,x4,y\n1,2,3,1e999,1\n' >huge.csv
bad_train huge.csv 'huge.csv:2:7: "1e999" is not a finite number'

printf 'x1,x2,x3,x4,y\n1,"2,3,4,0\n' >quote.csv
bad_train quote.csv 'quote.csv:2:3: quoted field not closed'

printf '1,2,0\n4,5,1\n' >nohdr.csv
bad_train nohdr.csv 'nohdr.csv:1:1: the first line holds numbers only, not column names: if the file has no header, use --no-header'
run 0 "$MLPBLAS" train nohdr.csv --no-header --out nohdr.mlpb --epochs 1 --quiet
printf '+1 1:0.5 3:2\n-1 2:1\n' >looks.csv
bad_train looks.csv 'looks.csv:1:1: this looks like LIBSVM (LABEL INDEX:VALUE ...), not CSV: try --format libsvm'
printf '0,2 1:1\n1 2:1\n' >multi.svm
bad_train multi.svm 'multi.svm:1:1: "0,2" is a list of class ids, in a file read as binary: use --multilabel'
run 0 "$MLPBLAS" train multi.svm --multilabel --out multi.mlpb --epochs 1 --quiet
# 0-based (scikit-learn's default): detected, or given.
printf '1 0:1 1:2\n0 1:1 2:1\n' >zero.svm
run 0 "$MLPBLAS" train zero.svm --out zero.mlpb --epochs 1 --quiet --json --ensemble 1
grep -q '"architecture":"3-64-1"' out.txt || fail "zero.svm: not read as 0-based"
printf '1 1:1 3:2\n' >one.svm
# An index the model has no input for is ignored, and said once.
run 0 "$MLPBLAS" eval zero.mlpb one.svm --zero-based
err_is 'note: one.svm: ignored 1 value of feature indices the model was not trained on (the first: index 3 on line 1)'
# A label checked on its text: 1e-300 and 1.00000001 are floats 0 and 1,
# but not labels 0 and 1.
printf 'a,y\n1,0\n2,1e-300\n3,1\n' >tiny01.csv
bad_train tiny01.csv 'tiny01.csv:3:3: label column "y": "1e-300" is not 0 or 1 (it only rounds to one as a float)'
printf 'a,y\n1,0\n2,1.00000001\n3,1\n' >near1.csv
bad_train near1.csv 'near1.csv:3:3: label column "y": "1.00000001" is not 0 or 1 (it only rounds to one as a float)'
printf 'a,y\n1,0.0\n2,1.0\n3,1\n4,0\n' >dec01.csv
run 0 "$MLPBLAS" train dec01.csv --out dec01.mlpb --epochs 1 --quiet
printf '+1 1:1 2:1\n3:1\n' >nolabel.svm
bad_train nolabel.svm 'nolabel.svm:2:1: no label: a row is LABEL INDEX:VALUE ...'
printf '+1 1:1 3:x\n' >value.svm
bad_train value.svm 'value.svm:1:10: "x" is not a number'
printf '2 1:1\n' >svmlabel.svm
run 1 "$MLPBLAS" eval good.mlpb svmlabel.svm
err_is 'svmlabel.svm:1:1: '
printf '+1 1:1 5:1\n' >wide.svm
run 0 "$MLPBLAS" eval good.mlpb wide.svm
err_is 'note: wide.svm: ignored 1 value of feature indices the model was not trained on (the first: index 5 on line 1)'

# A gzip file cut short is a read error, not silently fewer rows.
awk 'BEGIN { print "x1,x2,x3,x4,y"
            for (i = 0; i < 20000; i++) print i "," i % 7 "," i % 3 "," i % 5 "," i % 2 }' |
    gzip -c >full.csv.gz
n=$(wc -c <full.csv.gz)
head -c $((n / 2)) full.csv.gz >cut.csv.gz
bad_train cut.csv.gz 'cut.csv.gz: read error'

# A 16 MB field, and a line of more than 2^20 fields, are refused where they
# pass the bound, before their size costs memory.
awk 'BEGIN { s = "a"; for (i = 0; i < 24; i++) s = s s; print "x," s; print "1,2" }' >longline.csv
bad_train longline.csv 'longline.csv:1:1048579: field longer than 1048576 bytes'
awk 'BEGIN { s = "1"; for (i = 0; i < 20; i++) s = s "," s; print s ",1" }' >wideline.csv
bad_train wideline.csv 'wideline.csv:1:2097153: more than 1048576 fields on one line'

# Missing and damaged models.
run 1 "$MLPBLAS" eval missing.mlpb "$DATA/binary.csv"
err_is 'missing.mlpb: cannot load the model: No such file or directory'
run 1 "$MLPBLAS" info missing.mlpb
err_is 'missing.mlpb: cannot load the model: No such file or directory'
cp "$DATA/binary.csv" notmodel.mlpb
run 1 "$MLPBLAS" info notmodel.mlpb
err_is 'notmodel.mlpb: cannot load the model: '
size=$(wc -c <good.mlpb)
head -c $((size - 7)) good.mlpb >short.mlpb
run 1 "$MLPBLAS" predict short.mlpb "$DATA/binary.csv" --out new.csv
err_is 'short.mlpb: cannot load the model: '
[ ! -e new.csv ] || fail "predict with a truncated model created its output"
# One flipped byte in the middle of the parameters.
half=$((size / 2))
{
    head -c $half good.mlpb
    head -c $((half + 1)) good.mlpb | tail -c 1 | tr '\000-\377' '\377\000-\376'
    tail -c $((size - half - 1)) good.mlpb
} >flipped.mlpb
[ "$(wc -c <flipped.mlpb)" -eq "$size" ] || fail "could not make the damaged model"
cmp -s flipped.mlpb good.mlpb && fail "the damaged model is not damaged"
run 1 "$MLPBLAS" eval flipped.mlpb "$DATA/binary.csv"
err_is 'flipped.mlpb: cannot load the model: '

# Feature counts that do not match the model.
printf 'x1,x2,x3,y\n1,2,3,0\n' >three.csv
run 1 "$MLPBLAS" eval good.mlpb three.csv
err_is 'three.csv:1: no column "x4" (the model'"'"'s feature)'
printf 'x2,x3\n2,3\n' >two-features.csv
run 1 "$MLPBLAS" predict good.mlpb two-features.csv --out new.csv
err_is 'two-features.csv:1: no columns "x1", "x4" (the model'"'"'s features)'
[ ! -e new.csv ] || fail "predict created its output"

# Unwritable output: the model save fails cleanly.
bad_out=nodir/sub/m.mlpb
run 1 "$MLPBLAS" train "$DATA/binary.csv" --out $bad_out --quiet
err_is "$bad_out: cannot write: nodir/sub: No such file or directory"
run 1 "$MLPBLAS" predict good.mlpb "$DATA/binary.csv" --out nodir/p.csv
err_is 'nodir/p.csv: cannot write: nodir: No such file or directory'

# A full disk on standard output is an error, not a silent success.
if [ -w /dev/full ]; then
    run 1 sh -c "'$MLPBLAS' info good.mlpb >/dev/full"
    err_is 'mlpblas info: cannot write to standard output: '
    run 1 sh -c "'$MLPBLAS' eval good.mlpb '$DATA/binary.csv' --json >/dev/full"
    err_is 'mlpblas eval: cannot write to standard output: '
fi

# Usage errors: exit status 2, and nothing written.
run 2 "$MLPBLAS" train "$DATA/binary.csv"
err_is 'mlpblas train: needs --out MODEL'
run 2 "$MLPBLAS" train --out new.mlpb
err_is 'mlpblas train: needs a DATA file'
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --epochs zero
err_is "mlpblas train: --epochs: 'zero' is not an integer >= 1"
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --epochs 0
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --lr -1
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --hidden 64,,3
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --optimizer lbfgs
err_is "mlpblas train: --optimizer: 'lbfgs' is not sgd, momentum, nesterov, adam, adamw or rmsprop"
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --schedule linear
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --val-split 1.5
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --min-delta -1
err_is "mlpblas train: --min-delta: '-1' is not a number in [0, 1000] (see mlpblas train --help)"
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --format xml
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --delimiter ab
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --quiet=yes
err_is 'mlpblas train: option --quiet takes no value'
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --seed
err_is 'mlpblas train: option --seed needs a value'
run 2 "$MLPBLAS" train "$DATA/binary.csv" extra.csv --out new.mlpb
run 2 "$MLPBLAS" eval good.mlpb
err_is 'mlpblas eval: needs MODEL and DATA'
run 2 "$MLPBLAS" eval good.mlpb "$DATA/binary.csv" --label a,b
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --missing maybe
err_is "mlpblas train: --missing: 'maybe' is not error, mean or indicator"
run 2 "$MLPBLAS" predict good.mlpb "$DATA/binary.csv" --threshold 2
run 2 "$MLPBLAS" predict good.mlpb "$DATA/binary.csv" --output-format xml
run 2 "$MLPBLAS" predict good.mlpb
run 2 "$MLPBLAS" info
run 2 "$MLPBLAS" demo extra
[ ! -e new.mlpb ] || fail "a usage error wrote a model"

# --gemm onednn trains where oneDNN can be loaded; where it cannot (a build
# without it, or its library missing), the message names the option.
if "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --epochs 1 --quiet --gemm onednn \
    2>gemm.err; then
    rm -f new.mlpb
else
    grep -q -- '--gemm onednn: oneDNN is not available' gemm.err ||
        fail "--gemm onednn: $(cat gemm.err)"
    [ ! -e new.mlpb ] || fail "--gemm onednn: a model was written"
fi
rm -f gemm.err
no_temp_files
exit 0
