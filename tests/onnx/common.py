"""Helpers of the ONNX tests: skipping with a reason, running commands,
reading `mlpblas predict` output."""
import csv
import os
import shutil
import subprocess
import sys

SKIP = 77  # the tests' SKIP_RETURN_CODE


def skip(reason):
    """Report skipped, or fail where MLPB_ONNX_REQUIRE is set (CI)."""
    if os.environ.get("MLPB_ONNX_REQUIRE"):
        sys.exit("required by MLPB_ONNX_REQUIRE, but: " + reason)
    print("SKIPPED: " + reason)
    sys.exit(SKIP)


def run(*args, **kw):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit("command failed (%d): %s\n%s%s" % (r.returncode, " ".join(map(str, args)),
                                                     r.stdout, r.stderr))
    return r


def need_onnx():
    try:
        import onnx  # noqa: F401
    except ImportError as e:
        skip("python3 module onnx is missing (%s; Debian: python3-onnx)" % e)


def need_ort(node_dir):
    """onnxruntime-node in node_dir, installed with npm if missing."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        skip("node or npm is missing (Debian: nodejs npm)")
    mod = os.path.join(node_dir, "node_modules", "onnxruntime-node")
    if not os.path.isdir(mod):
        os.makedirs(node_dir, exist_ok=True)
        r = subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund",
                            "onnxruntime-node@1.20.1"], cwd=node_dir, capture_output=True,
                           text=True, timeout=600)
        if r.returncode != 0 or not os.path.isdir(mod):
            skip("npm install onnxruntime-node@1.20.1 failed (no registry?): " +
                 (r.stderr.strip().splitlines() or ["?"])[-1])


def read_predict(path, k, multiclass):
    """Probabilities (rows of k) and labels of `mlpblas predict` CSV."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    if multiclass:
        probs = [[float(v) for v in r[1:1 + k]] for r in body]
        labels = [r[0] for r in body]
    else:
        probs = [[float(v) for v in r[:k]] for r in body]
        labels = [[int(v) for v in r[k:2 * k]] for r in body]
    return head, probs, labels
