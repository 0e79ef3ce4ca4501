# devices.sh -- an output that is a character device or a FIFO (/dev/null, a
# named pipe, /dev/stdout on a pipe), named directly or through a link, is
# written in place; a regular file still goes through the temporary file and
# the rename, and a link to a regular file is still refused.
. "$(dirname "$0")/lib.sh"

cp "$DATA/binary.csv" d.csv
run 0 "$MLPBLAS" train d.csv --out m.mlpb --epochs 2 --quiet
run 0 "$MLPBLAS" predict m.mlpb d.csv --out p.csv
rows=$(wc -l <p.csv)

# ---- /dev/null: every command's outputs, several at once
run 0 "$MLPBLAS" train d.csv --out /dev/null --epochs 2 --quiet
run 0 "$MLPBLAS" train d.csv --out /dev/null --log /dev/null --plot /dev/null --epochs 2 --quiet
run 0 "$MLPBLAS" predict m.mlpb d.csv --out /dev/null
[ ! -s out.txt ] || fail "predict --out /dev/null wrote to standard output"
run 0 "$MLPBLAS" eval m.mlpb d.csv --plot /dev/null
run 0 "$MLPBLAS" demo --epochs 2 --quiet --out /dev/null --train-out /dev/null --test-out /dev/null
[ -c /dev/null ] || fail "/dev/null is no longer a character device"

# A device that fails the write (/dev/full) is an error, not a success.
if [ -w /dev/full ]; then
    run 1 "$MLPBLAS" predict m.mlpb d.csv --out /dev/full
    err_is '/dev/full: cannot write'
    run 1 "$MLPBLAS" train d.csv --out /dev/full --epochs 2 --quiet
    err_is '/dev/full: cannot write'
fi

# ---- a link to a device, as /dev/stdout is: written in place
ln -s /dev/null null-link
run 0 "$MLPBLAS" predict m.mlpb d.csv --out null-link
[ -L null-link ] || fail "the link to /dev/null was replaced"

# ---- /dev/stdout on a pipe: the predictions arrive through the pipe
"$MLPBLAS" predict m.mlpb d.csv --out /dev/stdout 2>err.txt | cat >piped.csv
[ ! -s err.txt ] || fail "--out /dev/stdout on a pipe: $(cat err.txt)"
cmp -s piped.csv p.csv || fail "--out /dev/stdout on a pipe: not the predictions"

# ---- a named pipe: a reader gets every row, and the FIFO stays a FIFO
mkfifo fifo
cat fifo >from-fifo.csv &
reader=$!
"$MLPBLAS" predict m.mlpb d.csv --out fifo 2>err.txt
rc=$?
# A tool that never opened the FIFO leaves the reader waiting: release it.
[ "$rc" -eq 0 ] || : >fifo
wait "$reader" || fail "the FIFO's reader failed"
[ "$rc" -eq 0 ] || fail "--out FIFO: exit $rc: $(cat err.txt)"
cmp -s from-fifo.csv p.csv || fail "a FIFO output: not the predictions ($(wc -l <from-fifo.csv) of $rows lines)"
[ -p fifo ] || fail "the FIFO was replaced"

# ---- regular files keep the atomic replace: a failed run changes nothing
cp p.csv keep.csv
run 1 "$MLPBLAS" predict m.mlpb missing.csv --out keep.csv
cmp -s keep.csv p.csv || fail "a failed run touched a regular output"
ls -a | grep -q '^\.mlpb-' && fail "a temporary file was left"
# ... and a link to a regular file is still refused
ln -s keep.csv file-link
run 1 "$MLPBLAS" predict m.mlpb d.csv --out file-link
err_is 'file-link: is a symbolic link; give the path of the file itself'
# /dev/stdout redirected to a file is such a link: refused, with the way out.
run 1 sh -c "'$MLPBLAS' predict m.mlpb d.csv --out /dev/stdout >redirected.csv"
err_is '/dev/stdout: is standard output, redirected to a file; give '"'-'"' for standard output'
exit 0
