# outputs.sh -- every file the tool writes goes through one path: an output
# that is an input is refused before any work, directories, symbolic links
# and unwritable targets are found before training, modes are 0666 & ~umask
# or the replaced file's permission bits (never setuid, setgid, sticky),
# '-' is standard output, a failed run (a bad --log, standard output full)
# replaces nothing, and no temporary file is left, even after kill -9.
. "$(dirname "$0")/lib.sh"

cp "$DATA/binary.csv" d.csv
cp d.csv d.orig
run 0 "$MLPBLAS" train d.csv --out m.mlpb --epochs 3 --quiet
cp m.mlpb m.orig

# ---- an output that is an input: refused, the input intact
run 1 "$MLPBLAS" train d.csv --out d.csv --epochs 1
err_is 'd.csv: is also an input (d.csv); write the output elsewhere'
run 1 "$MLPBLAS" train d.csv --out m2.mlpb --log d.csv --epochs 1
err_is 'd.csv: is also an input (d.csv)'
run 1 "$MLPBLAS" train d.csv --out m2.mlpb --plot ./d.csv --epochs 1
err_is './d.csv: is also an input (d.csv)'
ln d.csv hard.csv
run 1 "$MLPBLAS" predict m.mlpb d.csv --out hard.csv
err_is 'hard.csv: is also an input (d.csv)'
run 1 "$MLPBLAS" predict m.mlpb d.csv --out m.mlpb
err_is 'm.mlpb: is also an input (m.mlpb)'
run 1 "$MLPBLAS" eval m.mlpb d.csv --plot d.csv
err_is 'd.csv: is also an input (d.csv)'
run 1 "$MLPBLAS" plot d.csv --out d.csv
err_is 'd.csv: is also an input (d.csv)'
run 1 sh -c "'$MLPBLAS' train - --out d.csv --epochs 1 <d.csv"
err_is 'd.csv: is also an input (-)'
rm hard.csv
cmp -s d.csv d.orig || fail "an input was overwritten"
cmp -s m.mlpb m.orig || fail "the model was overwritten"
[ ! -e m2.mlpb ] || fail "a refused run wrote a model"
# two outputs, one file
run 2 "$MLPBLAS" train d.csv --out x.mlpb --log x.mlpb
err_is 'x.mlpb: named for two outputs'
run 2 "$MLPBLAS" train d.csv --out - --log -
err_is "mlpblas train: only one output can be standard output ('-')"
run 2 "$MLPBLAS" train d.csv --log - --out x.mlpb --json
[ ! -e x.mlpb ] || fail "usage error wrote"

# ---- found before training: directories, links, unwritable targets. A
# million epochs would run for minutes: each must fail at once.
mkdir adir
run 1 "$MLPBLAS" train d.csv --out adir --epochs 1000000
err_is 'adir: is a directory'
run 1 "$MLPBLAS" train d.csv --out m2.mlpb --log adir --epochs 1000000
err_is 'adir: is a directory'
run 1 "$MLPBLAS" train d.csv --out m2.mlpb --plot nodir/c.svg --epochs 1000000
err_is 'nodir/c.svg: cannot write: nodir: No such file or directory'
echo "target" >target.txt
ln -s target.txt link.csv
run 1 "$MLPBLAS" train d.csv --out m2.mlpb --log link.csv --epochs 1000000
err_is 'link.csv: is a symbolic link; give the path of the file itself'
[ "$(cat target.txt)" = target ] || fail "written through a link"
[ -L link.csv ] || fail "the link was replaced"
if [ "$(id -u)" -ne 0 ]; then
    echo ro >ro.csv
    chmod 444 ro.csv
    run 1 "$MLPBLAS" predict m.mlpb d.csv --out ro.csv
    err_is 'ro.csv: cannot write: Permission denied'
fi
no_temp_files

# ---- modes: new files 0666 & ~umask; replaced files keep their bits & 0777
mode() { stat -c %a "$1"; }
(umask 027 && "$MLPBLAS" predict m.mlpb d.csv --out p027.csv) || fail "predict"
[ "$(mode p027.csv)" = 640 ] || fail "umask 027: predict --out mode $(mode p027.csv)"
(umask 022 && "$MLPBLAS" train d.csv --out m022.mlpb --log l022.csv --plot c022.svg \
    --epochs 2 --quiet) || fail "train"
for f in m022.mlpb l022.csv c022.svg; do
    [ "$(mode $f)" = 644 ] || fail "umask 022: $f mode $(mode $f)"
done
(umask 022 && "$MLPBLAS" demo --epochs 2 --quiet --train-out tr.csv --test-out te.csv) ||
    fail "demo"
