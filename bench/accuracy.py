#!/usr/bin/env python3
"""accuracy.py -- held-out accuracy of `mlpblas train` with no training options
against scikit-learn's MLPClassifier and a plain PyTorch loop, on a suite of
classification sets: scikit-learn's bundled and generated ones and sets from
R packages (exported once by bench/export_r_sets.R; docs/accuracy.md lists
each set's source and licence).

For every data set, split s (0..seeds-1) and repeat r (0..repeats-1): a
stratified 75/25 split (scikit-learn's train_test_split, random_state = s)
and a training seed t = s * repeats + r; then
  mlpblas   `mlpblas train train.csv --out m.mlpb --seed t+1` (no training
            options; --label names the class column of a multi-class set;
            categorical columns stay text, the tool encodes them) and
            `mlpblas predict`; fit time = wall time of the train command;
  sklearn   StandardScaler + MLPClassifier(hidden_layer_sizes=(64,),
            max_iter=200, random_state=t), every other option its default
            (adam, lr 1e-3, batch min(200, n), tol 1e-4, L2 1e-4);
  torch     standardised inputs, Linear(d, 64) ReLU Linear(64, k), default
            init, BCEWithLogitsLoss, Adam(lr 1e-3), batches of 32 shuffled
            each epoch, 100 epochs, torch.manual_seed(t).
The references get categorical columns one-hot encoded (categories of the
training rows). Multi-class sets are k one-hot sigmoid outputs for torch
(prediction = argmax), a class column for mlpblas and scikit-learn's own
softmax. Binary prediction is probability >= 0.5. A reference that cannot be
imported is skipped (said so).

The number of splits is --seeds, or by default 10 for sets under 1,000 rows,
5 under 10,000 and 3 above. Prints, per data set, each method's mean test
accuracy +- standard deviation over the runs, the standard error (over the
splits, each split's repeats averaged first) and the mean fit time; the gap
of mlpblas to the better reference (the one with the higher mean on that
set), with the standard deviation and standard error of the paired per-split
differences. Then a summary: mean accuracy per method, mean gap with its
standard error, the sets more than 1 point behind, and the machine. It is a
measurement, not a test.

Usage: accuracy.py [--tool PATH] [--seeds N] [--repeats K] [--quick]
                   [--sets a,b,...] [--methods m,...] [--data-dir DIR]
                   [--jobs N] [--extra-args "..."] [--json] [--list]
"""
import argparse
import concurrent.futures
import csv
import functools
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
DEFAULT_DATA_DIR = os.path.join(ROOT, "build", "accuracy-data")
METHODS = ("mlpblas", "sklearn", "torch")

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
# A loaded set is (X, cat, y): X a float64 matrix of the numeric features
# (n x d), cat a list of text columns (the categorical features, each a list of
# n strings; empty for most sets) and y the integer classes 0..k-1.
def load_bundled():
    with open(BUNDLED_CSV) as f:
        lines = [l for l in f if not l.startswith("#")]
    a = np.loadtxt(lines[1:], delimiter=",", dtype=np.float64)
    return a[:, :-1], a[:, -1].astype(int)


def wine_vs_rest(c):
    w = skd.load_wine()
    return w.data, (w.target == c).astype(int)


def load_exported(data_dir, name):
    """DIR/name.csv as written by export_r_sets.R: a header, the features (a
    column with any non-number is categorical), the label last."""
    path = os.path.join(data_dir, name + ".csv")
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    cols = list(zip(*rows[1:]))
    num, cat = [], []
    for c in cols[:-1]:
        try:
            num.append([float(v) for v in c])
        except ValueError:
            cat.append(list(c))
    X = np.array(num, dtype=np.float64).T if num else np.zeros((len(rows) - 1, 0))
    return X, cat, list(cols[-1])


