# help.sh -- mlpblas --help/--version, every command's --help, and that the
# help texts and the option parsers agree.
. "$(dirname "$0")/lib.sh"

run 0 "$MLPBLAS" --help
grep -q '^Usage: mlpblas COMMAND' out.txt || fail "--help: no usage line"
for cmd in train eval predict info demo plot export import; do
    grep -q "^  $cmd " out.txt || fail "--help does not list $cmd"
done
run 2 "$MLPBLAS"
grep -q '^Usage: mlpblas COMMAND' err.txt || fail "no arguments: no usage on stderr"
run 0 "$MLPBLAS" --version
[ "$(cat out.txt)" = "mlpblas $VERSION" ] || fail "--version printed '$(cat out.txt)'"
run 2 "$MLPBLAS" frobnicate
err_is "mlpblas: unknown command 'frobnicate'"

for cmd in train eval predict info demo plot export import; do
    run 0 "$MLPBLAS" "$cmd" --help
    grep -q "^Usage: mlpblas $cmd" out.txt || fail "$cmd --help: no usage line"
    cp out.txt "help-$cmd.txt"
    run 0 "$MLPBLAS" help "$cmd"
    cmp -s out.txt "help-$cmd.txt" || fail "'help $cmd' differs from '$cmd --help'"
    run 0 "$MLPBLAS" "$cmd" -h
    cmp -s out.txt "help-$cmd.txt" || fail "'$cmd -h' differs from '$cmd --help'"
    # Every option the help names is one the command accepts.
    for opt in $(grep -o -- '--[a-z][a-z-]*' "help-$cmd.txt" | sort -u); do
        [ "$opt" = "--help" ] && continue
        # The extra argument keeps the command from running in earnest.
        "$MLPBLAS" "$cmd" "$opt" extra-arg >/dev/null 2>err.txt </dev/null
        if grep -q 'unknown option' err.txt; then
            fail "$cmd --help names $opt, which $cmd does not accept"
        fi
    done
    run 2 "$MLPBLAS" "$cmd" --no-such-option
    err_is "mlpblas $cmd: unknown option '--no-such-option'"
done

# The manual page documents every option of every command's help.
man1="$(cd "$(dirname "$0")/../.." && pwd)/docs/mlpblas.1"
sed 's/\\-/-/g; s/\\f[BIPR]//g' "$man1" >man.txt
for cmd in train eval predict info demo plot export import; do
    for opt in $(grep -o -- '--[a-z][a-z-]*' "help-$cmd.txt" | sort -u); do
        grep -q -- "$opt" man.txt || fail "docs/mlpblas.1 does not document $opt ($cmd)"
    done
done

# A near miss names the option meant; a far one does not guess.
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --epoch 5
err_is "mlpblas train: unknown option '--epoch'; did you mean '--epochs'? (see mlpblas train --help)"
run 2 "$MLPBLAS" eval m.mlpb "$DATA/binary.csv" --jsno
err_is "mlpblas eval: unknown option '--jsno'; did you mean '--json'?"
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --valsplit=0.1
err_is "mlpblas train: unknown option '--valsplit'; did you mean '--val-split'?"
run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --frobnicate
err_is "mlpblas train: unknown option '--frobnicate' (see"
[ ! -e new.mlpb ] || fail "a usage error wrote a model"
# Short forms: -o, -q, -v, -j
run 0 "$MLPBLAS" train "$DATA/binary.csv" -o short.mlpb --epochs 2 -q -j 1
[ -s short.mlpb ] && [ ! -s out.txt ] && [ ! -s err.txt ] || fail "-o -q -j"
run 0 "$MLPBLAS" predict short.mlpb "$DATA/binary.csv" -o short.csv
# ... with the value attached (-j1, -oFILE); flags do not bundle.
run 0 "$MLPBLAS" train "$DATA/binary.csv" -oattached.mlpb --epochs 2 -q -j1
[ -s attached.mlpb ] || fail "-oFILE -jN"
run 2 "$MLPBLAS" train "$DATA/binary.csv" -o new.mlpb --epochs 2 -qv
err_is "mlpblas train: unknown option '-qv' (see"
run 2 "$MLPBLAS" train "$DATA/binary.csv" -o new.mlpb -j0
err_is "mlpblas train: --threads: '0' is not an integer from 1"
[ ! -e new.mlpb ] || fail "a usage error wrote a model"
[ "$(wc -l <short.csv)" -eq 201 ] || fail "predict -o"

# The options of the documented command line are all in the train help.
for opt in --out --label --hidden --epochs --batch --lr --optimizer --weight-decay \
    --schedule --val-split --patience --pos-weight --seed --threads --log --quiet --json \
    --format --delimiter --no-header --plot --verbose --max-memory --version; do
    grep -q -- "$opt" help-train.txt || fail "train --help does not document $opt"
done
for opt in sgd momentum nesterov adam adamw rmsprop constant step cosine; do
    grep -q "$opt" help-train.txt || fail "train --help does not name $opt"
done
exit 0
