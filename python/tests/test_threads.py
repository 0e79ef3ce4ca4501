"""Predicting from several Python threads at once on one fitted estimator:
each call takes a workspace (and, for input it converts, a buffer) of its
own, so every thread gets exactly the single-threaded answer (bitwise: the
same machine and batch sizes)."""
import threading

import numpy as np
from sklearn.datasets import make_classification

import mlpblas
from mlpblas import MLPClassifier


def predict_in_threads(clf, batches, want, threads, rounds):
    """threads threads, started together, each predicting batches in turn
    (its own order) rounds times; the mismatches against want and the
    exceptions (none: [])."""
    errors = []
    start = threading.Barrier(threads)

    def worker(t):
        try:
            start.wait()
            for it in range(rounds):
                i = (t + it) % len(batches)
                if not np.array_equal(clf.predict_proba(batches[i]), want[i]):
                    errors.append((t, it, i))
        except Exception as e:  # reported by the caller, not lost in the thread
            errors.append(repr(e))

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return errors


def test_concurrent_predict_matches_serial():
    X, y = make_classification(n_samples=2000, n_features=20, n_informative=10,
                               n_classes=3, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(32, 16), epochs=5, random_state=0).fit(X, y)
    batches = [X[i::7] for i in range(7)] + [X[:1], X]
    want = [clf.predict_proba(b) for b in batches]
    assert predict_in_threads(clf, batches, want, threads=8, rounds=30) == []
    # The pool holds at most one workspace per concurrent call.
    assert 1 <= len(clf._model._pool) <= 8


def test_concurrent_blocked_predict(monkeypatch):
    """Several threads converting float64 and Fortran-ordered input and
    predicting at once, each in blocks through its own buffer (one
    1,024-row chunk a block here), get the single-threaded answers."""
    X, y = make_classification(n_samples=3000, n_features=20, n_informative=10,
                               n_classes=3, random_state=1)
    clf = MLPClassifier(hidden_layer_sizes=(32,), epochs=3, ensemble=1,
                        random_state=0).fit(X, y)
    monkeypatch.setattr(mlpblas._model, "CONVERT_BYTES", 1)
    parts = [X[i::3] for i in range(3)] + [np.asfortranarray(X)]
    want = [clf.predict_proba(np.ascontiguousarray(p, np.float32)) for p in parts]
    assert predict_in_threads(clf, parts, want, threads=4, rounds=8) == []
