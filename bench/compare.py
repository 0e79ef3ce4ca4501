#!/usr/bin/env python3
"""compare.py -- mlpblas against the usual alternatives on the same shapes.

Runs, in one process and for the same cases: mlpblas-bench --json; the seed's
equations written directly in NumPy (forward, BCE from the logits, backward,
SGD update, float32); and PyTorch nn.Sequential + BCEWithLogitsLoss + SGD when
torch can be imported (best of 1 and 2 torch threads). Prints samples/s and the
ratios mlpblas/numpy and mlpblas/torch. Informational only: nothing here is a
test. Usage: compare.py [BENCH] [--case B,D,H[,H2...],K]... [--reps N]
[--min-time S] [--threads N] [--serial-small | --split]
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LR = 1e-4  # as mlpblas-bench: small, so repeated steps on one batch stay finite
# mlpblas-bench's default cases, run one at a time.
DEFAULT_CASES = [("tiny", "64,32,64,1"), ("higgs", "256,28,300,1"),
                 ("medium", "256,256,512,1"), ("mnist", "1024,784,1024,10"),
                 ("large", "1024,1024,2048,16")]


def find_bench(path):
    if path:
        return path
    first = os.path.join(ROOT, "build", "bench", "mlpblas-bench")
    if os.access(first, os.X_OK):
        return first
    found = [p for p in glob.glob(os.path.join(ROOT, "build*", "bench", "mlpblas-bench"))
             if os.access(p, os.X_OK)]
    if not found:
        sys.exit("compare.py: no mlpblas-bench under build/bench; build it or pass its path")
    return max(found, key=os.path.getmtime)


def time_op(fn, reps, min_time):
    """Warm-up for a quarter of min_time, then reps rounds of >= min_time;
    returns (median, min) seconds per call, as mlpblas-bench measures."""
    t0 = time.perf_counter()
    calls = 0
    while True:
        fn()
        calls += 1
        t = time.perf_counter() - t0
        if t >= 0.25 * min_time:
            break
    iters = max(1, int(min_time / max(t / calls, 1e-9) + 0.999))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        times.append((time.perf_counter() - t0) / iters)
    return statistics.median(times), min(times)


def case_data(np, c, seed=1):
    rng = np.random.default_rng(seed)
    sizes = [c["inputs"]] + list(c["hidden"]) + [c["outputs"]]
    x = rng.uniform(-1.0, 1.0, (c["batch"], sizes[0])).astype(np.float32)
    y = (rng.random((c["batch"], sizes[-1])) < 0.5).astype(np.float32)
    return sizes, x, y


def numpy_ops(np, c):
    """The seed's equations for L hidden layers, one sample a row."""
    sizes, x, y = case_data(np, c)
    rng = np.random.default_rng(2)
    nl = len(sizes) - 1
    w = []
    for i in range(nl):
        std = (2.0 / sizes[i]) ** 0.5 if i + 1 < nl else (2.0 / (sizes[i] + sizes[i + 1])) ** 0.5
        w.append((rng.standard_normal((sizes[i], sizes[i + 1])) * std).astype(np.float32))
    b = [np.zeros(s, np.float32) for s in sizes[1:]]
    n = x.shape[0]

    def forward():
        hs = [x]
        h = x
        for i in range(nl - 1):
            a = h @ w[i]                   # a_k = h_{k-1} w_k + b_k
            a += b[i]
            np.maximum(a, 0.0, out=a)      # h_k = ReLU(a_k)
            hs.append(a)
            h = a
        z = h @ w[-1]
        z += b[-1]
        return hs, z

    def predict():
        _, z = forward()
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-z))

    def train():
        hs, z = forward()
        # mean over samples of the BCE summed over outputs, from the logits
        loss = (np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))).sum() / n
        with np.errstate(over="ignore"):
            g = (1.0 / (1.0 + np.exp(-z)) - y) / n   # dBCE/da at the output: (yhat - y)/n
        for i in range(nl - 1, -1, -1):
            dw = hs[i].T @ g                # dW = h^T (yhat - y)
            db = g.sum(axis=0)
            if i > 0:
                g = (g @ w[i].T) * (hs[i] > 0)   # (yhat - y) W^T . f'(a)
            w[i] -= LR * dw
            b[i] -= LR * db
        return loss

    return train, predict


def torch_ops(torch, c, np):
    sizes, x_np, y_np = case_data(np, c)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    x = torch.from_numpy(x_np)
    y = torch.from_numpy(y_np)
    n = x.shape[0]

    def train():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y) / n    # the same mean-over-samples loss as mlpblas
        loss.backward()
        opt.step()

    def predict():
        with torch.no_grad():
            return torch.sigmoid(model(x))

    return train, predict


