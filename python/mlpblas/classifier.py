"""mlpblas.MLPClassifier: a scikit-learn estimator over libmlpblas."""
import ctypes as C
import json
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d

try:  # scikit-learn >= 1.6: a function (the method was removed in 1.7)
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # scikit-learn < 1.6: BaseEstimator's method
    def _validate_data(estimator, *args, **kwargs):
        return estimator._validate_data(*args, **kwargs)

from . import _abi, _schema
from ._lib import MlpblasValueError, check, lib
from ._model import SMALL_ROWS, Model

_SUBSET_REASON = (
    "float32 products: a row's probabilities predicted alone and within a larger "
    "batch may differ by a few float32 rounding units (the BLAS library sums a "
    "1-row product and a many-row one in other orders, which differ between CPUs' "
    "kernels), beyond the check's 1e-7 tolerance for float64 estimators; "
    "test_subset_invariance checks the property at float32's precision")
_WEIGHT_REASON = (
    "a sample weight of zero (or two) is not the same as removing (or repeating) "
    "the row: the rows take part in the shuffled batches, the validation split and "
    "the mean's 1/n as they are (as in scikit-learn's own SGD-trained models), so "
    "the fits differ; weights of one equal no weights exactly")
# The checks of scikit-learn's check_estimator that this estimator is
# expected to fail, with the reasons (docs/python.md). scikit-learn before
# 1.6 reads them from _more_tags; from 1.6 on the caller passes them, as
# check_estimator(MLPClassifier(), expected_failed_checks=EXPECTED_FAILED_CHECKS).
# The weights' check has had three names across scikit-learn's versions; it
# is one expected failure.
EXPECTED_FAILED_CHECKS = {
    "check_methods_subset_invariance": _SUBSET_REASON,
    "check_sample_weights_invariance": _WEIGHT_REASON,
    "check_sample_weight_equivalence": _WEIGHT_REASON,
    "check_sample_weight_equivalence_on_dense_data": _WEIGHT_REASON,
}

