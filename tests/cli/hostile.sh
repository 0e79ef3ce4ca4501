# hostile.sh -- files and environments made to mislead the tool: NUL bytes,
# terminal control bytes in names and cells, damaged models, memory limits,
# numbers outside the float range. Each must end in a clear message that
# names the place (FILE:LINE:COLUMN or MODEL), never in a wrong reading
# with exit status 0.
. "$(dirname "$0")/lib.sh"

run 0 "$MLPBLAS" train "$DATA/binary.csv" --out good.mlpb --epochs 3 --quiet

# ---- NUL bytes: a text file holds none; one is an error at its position,
# in a header name or a cell, quoted or not, CSV or LIBSVM, plain or gzip
# (it used to end the C string: "1<NUL>2" read as 1).
printf 'x1,x2,x3,x4,y\n1,2,3,4,0\n1,2\0009,3,4,1\n' >nul-cell.csv
printf 'x1,x2,x3\000z,x4,y\n1,2,3,4,0\n' >nul-name.csv
printf 'x1,x2,x3,x4,y\n1,"2\0009",3,4,0\n' >nul-quoted.csv
printf '# a comment\000\nx1,x2,x3,x4,y\n1,2,3,4,0\n' >nul-comment.csv
printf '1 1:0.5\0009 2:1\n0 1:1 2:0\n' >nul-value.svm
for f in nul-cell.csv nul-name.csv nul-quoted.csv nul-comment.csv nul-value.svm; do
    gzip -c $f >$f.gz
done
nul='a NUL byte: not a text file (binary, or UTF-16 text?)'
for gz in '' .gz; do
    for cmd in eval predict; do
        run 1 "$MLPBLAS" $cmd good.mlpb nul-cell.csv$gz
        err_is "nul-cell.csv$gz:3:4: $nul"
        run 1 "$MLPBLAS" $cmd good.mlpb nul-name.csv$gz
        err_is "nul-name.csv$gz:1:9: $nul"
        run 1 "$MLPBLAS" $cmd good.mlpb nul-quoted.csv$gz
        err_is "nul-quoted.csv$gz:2:5: $nul"
    done
    run 1 "$MLPBLAS" train nul-cell.csv$gz --out new.mlpb --quiet
    err_is "nul-cell.csv$gz:3:4: $nul"
    run 1 "$MLPBLAS" train nul-comment.csv$gz --out new.mlpb --quiet
    err_is "nul-comment.csv$gz:1:12: $nul"
    run 1 "$MLPBLAS" train nul-value.svm$gz --out new.mlpb --quiet
    err_is "nul-value.svm$gz:1:8: $nul"
    run 1 sh -c "'$MLPBLAS' predict good.mlpb - <nul-cell.csv$gz"
    err_is "-:3:4: $nul"
done
[ ! -e new.mlpb ] || fail "a model was written from a file with a NUL byte"

# A field over the 2^20-byte bound is reported at the column of its first
# byte too many, the same from a file and from a pipe, whatever sizes the
# reads returned.
awk 'BEGIN { s = "a"; for (i = 0; i < 21; i++) s = s s; print "x1,x2," s; print "1,2,3" }' \
    >long.csv
run 1 "$MLPBLAS" train long.csv --out new.mlpb --quiet
err_is 'long.csv:1:1048583: field longer than 1048576 bytes'
run 1 sh -c "cat long.csv | '$MLPBLAS' train - --out new.mlpb --quiet"
err_is '-:1:1048583: field longer than 1048576 bytes'
awk 'BEGIN { s = "a"; for (i = 0; i < 21; i++) s = s s; print "x1,x2,\"" s "\""; print "1,2,3" }' \
    >long-quoted.csv
run 1 "$MLPBLAS" train long-quoted.csv --out new.mlpb --quiet
err_is 'long-quoted.csv:1:1048584: field longer than 1048576 bytes'

