"""mlpblas export, checked by independent implementations: every exported
model passes onnx.checker.check_model(full_check=True), and onnxruntime
(Node binding) computes probabilities within 1e-6 of `mlpblas predict`'s,
labels equal, in one batch of all rows and row by row; and `mlpblas import`
of the export writes the same model file, byte for byte. Models: the bundled
breast-cancer data (binary; one and three hidden layers), digits
(multi-class, 10 classes, 1,000 rows) and a multi-label set.
usage: export_ort.py MLPBLAS SRC_DIR WORK_DIR NODE_DIR"""
import csv
import json
import os
import sys

from common import need_onnx, need_ort, read_predict, run

TOL = 1e-6


def main():
    mlpblas, src, work, node_dir = sys.argv[1:5]
    need_onnx()
    need_ort(node_dir)
    import onnx
    os.makedirs(work, exist_ok=True)
    data = os.path.join(src, "tests", "data")
    cases = [
        ("bc", os.path.join(data, "breast_cancer.csv"), ["--hidden", "16"], "binary"),
        ("bc3", os.path.join(data, "breast_cancer.csv"), ["--hidden", "32,16,8"], "binary"),
        ("digits", os.path.join(data, "cli", "digits.csv"), ["--hidden", "32"], "multi-class"),
        ("multi", os.path.join(data, "cli", "multi.csv"), ["--label", "a,b", "--hidden", "8"],
         "multi-label"),
    ]
    worst = 0.0
    for name, csvp, opts, task in cases:
        case_worst = 0.0
        model = os.path.join(work, name + ".mlpb")
        onnxp = os.path.join(work, name + ".onnx")
        run(mlpblas, "train", csvp, "--out", model, "--epochs", "20", "--quiet", *opts)
        run(mlpblas, "export", model, "--onnx", onnxp)
        # Import gives back the model file byte for byte: parameters,
        # standardisation, names and schema.
        back = os.path.join(work, name + ".back.mlpb")
        run(mlpblas, "import", onnxp, "--out", back)
        with open(model, "rb") as a, open(back, "rb") as b:
            assert a.read() == b.read(), (name, "export then import changed the model file")
        m = onnx.load(onnxp)
        onnx.checker.check_model(m, full_check=True)
        meta = {p.key: p.value for p in m.metadata_props}
        assert meta["mlpblas.task"] == task, (name, meta["mlpblas.task"])
        features = meta["mlpblas.input_names"].split("\n")
        outputs = meta["mlpblas.output_names"].split("\n")
        k = len(outputs)
        # The encoded feature vector: these data are all numbers, so the
        # inputs are the feature columns in the model's order.
        with open(csvp, newline="") as f:
            lines = [l for l in f if not l.startswith("#")]
        table = list(csv.reader(lines))
        col = {h: i for i, h in enumerate(table[0])}
        rows = [[float(r[col[c]]) for c in features] for r in table[1:] if r]
        inp = os.path.join(work, name + ".in.json")
        with open(inp, "w") as f:
            json.dump({"d": len(features), "rows": rows}, f)
        outp = os.path.join(work, name + ".ort.json")
        run("node", os.path.join(src, "tests", "onnx", "ort_run.js"), node_dir, onnxp, inp, outp)
        with open(outp) as f:
            ort = json.load(f)
        pred = os.path.join(work, name + ".pred.csv")
        run(mlpblas, "predict", model, csvp, "--out", pred)
        _, probs, labels = read_predict(pred, k, task == "multi-class")
        assert len(probs) == len(rows), (len(probs), len(rows))
        for i, p in enumerate(probs):
            for part, at in ((ort["batch"], i), (ort["single"][i], 0)):
                q = part["probabilities"][at * k:(at + 1) * k]
                for j in range(k):
                    err = abs(p[j] - q[j])
                    case_worst = max(case_worst, err)
                    assert err <= TOL, (name, i, j, p[j], q[j])
                lab = part["label"]
                if task == "multi-class":
                    assert outputs[lab[at]] == labels[i], (name, i, lab[at], labels[i])
                elif task == "binary":
                    assert lab[at] == labels[i][0], (name, i)
                else:
                    assert lab[at * k:(at + 1) * k] == labels[i], (name, i)
        worst = max(worst, case_worst)
        print("%-6s %-11s %4d rows x %2d outputs: onnxruntime = mlpblas predict within %.1e"
              " (batch %d and batch 1); largest difference %.3g"
              % (name, task, len(rows), k, TOL, len(rows), case_worst))
    print("largest |onnxruntime - mlpblas| over all probabilities: %.3g" % worst)


if __name__ == "__main__":
    main()