def suite():
    """(name, source, loader, quick): source is "sklearn", "generated" or the R
    package; loader(data_dir) returns X, y (numeric) or X, cat, y. The
    generated sets have a fixed random_state: the seeds vary the split and the
    training, not the data."""
    mc = skd.make_classification

    def sk(f):
        return lambda _d: f()

    def r(name):
        return lambda d: load_exported(d, name)

    return [
        ("breast_cancer", "sklearn", sk(lambda: skd.load_breast_cancer(return_X_y=True)), True),
        ("breast_cancer_csv", "sklearn", sk(load_bundled), False),
        ("wine", "sklearn", sk(lambda: skd.load_wine(return_X_y=True)), True),
        ("wine_0_vs_rest", "sklearn", sk(lambda: wine_vs_rest(0)), True),
        ("wine_1_vs_rest", "sklearn", sk(lambda: wine_vs_rest(1)), False),
        ("iris", "sklearn", sk(lambda: skd.load_iris(return_X_y=True)), True),
        ("digits", "sklearn", sk(lambda: skd.load_digits(return_X_y=True)), True),
        ("synth_imbalanced", "generated", sk(lambda: mc(
            n_samples=2000, n_features=20, n_informative=6, weights=[0.9, 0.1],
            random_state=11)), True),
        ("synth_noisy", "generated", sk(lambda: mc(
            n_samples=1000, n_features=20, n_informative=8, flip_y=0.15, random_state=12)), True),
        ("synth_many_features", "generated", sk(lambda: mc(
            n_samples=800, n_features=200, n_informative=20, n_redundant=20,
            random_state=13)), False),
        ("synth_multiclass", "generated", sk(lambda: mc(
            n_samples=3000, n_features=30, n_informative=12, n_classes=5,
            n_clusters_per_class=2, random_state=14)), False),
        ("synth_large", "generated", sk(lambda: mc(
            n_samples=8000, n_features=24, n_informative=10, n_clusters_per_class=3,
            flip_y=0.03, random_state=15)), False),
        ("synth_small", "generated", sk(lambda: mc(
            n_samples=300, n_features=12, n_informative=5, flip_y=0.05, random_state=16)), True),
        ("synth_20_classes", "generated", sk(lambda: mc(
            n_samples=6000, n_features=40, n_informative=20, n_classes=20,
            n_clusters_per_class=1, class_sep=1.5, random_state=17)), False),
        ("synth_30k", "generated", sk(lambda: mc(
            n_samples=30000, n_features=20, n_informative=12, n_classes=4,
            n_clusters_per_class=3, flip_y=0.02, random_state=18)), False),
        ("moons", "generated", sk(lambda: skd.make_moons(
            n_samples=1000, noise=0.3, random_state=19)), True),
        ("circles", "generated", sk(lambda: skd.make_circles(
            n_samples=800, noise=0.15, factor=0.5, random_state=20)), True),
        ("gaussian_quantiles", "generated", sk(lambda: skd.make_gaussian_quantiles(
            n_samples=2000, n_features=6, n_classes=3, random_state=21)), False),
        ("hastie_10_2", "generated", sk(lambda: skd.make_hastie_10_2(
            n_samples=4000, random_state=22)), False),
        ("mass_pima", "MASS", r("mass_pima"), True),
        ("mass_biopsy", "MASS", r("mass_biopsy"), True),
        ("mass_fgl", "MASS", r("mass_fgl"), True),
        ("mass_crabs", "MASS", r("mass_crabs"), True),
        ("mass_birthwt", "MASS", r("mass_birthwt"), True),
        ("mass_synth", "MASS", r("mass_synth"), False),
        ("mass_aids2", "MASS", r("mass_aids2"), False),
        ("mass_cats", "MASS", r("mass_cats"), True),
        ("kernlab_spam", "kernlab", r("kernlab_spam"), False),
        ("kernlab_musk", "kernlab", r("kernlab_musk"), False),
        ("kernlab_ticdata", "kernlab", r("kernlab_ticdata"), False),
        ("kernlab_promotergene", "kernlab", r("kernlab_promotergene"), True),
        ("kernlab_income", "kernlab", r("kernlab_income"), False),
        ("car_mroz", "carData", r("car_mroz"), True),
        ("car_cowles", "carData", r("car_cowles"), False),
        ("car_wells", "carData", r("car_wells"), False),
        ("car_arrests", "carData", r("car_arrests"), False),
        ("car_chile", "carData", r("car_chile"), False),
        ("car_womenlf", "carData", r("car_womenlf"), True),
        ("car_titanic", "carData", r("car_titanic"), False),
    ]


