"""The `mlpblas` tool's schema text (docs/cli.md, "The schema in a model").

The tool keeps under the metadata key "mlpblas.schema" what a model was
trained on: feature columns, label columns, classes. A model saved from
Python carries one written here, so `mlpblas predict` and `eval` find the
features by name in a CSV file; a tool model's schema is read back here to
give the estimator its classes and feature names. Only numeric features are
supported on the Python side: a tool model with categorical features,
imputation or was-missing inputs is refused with a message.
"""
import re

KEY = "mlpblas.schema"


def _escape(v):
    out = []
    for ch in v:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F:
            out.append("\\x%02x" % o)
        else:
            out.append(ch)
    return "".join(out)


_ESC = re.compile(r"\\(\\|t|n|r|x[0-9a-fA-F]{2})")


def _unescape(v):
    def rep(m):
        s = m.group(1)
        return {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}.get(s) or chr(int(s[1:], 16))
    return _ESC.sub(rep, v)


def encode(task, features, labels, classes=None, neg_pos=None):
    """The schema text of a CSV model of numeric features.

    task: "binary", "multiclass" or "multilabel"; features: the input names;
    labels: the label column names (one for binary and multiclass); classes:
    the class texts in output order (multiclass); neg_pos: the (0, 1) texts
    of each label (binary, multilabel)."""
    k = len(classes) if task == "multiclass" else len(labels)
    lines = ["mlpblas-schema\t1", "format\tcsv", "task\t" + task, "missing\terror",
             "inputs\t%d" % len(features), "outputs\t%d" % k]
    for i, name in enumerate(labels):
        if task == "multiclass":
            lines.append("label\t" + _escape(name))
        else:
            neg, pos = neg_pos[i]
            lines.append("label\t%s\t%s\t%s" % (_escape(name), _escape(neg), _escape(pos)))
    for c in classes if task == "multiclass" else ():
        lines.append("class\t" + _escape(c))
    for f in features:
        lines.append("num\t" + _escape(f))
    lines.append("end")
    return "\n".join(lines) + "\n"


class Schema:
    """What the estimator needs of a decoded schema."""

    def __init__(self):
        self.format = "csv"
        self.task = None
        self.d = self.k = 0
        self.features = []   # names, CSV numeric features in input order
        self.labels = []     # (name, neg, pos); neg and pos None for multiclass
        self.classes = []


def decode(text):
    """Parse a schema text; ValueError naming what the Python side cannot use."""
    s = Schema()
    recs = [[_unescape(f) for f in line.split("\t")] for line in text.split("\n") if line]
    if not recs or recs[0][0] != "mlpblas-schema" or recs[0][1:] not in (["1"], ["2"]):
        raise ValueError("mlpblas: not a schema version 1 or 2 in the model")
    heads = {r[0]: r[1] for r in recs[1:6] if len(r) == 2}
    try:
        s.format, s.task, missing = heads["format"], heads["task"], heads["missing"]
        s.d, s.k = int(heads["inputs"]), int(heads["outputs"])
    except (KeyError, ValueError):
        raise ValueError("mlpblas: malformed schema head in the model") from None
    if s.task not in ("binary", "multiclass", "multilabel"):
        raise ValueError("mlpblas: unknown task %r in the model's schema" % s.task)
    mc = s.task == "multiclass"
    for r in recs[6:]:
        kw, nf = r[0], len(r)
        if kw == "label" and nf == (2 if mc else 4) and r[1]:
            s.labels.append((r[1], None, None) if mc else (r[1], r[2], r[3]))
        elif kw == "class" and nf == 2 and mc:
            s.classes.append(r[1])
        elif kw == "num" and nf == 2 and r[1]:
            s.features.append(r[1])
        elif kw == "num" and nf in (4, 5):
            raise ValueError(
                "mlpblas: the model imputes missing values of feature %r "
                "(trained with --missing %s); the Python estimator does not "
                "support imputation: predict with the mlpblas tool" % (r[1], missing))
        elif kw in ("cat", "level") and nf >= 2:
            raise ValueError(
                "mlpblas: the model has categorical feature %r (one-hot encoded by the "
                "mlpblas tool); the Python estimator supports numeric features only: "
                "predict with the mlpblas tool, or train on numeric columns" % r[1])
        elif kw in ("id", "ignore", "index", "end"):
            pass
        else:
            raise ValueError("mlpblas: malformed schema record %r in the model" % "\t".join(r))
    if s.format == "csv" and len(s.features) != s.d:
        raise ValueError("mlpblas: the model's schema names %d features for %d inputs"
                         % (len(s.features), s.d))
    nk = len(s.classes) if s.task == "multiclass" else len(s.labels)
    if nk != s.k or not s.labels:
        raise ValueError("mlpblas: the model's schema gives %d outputs, not %d" % (nk, s.k))
    return s
