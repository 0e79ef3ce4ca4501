"""mlpblas.MLPClassifier: a scikit-learn estimator over libmlpblas."""
import ctypes as C
import json
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d

from . import _abi, _schema
from ._lib import MlpblasValueError, check, lib
from ._model import SMALL_ROWS, Model

# Metadata key of what the Python side adds to a model file (classes with
# their types, the estimator's parameters); the tool ignores it.
PY_KEY = "mlpblas.python"

# The defaults that depend on the data, as `mlpblas train` sets them
# (docs/defaults.md; src/cli/cli.h, cli_train_cfg_for_data): the hidden width
# for one output and for k > 1 (max(HIDDEN_MULTI, HIDDEN_PER_OUTPUT k)), and
# AdamW's decay scaled by min(1, DECAY_ROWS / rows).
HIDDEN_DEFAULT, HIDDEN_MULTI, HIDDEN_PER_OUTPUT, DECAY_ROWS = 64, 128, 8, 1000


def _label_text(v):
    """The text a class value is written as in the tool's schema."""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (numbers.Integral, np.integer)):
        return str(int(v))
    if isinstance(v, (numbers.Real, np.floating)):
        f = float(v)
        return str(int(f)) if f.is_integer() else repr(f)
    return str(v)


def _parse_classes(texts):
    """Class values from the tool's texts: ints, else floats, else strings."""
    for conv in (int, float):
        try:
            return np.array([conv(t) for t in texts])
        except ValueError:
            pass
    return np.array(texts, dtype=object)