SUITE = {s[0]: s for s in suite()}


@functools.lru_cache(maxsize=4)
def load_set(name, data_dir):
    """(X, cat, y, k) of a set; y the classes 0..k-1 (see the data comment)."""
    got = SUITE[name][2](data_dir)
    X, cat, y = (got[0], [], got[1]) if len(got) == 2 else got
    _, y = np.unique(np.asarray(y), return_inverse=True)
    return np.asarray(X, dtype=np.float64), cat, y, int(y.max()) + 1


def default_seeds(rows):
    return 10 if rows < 1000 else 5 if rows < 10000 else 3


def one_hot(cat, tr, te):
    """The categorical columns as 0/1 columns for the training rows tr and the
    test rows te, one a category seen in training (sorted)."""
    a, b = [], []
    for col in cat:
        col = np.asarray(col)
        for v in sorted(set(col[tr])):
            a.append(col[tr] == v)
            b.append(col[te] == v)
    return (np.array(a, dtype=np.float64).T if a else np.zeros((len(tr), 0)),
            np.array(b, dtype=np.float64).T if b else np.zeros((len(te), 0)))


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


def write_csv(path, X, cat, cols, header):
    """X's rows, then the text columns cat, then the integer columns cols, under
    header."""
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for i in range(X.shape[0]):
            f.write(",".join([repr(float(v)) for v in X[i]] + [c[i] for c in cat] +
                             [str(c[i]) for c in cols]) + "\n")


class Tool:
    def __init__(self, path, extra, multiclass):
        self.path = path
        self.extra = shlex.split(extra) if extra else []
        self.multiclass = multiclass  # "onehot", "column" or "auto"
        self.epochs = [None, None, None]
        self.blas = None

    def _run(self, args):
        return subprocess.run([self.path] + args, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)

    def resolve_multiclass(self, tmp):
        """Decides "auto": a class column when the tool takes one of more than
        two values, one-hot columns otherwise."""
        if self.multiclass != "auto":
            return
        p = os.path.join(tmp, "probe.csv")
        with open(p, "w") as f:
            f.write("a,class\n")
            for i in range(30):
                f.write("%d,%d\n" % (i, i % 3))
        r = self._run(["train", p, "--out", os.path.join(tmp, "probe.mlpb"), "--label", "class",
                       "--epochs", "1", "--quiet"])
        self.multiclass = "column" if r.returncode == 0 else "onehot"

    def fit_predict(self, tmp, Xtr, ctr, ytr, Xte, cte, n_classes, seed):
        feat = ["f%d" % j for j in range(Xtr.shape[1])] + ["c%d" % j for j in range(len(ctr))]
        label_args, names = [], ["y"]
        if n_classes == 2:
            write_csv(os.path.join(tmp, "train.csv"), Xtr, ctr, [ytr], feat + ["y"])
        elif self.multiclass == "column":
            write_csv(os.path.join(tmp, "train.csv"), Xtr, ctr, [ytr], feat + ["class"])
            label_args, names = ["--label", "class"], [str(c) for c in range(n_classes)]
        else:
            names = ["c_%d" % c for c in range(n_classes)]
            onehot = [(ytr == c).astype(int) for c in range(n_classes)]
            write_csv(os.path.join(tmp, "train.csv"), Xtr, ctr, onehot, feat + names)
            label_args = ["--label", ",".join(names)]
        write_csv(os.path.join(tmp, "test.csv"), Xte, cte, [], feat)
        model = os.path.join(tmp, "m.mlpb")
        t0 = time.perf_counter()
        # --json --quiet are output options: the run's report, no progress;
        # --seed varies the start as the other methods' seeds do.
        r = self._run(["train", os.path.join(tmp, "train.csv"), "--out", model, "--json",
                       "--quiet", "--seed", str(seed + 1)] + label_args + self.extra)
        fit_s = time.perf_counter() - t0
        if r.returncode != 0:
            raise RuntimeError("mlpblas train failed: " + r.stderr.strip())
        try:
            rep = json.loads(r.stdout)
            self.blas = rep.get("mlpblas", {}).get("blas")
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


