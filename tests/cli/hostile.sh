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