[ "$(mode tr.csv)" = 644 ] && [ "$(mode te.csv)" = 644 ] || fail "demo --train-out mode"
cp m.mlpb suid.mlpb
chmod 4755 suid.mlpb
run 0 "$MLPBLAS" train d.csv --out suid.mlpb --epochs 2 --quiet
[ "$(mode suid.mlpb)" = 755 ] || fail "replacing a 4755 file gave $(mode suid.mlpb)"
echo old >keep.csv
chmod 600 keep.csv
run 0 "$MLPBLAS" predict m.mlpb d.csv --out keep.csv
[ "$(mode keep.csv)" = 600 ] || fail "replaced predictions mode $(mode keep.csv)"
[ "$(wc -l <keep.csv)" -eq 201 ] || fail "replaced predictions"

# ---- a name of 250 bytes: the temporary name is short
long=$(printf '%0250d' 0)
run 0 "$MLPBLAS" predict m.mlpb d.csv --out "$long"
[ -s "$long" ] || fail "250-byte file name"
rm -f "$long"
run 0 "$MLPBLAS" train d.csv --out "$long" --log "${long%0}1" --epochs 1 --quiet
run 0 "$MLPBLAS" info "$long"
rm -f "$long" "${long%0}1"

# ---- '-' is standard output
run 0 "$MLPBLAS" predict m.mlpb d.csv --out -
[ "$(wc -l <out.txt)" -eq 201 ] || fail "predict --out -"
[ ! -e ./- ] || fail "a file named '-'"
run 0 "$MLPBLAS" train d.csv --out m3.mlpb --epochs 4 --log - --quiet
[ "$(head -n 1 out.txt | cut -d, -f1)" = epoch ] && [ "$(wc -l <out.txt)" -eq 5 ] ||
    fail "--log -: $(cat out.txt)"
run 0 "$MLPBLAS" train d.csv --out - --epochs 2 --quiet
cp out.txt stdout.mlpb
run 0 "$MLPBLAS" info stdout.mlpb
run 0 "$MLPBLAS" train d.csv --out - --epochs 2
[ "$(head -c 4 out.txt)" = "$(head -c 4 m.mlpb)" ] || fail "--out -: report mixed into the model"
grep -q '^validation' err.txt || fail "--out -: the report is not on stderr"
run 0 "$MLPBLAS" plot l022.csv --out -
head -n 1 out.txt | grep -q '^<?xml' || fail "plot --out -"
run 0 "$MLPBLAS" eval m.mlpb d.csv --plot -
head -n 1 out.txt | grep -q '^<?xml' || fail "eval --plot -"
grep -q '^accuracy' err.txt || fail "eval --plot -: the report is not on stderr"
[ ! -e ./- ] || fail "a file named '-'"

# ---- a failed run replaces nothing: its log, its model
echo "old log" >old.log
printf 'x1,x2,x3,x4,y\n1,2,3.4e38,4,0\n1,2,3.4e38,4,1\n1,2,-3.4e38,4,1\n' >huge.csv
run 1 "$MLPBLAS" train huge.csv --out m.mlpb --log old.log --epochs 1 --val-split 0
err_is 'mlpblas: column "x3": deviations from its mean of up to 4.53e+38 exceed '
grep -q -- '--no-standardize' err.txt || fail "overflow message names no remedy"
[ "$(cat old.log)" = "old log" ] || fail "a failed run replaced the log"
cmp -s m.mlpb m.orig || fail "a failed run replaced the model"
if [ -w /dev/full ]; then
    run 1 sh -c "'$MLPBLAS' train d.csv --out m.mlpb --log old.log --epochs 2 --json --quiet >/dev/full"
    err_is 'mlpblas train: cannot write to standard output: '
    run 1 sh -c "'$MLPBLAS' train d.csv --out m.mlpb --epochs 2 >/dev/full"
    cmp -s m.mlpb m.orig || fail "standard output full: the model was replaced"
    [ "$(cat old.log)" = "old log" ] || fail "standard output full: the log was replaced"
    run 1 sh -c "'$MLPBLAS' predict m.mlpb d.csv >/dev/full"
fi
no_temp_files

# ---- kill -9 while the outputs are open: the targets are intact and, where
# the file system takes O_TMPFILE, nothing is left behind (a named temporary,
# the fallback, cannot be removed after a kill).
"$PROBE" tmpfile . && tmpfile=1 || tmpfile=0
for i in 1 2 3 4 5 6 7 8; do
    "$MLPBLAS" train d.csv --out m.mlpb --log old.log --plot k.svg --epochs 100000 \
        --patience 0 --quiet &
    pid=$!
    sleep 0.$i
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    cmp -s m.mlpb m.orig || fail "kill -9: the model was changed"
    [ "$(cat old.log)" = "old log" ] || fail "kill -9: the log was changed"
    [ ! -e k.svg ] || fail "kill -9: a chart was written"
    if [ "$tmpfile" -eq 1 ]; then
        no_temp_files
    else
        rm -f .mlpb-*
    fi
done
[ "$tmpfile" -eq 1 ] || echo "note: no O_TMPFILE here; the kill loop checked the targets only"
exit 0
