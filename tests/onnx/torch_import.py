"""PyTorch's ONNX exports of sequential MLPs, imported by `mlpblas import`:
1 to 3 hidden layers, with and without a final Sigmoid, opsets 9, 11, 13
and 17, plus hand-built MatMul+Add/Flatten/Identity and float_data
variants; mlpblas's probabilities equal PyTorch's (sigmoid of its output
where the graph had none) within 1e-5, in float64 references. Then hostile
files: each refused with a message naming what is wrong.
usage: torch_import.py MLPBLAS MLPB_PROB WORK_DIR"""
import os
import subprocess
import sys

from common import need_onnx, run, skip

TOL = 1e-5


def probs(mlpb_prob, model, x, path):
    with open(path, "w") as f:
        f.write("%d %d\n" % x.shape)
        for r in x:
            f.write(" ".join("%.9g" % v for v in r) + "\n")
    out = run(mlpb_prob, model, path).stdout.split("\n")
    return [[float(v) for v in l.split()] for l in out if l.strip()]


def import_ok(mlpblas, onnxp, model):
    r = run(mlpblas, "import", onnxp, "--out", model)
    return r.stderr


def refused(mlpblas, onnxp, work, want):
    out = os.path.join(work, "refused.mlpb")
    r = subprocess.run([mlpblas, "import", onnxp, "--out", out], capture_output=True, text=True)
    assert r.returncode == 1, (onnxp, r.returncode, r.stderr)
    assert want in r.stderr, (onnxp, want, r.stderr)
    assert not os.path.exists(out), out
    print("refused %-22s %s" % (os.path.basename(onnxp), r.stderr.strip()))