def numpy_blas():
    """The BLAS that NumPy uses, as well as can be told."""
    try:
        from threadpoolctl import threadpool_info
        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            return f"{info[0].get('internal_api')} {info[0].get('version')} " \
                   f"{info[0].get('architecture')}, {info[0].get('num_threads')} threads"
    except ImportError:
        # No threadpoolctl: name the BLAS library numpy has loaded.
        try:
            with open("/proc/self/maps", encoding="utf-8") as maps:
                libs = sorted({ln.split()[-1] for ln in maps
                               if "blas" in ln.lower() and ".so" in ln
                               and "lapack" not in ln.lower()})
            if libs:
                return ", ".join(libs)
        except OSError:
            pass
    return "unknown"


def fmt_rate(v):
    return "-" if v is None else f"{v:.0f}"


def fmt_ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bench", nargs="?", help="path of mlpblas-bench (default: build*/bench)")
    ap.add_argument("--case", action="append", default=[], help="B,D,H[,H2...],K")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--threads", type=int, help="BLAS threads for mlpblas-bench")
    ap.add_argument("--serial-small", action="store_true",
                    help="pass --serial-small to mlpblas-bench (small products on one thread)")
    ap.add_argument("--split", action="store_true",
                    help="pass --split to mlpblas-bench (batches split across threads)")
    args = ap.parse_args()
    if args.serial_small and args.split:
        ap.error("--serial-small and --split exclude each other")

    base = [find_bench(args.bench), "--json", "--reps", str(args.reps),
            "--min-time", str(args.min_time)]
    if args.threads:
        base += ["--threads", str(args.threads)]
    if args.serial_small:
        base += ["--serial-small"]
    if args.split:
        base += ["--split"]
    specs = [(None, c) for c in args.case] or DEFAULT_CASES

    try:
        import numpy as np
    except ImportError as e:
        np = None
        print(f"# numpy unavailable ({e}); Debian: python3-numpy")
    try:
        import torch
    except ImportError as e:
        torch = None
        print(f"# torch unavailable ({e}): no torch column")
    if np is None:
        torch = None
    else:
        print(f"# numpy {np.__version__} (BLAS: {numpy_blas()})")
    if torch is not None:
        print(f"# torch {torch.__version__}, best of 1 and 2 threads")

    # Case by case, mlpblas then NumPy then PyTorch, so that the three figures
    # of a case are taken minutes closer together than whole passes over all
    # cases would allow: on a shared machine the speed drifts with the load.
    rows, cases, np_rate, torch_rate = [], [], {}, {}
    for i, (name, spec) in enumerate(specs):
        cmd = base + ["--case", spec]
        print("$ " + " ".join(cmd))
        run = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if run.returncode != 0:
            sys.exit(f"compare.py: mlpblas-bench failed ({run.returncode}):\n{run.stderr}")
        if i == 0:
            for line in run.stderr.splitlines():
                if line.startswith("#") and not line.startswith("# peak"):
                    print(line)
        got = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
        for r in got:
            r["case"] = name or r["case"]
        rows += got
        c = got[0]
        cases.append(c)
        if np is not None:
            train, predict = numpy_ops(np, c)
            for mode, fn in (("train", train), ("forward", predict)):
                med, _ = time_op(fn, args.reps, args.min_time)
                np_rate[(c["case"], mode)] = c["batch"] / med
        if torch is not None:
            for threads in (1, 2):
                torch.set_num_threads(threads)
                train, predict = torch_ops(torch, c, np)
                for mode, fn in (("train", train), ("forward", predict)):
                    med, _ = time_op(fn, args.reps, args.min_time)
                    key = (c["case"], mode)
                    torch_rate[key] = max(torch_rate.get(key, 0.0), c["batch"] / med)

    lib = {(r["case"], r["mode"]): r["samples_per_s"] for r in rows}
    print(f"{'case':<12} {'mode':<7} {'samples/s':>12} {'GFLOP/s':>8} {'floor smp/s':>12} "
          f"{'floor':>6} {'peak':>6}")
    for r in rows:
        print(f"{r['case']:<12} {r['mode']:<7} {r['samples_per_s']:>12.0f} {r['gflops']:>8.2f} "
              f"{r['floor_samples_per_s']:>12.0f} {r['floor_ratio']:>6.3f} "
              f"{r['peak_ratio']:>6.3f}")

    print(f"# samples/s, medians of {args.reps} rounds of >= {args.min_time} s")
    head = f"{'case':<12} {'mode':<7} {'mlpblas':>12} {'numpy':>12} {'torch':>12} " \
           f"{'mlpb/numpy':>10} {'mlpb/torch':>10}"
    print(head)
    for c in cases:
        for mode in ("train", "forward"):
            key = (c["case"], mode)
            a, b, t = lib.get(key), np_rate.get(key), torch_rate.get(key)
            print(f"{c['case']:<12} {mode:<7} {fmt_rate(a):>12} {fmt_rate(b):>12} "
                  f"{fmt_rate(t):>12} {fmt_ratio(a, b):>10} {fmt_ratio(a, t):>10}")


if __name__ == "__main__":
    main()
