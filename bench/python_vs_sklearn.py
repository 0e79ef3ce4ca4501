#!/usr/bin/env python3
"""python_vs_sklearn.py -- mlpblas.MLPClassifier() against scikit-learn's
MLPClassifier() and the mlpblas tool, all with their default options.

For every data set and seed: a stratified 75/25 split (train_test_split,
random_state = seed); then
  mlpblas   mlpblas.MLPClassifier(random_state=seed).fit / predict_proba;
  sklearn   make_pipeline(StandardScaler(), MLPClassifier(random_state=seed))
            (its defaults: one hidden layer of 100, adam, lr 1e-3,
            batch min(200, n), at most 200 epochs, tol 1e-4; the
            ConvergenceWarning is silenced);
  tool      `mlpblas train train.csv --out m.mlpb --seed SEED` and
            `mlpblas predict` on test.csv (wall time of the train command,
            process start and CSV parsing included).
Measured: fit time; predict_proba time for one row (the median of 200 calls
on single rows of the test set) and for 10,000 rows (the test rows repeated;
the fastest of 10 calls, the least disturbed by other processes); held-out
accuracy. For mlpblas also the C call alone
on the 10,000 float32 rows (the package's Model.predict), to give what the
Python layer adds to it: predict_proba on the same float32 rows (no copy in;
the probabilities assembled), and on float64 rows (converted in blocks).

Every BLAS and OpenMP pool in the process runs --threads threads (1 by
default: threadpoolctl's limit, which covers the OpenBLAS that numpy and
libmlpblas share) and the tool gets -j of the same, so that the three are
compared on equal cores and the timings are not those of threads fighting
other processes for cores.

Prints the machine, then a Markdown table of means over the seeds (the one
in docs/python.md), and with --json the per-seed rows. Informational: this
is not a test.

Usage: PYTHONPATH=build/python python3 bench/python_vs_sklearn.py
           [--tool build/mlpblas] [--seeds 3] [--threads 1] [--quick] [--json FILE]
"""
import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from sklearn import datasets as skd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import mlpblas

HERE = os.path.dirname(os.path.abspath(__file__))


def data_sets(quick):
    out = [("breast_cancer", skd.load_breast_cancer(return_X_y=True)),
           ("wine", skd.load_wine(return_X_y=True)),
           ("iris", skd.load_iris(return_X_y=True)),
           ("digits", skd.load_digits(return_X_y=True))]
    gen = [(1000, 20, 2), (5000, 40, 3), (20000, 20, 2)]
    if quick:
        gen = gen[:1]
    for n, d, k in gen:
        X, y = skd.make_classification(n_samples=n, n_features=d, n_informative=d // 2,
                                       n_classes=k, random_state=12345)
        out.append(("make_classification %dx%d k=%d" % (n, d, k), (X, y)))
    return out


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def timed(fn, reps):
    """The fastest of reps calls: the least disturbed by other processes."""
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return min(ts)


def batch1(est, Xte):
    rows = [Xte[i:i + 1] for i in range(min(len(Xte), 50))]
    for r in rows[:5]:
        est.predict_proba(r)
    ts = []
    for i in range(200):
        r = rows[i % len(rows)]
        t0 = time.perf_counter()
        est.predict_proba(r)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def big(Xte):
    reps = -(-10000 // len(Xte))
    return np.ascontiguousarray(np.tile(Xte, (reps, 1))[:10000])


def write_csv(path, X, y):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["f%d" % j for j in range(X.shape[1])] + ["label"])
        for row, lab in zip(X, y):
            w.writerow(["%.9g" % v for v in row] + [int(lab)])


def run_tool(tool, Xtr, ytr, Xte, yte, seed, tmp, threads):
    tr, te, m = (os.path.join(tmp, n) for n in ("train.csv", "test.csv", "m.mlpb"))
    write_csv(tr, Xtr, ytr)
    write_csv(te, Xte, yte)
    t0 = time.perf_counter()
    subprocess.run([tool, "train", tr, "--out", m, "--seed", str(seed), "--quiet",
                    "--threads", str(threads)], check=True)
    fit = time.perf_counter() - t0
    out = subprocess.run([tool, "predict", m, te], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    rows = list(csv.reader(out))
    head, rows = rows[0], rows[1:]
    if head[0].startswith("prob_"):  # binary: prob, pred
        pred = np.array([int(r[1]) for r in rows])
    else:                            # multi-class: the class first
        pred = np.array([int(float(r[0])) for r in rows])
    return {"fit_s": fit, "acc": float(np.mean(pred == yte))}


def one(name, X, y, seed, tool, tmp, threads):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed,
                                          stratify=y)
    Xbig = big(Xte)
    res = {"set": name, "seed": seed, "n": len(X), "d": X.shape[1],
           "k": len(np.unique(y))}
    est = mlpblas.MLPClassifier(random_state=seed)
    t0 = time.perf_counter()
    est.fit(Xtr, ytr)
    fit = time.perf_counter() - t0
    x32 = Xbig.astype(np.float32)
    res["mlpblas"] = {"fit_s": fit, "acc": float(est.score(Xte, yte)),
                      "pred1_s": batch1(est, Xte),
                      "pred10k_s": timed(lambda: est.predict_proba(Xbig), 10),
                      "pred10k32_s": timed(lambda: est.predict_proba(x32), 10),
                      "c10k_s": timed(lambda: est._model.predict(x32), 10),
                      "epochs": est.n_iter_}
    sk = make_pipeline(StandardScaler(), SkMLP(random_state=seed))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(Xtr, ytr)
    fit = time.perf_counter() - t0
    res["sklearn"] = {"fit_s": fit, "acc": float(sk.score(Xte, yte)),
                      "pred1_s": batch1(sk, Xte),
                      "pred10k_s": timed(lambda: sk.predict_proba(Xbig), 10)}
    if tool:
        res["tool"] = run_tool(tool, Xtr, ytr, Xte, yte, seed, tmp, threads)
    return res