def torch_cases(mlpblas, mlpb_prob, work):
    try:
        import torch
    except ImportError as e:
        skip("python3 module torch is missing (%s; Debian: python3-torch)" % e)
    torch.manual_seed(7)
    n, worst = 0, 0.0
    for hidden in ([16], [32, 8], [24, 12, 6]):
        for final_sigmoid in (True, False):
            for opset in (9, 11, 13, 17):
                d, k = 7, 3 if final_sigmoid else 2
                layers, w = [], d
                for h in hidden:
                    layers += [torch.nn.Linear(w, h), torch.nn.ReLU()]
                    w = h
                layers.append(torch.nn.Linear(w, k))
                if final_sigmoid:
                    layers.append(torch.nn.Sigmoid())
                net = torch.nn.Sequential(*layers).eval()
                x = torch.randn(50, d) * 2
                name = "torch_h%d_%s_op%d" % (len(hidden), "sig" if final_sigmoid else "lin",
                                              opset)
                onnxp = os.path.join(work, name + ".onnx")
                torch.onnx.export(net, x[:1], onnxp, opset_version=opset,
                                  input_names=["x"], output_names=["y"],
                                  dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
                model = os.path.join(work, name + ".mlpb")
                note = import_ok(mlpblas, onnxp, model)
                assert ("Sigmoid was appended" in note) == (not final_sigmoid), note
                with torch.no_grad():
                    ref = net.double()(x.double())
                    net.float()
                if not final_sigmoid:
                    ref = torch.sigmoid(ref)
                got = probs(mlpb_prob, model, x.numpy(), os.path.join(work, name + ".in"))
                err = max(abs(got[i][j] - float(ref[i, j])) for i in range(50) for j in range(k))
                assert err <= TOL, (name, err)
                worst = max(worst, err)
                n += 1
    print("%d PyTorch exports imported; probabilities within %.0e of PyTorch's (largest "
          "difference %.3g)" % (n, TOL, worst))
    return torch


def helper_cases(mlpblas, mlpb_prob, work):
    """MatMul+Add, Flatten, Identity, float_data; and hostile graphs."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper, save
    rng = np.random.default_rng(3)
    d, h, k = 5, 6, 2
    w0 = rng.standard_normal((d, h)).astype(np.float32)
    b0 = rng.standard_normal(h).astype(np.float32)
    w1 = rng.standard_normal((h, k)).astype(np.float32)
    b1 = rng.standard_normal(k).astype(np.float32)

    def tensor(name, a, raw=True):
        t = numpy_helper.from_array(a, name)
        if not raw:
            t = helper.make_tensor(name, TensorProto.FLOAT, a.shape, a.flatten().tolist())
        return t

    def model(nodes, inits, opset=13, inp_shape=("N", d), out="y"):
        g = helper.make_graph(nodes, "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, inp_shape)],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
                              inits)
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])

    mm = [helper.make_node("Identity", ["x"], ["x1"]),
          helper.make_node("Flatten", ["x1"], ["x2"], axis=1),
          helper.make_node("MatMul", ["x2", "W0"], ["m0"]),
          helper.make_node("Add", ["B0", "m0"], ["a0"]),
          helper.make_node("Relu", ["a0"], ["r0"]),
          helper.make_node("MatMul", ["r0", "W1"], ["m1"]),
          helper.make_node("Add", ["m1", "B1"], ["y"])]
    inits = [tensor("W0", w0), tensor("B0", b0, False), tensor("W1", w1, False), tensor("B1", b1)]
    p = os.path.join(work, "matmul_add.onnx")
    save(model(mm, inits), p)
    import_ok(mlpblas, p, os.path.join(work, "matmul_add.mlpb"))
    x = rng.standard_normal((20, d))
    hid = np.maximum(x @ w0.astype(np.float64) + b0, 0)
    ref = 1 / (1 + np.exp(-(hid @ w1.astype(np.float64) + b1)))
    got = np.array(probs(mlpb_prob, os.path.join(work, "matmul_add.mlpb"), x,
                         os.path.join(work, "matmul_add.in")))
    assert np.abs(got - ref).max() <= TOL, np.abs(got - ref).max()
    print("MatMul+Add, Flatten, Identity, float_data: within %.0e of float64" % TOL)

    gemm = lambda i, o, w, b: helper.make_node("Gemm", [i, w, b], [o])
    base = [gemm("x", "h0", "W0", "B0"), helper.make_node("Relu", ["h0"], ["r0"]),
            gemm("r0", "y", "W1", "B1")]
    hostile = {
        "conv.onnx": (model([helper.make_node("Conv", ["x", "W0"], ["c"])] + base[1:], inits),
                      "operator Conv"),
        "4d_initializer.onnx": (model(base, [tensor("W0", w0.reshape(1, 1, d, h))] + inits[1:]),
                                "tensor 'W0': rank 4"),
        "mismatch.onnx": (model(base, [inits[0], tensor("B0", b0[:4])] + inits[2:]),
                          "tensor 'B0' has 4 values for a layer of width 6"),
        "cycle.onnx": (model([gemm("x", "h0", "W0", "B0"), helper.make_node("Relu", ["h0"], ["r0"]),
                              gemm("r0", "h0", "W1", "B1")], inits, out="z"), "cycle"),
        "unsupported_attr.onnx": (model([helper.make_node("Gemm", ["x", "W0", "B0"], ["h0"],
                                                          alpha=2.0)] + base[1:], inits),
                                  "alpha 2"),
        "opset8.onnx": (model(base, inits, opset=8), "opset 8"),
    }
    # Huge dims: a [2^20, 2^20] weight (2^40 floats) held in 120 bytes.
    huge = tensor("W0", w0)
    del huge.dims[:]
    huge.dims.extend([1 << 20, 1 << 20])
    hostile["huge_dims.onnx"] = (model(base, [huge] + inits[1:]),
                                 "claim 1099511627776 floats, its data holds 30")
    for fname, (m, want) in hostile.items():
        p = os.path.join(work, fname)
        save(m, p)
        refused(mlpblas, p, work, want)


def main():
    mlpblas, mlpb_prob, work = sys.argv[1:4]
    need_onnx()
    os.makedirs(work, exist_ok=True)
    helper_cases(mlpblas, mlpb_prob, work)
    torch_cases(mlpblas, mlpb_prob, work)


if __name__ == "__main__":
    main()