# ------------------------------------------------------------------ runs
def run_one(task):
    """One (set, split, repeat, method): (accuracy, fit seconds, mlpblas's
    [epochs_run, best_epoch, refit_epochs] or None, the tool's BLAS or None)."""
    name, data_dir, split, t, method, tool = task
    X, cat, y, k = load_set(name, data_dir)
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=0.25, stratify=y, random_state=split)
    if method == "mlpblas":
        with tempfile.TemporaryDirectory(prefix="mlpb-acc-") as tmp:
            pred, s = tool.fit_predict(tmp, X[tr], [[c[i] for i in tr] for c in cat], y[tr],
                                       X[te], [[c[i] for i in te] for c in cat], k, t)
        return float(np.mean(pred == y[te])), s, tool.epochs, tool.blas
    oh_tr, oh_te = one_hot(cat, tr, te)
    Xtr, Xte = np.hstack([X[tr], oh_tr]), np.hstack([X[te], oh_te])
    if method == "sklearn":
        pred, s = sklearn_fit_predict(Xtr, y[tr], Xte, t)
    else:
        pred, s = torch_fit_predict(Xtr, y[tr], Xte, t, k)
    return float(np.mean(pred == y[te])), s, None, None


def worker_init(jobs):
    if torch is not None:  # the workers share the cores
        torch.set_num_threads(1 if jobs > 1 else max(1, torch.get_num_threads()))


def summary(values):
    n = len(values)
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if n > 1 else 0.0
    return {"mean": mean, "std": sd, "se": sd / math.sqrt(n) if n > 0 else 0.0, "n": n}


def split_means(values, repeats):
    """The per-split means of runs ordered split-major, repeats runs a split."""
    return [statistics.fmean(values[i:i + repeats]) for i in range(0, len(values), repeats)]


def set_row(name, info, seeds, repeats, methods, acc, secs, epochs):
    n, d, ncat, k, majority = info
    row = {"set": name, "source": SUITE[name][1], "rows": n, "features": d,
           "categorical": ncat, "classes": k, "majority": majority, "seeds": seeds,
           "repeats": repeats,
           "accuracy": {}, "fit_seconds": {}, "per_seed": {m: acc[m] for m in methods},
           "mlpblas_epochs": epochs}
    for m in methods:
        s = summary(acc[m])
        # The standard error is over the splits: the repeats of one split share
        # its test rows and are not independent.
        s["se"] = summary(split_means(acc[m], repeats))["se"]
        row["accuracy"][m] = s
        row["fit_seconds"][m] = statistics.fmean(secs[m])
    refs = [m for m in methods if m != "mlpblas"]
    if "mlpblas" in methods and refs:
        best = max(refs, key=lambda m: row["accuracy"][m]["mean"])
        diff = split_means([a - b for a, b in zip(acc["mlpblas"], acc[best])], repeats)
        row["best_ref"] = best
        row["gap"] = summary(diff)
    return row


