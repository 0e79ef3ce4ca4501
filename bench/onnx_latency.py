"""Batch-1 latency of mlpb_predict against onnxruntime (Node binding) on
the same ONNX file: a 256-512-1 PyTorch MLP, exported by torch.onnx.export
and imported by `mlpblas import`. Both on one thread (OPENBLAS_NUM_THREADS=1,
onnxruntime intra/inter-op 1), alternated over ROUNDS rounds of REPS calls;
each figure is a median. onnxruntime's figure includes the Node binding's
call overhead (tensor wrapping, the async call, the output object): the
same loop on a graph of one Identity node of the same input estimates it,
and "model" is the difference. docs/onnx.md has the table.
usage: onnx_latency.py BUILD_DIR [REPS [ROUNDS]]"""
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "onnx"))
from common import need_ort, run  # noqa: E402


def main():
    build = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    import torch
    from onnx import TensorProto, helper, save
    work = os.path.join(build, "onnx-latency")
    node_dir = os.path.join(build, "tests", "onnx", "node")
    need_ort(node_dir)
    os.makedirs(work, exist_ok=True)
    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Linear(256, 512), torch.nn.ReLU(),
                              torch.nn.Linear(512, 1), torch.nn.Sigmoid()).eval()
    x = torch.randn(1, 256)
    onnxp = os.path.join(work, "mlp_256_512_1.onnx")
    torch.onnx.export(net, x, onnxp, opset_version=13, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    ident = os.path.join(work, "identity_256.onnx")
    g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 256])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 256])])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), ident)
    model = os.path.join(work, "mlp_256_512_1.mlpb")
    run(os.path.join(build, "mlpblas"), "import", onnxp, "--out", model)
    txt, js = os.path.join(work, "x.txt"), os.path.join(work, "x.json")
    with open(txt, "w") as f:
        f.write("1 256\n" + " ".join("%.9g" % v for v in x[0].tolist()) + "\n")
    with open(js, "w") as f:
        json.dump({"d": 256, "rows": [x[0].tolist()]}, f)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    src = os.path.join(os.path.dirname(__file__), "..", "tests", "onnx", "ort_run.js")
    mine, ort, empty = [], [], []
    for _ in range(rounds):
        out = run(os.path.join(build, "tests", "onnx", "mlpb_prob"), model, txt, "--time",
                  reps, env=env).stdout.split()
        mine.append(float(out[1]))
        out = run("node", src, node_dir, onnxp, js, "--time", reps, ident, env=env).stdout.split()
        ort.append(float(out[1]))
        empty.append(float(out[4]))
    m, o, e = (statistics.median(v) for v in (mine, ort, empty))
    print("rounds %d x %d calls, batch 1, one thread; medians of the rounds' medians (us)"
          % (rounds, reps))
    print("| runtime | per call (us) |")
    print("|---|---|")
    print("| mlpblas mlpb_predict (C) | %.2f |" % m)
    print("| onnxruntime-node 1.20.1, whole call | %.2f |" % o)
    print("| onnxruntime-node, Identity graph (binding overhead) | %.2f |" % e)
    print("| onnxruntime, model less overhead | %.2f |" % (o - e))
    print("rounds: mlpblas %s; ort %s; identity %s" % (mine, ort, empty))


if __name__ == "__main__":
    main()
