"""Model files shared with the mlpblas tool: a model trained by either side
predicts on the other what it predicts at home (max difference <= 1e-6, the
same classes), through the schema the tool keeps in the model."""
import csv
import subprocess

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris, make_classification

from mlpblas import MLPClassifier

TOL = 1e-6


def _write_csv(path, header, X, y=None):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header + ([] if y is None else ["label"]))
        for i, row in enumerate(X):
            w.writerow(["%.9g" % v for v in row] + ([] if y is None else [y[i]]))


def _predict_tool(tool, model, data):
    out = subprocess.run([tool, "predict", str(model), str(data)], check=True,
                         capture_output=True, text=True).stdout
    rows = list(csv.reader(out.splitlines()))
    return rows[0], rows[1:]


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_python_model_predicts_the_same_in_the_tool(tool, tmp_path, task):
    if task == "multiclass":
        X, yi = load_iris(return_X_y=True)
        y = np.array(["setosa", "versi color", "virginica"])[yi]
    else:
        X, y = make_classification(n_samples=300, n_features=5, random_state=0)
        if task == "multilabel":
            y = np.column_stack([y, (X[:, 1] > 0).astype(int)])
    clf = MLPClassifier(random_state=0).fit(X, y)
    clf.save(tmp_path / "m.mlpb")
    # Columns in another order and an extra column: the tool matches by name.
    names = ["x%d" % i for i in range(X.shape[1])]
    order = list(reversed(range(X.shape[1])))
    _write_csv(tmp_path / "d.csv", ["extra"] + [names[i] for i in order],
               np.column_stack([np.zeros(len(X)), X[:, order]]))
    header, rows = _predict_tool(tool, tmp_path / "m.mlpb", tmp_path / "d.csv")
    x32 = X.astype(np.float32).astype(np.float64)  # the CSV holds %.9g: exact floats
    out = clf.predict_outputs(x32)
    if task == "multiclass":
        assert header == ["y"] + ["prob_" + c for c in clf.classes_]
        got = np.array([[float(v) for v in r[1:]] for r in rows])
        assert [r[0] for r in rows] == list(clf.predict(x32))
    else:
        k = out.shape[1]
        got = np.array([[float(v) for v in r[:k]] for r in rows])
        pred = np.array([[int(v) for v in r[k:]] for r in rows])
        assert np.array_equal(pred.ravel(), (out >= 0.5).astype(int).ravel())
    assert np.abs(got - out).max() <= TOL


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
@pytest.mark.parametrize("labels", ["numbers", "strings"])
def test_tool_model_loads_and_predicts_the_same(tool, tmp_path, labels):
    X, y = load_breast_cancer(return_X_y=True) if labels == "numbers" else \
        load_iris(return_X_y=True)
    if labels == "strings":
        y = np.array(["setosa", "versicolor", "virginica"])[y]
    names = ["f%d" % i for i in range(X.shape[1])]
    _write_csv(tmp_path / "t.csv", names, X, y)
    subprocess.run([tool, "train", str(tmp_path / "t.csv"), "--out", str(tmp_path / "t.mlpb"),
                    "--epochs", "40", "--quiet"], check=True)
    clf = MLPClassifier.load(tmp_path / "t.mlpb")
    assert list(clf.feature_names_in_) == names
    header, rows = _predict_tool(tool, tmp_path / "t.mlpb", tmp_path / "t.csv")
    x32 = X.astype(np.float32).astype(np.float64)
    out = clf.predict_outputs(x32)
    if labels == "strings":
        assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
        got = np.array([[float(v) for v in r[1:]] for r in rows])
        assert [r[0] for r in rows] == list(clf.predict(x32))
    else:
        assert list(clf.classes_) == [0, 1]
        got = np.array([[float(r[0])] for r in rows])
        assert [int(r[1]) for r in rows] == list(clf.predict(x32))
    assert np.abs(got - out).max() <= TOL
    # And back: saved from Python, the same predictions in the tool.
    clf.save(tmp_path / "again.mlpb")
    _, rows2 = _predict_tool(tool, tmp_path / "again.mlpb", tmp_path / "t.csv")
    assert rows2 == rows


def test_tool_model_with_categories_is_refused_clearly(tool, tmp_path):
    with open(tmp_path / "c.csv", "w") as f:
        f.write("colour,size,label\n")
        for i in range(40):
            f.write("%s,%d,%d\n" % (["red", "blue"][i % 2], i, i % 2))
    subprocess.run([tool, "train", str(tmp_path / "c.csv"), "--out",
                    str(tmp_path / "c.mlpb"), "--epochs", "2", "--quiet"], check=True)
    with pytest.raises(ValueError, match="categorical feature 'colour'"):
        MLPClassifier.load(tmp_path / "c.mlpb")


def test_tool_reads_the_python_schema(tool, tmp_path):
    X, y = make_classification(n_samples=100, n_features=3, n_informative=2,
                               n_redundant=0, random_state=1)
    MLPClassifier(epochs=3, random_state=1).fit(X, np.where(y, "yes", "no")).save(
        tmp_path / "m.mlpb")
    info = subprocess.run([tool, "info", str(tmp_path / "m.mlpb"), "--verify"], check=True,
                          capture_output=True, text=True).stdout
    assert "x0" in info and "yes" in info


def test_schema_parser_refuses_damage_with_value_errors():
    """The schema is read from a model file, untrusted: every mutation of a
    valid text either parses or raises ValueError, never anything else."""
    from mlpblas import _schema
    good = _schema.encode("multiclass", ["a", "b\tc"], ["y"], classes=["p", "q", "r"])
    assert _schema.decode(good).features == ["a", "b\tc"]
    good2 = _schema.encode("binary", ["a"], ["y"], neg_pos=[("no", "yes")])
    head = "mlpblas-schema\t1\nformat\tcsv\ntask\tbinary\nmissing\terror\ninputs\t1\n"
    for tail in ("outputs\t1\nlabel\ty\nnum\ta\nend\n",          # a binary label's values
                 "outputs\t1\nlabel\ty\t0\t1\nclass\nnum\ta\nend\n",  # a class alone
                 "outputs\t1\nlabel\ty\t0\t1\nnum\nend\n",        # a feature without name
                 "outputs\t1\nlabel\ty\t0\t1\nnum\ta\tmean\nend\n",
                 "outputs\tx\nlabel\ty\t0\t1\nnum\ta\nend\n",
                 "outputs\t2\nlabel\ty\t0\t1\nnum\ta\nend\n"):
        with pytest.raises(ValueError):
            _schema.decode(head + tail)
    rng = np.random.RandomState(0)
    alphabet = "\t\n\\x0ab label class num cat 1 2 3 multiclass"
    for text in (good, good2) * 300:
        t = list(text)
        for _ in range(rng.randint(1, 4)):
            i = rng.randint(len(t))
            op = rng.randint(3)
            if op == 0:
                del t[i]
            elif op == 1:
                t.insert(i, alphabet[rng.randint(len(alphabet))])
            else:
                t[i] = alphabet[rng.randint(len(alphabet))]
        try:
            _schema.decode("".join(t))
        except ValueError:
            pass
