#!/usr/bin/env bash
# A NaN in rank 1's shard: every rank must exit non-zero with the same error,
# naming rank 1. `timeout` only guards against a hang; it decides nothing else.
# Usage: corrupt.sh NP TEST_MPI DATA MPIRUN...
set -u
np=$1 exe=$2 data=$3
shift 3
out=$(timeout 100 "$@" -np "$np" "$exe" corrupt "$data" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "FAIL: the ranks did not stop (timeout)"
    exit 1
fi
if [ "$rc" -eq 0 ]; then
    echo "FAIL: exit status 0 with a corrupt shard"
    exit 1
fi
for r in $(seq 0 $((np - 1))); do
    if ! printf '%s\n' "$out" | grep -q "^rank $r: training failed: .*(data of rank 1, epoch 0)"; then
        echo "FAIL: rank $r did not report the error of rank 1"
        exit 1
    fi
done
echo "PASS: every rank stopped with rank 1's error (exit $rc)"
