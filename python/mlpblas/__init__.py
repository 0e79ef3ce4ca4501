"""mlpblas: multilayer perceptrons trained by libmlpblas, for scikit-learn.

    from mlpblas import MLPClassifier
    clf = MLPClassifier().fit(X, y)

The package binds libmlpblas through ctypes (no compiled extension): see
docs/python.md.
"""
from ._lib import (LibraryNotFoundError, MlpblasError, MlpblasMemoryError, MlpblasOSError,
                   MlpblasValueError)
from ._lib import lib as _cdll
from ._lib import path as library_path
from ._version import __version__
from .classifier import EXPECTED_FAILED_CHECKS, MLPClassifier


def blas_config():
    """The BLAS build and core libmlpblas runs on (OpenBLAS's config string)."""
    return _cdll.mlpb_blas_config().decode()


__all__ = ["MLPClassifier", "EXPECTED_FAILED_CHECKS", "MlpblasError", "MlpblasValueError",
           "MlpblasMemoryError", "MlpblasOSError", "LibraryNotFoundError", "blas_config",
           "library_path", "__version__"]
