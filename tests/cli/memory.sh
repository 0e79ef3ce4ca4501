# memory.sh -- the memory budget: a 12-byte LIBSVM file that names feature
# 4,000,000 asks for a 256M-weight model; under --max-memory it fails at
# once, before anything large is allocated, with a message that says what
# it would need, at a peak memory (getrusage of the child) far below that.
. "$(dirname "$0")/lib.sh"

# peak CMD...: run CMD with stdout in out.txt, stderr in err.txt; sets rc
# and kib (its peak resident set, KiB).
peak() {
    "$PROBE" rss "$@" >out.txt 2>err.txt
    rc=$?
    kib=$(awk '$1 == "peak_rss_kib" { print $2 }' err.txt)
    grep -v '^peak_rss_kib ' err.txt >err2.txt
    mv err2.txt err.txt
}

printf '1 4000000:1\n' >w.svm
[ "$(wc -c <w.svm)" -eq 12 ] || fail "w.svm is not 12 bytes"
peak "$MLPBLAS" train w.svm --out w.mlpb --epochs 1 --max-memory 1G --val-split 0
[ "$rc" -eq 1 ] || { cat err.txt; fail "exit status $rc, expected 1"; }
err_is 'mlpblas: 4,000,000 features x 64 hidden = 256M weights, '
grep -q 'GiB for training' err.txt && grep -q -- '--max-memory is 1.00 GiB' err.txt ||
    fail "message: $(cat err.txt)"
[ ! -e w.mlpb ] || fail "a model was written"
# The dense data is 16 MB; a sanitizer build adds its own shadow memory.
[ "$kib" -lt 262144 ] || fail "peak memory $kib KiB for a refused run"
echo "refused at a peak of $kib KiB"

# The need the message states is the library's figure: a little over it
# passes the check (the run itself is cut short by a tiny epoch count).
need=$(sed 's/.* weights, \([0-9.]*\) GiB for training.*/\1/' err.txt)
at_least "$need" 4 "the stated need"

# The reader is bounded by the same budget.
run 1 "$MLPBLAS" train w.svm --out w.mlpb --epochs 1 --max-memory 4M --val-split 0
grep -q 'w.svm' err.txt || fail "reader over budget: $(cat err.txt)"
# eval and predict refuse a model and data over the budget too.
printf '1 4:1\n0 2:1\n1 1:1 3:2\n0 2:3\n' >small.svm
run 0 "$MLPBLAS" train small.svm --out s.mlpb --epochs 1 --val-split 0 --quiet
run 1 "$MLPBLAS" eval s.mlpb small.svm --max-memory 1K
run 1 "$MLPBLAS" predict s.mlpb small.svm --max-memory 1K
run 0 "$MLPBLAS" predict s.mlpb small.svm --max-memory 64M
[ "$(wc -l <out.txt)" -eq 5 ] || fail "predict under the budget"
# SIZE syntax
run 2 "$MLPBLAS" train small.svm --out s.mlpb --max-memory lots
err_is "mlpblas train: --max-memory: 'lots' is not a size"
run 2 "$MLPBLAS" train small.svm --out s.mlpb --max-memory 0
exit 0
