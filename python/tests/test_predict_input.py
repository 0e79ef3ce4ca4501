"""Prediction input of every dtype and layout: C-contiguous float32 rows are
read where they lie; other arrays are converted to float32 a block of rows at
a time into one buffer of the call, each block predicted straight into the
output. The outputs are those of the float32 rows bit for bit (one machine),
NaN, infinity and values beyond float32 are refused with the same message in
any block, and the extra memory is the block's, not the array's."""
import tracemalloc

import numpy as np
import pytest
from sklearn.datasets import load_digits

import mlpblas
from mlpblas import MLPClassifier

N = 10000


@pytest.fixture(scope="module")
def digits_fit():
    X, y = load_digits(return_X_y=True)
    clf = MLPClassifier(hidden_layer_sizes=(32,), epochs=3, ensemble=1,
                        random_state=0).fit(X, y)
    big = np.ascontiguousarray(np.tile(X, (-(-N // len(X)), 1))[:N])
    return clf, big


class _CountingLib:
    """The library with mlpb_predict's row counts recorded."""

    def __init__(self, lib):
        self._lib = lib
        self.rows = []

    def __getattr__(self, name):
        return getattr(self._lib, name)

    def mlpb_predict(self, m, ws, x, n, y):
        self.rows.append(n)
        return self._lib.mlpb_predict(m, ws, x, n, y)


@pytest.fixture
def calls(monkeypatch):
    c = _CountingLib(mlpblas._model.lib)
    monkeypatch.setattr(mlpblas._model, "lib", c)
    return c


def _check_blocks(rows, n, d):
    """rows: the mlpb_predict calls of one n-row converted prediction."""
    batch = mlpblas._model.PREDICT_BATCH
    most = max(batch, mlpblas._model.CONVERT_BYTES // (4 * d) // batch * batch)
    assert sum(rows) == n and len(rows) >= 2
    assert all(r == rows[0] for r in rows[:-1]) and 0 < rows[-1] <= rows[0]
    assert rows[0] % batch == 0 and rows[0] <= most


@pytest.mark.parametrize("convert_bytes", [None, 1])
def test_converted_in_blocks_bit_for_bit(digits_fit, calls, monkeypatch, convert_bytes):
    clf, x64 = digits_fit
    if convert_bytes is not None:  # blocks of one library chunk
        monkeypatch.setattr(mlpblas._model, "CONVERT_BYTES", convert_bytes)
    n, d = x64.shape
    x32 = x64.astype(np.float32)
    want = clf.predict_proba(x32)
    want_out = clf.predict_outputs(x32)
    assert calls.rows == [n, n]  # float32 C-contiguous: one call each, no copy
    ints = x64.astype(np.int16)  # digits are pixel counts 0..16: exact
    # C-contiguous float32 at an odd address: not handed to C as float*.
    unaligned = np.frombuffer(bytearray(x32.nbytes + 1), np.float32, x32.size, 1)
    unaligned = unaligned.reshape(x32.shape)
    unaligned[...] = x32
    assert unaligned.flags.c_contiguous and not unaligned.flags.aligned
    for x in (x64, np.asfortranarray(x64), np.asfortranarray(x32), x64.astype(">f8"),
              ints, ints.astype(np.uint8), x64.astype(np.float16), unaligned):
        calls.rows = []
        got = clf.predict_proba(x)
        _check_blocks(calls.rows, n, d)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(clf.predict_outputs(x), want_out)
        np.testing.assert_array_equal(clf.predict(x), clf.classes_[want.argmax(axis=1)])
    # Strided rows: the same as their float32 copy.
    rev = x64[::-2]
    calls.rows = []
    np.testing.assert_array_equal(clf.predict_proba(rev),
                                  clf.predict_proba(np.ascontiguousarray(rev, np.float32)))
    _check_blocks(calls.rows[:-1], len(rev), d)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_refusals_in_any_block(digits_fit, monkeypatch):
    clf, x64 = digits_fit
    monkeypatch.setattr(mlpblas._model, "CONVERT_BYTES", 1)
    bad32 = x64.astype(np.float32)
    bad32[-1, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity") as ref:
        clf.predict(bad32)
    for row, v in ((0, 1e300), (N // 2, -np.inf), (N - 1, np.nan), (2500, 3.5e38)):
        bad = x64.copy()
        bad[row, 7] = v
        for x in (bad, np.asfortranarray(bad)):
            with pytest.raises(ValueError) as e:
                clf.predict_proba(x)
            assert str(e.value) == str(ref.value)


def test_conversion_memory_is_one_block(digits_fit):
    """A 40,000 x 64 float64 array converted whole would take 10 MB more."""
    clf, x64 = digits_fit
    x64 = np.tile(x64, (4, 1))
    n, d = x64.shape
    clf.predict_outputs(x64[:2 * mlpblas._model.SMALL_ROWS])
    tracemalloc.start()
    try:
        out = clf.predict_outputs(x64)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.shape == (n, 10)
    assert peak <= out.nbytes + max(mlpblas._model.CONVERT_BYTES,
                                    4 * d * mlpblas._model.PREDICT_BATCH) + 65536
    assert peak < n * d * 4 // 2