# ------------------------------------------------------------------ main
def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tool", help="the mlpblas program (default: build/mlpblas)")
    ap.add_argument("--seeds", type=int,
                    help="splits a set, seeds 0..N-1 (default: 10 under 1,000 rows, "
                         "5 under 10,000, 3 above; --quick: 3)")
    ap.add_argument("--repeats", type=int, default=1,
                    help="training seeds a split (1): separates the split's noise from "
                         "the training's")
    ap.add_argument("--quick", action="store_true",
                    help="the smaller sets only, 3 seeds unless --seeds is given")
    ap.add_argument("--sets", help="comma-separated data set names (default: the suite; "
                                   "--list prints them)")
    ap.add_argument("--methods", default=",".join(METHODS),
                    help="comma-separated methods among %s (all)" % ",".join(METHODS))
    ap.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                    help="the folder of bench/export_r_sets.R's files (build/accuracy-data)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="runs at once (1); fit times are then measured on shared cores")
    ap.add_argument("--extra-args", default="", help="options passed to mlpblas train")
    ap.add_argument("--multiclass", choices=["auto", "onehot", "column"], default="auto",
                    help="multi-class labels for mlpblas: one-hot columns c_0.. or one class "
                         "column (auto: a class column when the tool takes one)")
    ap.add_argument("--no-refs", action="store_true", help="run mlpblas only")
    ap.add_argument("--refs-from", metavar="JSON",
                    help="take the references' results from an earlier --json output (same "
                         "sets, seeds and repeats) instead of running them again")
    ap.add_argument("--json", action="store_true",
                    help="print one JSON object instead (the table goes to standard error)")
    ap.add_argument("--list", action="store_true", help="list the sets and exit")
    args = ap.parse_args()
    if args.seeds is not None and args.seeds < 1 or args.repeats < 1 or args.jobs < 1:
        ap.error("--seeds, --repeats and --jobs take a positive number")
    if args.quick and args.seeds is None:
        args.seeds = 3
    args.methods = args.methods.split(",")
    bad = [m for m in args.methods if m not in METHODS]
    if bad:
        ap.error("unknown method(s) %s; known: %s" % (",".join(bad), ",".join(METHODS)))
    if args.no_refs:
        args.methods = ["mlpblas"]
    return args


def pick_sets(args, notes):
    """The (name, info) pairs to run, info = (rows, numeric + categorical
    features, categorical, classes, the largest class's share); exported sets that are missing are skipped
    with a note, or an error when --sets names them."""
    names = [s[0] for s in suite()]
    if args.sets:
        want = args.sets.split(",")
        unknown = [w for w in want if w not in SUITE]
        if unknown:
            sys.exit("accuracy.py: unknown set(s) %s; known: %s" %
                     (",".join(unknown), ",".join(names)))
        names = [n for n in names if n in want]
    elif args.quick:
        names = [n for n in names if SUITE[n][3]]
    out, missing = [], []
    for n in names:
        try:
            X, cat, y, k = load_set(n, args.data_dir)
        except FileNotFoundError as e:
            if args.sets:
                sys.exit("accuracy.py: %s: no %s; export the R sets first: "
                         "Rscript bench/export_r_sets.R %s" % (n, e, args.data_dir))
            missing.append(n)
            continue
        out.append((n, (int(X.shape[0]), int(X.shape[1]) + len(cat), len(cat), k,
                         float(np.bincount(y).max() / len(y)))))
    if missing:
        notes.append("%d set(s) not exported, skipped (Rscript bench/export_r_sets.R %s): %s" %
                     (len(missing), args.data_dir, ",".join(missing)))
    return out


