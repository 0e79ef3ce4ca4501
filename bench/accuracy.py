#!/usr/bin/env python3
"""accuracy.py -- held-out accuracy of `mlpblas train` with no options against
scikit-learn's MLPClassifier and a plain PyTorch loop, on a suite of small and
mid-sized data sets.

For every data set and seed: a stratified 75/25 split (scikit-learn's
train_test_split, random_state = seed); then
  mlpblas   `mlpblas train train.csv --out m.mlpb` (no training options; only
            --label, a description of the data, for multi-class sets) and
            `mlpblas predict`; fit time = wall time of the train command;
  sklearn   StandardScaler + MLPClassifier(hidden_layer_sizes=(64,),
            max_iter=200, random_state=seed), every other option its default
            (adam, lr 1e-3, batch min(200, n), tol 1e-4, L2 1e-4);
  torch     standardised inputs, Linear(d, 64) ReLU Linear(64, k), default
            init, BCEWithLogitsLoss, Adam(lr 1e-3), batches of 32 shuffled
            each epoch, 100 epochs, torch.manual_seed(seed).
Multi-class sets are k one-hot sigmoid outputs for mlpblas and torch
(prediction = argmax) and scikit-learn's own softmax. Binary prediction is
probability >= 0.5. A reference that cannot be imported is skipped (said so).

Prints, per data set, mean test accuracy +- standard deviation over the seeds,
the standard error, mean fit time, and the gap of mlpblas to the better
reference (the one with the higher mean on that set) with the standard error
of the paired per-seed differences. Informational only: nothing here is a test.

Usage: accuracy.py [--tool PATH] [--seeds N] [--quick] [--sets a,b,...]
                   [--extra-args "..."] [--json] [--multiclass auto|onehot|column]
"""
import argparse
import glob
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUNDLED_CSV = os.path.join(ROOT, "tests", "data", "breast_cancer.csv")

try:
    import sklearn
    from sklearn import datasets as skd
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler
    from sklearn.exceptions import ConvergenceWarning
except ImportError:  # the suite itself needs scikit-learn's data sets
    sys.exit("accuracy.py: scikit-learn is needed (Debian: python3-sklearn)")

try:
    import torch
except ImportError:
    torch = None


# ------------------------------------------------------------------ data
def load_bundled():
    with open(BUNDLED_CSV) as f:
        lines = [l for l in f if not l.startswith("#")]
    a = np.loadtxt(lines[1:], delimiter=",", dtype=np.float64)
    return a[:, :-1], a[:, -1].astype(int)


def wine_vs_rest(c):
    w = skd.load_wine()
    return w.data, (w.target == c).astype(int)


def suite():
    """(name, loader, quick) -- loader returns X (float64) and integer classes
    y; 2 classes make a binary set. The synthetic sets have a fixed
    random_state: the seeds vary the split and the training, not the data."""
    mc = skd.make_classification
    return [
        ("breast_cancer", lambda: skd.load_breast_cancer(return_X_y=True), True),
        ("breast_cancer_csv", load_bundled, False),
        ("wine_0_vs_rest", lambda: wine_vs_rest(0), True),
        ("wine_1_vs_rest", lambda: wine_vs_rest(1), False),
        ("iris", lambda: skd.load_iris(return_X_y=True), True),
        ("digits", lambda: skd.load_digits(return_X_y=True), True),
        ("synth_imbalanced", lambda: mc(n_samples=2000, n_features=20, n_informative=6,
                                        weights=[0.9, 0.1], random_state=11), True),
        ("synth_noisy", lambda: mc(n_samples=1000, n_features=20, n_informative=8,
                                   flip_y=0.15, random_state=12), True),
        ("synth_many_features", lambda: mc(n_samples=800, n_features=200, n_informative=20,
                                           n_redundant=20, random_state=13), False),
        ("synth_multiclass", lambda: mc(n_samples=3000, n_features=30, n_informative=12,
                                        n_classes=5, n_clusters_per_class=2,
                                        random_state=14), False),
        ("synth_large", lambda: mc(n_samples=8000, n_features=24, n_informative=10,
                                   n_clusters_per_class=3, flip_y=0.03, random_state=15), False),
    ]


# --------------------------------------------------------------- mlpblas
def find_tool(path):
    if path:
        return path
    first = os.path.join(ROOT, "build", "mlpblas")
    if os.access(first, os.X_OK):
        return first
    found = [p for p in glob.glob(os.path.join(ROOT, "build*", "mlpblas")) if os.access(p, os.X_OK)]
    if not found:
        sys.exit("accuracy.py: no build/mlpblas; build it or pass --tool PATH")
    return max(found, key=os.path.getmtime)


