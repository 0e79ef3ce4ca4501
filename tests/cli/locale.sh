# locale.sh -- the tool does not depend on the locale: under one whose
# decimal point is a comma (the first that `locale -a` lists), train reads
# "0.5" in the data file and "--lr 0.005" as numbers, plot reads its own log
# back, and every file and report it writes is byte for byte what it writes
# under LC_ALL=C on this machine (timing figures left out). Skipped (exit 77)
# when no such locale is installed.
. "$(dirname "$0")/lib.sh"

comma=
for loc in $(locale -a 2>/dev/null); do
    if [ "$(LC_ALL=$loc locale decimal_point 2>/dev/null)" = "," ]; then
        comma=$loc
        break
    fi
done
if [ -z "$comma" ]; then
    echo "SKIPPED: no locale with a decimal comma is installed (locale -a:" \
        "$(locale -a 2>/dev/null | tr '\n' ' ')); on Debian, add 'de_DE.UTF-8 UTF-8'" \
        "to /etc/locale.gen and run locale-gen"
    exit 77
fi
# The locale does what the test is about: the C library writes 0,5 under it.
[ "$(env LC_ALL="$comma" printf '%.1f' 0.5)" = "0,5" ] || fail "$comma: printf does not write 0,5"
echo "decimal-comma locale: $comma"

# in LOCALE DIR: train, eval, predict, info and plot under LC_ALL=LOCALE,
# their outputs in DIR, timing figures removed.
in_locale() {
    mkdir "$2" && cd "$2" || fail "mkdir $2"
    env LC_ALL="$1" "$MLPBLAS_BIN" train "$DATA/binary.csv" --out m.mlpb --seed 3 --lr 0.005 \
        --val-split 0.2 --weight-decay 0.0001 --log curve.csv --plot curve.svg --json \
        >train.json 2>train.err || fail "$1: train: $(cat train.err)"
    env LC_ALL="$1" "$MLPBLAS_BIN" eval m.mlpb "$DATA/binary.csv" >eval.txt 2>&1 ||
        fail "$1: eval: $(cat eval.txt)"
    env LC_ALL="$1" "$MLPBLAS_BIN" eval m.mlpb "$DATA/binary.csv" --json >eval.json 2>&1 ||
        fail "$1: eval --json: $(cat eval.json)"
    env LC_ALL="$1" "$MLPBLAS_BIN" predict m.mlpb "$DATA/binary.csv" --out pred.csv 2>&1 ||
        fail "$1: predict"
    env LC_ALL="$1" "$MLPBLAS_BIN" info m.mlpb --json >info.json 2>&1 || fail "$1: info"
    # The log of the C run, read back under this locale.
    env LC_ALL="$1" "$MLPBLAS_BIN" plot ../c/curve.csv --out replot.svg 2>&1 || fail "$1: plot"
    # Timing: the log's seconds and samples_per_s columns, eval's time line,
    # the JSON members that hold a duration or a rate.
    awk -F, '{ print $1 "," $2 "," $3 "," $4 "," $5 "," $6 "," $7 "," $8 "," $11 }' \
        curve.csv >curve.txt
    grep -v '^time ' eval.txt >eval-notime.txt
    for j in train eval; do
        sed -e 's/"seconds":[^,}]*//g' -e 's/"rows_per_second":[^,}]*//g' \
            -e 's/"samples_per_s":[^,}]*//g' $j.json >$j-notime.json
    done
    cd ..
}
in_locale C c
in_locale "$comma" l
for f in m.mlpb pred.csv info.json curve.txt curve.svg replot.svg eval-notime.txt \
         train-notime.json eval-notime.json; do
    cmp -s "c/$f" "l/$f" || { diff "c/$f" "l/$f" | head -n 5 >&2; fail "$f differs under $comma"; }
done
# Not vacuous: the outputs hold decimal numbers, written with a point.
grep -q '^ *accuracy *1\.0000\|^accuracy ' l/eval.txt || fail "eval: no accuracy line"
grep -q '0\.[0-9]' l/pred.csv || fail "predict: no decimal point in the probabilities"
grep -q '"lr":0\.005' l/train.json || fail "--lr 0.005 not read as 0.005: $(cat l/train.json)"
exit 0