# ---- Terminal control bytes: names, cells and paths from files are
# printed escaped (ESC as \x1B, a C1 control as \u009B, a byte that is not
# UTF-8 as \xFF), in messages and in the human-readable outputs. JSON
# escapes on its own; CSV outputs are data.
esc=$(printf '\033')
bel=$(printf '\007')
# no_controls FILE...: no ESC, BEL, C1 CSI or stray 0xFF byte in the files.
no_controls() {
    for f in "$@"; do
        if grep -q -e "$esc" -e "$bel" -e "$(printf '\302\233')" -e "$(printf '\377')" "$f"; then
            od -c "$f" | head -20 >&2
            fail "$f: a control byte reached the terminal"
        fi
    done
}
printf 'x1,x2\033]0;owned\007,y\n1,2,0\n3,4,1\n1,x\033[2J,0\n' >esc-cell.csv
run 1 "$MLPBLAS" train esc-cell.csv --out new.mlpb --quiet
no_controls err.txt
err_is 'esc-cell.csv:4:3: "x\x1B[2J" is not a number (column "x2\x1B]0;owned\x07" holds numbers'
printf 'a\033[31mred,b\302\233c,d\377e,y\n1,2,3,0\n3,4,5,1\n2,2,2,0\n5,1,1,1\n' >esc-names.csv
run 0 "$MLPBLAS" train esc-names.csv --out esc.mlpb --epochs 2 --quiet
run 0 "$MLPBLAS" info esc.mlpb
no_controls out.txt err.txt
grep -q -F 'a\x1B[31mred: number' out.txt || fail "info: the escaped name is missing"
grep -q -F 'b\u009Bc: number' out.txt || fail "info: the escaped C1 name is missing"
grep -q -F 'd\xFFe: number' out.txt || fail "info: the escaped non-UTF-8 name is missing"
# The model's feature names in a message about the data.
printf 'b,d,y\n1,2,0\n' >esc-missing.csv
run 1 "$MLPBLAS" predict esc.mlpb esc-missing.csv
no_controls err.txt
grep -q -F '"a\x1B[31mred"' err.txt || fail "predict: the escaped name is missing"
# A label name in the metrics report.
printf 'a,y\033[5m\n1,0\n2,1\n1,0\n3,1\n' >esc-label.csv
run 0 "$MLPBLAS" train esc-label.csv --out esc-label.mlpb --epochs 2 --quiet
run 0 "$MLPBLAS" eval esc-label.mlpb esc-label.csv
no_controls out.txt err.txt
grep -q -F 'y\x1B[5m' out.txt || fail "eval: the escaped label name is missing"
# A file name.
escname=$(printf 'e\033[2Jf.csv')
printf 'x1,x2,x3,x4,y\n1,2,3,4,0\n1,2,x,4,1\n' >"$escname"
run 1 "$MLPBLAS" eval good.mlpb "$escname"
no_controls err.txt
err_is 'e\x1B[2Jf.csv:3:5: "x" is not a number'
# JSON output escapes on its own, and stays valid.
run 0 "$MLPBLAS" info esc.mlpb --json
no_controls out.txt
"$JSON" schema <out.txt >/dev/null || fail "info --json: not valid JSON"

# ---- Damaged models: one byte changed anywhere in the file (the header,
# the schema, the parameters, the CRC) is reported as a damaged model by
# every command that reads it (each byte by one of them), before
# anything it holds is trusted: never
# a message about the data (a changed schema byte used to give "no column
# ..." about the data file), never an info printed from it with status 0.
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out small.mlpb --hidden 1 --epochs 1 --quiet
size=$(wc -c <small.mlpb)
i=0
while [ $i -lt "$size" ]; do
    {
        head -c $i small.mlpb
        head -c $((i + 1)) small.mlpb | tail -c 1 | tr '\000-\377' '\377\000-\376'
        tail -c $((size - i - 1)) small.mlpb
    } >flip.mlpb
    # One command a byte, in turn: predict and info each see every third
    # byte, eval and info --json every sixth.
    case $((i % 6)) in
    0 | 3) cmd="predict flip.mlpb $DATA/binary.csv" ;;
    1 | 4) cmd="info flip.mlpb" ;;
    2) cmd="eval flip.mlpb $DATA/binary.csv" ;;
    *) cmd="info flip.mlpb --json" ;;
    esac
    run 1 "$MLPBLAS" $cmd
    err_is 'flip.mlpb: cannot load the model: '
    [ ! -s out.txt ] || fail "$cmd: byte $i changed: output written"
    i=$((i + 1))