def is_number(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def parse_predictions(text, names):
    """n x len(names) probabilities from predict's output. The old form is
    bare probabilities, one column an output; the new one has a header row
    (its first line has a non-numeric token) and probabilities in columns
    prob_<name>, taken in the order of names where they match."""
    lines = [l for l in text.splitlines() if l.strip() and not l.startswith("#")]
    first = lines[0].split(",")
    if all(is_number(t) for t in first):
        return np.array([[float(t) for t in l.split(",")] for l in lines])
    head = [t.strip() for t in first]
    prob = [i for i, h in enumerate(head) if h.startswith("prob_")]
    if not prob:
        raise RuntimeError("predict output has a header but no prob_ column: " + lines[0])
    by_name = {head[i][len("prob_"):]: i for i in prob}
    cols = [by_name[n] for n in names] if all(n in by_name for n in names) else prob
    rows = [l.split(",") for l in lines[1:]]
    return np.array([[float(r[i]) for i in cols] for r in rows])


def write_csv(path, X, cols, header):
    """X's rows, then the integer columns cols, under header."""
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for i in range(X.shape[0]):
            f.write(",".join([repr(float(v)) for v in X[i]] + [str(c[i]) for c in cols]) + "\n")


class Tool:
    def __init__(self, path, extra, multiclass):
        self.path = path
        self.extra = shlex.split(extra) if extra else []
        self.multiclass = multiclass  # "onehot", "column" or "auto" (decided on first use)

    def _run(self, args):
        return subprocess.run([self.path] + args, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)

    def _class_column_works(self, tmp):
        """Whether the tool takes a class column of more than two values."""
        p = os.path.join(tmp, "probe.csv")
        with open(p, "w") as f:
            f.write("a,class\n")
            for i in range(30):
                f.write("%d,%d\n" % (i, i % 3))
        r = self._run(["train", p, "--out", os.path.join(tmp, "probe.mlpb"), "--label", "class",
                       "--epochs", "1", "--quiet"])
        return r.returncode == 0

    def fit_predict(self, tmp, Xtr, ytr, Xte, n_classes):
        d = Xtr.shape[1]
        feat = ["f%d" % j for j in range(d)]
        if n_classes > 2 and self.multiclass == "auto":
            self.multiclass = "column" if self._class_column_works(tmp) else "onehot"
        label_args, names = [], ["y"]
        if n_classes == 2:
            write_csv(os.path.join(tmp, "train.csv"), Xtr, [ytr], feat + ["y"])
        elif self.multiclass == "column":
            write_csv(os.path.join(tmp, "train.csv"), Xtr, [ytr], feat + ["class"])
            label_args, names = ["--label", "class"], [str(c) for c in range(n_classes)]
        else:
            names = ["c_%d" % c for c in range(n_classes)]
            onehot = [(ytr == c).astype(int) for c in range(n_classes)]
            write_csv(os.path.join(tmp, "train.csv"), Xtr, onehot, feat + names)
            label_args = ["--label", ",".join(names)]
        write_csv(os.path.join(tmp, "test.csv"), Xte, [], feat)
        model = os.path.join(tmp, "m.mlpb")
        t0 = time.perf_counter()
        # --json --quiet are output options: the run's report, no progress.
        r = self._run(["train", os.path.join(tmp, "train.csv"), "--out", model, "--json",
                       "--quiet"] + label_args + self.extra)
        fit_s = time.perf_counter() - t0
        if r.returncode != 0:
            raise RuntimeError("mlpblas train failed: " + r.stderr.strip())
        try:
            rep = json.loads(r.stdout)
            rep = rep.get("training", rep)  # nested in newer versions of the report
            self.epochs = [rep.get(key) for key in ("epochs_run", "best_epoch", "refit_epochs")]
        except ValueError:
            self.epochs = [None, None, None]
        r = self._run(["predict", model, os.path.join(tmp, "test.csv")])
        if r.returncode != 0:
            raise RuntimeError("mlpblas predict failed: " + r.stderr.strip())
        p = parse_predictions(r.stdout, names)
        if p.shape[0] != Xte.shape[0]:
            raise RuntimeError("mlpblas predict: %d rows for %d" % (p.shape[0], Xte.shape[0]))
        pred = (p[:, 0] >= 0.5).astype(int) if n_classes == 2 else np.argmax(p, axis=1)
        return pred, fit_s


# ------------------------------------------------------------ references
def sklearn_fit_predict(Xtr, ytr, Xte, seed):
    t0 = time.perf_counter()
    sc = StandardScaler().fit(Xtr)
    clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=200, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(sc.transform(Xtr), ytr)
    fit_s = time.perf_counter() - t0
    return clf.predict(sc.transform(Xte)), fit_s


def torch_fit_predict(Xtr, ytr, Xte, seed, n_classes):
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    sc = StandardScaler().fit(Xtr)
    x = torch.tensor(sc.transform(Xtr), dtype=torch.float32)
    k = 1 if n_classes == 2 else n_classes
    if k == 1:
        y = torch.tensor(ytr.reshape(-1, 1), dtype=torch.float32)
    else:
        y = torch.nn.functional.one_hot(torch.tensor(ytr), k).float()
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 64), torch.nn.ReLU(),
                              torch.nn.Linear(64, k))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    lossf = torch.nn.BCEWithLogitsLoss()
    n = x.shape[0]
    for _ in range(100):
        perm = torch.randperm(n)
        for i in range(0, n, 32):
            b = perm[i:i + 32]
            opt.zero_grad()
            lossf(net(x[b]), y[b]).backward()
            opt.step()
    fit_s = time.perf_counter() - t0
    with torch.no_grad():
        z = net(torch.tensor(sc.transform(Xte), dtype=torch.float32)).numpy()
    pred = (z[:, 0] >= 0).astype(int) if k == 1 else np.argmax(z, axis=1)
    return pred, fit_s