def main():
    args = parse_args()
    notes = []
    methods = list(args.methods)
    if "torch" in methods and torch is None:
        methods.remove("torch")
        notes.append("PyTorch not installed: its column is skipped (Debian: python3-torch)")
    if args.list:
        for n, src, _, quick in suite():
            print("%-22s %-10s%s" % (n, src, " quick" if quick else ""))
        return
    sets = pick_sets(args, notes)
    tool = Tool(find_tool(args.tool), args.extra_args, args.multiclass)
    if "mlpblas" in methods:
        with tempfile.TemporaryDirectory(prefix="mlpb-acc-") as tmp:
            tool.resolve_multiclass(tmp)

    cached = {}
    if args.refs_from:
        with open(args.refs_from) as f:
            old = json.load(f)
        methods = ["mlpblas"] + [m for m in old["methods"] if m != "mlpblas"]
        cached = {r["set"]: r for r in old["sets"]}
        top_seeds = old.get("seeds")
        notes.append("references' results from " + args.refs_from)

    plan = []  # (name, info, seeds)
    tasks = []
    for name, info in sets:
        seeds = args.seeds if args.seeds is not None else default_seeds(info[0])
        plan.append((name, info, seeds))
        for split in range(seeds):
            for r in range(args.repeats):
                for m in methods:
                    if m == "mlpblas" or not args.refs_from:
                        tasks.append((name, args.data_dir, split, split * args.repeats + r, m,
                                      tool))
    for name, _, seeds in plan:
        old = cached.get(name)
        # Reports of the 11-set suite hold the seeds once, at the top.
        if args.refs_from and (old is None or old.get("seeds", top_seeds) != seeds or
                               old.get("repeats", 1) != args.repeats):
            sys.exit("accuracy.py: %s has no set %s with %d seeds and %d repeats" %
                     (args.refs_from, name, seeds, args.repeats))

    worker_init(args.jobs)
    pool = (concurrent.futures.ProcessPoolExecutor(args.jobs, initializer=worker_init,
                                                   initargs=(args.jobs,))
            if args.jobs > 1 else None)
    done = pool.map(run_one, tasks) if pool else map(run_one, tasks)
    results, blas = [], None
    t_start = time.perf_counter()
    f = sys.stderr if args.json else sys.stdout
    try:
        for name, info, seeds in plan:
            acc = {m: [] for m in methods}
            secs = {m: [] for m in methods}
            epochs = []
            for i in range(seeds * args.repeats):
                for m in methods:
                    if m != "mlpblas" and args.refs_from:
                        acc[m].append(cached[name]["per_seed"][m][i])
                        secs[m].append(cached[name]["fit_seconds"][m])
                        continue
                    try:
                        a, s, ep, b = next(done)
                    except RuntimeError as e:
                        sys.exit("accuracy.py: %s: %s" % (name, e))
                    acc[m].append(a)
                    secs[m].append(s)
                    if m == "mlpblas":
                        epochs.append(ep)
                        blas = blas or b
            row = set_row(name, info, seeds, args.repeats, methods, acc, secs, epochs)
            results.append(row)
            print_row(row, methods, first=len(results) == 1, f=f)
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)

    out = {"tool": tool.path, "extra_args": args.extra_args, "seeds": args.seeds,
           "repeats": args.repeats, "jobs": args.jobs, "multiclass": tool.multiclass,
           "methods": methods, "notes": notes,
           "machine": {"cpu": cpu_model(), "cpus": os.cpu_count(), "arch": platform.machine(),
                       "tool_blas": blas,
                       "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")},
           "python": platform.python_version(), "sklearn": sklearn.__version__,
           "torch": torch.__version__ if torch is not None else None,
           "wall_seconds": time.perf_counter() - t_start, "sets": results}
    out.update(overall(results, methods))
    if args.json:
        json.dump(out, sys.stdout, indent=1)
        print()
    print_footer(out, methods, len(results), f)


def overall(results, methods):
    if not results:
        return {}
    o = {"mean_accuracy": {m: statistics.fmean(r["accuracy"][m]["mean"] for r in results)
                           for m in methods},
         "fit_seconds_total": {m: sum(r["fit_seconds"][m] for r in results) for m in methods}}
    small = [r for r in results if r["rows"] < 1000]
    if small:  # the seed spread of small sets, what "out of the box" feels like
        o["mean_std_small_sets"] = {m: statistics.fmean(r["accuracy"][m]["std"] for r in small)
                                    for m in methods}
    if "gap" in results[0]:
        n = len(results)
        o["mean_gap"] = statistics.fmean(r["gap"]["mean"] for r in results)
        o["mean_gap_se"] = math.sqrt(sum(r["gap"]["se"] ** 2 for r in results)) / n
        o["sets_within_one_se"] = sum(r["gap"]["mean"] >= -r["gap"]["se"] for r in results)
        o["sets_more_than_1_point_behind"] = [r["set"] for r in results
                                              if r["gap"]["mean"] < -0.01]
        o["sets_slower_than_sklearn"] = [r["set"] for r in results if "sklearn" in methods and
                                         r["fit_seconds"]["mlpblas"] >= r["fit_seconds"]["sklearn"]]
    return o