done

# ---- The default memory budget is half of what the process may use: under
# an address-space limit, at most half the limit (it was half the physical
# memory whatever the limit), and a gzip bomb then ends at the budget with
# the file and line, not in a failed allocation.
# (Not under a sanitizer: its shadow memory needs terabytes of address space.)
lim=$((1024 << 20))
if [ -z "$MLPB_SANITIZED" ] && command -v prlimit >/dev/null 2>&1 &&
    prlimit --as=$lim true 2>/dev/null; then
    run 0 prlimit --as=$lim "$MLPBLAS" train "$DATA/binary.csv" --out lim.mlpb --epochs 1 \
        --quiet --json
    mm=$(json_get out.txt config.max_memory)
    [ "$mm" -le $((lim / 2)) ] || fail "max_memory $mm under a $lim-byte address space"
    # 10 MiB of rows a gzip member; enough members to pass the budget.
    awk 'BEGIN { for (i = 0; i < 1048576; i++) print "0,0,0,0,1" }' | gzip -c >block.gz
    printf 'x1,x2,x3,x4,y\n' | gzip -c >bomb.csv.gz
    n=$((mm / 10485760 + 2))
    while [ $n -gt 0 ]; do
        cat block.gz >>bomb.csv.gz
        n=$((n - 1))
    done
    run 1 prlimit --as=$lim "$MLPBLAS" train bomb.csv.gz --out new.mlpb --quiet
    err_is 'bomb.csv.gz:'
    grep -q -E '^bomb\.csv\.gz:[0-9]+:[0-9]+: .*memory limit' err.txt ||
        fail "not the budget's message: $(cat err.txt)"
fi

# ---- Small ones.
# An id column named like an output column: refused, not written twice.
printf 'prob_y,a,b,y\n1,1,2,0\n2,3,4,1\n3,1,1,0\n4,5,5,1\n' >id.csv
run 0 "$MLPBLAS" train id.csv --id prob_y --out id.mlpb --epochs 1 --quiet
run 1 "$MLPBLAS" predict id.mlpb id.csv --id prob_y --out id-pred.csv
err_is 'id.csv: the output would have two columns named "prob_y" (the --id column'
[ ! -e id-pred.csv ] || fail "predict wrote an output with two prob_y columns"
# A memory size past what the machine addresses is refused, not capped.
for v in 1e30 18446744073709551616 99999999999999999999999; do
    run 2 "$MLPBLAS" train "$DATA/binary.csv" --out new.mlpb --max-memory $v
    err_is "mlpblas train: --max-memory: '$v' is more bytes than this machine can address"
    run 2 "$MLPBLAS" eval good.mlpb "$DATA/binary.csv" --max-memory $v
done
# Numbers below the float range: a feature reads as the nearest float (0 or
# a subnormal), a label must be 0 or 1 as written.
printf 'a,b,y\n1e-46,1,0\n1e-40,2,1\n3,1e-46,0\n4,4,1\n' >under.csv
run 0 "$MLPBLAS" train under.csv --out under.mlpb --epochs 1 --quiet
printf 'a,b,y\n1,1,1e-46\n2,2,1\n' >under-label.csv
run 1 "$MLPBLAS" train under-label.csv --out new.mlpb --quiet
err_is 'under-label.csv:2:5: label column "y": "1e-46" is not 0 or 1'
printf 'a,y\n1e39,1\n2,0\n' >over.csv
run 1 "$MLPBLAS" train over.csv --out new.mlpb --quiet
err_is 'over.csv:2:1: '
