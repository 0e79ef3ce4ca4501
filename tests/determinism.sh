#!/bin/sh
# Reproducibility across processes: the same seed and BLAS thread count give
# byte-identical model files. Usage: determinism.sh TEST_EXE WORKDIR [CLI_EXE]
# TEST_EXE --save PATH trains a fixed model (tests/test_determinism.c); with
# CLI_EXE the command-line tool's demo data is trained twice as well.
set -eu
exe=$1
dir=$2
cli=${3:-}
rm -rf "$dir"
mkdir -p "$dir"
for threads in 1 2; do
    OPENBLAS_NUM_THREADS=$threads "$exe" --save "$dir/a-$threads.mlpb"
    OPENBLAS_NUM_THREADS=$threads "$exe" --save "$dir/b-$threads.mlpb"
    cmp "$dir/a-$threads.mlpb" "$dir/b-$threads.mlpb"
done
if [ -n "$cli" ]; then
    "$cli" demo --seed 5 --train-out "$dir/train.csv" --json > /dev/null
    for run in 1 2; do
        "$cli" train "$dir/train.csv" --out "$dir/cli-$run.mlpb" --seed 9 --epochs 15 \
            --threads 2 --quiet
    done
    cmp "$dir/cli-1.mlpb" "$dir/cli-2.mlpb"
fi
rm -rf "$dir"
echo "model files identical across processes"
