"""Predicting from several Python threads at once on one fitted estimator:
each call takes a workspace of its own, so every thread gets exactly the
single-threaded answer (bitwise: the same machine and batch sizes)."""
import threading

import numpy as np
from sklearn.datasets import make_classification

from mlpblas import MLPClassifier


def test_concurrent_predict_matches_serial():
    X, y = make_classification(n_samples=2000, n_features=20, n_informative=10,
                               n_classes=3, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(32, 16), epochs=5, random_state=0).fit(X, y)
    batches = [X[i::7] for i in range(7)] + [X[:1], X]
    want = [clf.predict_proba(b) for b in batches]
    errors = []
    start = threading.Barrier(8)

    def worker(t):
        try:
            start.wait()
            for it in range(30):
                i = (t + it) % len(batches)
                got = clf.predict_proba(batches[i])
                if not np.array_equal(got, want[i]):
                    errors.append((t, it, i))
        except Exception as e:  # reported below, not lost in the thread
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # The pool holds at most one workspace per concurrent call.
    assert 1 <= len(clf._model._pool) <= 8