# Metadata key of what the Python side adds to a model file (classes with
# their types, the estimator's parameters); the tool ignores it.
PY_KEY = "mlpblas.python"


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
    features standardised inside the model, and the epoch count chosen on
    15% of held-out rows, the library's stratified split (early stopping
    after 30 epochs without a lower validation loss), then the model trained
    again from the same initial weights on all rows for that many epochs:
    one mlpb_train call. Under 1,000 rows, 8 such networks without the
    refit (each held out its own rows), averaged into one.

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
        Held out by the library (mlpb_train_split: stratified by class) for
        early stopping; 0 trains without validation.
    patience : int, default 30
        Epochs without a lower validation loss before stopping; 0 never stops.
    min_delta : float, default 0.0
        A validation loss counts as lower when it is below the best so far
        minus this (`mlpblas train --min-delta`).
    refit : bool or "auto", default "auto"
        True: after the validated run, train again on all rows for its best
        epoch count. False keeps the best epoch's weights of the validated
        run. "auto" is the library's rule, mlpb_refit_default: True for a
        single network, False for an ensemble's members (each held out
        other rows), as `mlpblas train`.
    weight_decay : float or None, default None
        None: for AdamW 0.1 (decoupled) times min(1, 1000/n) for n rows,
        0 for the other optimisers (L2).
    schedule : {"constant", "step", "cosine"}, default "constant"
        "step" multiplies the rate by 0.1 after each third of the epochs;
        "cosine" anneals it to 0 over them.
    standardize : bool, default True
        Fit the model's input standardisation on the training rows.
    ensemble : int or "auto", default "auto"
        Train this many networks, each from its own seeds
        (mlpb_ensemble_member: its own initial weights and shuffles, and its
        own share of the rows held out: the first network's split at another
        phase, so that each row is held out by about 0.15 x this many of
        them), and keep the one network that averages their logits
        (mlpb_model_merge); the curves and best_epoch_ are the first
        member's. "auto" is the library's rule,
        mlpb_ensemble_members_default: 8 under 1,000 rows, else 1 (as
        `mlpblas train`).
    random_state : int, RandomState instance or None
        Seeds the initial weights, the validation split and the shuffling.
    n_threads : int or None
        BLAS threads for fit (process-wide while fitting; restored after),
        and the threads an ensemble's members after the first train on side
        by side (mlpb_train_parallel). None leaves the BLAS library's count.
    """

    def __init__(self, hidden_layer_sizes=None, optimizer="adamw", learning_rate=1e-3,
                 batch_size=32, epochs=300, validation_fraction=0.15, patience=30,
                 min_delta=0.0, refit="auto", weight_decay=None, schedule="constant",
                 standardize=True, ensemble="auto", random_state=None, n_threads=None):
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
        self.ensemble = ensemble
        self.random_state = random_state
        self.n_threads = n_threads

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multilabel": True, "_xfail_checks": dict(EXPECTED_FAILED_CHECKS)}

    def __sklearn_tags__(self):  # scikit-learn >= 1.6
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

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
        if not (isinstance(self.refit, str) and self.refit == "auto") and \
                not (isinstance(self.refit, (bool, np.bool_, numbers.Integral)) and
                     self.refit in (0, 1)):
            raise ValueError("refit must be \"auto\", True or False, got %r" % (self.refit,))
        if not (isinstance(self.ensemble, str) and self.ensemble == "auto") and (
                isinstance(self.ensemble, bool) or
                not isinstance(self.ensemble, numbers.Integral) or
                not 1 <= self.ensemble <= 64):
            raise ValueError("ensemble must be \"auto\" or an integer in [1, 64], got %r"
                             % (self.ensemble,))
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

    # --------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None):
        """Train on X (n x d) and y (n labels, or an n x k 0/1 indicator)."""
        hidden = self._check_params()
        # A pandas Series' name names the label column of the saved model.
        name = getattr(y, "name", None)
        self._label_name = name if isinstance(name, str) and name else "y"
        X, y = _validate_data(self, X, y, dtype=np.float32, order="C", multi_output=True,
                              y_numeric=False)
        t = self._targets(y)
        if hidden is None:
            hidden = [int(lib.mlpb_hidden_default(t.shape[1]))]  # as `mlpblas train`
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
        old_threads = None
        if self.n_threads is not None:
            old_threads = lib.mlpb_blas_threads()
            lib.mlpb_blas_set_threads(int(self.n_threads))
        try:
            self._train(model, X, t, sw, seed)
            model = self._ensemble(model, X, t, sw, seed)
        finally:
            if old_threads is not None:
                lib.mlpb_blas_set_threads(old_threads)
        self._model = model
        self._store_schema()
        return self

    def _members(self, n_rows):
        if isinstance(self.ensemble, str) and self.ensemble == "auto":
            return int(lib.mlpb_ensemble_members_default(n_rows))
        return int(self.ensemble)

    def _ensemble(self, first, X, t, sw, seed):
        """Members 2.. of an ensemble (as mlpb_train_ensemble trains them:
        mlpb_ensemble_member, side by side with mlpb_train_parallel on the
        BLAS threads), merged with the first; the first alone when there is
        one member."""
        n = self._members(X.shape[0])
        if n <= 1:
            return first
        train = _abi.Dataset(X.ctypes.data_as(_abi.c_float_p), t.ctypes.data_as(_abi.c_float_p),
                             None if sw is None else sw.ctypes.data_as(_abi.c_float_p),
                             X.shape[0])
        members = [first]
        sizes = first.sizes()
        cfg, opts = Model.config(sizes, seed), self._opts(seed, X.shape[0])
        oo = (_abi.TrainOpts * (n - 1))()
        reps = (_abi.TrainReport * (n - 1))()
        try:
            for i in range(1, n):
                # Member i as mlpb_train_ensemble trains it (its seeds).
                ci = _abi.Config()
                check(lib.mlpb_ensemble_member(C.byref(cfg), C.byref(opts), i, C.byref(ci),
                                               C.byref(oo[i - 1])), "mlpblas: ensemble member")
                members.append(Model.create(sizes, ci.seed, ci))
            ptrs = (C.c_void_p * (n - 1))(*[m.ptr for m in members[1:]])
            st = lib.mlpb_train_parallel(ptrs, n - 1, C.byref(train), None, oo, 0, None, reps)
            failed = [r for r in reps if r.fail_epoch > 0]
            self._raise_train(st, failed[0] if failed else reps[0])
            return Model.merge(members)
        finally:
            for m in members[1:]:
                m.close()

    def _opts(self, seed, all_rows):
        o = _abi.TrainOpts()
        lib.mlpb_train_opts_default(C.byref(o))
        o.epochs = self.epochs
        o.batch_size = self.batch_size
        o.optim.kind = _abi.MLPB_OPTIMIZERS[self.optimizer]
        o.optim.lr = self.learning_rate
        wd = self.weight_decay
        if wd is None:  # AdamW's for the rows, as `mlpblas train`; L2 0 for the others
            wd = lib.mlpb_weight_decay_default(all_rows) if self.optimizer == "adamw" else 0.0
        o.optim.weight_decay = wd
        o.optim.schedule = _abi.MLPB_SCHEDULES[self.schedule]
        # step_size and t_max stay 0: the library takes the schedule's length
        # from the run (a third of the epochs; all of them), and again from
        # the refit's rows and epochs for the refit. gamma 0.1 and lr_min 0
        # are the defaults.
        o.val_fraction = self.validation_fraction
        if isinstance(self.refit, str):  # "auto"
            o.refit = lib.mlpb_refit_default(self._members(all_rows))
        else:
            o.refit = 1 if self.refit else 0
        o.patience = self.patience
        o.min_delta = self.min_delta
        o.restore_best = 1
        o.standardize = 1 if self.standardize else 0
        o.seed = seed
        return o

    def _val_rows(self, train, k, seed):
        """The rows mlpb_train holds out for validation (mlpb_train_split:
        the library's own split, so the scores below are of its rows), or
        None when it holds out none."""
        if self.validation_fraction <= 0.0:
            return None
        pick = np.zeros(train.n, dtype=np.uint8)
        n_val = C.c_size_t()
        check(lib.mlpb_train_split(C.byref(train), k, self.validation_fraction, seed, None,
                                   pick.ctypes.data, C.byref(n_val)),
              "mlpblas: cannot split off the validation rows")
        return pick.view(bool) if n_val.value > 0 else None

    def _train(self, model, X, t, sw, seed):
        """One mlpb_train call: the library holds out the validation rows,
        stops early and refits on all rows itself (as `mlpblas train`); the
        epoch callback only records the curves."""
        train = _abi.Dataset(X.ctypes.data_as(_abi.c_float_p), t.ctypes.data_as(_abi.c_float_p),
                             None if sw is None else sw.ctypes.data_as(_abi.c_float_p),
                             X.shape[0])
        pick = self._val_rows(train, t.shape[1], seed)
        losses, vlosses, vscores, refit_losses = [], [], [], []
        if pick is None:
            def on_epoch(info, ctx):
                losses.append(info.contents.train_loss)
                return 0
        else:
            xv, tv = X[pick], t[pick]
            n_v = xv.shape[0]
            predict = model.predictor(xv)
            if self._task == "binary":
                # The library's validation accuracy is predict's (>= 0.5).
                def score(e):
                    return e.val.accuracy
            elif self._task == "multiclass":
                # ndarray methods into fixed buffers: this runs every epoch.
                cls_v = tv.argmax(axis=1)
                pred = np.empty(n_v, dtype=cls_v.dtype)
                hit = np.empty(n_v, dtype=bool)

                def score(e):
                    predict().argmax(axis=1, out=pred)
                    return int(np.equal(pred, cls_v, out=hit).sum()) / n_v
            else:
                pos_v = tv >= 0.5

                def score(e):
                    return int(((predict() >= 0.5) == pos_v).all(axis=1).sum()) / n_v

            def on_epoch(info, ctx):
                e = info.contents
                if e.refit:
                    refit_losses.append(e.train_loss)
                else:
                    losses.append(e.train_loss)
                    vlosses.append(e.val_loss)
                    vscores.append(score(e))
                return 0
        cb = _abi.EPOCH_FN(on_epoch)
        o = self._opts(seed, X.shape[0])
        o.on_epoch = cb
        rep = _abi.TrainReport()
        try:
            st = lib.mlpb_train(model.ptr, C.byref(train), None, C.byref(o), None,
                                C.byref(rep))
        finally:
            if pick is not None:
                predict.done()
        self._raise_train(st, rep)
        self.loss_curve_ = losses
        self.validation_loss_curve_ = vlosses if pick is not None else None
        self.validation_scores_ = vscores if pick is not None else None
        self.best_epoch_ = int(rep.best_epoch) if pick is not None else None
        self.refit_loss_curve_ = refit_losses if rep.refit_epochs > 0 else None
        self.n_iter_ = int(rep.refit_epochs) if rep.refit_epochs > 0 else int(rep.epochs_run)

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
        """X for Model.predict: a float or integer array of the right shape
        as given (Model.predict reads C-contiguous float32 where it lies and
        converts the others block by block; NaN, infinity and values beyond
        float32 are then the library's to refuse), anything else through
        scikit-learn's full validation."""
        model = self.__dict__.get("_model")
        if model is None:
            check_is_fitted(self, "_model")
        if (type(X) is np.ndarray and X.ndim == 2 and X.dtype.kind in "fiu"
                and X.shape[1] == model.d and X.shape[0] > 0
                and "feature_names_in_" not in self.__dict__):
            return X
        return _validate_data(self, X, dtype=np.float32, order="C", reset=False)

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
        # An ensemble saved as one network: its members' widths.
        members = model.get_meta("mlpblas.ensemble")
        members = int(members) if members and members.isdigit() else 1
        if members < 1 or any(h % members for h in sizes[1:-1]):
            members = 1
        if params.get("hidden_layer_sizes", ()) is not None:  # None: sized from the data
            est.hidden_layer_sizes = tuple(h // members for h in sizes[1:-1])
        if not info:
            est.ensemble = members
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
