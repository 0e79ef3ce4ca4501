"""scikit-learn's own estimator checks, every one, on the default
MLPClassifier(), through parametrize_with_checks.

The checks expected to fail are declared with their reasons in
MLPClassifier._more_tags()["_xfail_checks"] (docs/python.md lists them).
They still run: here the expectation is made strict, so a check that starts
to pass fails the suite until its entry is removed -- except for
check_methods_subset_invariance, which passes or fails by float32 rounding
on the CPU at hand (test_classifier.py's test_subset_invariance holds the
property at float32's precision instead). The tag names a check function,
and check_sample_weights_invariance runs twice: with weights of one (which
must pass: a weight of one is no weight) and with zeros (the expected
failure); only the latter keeps the mark."""
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlpblas import MLPClassifier


# Checks whose outcome depends on the float rounding of the CPU's kernels.
ROUNDING = {"check_methods_subset_invariance"}


def _check_name(check):
    return getattr(getattr(check, "func", check), "__name__", "")


def _strict(decorator):
    params = []
    for p in decorator.args[1]:
        if isinstance(p, type(pytest.param(None))) and p.marks:
            check = p.values[1]
            if getattr(check, "keywords", {}).get("kind") == "ones":
                p = pytest.param(*p.values, id=p.id)
            else:
                strict = _check_name(check) not in ROUNDING
                marks = [pytest.mark.xfail(reason=m.kwargs.get("reason"), strict=strict)
                         for m in p.marks if m.name == "xfail"]
                p = pytest.param(*p.values, id=p.id, marks=marks)
        params.append(p)
    return pytest.mark.parametrize(decorator.args[0], params, **decorator.kwargs)


@_strict(parametrize_with_checks([MLPClassifier()]))
def test_sklearn_check(estimator, check):
    check(estimator)


def test_the_expected_failures_are_few_and_explained():
    xfail = MLPClassifier()._more_tags()["_xfail_checks"]
    assert len(xfail) <= 3
    assert all(len(reason) > 40 for reason in xfail.values())