# ------------------------------------------------------------- statistics
def summary(values):
    n = len(values)
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if n > 1 else 0.0
    return {"mean": mean, "std": sd, "se": sd / math.sqrt(n) if n > 0 else 0.0, "n": n}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tool", help="the mlpblas program (default: build/mlpblas)")
    ap.add_argument("--seeds", type=int, default=5, help="splits (seeds 0..N-1) a set (5)")
    ap.add_argument("--quick", action="store_true",
                    help="the smaller sets only, 3 seeds unless --seeds is given")
    ap.add_argument("--sets", help="comma-separated data set names (default: the suite)")
    ap.add_argument("--extra-args", default="", help="options passed to mlpblas train")
    ap.add_argument("--multiclass", choices=["auto", "onehot", "column"], default="auto",
                    help="multi-class labels for mlpblas: one-hot columns c_0.. or one class "
                         "column (auto: a class column when the tool takes one)")
    ap.add_argument("--no-refs", action="store_true", help="run mlpblas only")
    ap.add_argument("--refs-from", metavar="JSON",
                    help="take the references' results from an earlier --json output (same "
                         "sets and seeds) instead of running them again")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = ap.parse_args()
    if args.quick and "--seeds" not in sys.argv:
        args.seeds = 3

    tool = Tool(find_tool(args.tool), args.extra_args, args.multiclass)
    methods = ["mlpblas"]
    notes = []
    if not args.no_refs:
        methods.append("sklearn")
        if torch is not None:
            methods.append("torch")
            torch.set_num_threads(max(1, torch.get_num_threads()))
        else:
            notes.append("PyTorch not installed: its column is skipped (Debian: python3-torch)")

    sets = suite()
    if args.sets:
        want = args.sets.split(",")
        unknown = [w for w in want if w not in [s[0] for s in sets]]
        if unknown:
            sys.exit("accuracy.py: unknown set(s) %s; known: %s" %
                     (",".join(unknown), ",".join(s[0] for s in sets)))
        sets = [s for s in sets if s[0] in want]
    elif args.quick:
        sets = [s for s in sets if s[2]]

    cached = {}
    if args.refs_from:
        with open(args.refs_from) as f:
            old = json.load(f)
        if old["seeds"] != args.seeds:
            sys.exit("accuracy.py: %s has %d seeds, not %d" % (args.refs_from, old["seeds"],
                                                                 args.seeds))
        methods = ["mlpblas"] + [m for m in old["methods"] if m != "mlpblas"]
        cached = {r["set"]: r for r in old["sets"]}
        notes.append("references' results from " + args.refs_from)

    results = []
    with tempfile.TemporaryDirectory(prefix="mlpb-acc-") as tmp:
        for name, loader, _ in sets:
            X, y = loader()
            X = np.asarray(X, dtype=np.float64)
            classes, y = np.unique(np.asarray(y), return_inverse=True)
            nc = len(classes)
            acc = {m: [] for m in methods}
            secs = {m: [] for m in methods}
            epochs = []  # mlpblas's [epochs_run, best_epoch, refit_epochs] a seed
            for seed in range(args.seeds):
                Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=y,
                                                      random_state=seed)
                for m in methods:
                    if m != "mlpblas" and args.refs_from:
                        if name not in cached:
                            sys.exit("accuracy.py: %s has no set %s" % (args.refs_from, name))
                        acc[m].append(cached[name]["per_seed"][m][seed])
                        secs[m].append(cached[name]["fit_seconds"][m])
                        continue
                    if m == "mlpblas":
                        pred, s = tool.fit_predict(tmp, Xtr, ytr, Xte, nc)
                        epochs.append(tool.epochs)
                    elif m == "sklearn":
                        pred, s = sklearn_fit_predict(Xtr, ytr, Xte, seed)
                    else:
                        pred, s = torch_fit_predict(Xtr, ytr, Xte, seed, nc)
                    acc[m].append(float(np.mean(pred == yte)))
                    secs[m].append(s)
            row = {"set": name, "rows": int(X.shape[0]), "features": int(X.shape[1]),
                   "classes": int(nc), "accuracy": {}, "fit_seconds": {},
                   "per_seed": {m: acc[m] for m in methods}, "mlpblas_epochs": epochs}
            for m in methods:
                row["accuracy"][m] = summary(acc[m])
                row["fit_seconds"][m] = statistics.fmean(secs[m])
            refs = [m for m in methods if m != "mlpblas"]
            if refs:
                best = max(refs, key=lambda m: row["accuracy"][m]["mean"])
                diff = [a - b for a, b in zip(acc["mlpblas"], acc[best])]
                row["best_ref"] = best
                row["gap"] = summary(diff)
            results.append(row)
            # With --json the table goes to standard error, as progress.
            print_row(row, methods, first=len(results) == 1,
                      f=sys.stderr if args.json else sys.stdout)

    out = {"tool": tool.path, "extra_args": args.extra_args, "seeds": args.seeds,
           "multiclass": tool.multiclass, "methods": methods, "notes": notes,
           "machine": platform.machine(), "python": platform.python_version(),
           "sklearn": sklearn.__version__,
           "torch": torch.__version__ if torch is not None else None, "sets": results}
    if len(results) > 0 and "best_ref" in results[0]:
        out["mean_accuracy"] = {m: statistics.fmean(r["accuracy"][m]["mean"] for r in results)
                                for m in methods}
        out["mean_gap"] = statistics.fmean(r["gap"]["mean"] for r in results)
        out["sets_within_one_se"] = sum(r["gap"]["mean"] >= -r["gap"]["se"] for r in results)
    if args.json:
        json.dump(out, sys.stdout, indent=1)
        print()
    else:
        print_footer(out, methods, len(results))


