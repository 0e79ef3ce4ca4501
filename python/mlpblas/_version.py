"""The package's version: the libmlpblas release it binds to.

It must equal MLPB_VERSION_MAJOR.MINOR.PATCH of include/mlpblas.h (a test
compares them); the loader refuses a library of any other version.
"""
__version__ = "0.3.0"