def print_row(row, methods, first, f):
    if first:
        head = "%-22s %5s %3s %3s %2s" % ("set", "rows", "d", "k", "n")
        for m in methods:
            head += "  %-24s" % (m + " acc+-sd (se) s")
        if "gap" in row:
            head += "  gap+-sd (se) to best ref"
        print(head, file=f)
    line = "%-22s %5d %3d %3d %2d" % (row["set"], row["rows"], row["features"],
                                      row["classes"], row["seeds"] * row["repeats"])
    for m in methods:
        a = row["accuracy"][m]
        line += "  %6.2f+-%5.2f (%4.2f) %5.2f" % (100 * a["mean"], 100 * a["std"],
                                                  100 * a["se"], row["fit_seconds"][m])
    if "gap" in row:
        g = row["gap"]
        mark = "  BELOW 1" if g["mean"] < -0.01 else "  below" if g["mean"] < -g["se"] else ""
        line += "  %+5.2f+-%4.2f (%4.2f) vs %s%s" % (100 * g["mean"], 100 * g["std"],
                                                     100 * g["se"], row["best_ref"], mark)
    print(line, file=f, flush=True)


def print_footer(out, methods, n_sets, f):
    print("accuracy in %%; mean +- standard deviation over n runs (splits x repeats, "
          "repeats %d); (standard error over the splits); s = mean fit seconds; "
          "d = features, k = classes" % out["repeats"], file=f)
    if "mean_accuracy" in out:
        print("mean over %d sets: " % n_sets +
              ", ".join("%s %.2f" % (m, 100 * out["mean_accuracy"][m]) for m in methods) +
              "; fit seconds in all: " +
              ", ".join("%s %.1f" % (m, out["fit_seconds_total"][m]) for m in methods), file=f)
    if "mean_std_small_sets" in out:
        print("mean seed spread (sd) on sets under 1,000 rows: " +
              ", ".join("%s %.2f" % (m, 100 * out["mean_std_small_sets"][m]) for m in methods),
              file=f)
    if "mean_gap" in out:
        behind = out["sets_more_than_1_point_behind"]
        print("mean gap %+.2f (se %.2f); %d/%d sets at least the better reference within one "
              "se; %d more than 1 point behind%s" %
              (100 * out["mean_gap"], 100 * out["mean_gap_se"], out["sets_within_one_se"],
               n_sets, len(behind), (": " + ",".join(behind)) if behind else ""), file=f)
        if "sklearn" in methods:
            slow = out["sets_slower_than_sklearn"]
            print("mlpblas fit slower than sklearn's on %d set(s)%s" %
                  (len(slow), (": " + ",".join(slow)) if slow else ""), file=f)
    m = out["machine"]
    print("machine: %s (%d cpus, %s); tool BLAS: %s; OPENBLAS_CORETYPE=%s; jobs %d; "
          "%.0f s wall" % (m["cpu"], m["cpus"] or 0, m["arch"], m["tool_blas"],
                           m["OPENBLAS_CORETYPE"] or "(unset)", out["jobs"],
                           out["wall_seconds"]), file=f)
    print("multi-class labels for mlpblas: %s; extra args: %r" %
          (out["multiclass"], out["extra_args"]), file=f)
    for n in out["notes"]:
        print("note: " + n, file=f)


if __name__ == "__main__":
    main()