def print_row(row, methods, first, f):
    if first:
        head = "%-20s %5s %3s" % ("set", "rows", "k")
        for m in methods:
            head += "  %-22s" % (m + " acc+-sd (se) s")
        if len(methods) > 1:
            head += "  gap to best ref (se)"
        print(head, file=f)
    line = "%-20s %5d %3d" % (row["set"], row["rows"], row["classes"])
    for m in methods:
        a = row["accuracy"][m]
        line += "  %5.2f+-%4.2f (%4.2f) %5.2f" % (100 * a["mean"], 100 * a["std"], 100 * a["se"],
                                                 row["fit_seconds"][m])
    if "gap" in row:
        g = row["gap"]
        ok = "" if g["mean"] >= -g["se"] else "  BELOW"
        line += "  %+5.2f (%4.2f) vs %s%s" % (100 * g["mean"], 100 * g["se"], row["best_ref"], ok)
    print(line, file=f, flush=True)


def print_footer(out, methods, n_sets):
    print("accuracy in %%, mean +- standard deviation over %d seeds (standard error); "
          "s = mean fit seconds" % out["seeds"])
    if "mean_accuracy" in out:
        print("mean over %d sets: " % n_sets +
              ", ".join("%s %.2f" % (m, 100 * out["mean_accuracy"][m]) for m in methods) +
              "; mean gap %+.2f; %d/%d sets at least the better reference within one se" %
              (100 * out["mean_gap"], out["sets_within_one_se"], n_sets))
    print("multi-class labels for mlpblas: %s; extra args: %r" %
          (out["multiclass"], out["extra_args"]))
    for n in out["notes"]:
        print("note: " + n)


if __name__ == "__main__":
    main()