def mean(rows, who, key):
    v = [r[who][key] for r in rows if who in r]
    return statistics.mean(v) if v else float("nan")


def table(results, sets, have_tool):
    lines = ["| data set (n x d, k) | fit s: mlpblas / sklearn / tool | fit speed-up | "
             "accuracy: mlpblas / sklearn / tool | predict_proba 1 row us: mlpblas / "
             "sklearn | 10,000 rows ms: mlpblas / sklearn | Python layer on 10,000: "
             "float32 / float64 input |",
             "|---|---|---|---|---|---|---|"]
    for name in sets:
        rows = [r for r in results if r["set"] == name]
        r0 = rows[0]
        f = {w: mean(rows, w, "fit_s") for w in ("mlpblas", "sklearn", "tool")}
        a = {w: mean(rows, w, "acc") for w in ("mlpblas", "sklearn", "tool")}
        p1 = {w: mean(rows, w, "pred1_s") * 1e6 for w in ("mlpblas", "sklearn")}
        pk = {w: mean(rows, w, "pred10k_s") * 1e3 for w in ("mlpblas", "sklearn")}
        c10 = mean(rows, "mlpblas", "c10k_s") * 1e3
        p32 = mean(rows, "mlpblas", "pred10k32_s") * 1e3
        tool_f = "%.2f" % f["tool"] if have_tool else "-"
        tool_a = "%.4f" % a["tool"] if have_tool else "-"
        lines.append(
            "| %s (%d x %d, %d) | %.2f / %.2f / %s | %.1fx | %.4f / %.4f / %s | "
            "%.0f / %.0f (%.1fx) | %.2f / %.2f | %+.0f%% / %+.0f%% |"
            % (name.split(" ")[0] if name.startswith("make") else name, r0["n"], r0["d"],
               r0["k"], f["mlpblas"], f["sklearn"], tool_f, f["sklearn"] / f["mlpblas"],
               a["mlpblas"], a["sklearn"], tool_a, p1["mlpblas"], p1["sklearn"],
               p1["sklearn"] / p1["mlpblas"], pk["mlpblas"], pk["sklearn"],
               100.0 * (p32 - c10) / c10, 100.0 * (pk["mlpblas"] - c10) / c10))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tool", default=os.path.join(HERE, "..", "build", "mlpblas"))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads for all three")
    ap.add_argument("--quick", action="store_true", help="one generated set, one seed")
    ap.add_argument("--json", help="write the per-seed rows to this file")
    a = ap.parse_args()
    tool = a.tool if a.tool and os.path.exists(a.tool) else None
    seeds = range(1) if a.quick else range(a.seeds)
    sets = data_sets(a.quick)
    print("CPU: %s; %d logical CPUs" % (cpu_model(), os.cpu_count()))
    print("BLAS: %s; OPENBLAS_CORETYPE=%s" % (mlpblas.blas_config(),
                                              os.environ.get("OPENBLAS_CORETYPE", "(unset)")))
    print("Python %s, numpy %s, scikit-learn %s, mlpblas %s (%s)"
          % (platform.python_version(), np.__version__, __import__("sklearn").__version__,
             mlpblas.__version__, mlpblas.library_path))
    print("tool: %s" % (tool or "not found (--tool): its columns are left out"))
    print("threads: %d BLAS/OpenMP thread(s) for each" % a.threads)
    limits = threadpool_limits(limits=a.threads)
    results = []
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for name, (X, y) in sets:
            for seed in seeds:
                r = one(name, X, y, seed, tool, tmp, a.threads)
                results.append(r)
                print("  %-36s seed %d: fit %.2fs / %.2fs, acc %.4f / %.4f"
                      % (name, seed, r["mlpblas"]["fit_s"], r["sklearn"]["fit_s"],
                         r["mlpblas"]["acc"], r["sklearn"]["acc"]), file=sys.stderr)
    limits.restore_original_limits()
    print("\nMeans over %d seed(s); %.0f s in all.\n" % (len(seeds), time.time() - t0))
    print(table(results, [n for n, _ in sets], tool is not None))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