def _json_value(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (numbers.Integral, np.integer)):
        return int(v)
    if isinstance(v, (numbers.Real, np.floating)):
        return float(v)
    return str(v)


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """Multilayer perceptron classifier trained by libmlpblas.

    The network has ReLU hidden layers and one sigmoid output per class
    (binary: one output; multi-label: one per label), trained on binary
    cross-entropy with one-hot targets. The defaults are those of
    `mlpblas train` (docs/defaults.md): one hidden layer of 64 units for one
    output and max(128, 8k) for k outputs, AdamW at learning rate 1e-3 with
    decoupled weight decay 0.1 (times 1000/n on n > 1,000 rows), batches of 32,
    features standardised inside the model, and the epoch count chosen on a
    stratified 15% of held-out rows (early stopping after 30 epochs without
    a lower validation loss), then the model trained again from the same
    initial weights on all rows for that many epochs.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int or None, default None
        None: one layer of 64 units for one output, max(128, 8k) for k outputs.
    optimizer : {"adamw", "adam", "sgd", "momentum", "nesterov", "rmsprop"}
    learning_rate : float, default 1e-3
    batch_size : int, default 32
    epochs : int, default 300
        The most epochs of the validated run (without validation: the epochs run).
    validation_fraction : float in [0, 1), default 0.15
        Held out of each class for early stopping; 0 trains without validation.
    patience : int, default 30
        Epochs without a lower validation loss before stopping; 0 never stops.
    min_delta : float, default 0.0
    refit : bool, default True
        After the validated run, train again on all rows for its best epoch count.
        False keeps the best epoch's weights of the validated run.
    weight_decay : float or None, default None
        None: for AdamW 0.1 (decoupled) times min(1, 1000/n) for n rows,
        0 for the other optimisers (L2).
    schedule : {"constant", "step", "cosine"}, default "constant"
        "step" multiplies the rate by 0.1 after each third of the epochs;
        "cosine" anneals it to 0 over them.
    standardize : bool, default True
        Fit the model's input standardisation on the training rows.
    random_state : int, RandomState instance or None
        Seeds the initial weights, the validation split and the shuffling.
    n_threads : int or None
        BLAS threads for fit (process-wide while fitting; restored after).
        None leaves the BLAS library's count.
    """

    def __init__(self, hidden_layer_sizes=None, optimizer="adamw", learning_rate=1e-3,
                 batch_size=32, epochs=300, validation_fraction=0.15, patience=30,
                 min_delta=0.0, refit=True, weight_decay=None, schedule="constant",
                 standardize=True, random_state=None, n_threads=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.min_delta = min_delta
        self.refit = refit
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.standardize = standardize
        self.random_state = random_state
        self.n_threads = n_threads

    def _more_tags(self):
        return {
            "multilabel": True,
            "_xfail_checks": {
                "check_sample_weights_invariance":
                    "zero sample weights are not the same as removing the rows: the "
                    "rows still take part in the shuffled batches, the validation split "
                    "and the mean's 1/n (as in scikit-learn's own SGD-trained models), "
                    "so the fits differ; weights of one equal no weights exactly",
            },
        }

    # ------------------------------------------------------------ checks
    def _check_params(self):
        hl = self.hidden_layer_sizes  # None: sized from the data in fit
        hl = None if hl is None else (hl,) if isinstance(hl, numbers.Integral) else tuple(hl)
        if hl is not None and (not hl or any(not isinstance(h, numbers.Integral) or h < 1
                                             for h in hl)):
            raise ValueError("hidden_layer_sizes must be one or more positive integers, "
                             "got %r" % (self.hidden_layer_sizes,))
        if self.optimizer not in _abi.MLPB_OPTIMIZERS:
            raise ValueError("optimizer must be one of %s, got %r"
                             % (sorted(_abi.MLPB_OPTIMIZERS), self.optimizer))
        if self.schedule not in _abi.MLPB_SCHEDULES:
            raise ValueError("schedule must be one of %s, got %r"
                             % (sorted(_abi.MLPB_SCHEDULES), self.schedule))
        for name, lo in (("batch_size", 1), ("epochs", 1), ("patience", 0)):
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or v < lo:
                raise ValueError("%s must be an integer >= %d, got %r" % (name, lo, v))
        if not 0.0 <= self.validation_fraction < 1.0:
            raise ValueError("validation_fraction must be in [0, 1), got %r"
                             % self.validation_fraction)
        if self.n_threads is not None and (not isinstance(self.n_threads, numbers.Integral)
                                           or self.n_threads < 1):
            raise ValueError("n_threads must be None or an integer >= 1, got %r"
                             % (self.n_threads,))
        return None if hl is None else [int(h) for h in hl]

    def _targets(self, y):
        """Set classes_ and the task; the n x k float32 targets."""
        if y is None:
            raise ValueError("requires y to be passed, but the target y is None")
        if getattr(y, "ndim", np.ndim(y)) == 2 and np.shape(y)[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        kind = type_of_target(y)
        if kind == "multilabel-indicator":
            y = np.asarray(y)
            self._task = "multilabel"
            self.classes_ = np.arange(y.shape[1])
            return np.ascontiguousarray(y, dtype=np.float32)
        if kind not in ("binary", "multiclass"):
            raise ValueError("Unknown label type: %r (mlpblas.MLPClassifier takes class "
                             "labels or a 2-D 0/1 indicator matrix)" % kind)
        y = np.asarray(y)
        self.classes_, idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("mlpblas.MLPClassifier needs samples of at least 2 classes "
                             "in the data, but the data contain only one class: %r"
                             % (self.classes_[0],))
        if len(self.classes_) == 2:
            self._task = "binary"
            return idx.astype(np.float32).reshape(-1, 1)
        self._task = "multiclass"
        t = np.zeros((len(y), len(self.classes_)), dtype=np.float32)
        t[np.arange(len(y)), idx] = 1.0
        return t

    def _split(self, t, seed):
        """Validation rows: a stratified share of each class (of the first
        output for multi-label), at least one row of each class kept for training."""
        n = t.shape[0]
        frac = float(self.validation_fraction)
        if frac <= 0.0:
            return None
        cls = t.argmax(axis=1) if self._task == "multiclass" else (t[:, 0] >= 0.5)
        rng = np.random.RandomState(seed % (2 ** 32))
        val = []
        for c in np.unique(cls):
            rows = np.flatnonzero(cls == c)
            m = min(int(np.floor(frac * len(rows) + 0.5)), len(rows) - 1)
            if m > 0:
                val.append(rng.permutation(rows)[:m])
        if not val:
            return None
        mask = np.zeros(n, dtype=bool)
        mask[np.concatenate(val)] = True
        return mask

    # --------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None):
        """Train on X (n x d) and y (n labels, or an n x k 0/1 indicator)."""
        hidden = self._check_params()
        # A pandas Series' name names the label column of the saved model.
        name = getattr(y, "name", None)
        self._label_name = name if isinstance(name, str) and name else "y"
        X, y = self._validate_data(X, y, dtype=np.float32, order="C", multi_output=True,
                                   y_numeric=False)
        t = self._targets(y)
        if hidden is None:
            k = t.shape[1]  # one hidden layer, as `mlpblas train` sizes it
            hidden = [HIDDEN_DEFAULT if k == 1 else max(HIDDEN_MULTI, HIDDEN_PER_OUTPUT * k)]
        sw = None
        if sample_weight is not None:
            sw = _check_sample_weight(sample_weight, X, dtype=np.float32)
            sw = np.ascontiguousarray(sw)
            if self._task != "multilabel":
                alive = np.unique(t.argmax(axis=1)[sw > 0] if self._task == "multiclass"
                                  else t[sw > 0, 0])
                if len(alive) < 2:
                    raise ValueError("mlpblas.MLPClassifier needs samples of at least 2 "
                                     "classes with a positive sample_weight; only one class "
                                     "has any")
        seed = int(check_random_state(self.random_state).randint(0, 2 ** 31 - 1))
        model = Model.create([X.shape[1]] + hidden + [t.shape[1]], seed)
        mask = self._split(t, seed)
        old_threads = None
        if self.n_threads is not None:
            old_threads = lib.mlpb_blas_threads()
            lib.mlpb_blas_set_threads(int(self.n_threads))
        try:
            self._train(model, X, t, sw, mask, seed)
        finally:
            if old_threads is not None:
                lib.mlpb_blas_set_threads(old_threads)
        self._model = model
        self._store_schema()
        return self

    def _opts(self, n_rows, epochs, seed, all_rows):
        o = _abi.TrainOpts()
        lib.mlpb_train_opts_default(C.byref(o))
        o.epochs = epochs
        o.batch_size = self.batch_size
        o.optim.kind = _abi.MLPB_OPTIMIZERS[self.optimizer]
        o.optim.lr = self.learning_rate
        wd = self.weight_decay
        if wd is None:  # the library's AdamW decay, scaled to the rows as the tool does
            wd = (o.optim.weight_decay * min(1.0, DECAY_ROWS / all_rows)
                  if self.optimizer == "adamw" else 0.0)
        o.optim.weight_decay = wd
        o.optim.schedule = _abi.MLPB_SCHEDULES[self.schedule]
        # As `mlpblas train` sets the schedules' step counts.
        steps = -(-n_rows // self.batch_size)
        if self.schedule == "step":
            o.optim.step_size = steps * max(epochs // 3, 1)
            o.optim.gamma = 0.1
        elif self.schedule == "cosine":
            o.optim.t_max = steps * epochs
            o.optim.lr_min = 0.0
        o.val_fraction = 0.0
        o.patience = self.patience
        o.min_delta = self.min_delta
        o.restore_best = 1
        o.standardize = 1 if self.standardize else 0
        o.seed = seed
        return o

    def _train(self, model, X, t, sw, mask, seed):
        """The validated run on the rows not in mask, then the refit on all rows,
        as `mlpblas train` does (src/cli/fit.c)."""
        def ds(x, y, w):
            return _abi.Dataset(x.ctypes.data_as(_abi.c_float_p),
                                y.ctypes.data_as(_abi.c_float_p),
                                None if w is None else w.ctypes.data_as(_abi.c_float_p),
                                x.shape[0])
        losses, vlosses, vscores = [], [], []
        if mask is not None:
            keep = ~mask
            xt, tt = X[keep], t[keep]
            xv, tv = X[mask], t[mask]
            wt = None if sw is None else np.ascontiguousarray(sw[keep])
            wv = None if sw is None else np.ascontiguousarray(sw[mask])
            val = ds(xv, tv, wv)
            task = self._task
            cls_v = tv.argmax(axis=1)

            def on_epoch(info, ctx):
                e = info.contents
                losses.append(e.train_loss)
                vlosses.append(e.val_loss)
                p = model.predict(xv)
                if task == "multiclass":
                    vscores.append(float(np.mean(p.argmax(axis=1) == cls_v)))
                else:
                    vscores.append(float(np.mean(np.all((p >= 0.5) == (tv >= 0.5), axis=1))))
                return 0
        else:
            xt, tt, wt, val = X, t, sw, None

            def on_epoch(info, ctx):
                losses.append(info.contents.train_loss)
                return 0
        cb = _abi.EPOCH_FN(on_epoch)
        o = self._opts(xt.shape[0], self.epochs, seed, X.shape[0])
        o.on_epoch = cb
        rep = _abi.TrainReport()
        st = lib.mlpb_train(model.ptr, C.byref(ds(xt, tt, wt)),
                            None if val is None else C.byref(val), C.byref(o), None,
                            C.byref(rep))
        self._raise_train(st, rep)
        self.loss_curve_ = losses
        self.validation_loss_curve_ = vlosses if val is not None else None
        self.validation_scores_ = vscores if val is not None else None
        self.best_epoch_ = int(rep.best_epoch) if val is not None else None
        self.n_iter_ = int(rep.epochs_run)
        self.refit_loss_curve_ = None
        if val is not None and self.refit and rep.best_epoch > 0:
            refit_losses = []

            def on_refit(info, ctx):
                refit_losses.append(info.contents.train_loss)
                return 0
            cb2 = _abi.EPOCH_FN(on_refit)
            model.init(seed)
            o = self._opts(X.shape[0], int(rep.best_epoch), seed, X.shape[0])
            o.on_epoch = cb2
            rep2 = _abi.TrainReport()
            st = lib.mlpb_train(model.ptr, C.byref(ds(X, t, sw)), None, C.byref(o), None,
                                C.byref(rep2))
            self._raise_train(st, rep2)
            self.refit_loss_curve_ = refit_losses
            self.n_iter_ = int(rep2.epochs_run)

    @staticmethod
    def _raise_train(st, rep):
        if st == 0:
            return
        if st == 4:  # MLPB_E_NUMERIC
            if rep.fail_epoch == 0:
                raise ValueError("Input X contains NaN or infinity (or a value beyond "
                                 "float32 range), or sample_weight does")
            raise ValueError("mlpblas: training diverged (non-finite loss or gradient) at "
                             "epoch %d, batch %d; try a smaller learning_rate"
                             % (rep.fail_epoch, rep.fail_batch))
        check(st, "mlpblas: training failed")

    # ------------------------------------------------------------ schema
    def _feature_names(self):
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            return [str(n) for n in names]
        return ["x%d" % i for i in range(self.n_features_in_)]

    def _store_schema(self):
        m = self._model
        feats = self._feature_names()
        cls = [_label_text(c) for c in self.classes_]
        label = getattr(self, "_label_name", "y")
        if self._task == "binary":
            text = _schema.encode("binary", feats, [label], neg_pos=[(cls[0], cls[1])])
            outs = [label]
        elif self._task == "multiclass":
            text = _schema.encode("multiclass", feats, [label], classes=cls)
            outs = cls
        else:
            outs = ["y%d" % j for j in range(len(self.classes_))]
            text = _schema.encode("multilabel", feats, outs, neg_pos=[("0", "1")] * len(outs))
        m.set_meta(_schema.KEY, text)
        try:
            m.set_names(feats, outs)
        except MlpblasValueError:
            # As the tool: names are a courtesy to other readers of the
            # model; one the library refuses (too long) leaves them unset.
            pass
        info = {"task": self._task,
                "classes": [_json_value(c) for c in self.classes_],
                "feature_names": hasattr(self, "feature_names_in_"),
                "params": {k: (list(v) if isinstance(v, tuple) else v)
                           for k, v in self.get_params().items()
                           if v is None or isinstance(v, (int, float, str, bool, tuple))}}
        m.set_meta(PY_KEY, json.dumps(info))

    # ----------------------------------------------------------- predict
    def _prepare(self, X):
        """X for Model.predict: a float array of the right shape as given
        (a C-contiguous float32 one is read where it lies, another converted
        once: NaN, infinity and values beyond float32 are then the library's
        to refuse), anything else through scikit-learn's full validation."""
        model = self.__dict__.get("_model")
        if model is None:
            check_is_fitted(self, "_model")
        if (type(X) is np.ndarray and X.ndim == 2 and X.dtype.kind == "f"
                and X.shape[1] == model.d and X.shape[0] > 0
                and "feature_names_in_" not in self.__dict__):
            if X.shape[0] <= SMALL_ROWS or (X.dtype == np.float32 and X.flags.c_contiguous):
                return X
            return np.ascontiguousarray(X, dtype=np.float32)
        return self._validate_data(X, dtype=np.float32, order="C", reset=False)

    def predict_outputs(self, X):
        """The network's k independent sigmoid outputs (n x k float32): what
        `mlpblas predict` prints as its prob_ columns."""
        x = self._prepare(X)
        return self._model.predict(x)

    def predict_proba(self, X):
        """Class probabilities.

        Binary: (n, 2), [1 - p, p]. Multi-class: the k sigmoid outputs divided
        by their sum, so rows sum to 1 and the argmax is predict's class (a row
        whose outputs are all 0 gets 1/k each). Multi-label: (n, k), the
        independent outputs."""
        p = self.predict_outputs(X)
        if self._task == "binary":
            out = np.empty((p.shape[0], 2))
            out[:, 1] = p[:, 0]
            np.subtract(1.0, out[:, 1], out=out[:, 0])
            return out
        if self._task == "multilabel":
            return p.astype(np.float64)
        p = p.astype(np.float64)
        # The row sums as a product with ones (one BLAS pass) for many rows,
        # faster than a reduction along rows of a few classes.
        s = np.add.reduce(p, axis=1) if p.shape[0] <= SMALL_ROWS else p @ np.ones(p.shape[1])
        if not s.all():
            zero = s == 0.0
            p[zero] = 1.0
            s[zero] = p.shape[1]
        p /= s[:, None]
        return p

    def predict(self, X):
        """Class labels (multi-label: an n x k 0/1 indicator), as `mlpblas
        predict`: an output of at least 0.5 is positive; the class of the
        highest output, the first on a tie."""
        p = self.predict_outputs(X)
        if self._task == "binary":
            return self.classes_[(p[:, 0] >= 0.5).astype(np.intp)]
        if self._task == "multilabel":
            return (p >= 0.5).astype(np.int64)
        return self.classes_[p.argmax(axis=1)]

    # ------------------------------------------------------ persistence
    def save(self, path):
        """Write the model file `mlpblas predict`/`eval` read (atomically)."""
        check_is_fitted(self, "_model")
        self._model.save(path)

    @classmethod
    def load(cls, path):
        """An estimator from a model file saved here or by `mlpblas train`."""
        return cls._from_model(Model.load(path))

    @classmethod
    def _from_model(cls, model):
        info = model.get_meta(PY_KEY)
        info = json.loads(info) if info else None
        params = {}
        if info:
            valid = cls().get_params()
            params = {k: (tuple(v) if isinstance(v, list) else v)
                      for k, v in info.get("params", {}).items() if k in valid}
        est = cls(**params)
        sizes = model.sizes()
        if params.get("hidden_layer_sizes", ()) is not None:  # None: sized from the data
            est.hidden_layer_sizes = tuple(sizes[1:-1])
        text = model.get_meta(_schema.KEY)
        if text is not None:
            s = _schema.decode(text)
            task, names = s.task, (s.features if s.format == "csv" else None)
            est._label_name = s.labels[0][0]
            if task == "multiclass":
                classes = _parse_classes(s.classes)
            elif task == "binary":
                classes = _parse_classes([s.labels[0][1], s.labels[0][2]])
            else:
                classes = np.arange(model.k)
        else:  # a model without a schema: positional, 0/1 outputs
            task = "binary" if model.k == 1 else "multilabel"
            names = None
            classes = np.array([0, 1]) if model.k == 1 else np.arange(model.k)
        if info:
            task = info["task"]
            classes = np.array(info["classes"],
                               dtype=object if any(isinstance(c, str) for c in info["classes"])
                               else None)
            if not info.get("feature_names"):
                names = None
        est._task = task
        est.classes_ = classes
        est.n_features_in_ = model.d
        if names is not None:
            est.feature_names_in_ = np.array(names, dtype=object)
        est._model = model
        return est

    def __getstate__(self):
        state = super().__getstate__()
        if "_model" in state:
            state = dict(state)
            state["_model"] = self._model.to_bytes()
        return state

    def __setstate__(self, state):
        if "_model" in state:
            state = dict(state)
            state["_model"] = Model.from_bytes(state["_model"])
        super().__setstate__(state)
