"""MLPClassifier beyond scikit-learn's generic checks: labels of every kind,
probabilities, sample weights, persistence, errors and the no-copy path."""
import copy
import pickle

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification
from sklearn.model_selection import GridSearchCV, train_test_split

import mlpblas
from mlpblas import MLPClassifier


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return train_test_split(X, y, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def iris_fit(iris):
    Xtr, Xte, ytr, yte = iris
    names = np.array(["setosa", "versicolor", "virginica"])[ytr]
    return MLPClassifier(random_state=0).fit(Xtr, names), Xte, yte


def test_multiclass_string_labels(iris_fit):
    clf, Xte, yte = iris_fit
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    pred = clf.predict(Xte)
    assert np.mean(pred == clf.classes_[yte]) >= 0.9
    p = clf.predict_proba(Xte)
    assert p.shape == (len(Xte), 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.array_equal(clf.classes_[p.argmax(axis=1)], pred)
    # The documented normalisation: the sigmoid outputs over their sum.
    s = clf.predict_outputs(Xte).astype(np.float64)
    np.testing.assert_allclose(p, s / s.sum(axis=1, keepdims=True), rtol=1e-15)
    assert clf.n_features_in_ == 4
    assert 1 <= clf.best_epoch_ <= len(clf.loss_curve_)
    assert len(clf.validation_scores_) == len(clf.loss_curve_)
    # An ensemble (under 1,000 rows): the members keep their best epoch.
    assert clf.refit_loss_curve_ is None and clf.n_iter_ == len(clf.loss_curve_)


def test_binary_int_labels_and_threshold():
    X, y = make_classification(n_samples=400, n_features=8, random_state=1)
    y = np.where(y == 1, 7, -3)
    clf = MLPClassifier(random_state=1).fit(X, y)
    assert list(clf.classes_) == [-3, 7]
    p = clf.predict_proba(X)
    assert p.shape == (400, 2)
    np.testing.assert_array_equal(p.sum(axis=1), 1.0)
    out = clf.predict_outputs(X)[:, 0]
    np.testing.assert_array_equal(clf.predict(X), np.where(out >= 0.5, 7, -3))
    assert clf.score(X, y) > 0.9


def test_multilabel_indicator():
    X, y = make_classification(n_samples=300, n_features=6, random_state=2)
    Y = np.column_stack([y, 1 - y, (X[:, 0] > 0).astype(int)])
    clf = MLPClassifier(random_state=2).fit(X, Y)
    assert clf.predict(X).shape == (300, 3)
    p = clf.predict_proba(X)
    assert p.shape == (300, 3) and np.all((p >= 0) & (p <= 1))
    assert clf.score(X, Y) > 0.8


def test_without_validation_or_refit(iris):
    Xtr, _, ytr, _ = iris
    a = MLPClassifier(validation_fraction=0.0, epochs=7, random_state=3).fit(Xtr, ytr)
    assert a.validation_scores_ is None and a.best_epoch_ is None
    assert len(a.loss_curve_) == a.n_iter_ == 7
    b = MLPClassifier(refit=False, random_state=3).fit(Xtr, ytr)
    assert b.refit_loss_curve_ is None and b.n_iter_ == len(b.loss_curve_)


def test_sample_weight(iris):
    Xtr, Xte, ytr, _ = iris
    a = MLPClassifier(random_state=4).fit(Xtr, ytr)
    b = MLPClassifier(random_state=4).fit(Xtr, ytr, sample_weight=np.ones(len(ytr)))
    np.testing.assert_array_equal(a.predict_proba(Xte), b.predict_proba(Xte))
    w = np.where(ytr == 0, 5.0, 1.0)
    c = MLPClassifier(random_state=4).fit(Xtr, ytr, sample_weight=w)
    assert not np.array_equal(a.predict_proba(Xte), c.predict_proba(Xte))
    with pytest.raises(ValueError, match="class"):
        MLPClassifier().fit(Xtr, ytr, sample_weight=(ytr == 1).astype(float))
    with pytest.raises(ValueError, match="sample_weight|training failed"):
        MLPClassifier().fit(Xtr, ytr, sample_weight=-np.ones(len(ytr)))


def test_pickle_deepcopy_and_files_give_identical_predictions(iris_fit, tmp_path):
    clf, Xte, _ = iris_fit
    p = clf.predict_proba(Xte)
    for other in (pickle.loads(pickle.dumps(clf)), copy.deepcopy(clf)):
        np.testing.assert_array_equal(other.predict_proba(Xte), p)
        assert list(other.classes_) == list(clf.classes_)
    path = tmp_path / "iris.mlpb"
    clf.save(path)
    back = MLPClassifier.load(path)
    np.testing.assert_array_equal(back.predict_proba(Xte), p)
    np.testing.assert_array_equal(back.predict(Xte), clf.predict(Xte))
    assert back.get_params() == clf.get_params()
    assert not hasattr(back, "feature_names_in_")


def test_feature_names_from_pandas(tmp_path):
    pd = pytest.importorskip("pandas")
    X, y = make_classification(n_samples=200, n_features=3, n_informative=2,
                               n_redundant=0, random_state=5)
    df = pd.DataFrame(X, columns=["age", "income, net", "score"])
    clf = MLPClassifier(random_state=5).fit(df, y)
    assert list(clf.feature_names_in_) == ["age", "income, net", "score"]
    clf.save(tmp_path / "m.mlpb")
    back = MLPClassifier.load(tmp_path / "m.mlpb")
    assert list(back.feature_names_in_) == ["age", "income, net", "score"]
    assert back._label_name == "y"
    named = MLPClassifier(epochs=2, random_state=5).fit(df, pd.Series(y, name="churn"))
    named.save(tmp_path / "n.mlpb")
    assert MLPClassifier.load(tmp_path / "n.mlpb")._label_name == "churn"
    np.testing.assert_array_equal(back.predict_proba(df), clf.predict_proba(df))


def test_errors_are_value_errors_with_messages(iris_fit, tmp_path):
    clf, Xte, _ = iris_fit
    bad = Xte.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(bad)
    with pytest.raises(ValueError, match="NaN|infinity"):
        clf.predict(bad.astype(np.float32))  # the no-copy path: the library's check
    with pytest.raises(ValueError, match="float32|infinity"):
        clf.predict(np.full((2, 4), 1e300))
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        MLPClassifier(hidden_layer_sizes=(0,)).fit(Xte, np.arange(len(Xte)) % 2)
    with pytest.raises(ValueError, match="optimizer"):
        MLPClassifier(optimizer="lbfgs").fit(Xte, np.arange(len(Xte)) % 2)
    (tmp_path / "junk.mlpb").write_bytes(b"not a model at all")
    with pytest.raises(mlpblas.MlpblasValueError, match="junk.mlpb: .*model") as e:
        MLPClassifier.load(tmp_path / "junk.mlpb")
    assert isinstance(e.value, ValueError) and e.value.status == 6  # MLPB_E_FORMAT
    with pytest.raises(mlpblas.MlpblasOSError):
        MLPClassifier.load(tmp_path / "missing.mlpb")


def test_diverging_training_is_reported():
    X, y = make_classification(n_samples=200, random_state=6)
    with pytest.raises(ValueError, match="diverged|NaN"):
        MLPClassifier(optimizer="sgd", learning_rate=1e30, random_state=6).fit(X * 1e10, y)


def test_c_contiguous_float32_is_not_copied(iris_fit, monkeypatch):
    clf, Xte, _ = iris_fit
    big = np.tile(Xte, (4, 1))  # more rows than the small-call buffers hold
    assert len(big) > mlpblas._model.SMALL_ROWS
    x32 = np.ascontiguousarray(big, dtype=np.float32)
    seen = []
    real = clf._model.predict
    monkeypatch.setattr(clf._model, "predict", lambda x: seen.append(x) or real(x))
    clf.predict_proba(x32)
    assert seen[0] is x32
    fortran = np.asfortranarray(big)
    clf.predict_proba(fortran)
    assert seen[1] is fortran  # converted by Model.predict, a block at a time
    np.testing.assert_array_equal(clf.predict_proba(np.asfortranarray(x32)),
                                  clf.predict_proba(x32))
    # A few rows of any float layout are copied into the workspace's buffer:
    # the same answer as the C-contiguous float32 rows.
    few = big[:5]
    np.testing.assert_array_equal(clf.predict_proba(np.asfortranarray(few)),
                                  clf.predict_proba(np.ascontiguousarray(few, np.float32)))
    strided = big[:10:2]
    np.testing.assert_array_equal(clf.predict_proba(strided),
                                  clf.predict_proba(np.ascontiguousarray(strided)))


def test_n_threads_is_restored(iris):
    Xtr, _, ytr, _ = iris
    before = mlpblas._lib.lib.mlpb_blas_threads()
    MLPClassifier(n_threads=1, epochs=3, random_state=0).fit(Xtr, ytr)
    assert mlpblas._lib.lib.mlpb_blas_threads() == before


def test_grid_search(iris):
    Xtr, Xte, ytr, yte = iris
    gs = GridSearchCV(MLPClassifier(epochs=50, ensemble=1, random_state=0),
                      {"hidden_layer_sizes": [(8,), (16, 8)]}, cv=3).fit(Xtr, ytr)
    assert gs.best_estimator_.score(Xte, yte) > 0.8


def test_data_dependent_defaults(iris):
    """As `mlpblas train` (docs/defaults.md): one hidden layer of 64 units for
    one output and of max(128, 8k) for k outputs; AdamW's decay 0.1 times
    1000/n above 1,000 rows; given values win."""
    Xtr, _, ytr, _ = iris
    one = dict(epochs=2, random_state=0, ensemble=1)  # one network's shape
    assert MLPClassifier(**one).fit(Xtr, ytr)._model.sizes() == [4, 128, 3]
    assert MLPClassifier(**one).fit(Xtr, ytr == 1)._model.sizes() == [4, 64, 1]
    X, y = make_classification(n_samples=400, n_features=6, n_informative=5, n_redundant=0,
                               n_classes=20, n_clusters_per_class=1, random_state=0)
    assert MLPClassifier(**one).fit(X, y)._model.sizes() == [6, 160, 20]
    given = MLPClassifier(hidden_layer_sizes=(16, 8), **one).fit(X, y)
    assert given._model.sizes() == [6, 16, 8, 20]
    assert given.get_params()["hidden_layer_sizes"] == (16, 8)

    def decay(rows, **kw):
        return MLPClassifier(**kw)._opts(0, rows).optim.weight_decay
    assert decay(1000) == pytest.approx(0.1, rel=1e-6)
    assert decay(4000) == pytest.approx(0.025, rel=1e-6)
    assert decay(250) == pytest.approx(0.1, rel=1e-6)
    assert decay(4000, weight_decay=0.3) == pytest.approx(0.3, rel=1e-6)
    assert decay(4000, optimizer="adam") == 0.0


@pytest.mark.parametrize("refit", [True, False])
def test_fit_is_one_library_training(iris, refit):
    """fit is one mlpb_train call with the library's own validation split,
    early stopping and refit: the same data, seed and default options given
    to mlpb_train directly give the same curves and the same model, bit for
    bit (one machine, one thread count)."""
    import ctypes
    from sklearn.utils import check_random_state
    from mlpblas import _abi
    from mlpblas._lib import lib
    from mlpblas._model import Model
    Xtr, Xte, ytr, _ = iris
    clf = MLPClassifier(random_state=5, refit=refit, ensemble=1).fit(Xtr, ytr)

    seed = int(check_random_state(5).randint(0, 2 ** 31 - 1))
    x = np.ascontiguousarray(Xtr, dtype=np.float32)
    t = np.zeros((len(ytr), 3), dtype=np.float32)
    t[np.arange(len(ytr)), ytr] = 1.0
    m = Model.create([4, 128, 3], seed)  # 3 classes: max(128, 8 x 3) units
    o = _abi.TrainOpts()
    lib.mlpb_train_opts_default(ctypes.byref(o))  # the classifier's defaults
    o.seed, o.refit = seed, int(refit)
    curves = {0: [], 1: []}

    def on_epoch(info, ctx):
        curves[info.contents.refit].append((info.contents.train_loss,
                                            info.contents.val_loss))
        return 0
    o.on_epoch = _abi.EPOCH_FN(on_epoch)
    ds = _abi.Dataset(x.ctypes.data_as(_abi.c_float_p), t.ctypes.data_as(_abi.c_float_p),
                      None, x.shape[0])
    rep = _abi.TrainReport()
    assert lib.mlpb_train(m.ptr, ctypes.byref(ds), None, ctypes.byref(o), None,
                          ctypes.byref(rep)) == 0

    assert clf.best_epoch_ == rep.best_epoch > 0
    assert clf.loss_curve_ == [a for a, _ in curves[0]]
    assert clf.validation_loss_curve_ == [b for _, b in curves[0]]
    if refit:
        assert clf.refit_loss_curve_ == [a for a, _ in curves[1]]
        assert clf.n_iter_ == rep.refit_epochs == rep.best_epoch
    else:
        assert clf.refit_loss_curve_ is None and not curves[1]
        assert clf.n_iter_ == rep.epochs_run
    xe = np.ascontiguousarray(Xte, dtype=np.float32)
    assert np.array_equal(clf.predict_outputs(xe), m.predict(xe))
    # The scores are the class accuracy on the library's validation rows:
    # without refit the best epoch's weights are the model's.
    assert len(clf.validation_scores_) == len(clf.loss_curve_)
    if not refit:
        pick = np.zeros(len(ytr), dtype=np.uint8)
        n_val = ctypes.c_size_t()
        assert lib.mlpb_train_split(ctypes.byref(ds), 3, o.val_fraction, seed, None,
                                    pick.ctypes.data, ctypes.byref(n_val)) == 0
        rows = pick.astype(bool)
        assert n_val.value == rows.sum() > 0
        acc = np.mean(clf.predict(Xtr[rows]) == ytr[rows])
        assert clf.validation_scores_[clf.best_epoch_ - 1] == acc


def test_ensemble_is_the_librarys(iris):
    """The default ensemble is mlpb_train_ensemble's with the same seeds and
    options (the members' seeds and refit are the library's rules), bit for
    bit (one machine, one thread count)."""
    import ctypes
    from sklearn.utils import check_random_state
    from mlpblas import _abi
    from mlpblas._lib import lib
    from mlpblas._model import Model
    Xtr, Xte, ytr, _ = iris
    clf = MLPClassifier(random_state=5).fit(Xtr, ytr)
    n = lib.mlpb_ensemble_members_default(len(Xtr))
    seed = int(check_random_state(5).randint(0, 2 ** 31 - 1))
    x = np.ascontiguousarray(Xtr, dtype=np.float32)
    t = np.zeros((len(ytr), 3), dtype=np.float32)
    t[np.arange(len(ytr)), ytr] = 1.0
    cfg = Model.config([4, 128, 3], seed)
    o = _abi.TrainOpts()
    lib.mlpb_train_opts_default(ctypes.byref(o))
    o.seed, o.refit = seed, lib.mlpb_refit_default(n)
    ds = _abi.Dataset(x.ctypes.data_as(_abi.c_float_p), t.ctypes.data_as(_abi.c_float_p),
                      None, x.shape[0])
    fn = lib.mlpb_train_ensemble
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.POINTER(_abi.Config), ctypes.c_size_t, ctypes.POINTER(_abi.Dataset),
                   ctypes.c_void_p, ctypes.POINTER(_abi.TrainOpts), ctypes.c_void_p,
                   ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p]
    out = ctypes.c_void_p()
    assert fn(ctypes.byref(cfg), n, ctypes.byref(ds), None, ctypes.byref(o), None,
              ctypes.byref(out), None) == 0
    ens = Model(out.value)
    assert ens.sizes() == clf._model.sizes() == [4, n * 128, 3]
    xe = np.ascontiguousarray(Xte, dtype=np.float32)
    assert np.array_equal(clf.predict_outputs(xe), ens.predict(xe))
    ens.close()


def test_ensemble_default_saved_as_one_network(iris, tmp_path):
    """Under 1,000 rows the default averages 8 networks that keep their best
    epoch's weights (the library's rules), saved as one; the file says so
    and loads back with the members' widths; ensemble=1 is a single network,
    refitted; a bad count or refit is refused."""
    from mlpblas._lib import lib
    Xtr, Xte, ytr, _ = iris
    assert lib.mlpb_ensemble_members_default(len(Xtr)) == 8
    assert lib.mlpb_refit_default(8) == 0 and lib.mlpb_refit_default(1) == 1
    clf = MLPClassifier(random_state=3).fit(Xtr, ytr)
    assert clf._model.sizes() == [4, 8 * 128, 3]  # 3 classes: 128 units a member
    assert clf._model.get_meta("mlpblas.ensemble") == "8"
    assert clf.refit_loss_curve_ is None  # the ensemble's members: no refit
    refitted = MLPClassifier(random_state=3, refit=True, ensemble=2).fit(Xtr, ytr)
    assert refitted.refit_loss_curve_ is not None
    path = tmp_path / "ens.mlpb"
    clf.save(path)
    back = MLPClassifier.load(path)
    assert back.hidden_layer_sizes is None  # as given: sized from the data
    np.testing.assert_array_equal(back.predict_proba(Xte), clf.predict_proba(Xte))
    one = MLPClassifier(random_state=3, ensemble=1).fit(Xtr, ytr)
    assert one._model.sizes() == [4, 128, 3]
    assert one._model.get_meta("mlpblas.ensemble") is None
    assert one.refit_loss_curve_ is not None  # a single network refits
    for bad in (0, 65, 2.5, "all", True):
        with pytest.raises(ValueError):
            MLPClassifier(ensemble=bad).fit(Xtr, ytr)
    for bad in (2, "yes", None, 0.5):
        with pytest.raises(ValueError):
            MLPClassifier(refit=bad).fit(Xtr, ytr)


@pytest.mark.parametrize("ensemble", [1, "auto"])
def test_subset_invariance(iris, ensemble):
    """A row's probabilities do not depend on the rows predicted with it, up
    to float32 rounding: a 1-row product and a many-row one are summed in
    other orders by the BLAS library (a few units of 2^-24 on sums of up to
    ~1,000 terms); 1e-5 is well above that and far below any real
    difference. The predicted class is the same wherever the top two
    probabilities are further apart than that."""
    Xtr, Xte, ytr, _ = iris
    X = np.vstack([Xtr, Xte])
    clf = MLPClassifier(random_state=2, ensemble=ensemble).fit(Xtr, ytr)
    full = clf.predict_proba(X)
    pred = clf.predict(X)
    tol = 1e-5
    for size in (1, 2, 3, 5, 17, 64):
        parts = [clf.predict_proba(X[i:i + size]) for i in range(0, len(X), size)]
        part = np.vstack(parts)
        assert np.max(np.abs(part - full)) <= tol, size
        top2 = np.sort(full, axis=1)[:, -2:]
        clear = top2[:, 1] - top2[:, 0] > 2 * tol
        sub_pred = np.concatenate([clf.predict(X[i:i + size])
                                   for i in range(0, len(X), size)])
        assert np.array_equal(sub_pred[clear], pred[clear])
