#!/usr/bin/env python3
"""test_accuracy.py -- keeps bench/accuracy.py working: runs it on two tiny
sets with one seed and checks its JSON report against the per-run figures it
holds (the summaries are recomputed here). With --r, exports the R sets
first (bench/export_r_sets.R) and runs one of them.

Usage: test_accuracy.py TOOL WORKDIR [--r]
Exit status 77 (skipped) when scikit-learn, PyTorch or, with --r, Rscript and
the MASS package are missing."""
import json
import math
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable


def skip(why):
    print("SKIPPED: " + why)
    sys.exit(77)


def fail(why):
    print("FAILED: " + why)
    sys.exit(1)


def run(args):
    r = subprocess.run([PY, os.path.join(HERE, "accuracy.py")] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return r.returncode, r.stdout, r.stderr


def check_report(out, sets, methods):
    rep = json.loads(out)
    if [r["set"] for r in rep["sets"]] != sets:
        fail("sets %s, expected %s" % ([r["set"] for r in rep["sets"]], sets))
    if rep["methods"] != methods:
        fail("methods %s, expected %s" % (rep["methods"], methods))
    for key in ("cpu", "tool_blas"):
        if not rep["machine"].get(key):
            fail("machine has no " + key)
    gaps = []
    for row in rep["sets"]:
        for m in methods:
            acc = row["per_seed"][m]
            if len(acc) != 1 or not 0.0 <= acc[0] <= 1.0:
                fail("%s %s: per-seed accuracy %s" % (row["set"], m, acc))
            if not math.isclose(row["accuracy"][m]["mean"], acc[0]):
                fail("%s %s: mean %s of %s" % (row["set"], m, row["accuracy"][m]["mean"], acc))
            # Every method learns something: above the majority class's share.
            if acc[0] <= row["majority"]:
                fail("%s %s: accuracy %.3f not above the majority class %.3f" %
                     (row["set"], m, acc[0], row["majority"]))
            if not row["fit_seconds"][m] > 0:
                fail("%s %s: fit seconds %s" % (row["set"], m, row["fit_seconds"][m]))
        best = max(methods[1:], key=lambda m: row["per_seed"][m][0])
        gap = row["per_seed"]["mlpblas"][0] - row["per_seed"][best][0]
        if not math.isclose(row["gap"]["mean"], gap, abs_tol=1e-12):
            fail("%s: gap %s, expected %s" % (row["set"], row["gap"]["mean"], gap))
        gaps.append(gap)
    if not math.isclose(rep["mean_gap"], statistics.fmean(gaps), abs_tol=1e-12):
        fail("mean gap %s, expected %s" % (rep["mean_gap"], statistics.fmean(gaps)))
    behind = [r["set"] for r, g in zip(rep["sets"], gaps) if g < -0.01]
    if rep["sets_more_than_1_point_behind"] != behind:
        fail("sets behind %s, expected %s" % (rep["sets_more_than_1_point_behind"], behind))


def main():
    tool, work = sys.argv[1], sys.argv[2]
    with_r = "--r" in sys.argv[3:]
    for mod, deb in (("sklearn", "python3-sklearn"), ("torch", "python3-torch")):
        try:
            __import__(mod)
        except ImportError:
            skip("%s not importable by %s (Debian: %s)" % (mod, PY, deb))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    methods = ["mlpblas", "sklearn", "torch"]
    if with_r:
        rscript = shutil.which("Rscript")
        if rscript is None:
            skip("no Rscript (Debian: r-base-core)")
        if subprocess.run([rscript, "-e", "quit(status = !requireNamespace('MASS'))"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
            skip("R package MASS not installed (Debian: r-cran-mass)")
        r = subprocess.run([rscript, os.path.join(HERE, "export_r_sets.R"), work],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0 or not os.path.exists(os.path.join(work, "mass_crabs.csv")):
            fail("export_r_sets.R: " + r.stdout)
        sets = ["mass_crabs"]
    else:
        sets = ["iris", "synth_small"]
    rc, out, err = run(["--tool", tool, "--sets", ",".join(sets), "--seeds", "1",
                        "--data-dir", work, "--json"])
    if rc != 0:
        fail("accuracy.py exited %d: %s" % (rc, err))
    check_report(out, sets, methods)
    if "machine: " not in err or "mean gap" not in err:
        fail("no summary on standard error: " + err)
    rc, _, err = run(["--tool", tool, "--sets", "no_such_set", "--data-dir", work])
    if rc == 0 or "unknown set(s) no_such_set" not in err:
        fail("an unknown set: exit %d, %s" % (rc, err))
    print("ok: " + ",".join(sets))


if __name__ == "__main__":
    main()
