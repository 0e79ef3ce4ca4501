"""Finding and loading libmlpblas, and the prototypes of the calls used.

Search order (the first library that loads is used, and it must be of the
package's version):
  1. the file named by the environment variable MLPBLAS_LIBRARY;
  2. a libmlpblas bundled in the package directory (pip install with
     MLPBLAS_LIBRARY set at build time);
  3. the directories recorded by CMake in _paths.py: the build tree for the
     copy in build/python, the install's library directory for an installed
     package;
  4. the system's search path (ctypes.util.find_library, then the soname).
An error lists every path tried and why each failed.
"""
import ctypes as C
import ctypes.util
import glob
import os

from . import _abi
from ._version import __version__

_SONAMES = ("libmlpblas.so", "libmlpblas.dylib", "mlpblas.dll")


class LibraryNotFoundError(ImportError):
    """libmlpblas could not be found or is not of the package's version."""


def _expected_version_number():
    major, minor, patch = (int(p) for p in __version__.split("."))
    return major * 10000 + minor * 100 + patch


def _candidates():
    """(description, path) pairs in search order."""
    out = []
    env = os.environ.get("MLPBLAS_LIBRARY")
    if env:
        out.append(("MLPBLAS_LIBRARY", env))
    here = os.path.dirname(os.path.abspath(__file__))
    dirs = [("package directory", here)]
    try:
        from . import _paths
        dirs += [("CMake " + _paths.KIND, d) for d in _paths.LIBRARY_DIRS]
    except ImportError:
        pass
    for what, d in dirs:
        found = []
        for name in _SONAMES:
            found += sorted(glob.glob(os.path.join(d, name + "*")))
        if not found:
            out.append((what, os.path.join(d, _SONAMES[0])))
        out += [(what, f) for f in found]
    sys_name = ctypes.util.find_library("mlpblas")
    if sys_name:
        out.append(("system (find_library)", sys_name))
    major, minor, _ = __version__.split(".")
    so = "libmlpblas.so.%s.%s" % (major, minor) if major == "0" else "libmlpblas.so." + major
    out.append(("system (soname)", so))
    return out


def _load():
    tried = []
    want = _expected_version_number()
    for what, path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append("%s: %s (no such file)" % (what, path))
            continue
        try:
            lib = C.CDLL(path)
            lib.mlpb_version_number.restype = C.c_uint
            lib.mlpb_version_string.restype = C.c_char_p
        except (OSError, AttributeError) as e:
            tried.append("%s: %s (%s)" % (what, path, e))
            continue
        got = lib.mlpb_version_number()
        if got != want:
            tried.append("%s: %s (version %s, but this package is %s)"
                         % (what, path, lib.mlpb_version_string().decode(), __version__))
            continue
        return lib, path
    raise LibraryNotFoundError(
        "mlpblas: no usable libmlpblas %s; tried, in order:\n  " % __version__ +
        "\n  ".join(tried) +
        "\nBuild it with CMake and use build/python, install it (cmake --install), or "
        "set MLPBLAS_LIBRARY to the library file.")


lib, path = _load()

_P = C.c_void_p
_SZ = C.c_size_t
_ST = C.c_int  # mlpb_status
_FP = _abi.c_float_p
_PROTOS = {
    "mlpb_strerror": (C.c_char_p, [_ST]),
    "mlpb_model_create": (_ST, [C.POINTER(_abi.Config), _P, C.POINTER(_P)]),
    "mlpb_model_destroy": (None, [_P]),
    "mlpb_model_n_inputs": (_SZ, [_P]),
    "mlpb_model_n_outputs": (_SZ, [_P]),
    "mlpb_model_sizes": (C.POINTER(_SZ), [_P, C.POINTER(_SZ)]),
    "mlpb_model_set_input_names": (_ST, [_P, C.POINTER(C.c_char_p)]),
    "mlpb_model_set_output_names": (_ST, [_P, C.POINTER(C.c_char_p)]),
    "mlpb_model_input_name": (C.c_char_p, [_P, _SZ]),
    "mlpb_model_set_meta": (_ST, [_P, C.c_char_p, C.c_char_p]),
    "mlpb_model_get_meta": (C.c_char_p, [_P, C.c_char_p]),
    "mlpb_workspace_create": (_ST, [_P, _SZ, _P, C.POINTER(_P)]),
    "mlpb_workspace_destroy": (None, [_P]),
    "mlpb_workspace_set_threading": (_ST, [_P, C.c_int]),
    "mlpb_predict": (_ST, [_P, _P, _P, _SZ, _P]),
    "mlpb_train_opts_default": (None, [C.POINTER(_abi.TrainOpts)]),
    "mlpb_hidden_default": (_SZ, [_SZ]),
    "mlpb_weight_decay_default": (C.c_float, [_SZ]),
    "mlpb_train_split": (_ST, [C.POINTER(_abi.Dataset), _SZ, C.c_float, C.c_uint64, _P, _P,
                               C.POINTER(_SZ)]),
    "mlpb_train": (_ST, [_P, C.POINTER(_abi.Dataset), C.POINTER(_abi.Dataset),
                         C.POINTER(_abi.TrainOpts), _P, C.POINTER(_abi.TrainReport)]),
    "mlpb_train_parallel": (_ST, [C.POINTER(_P), _SZ, C.POINTER(_abi.Dataset),
                                  C.POINTER(_abi.Dataset), C.POINTER(_abi.TrainOpts), _SZ, _P,
                                  C.POINTER(_abi.TrainReport)]),
    "mlpb_model_merge": (_ST, [C.POINTER(_P), _SZ, C.POINTER(_P)]),
    "mlpb_ensemble_members_default": (_SZ, [_SZ]),
    "mlpb_refit_default": (C.c_int, [_SZ]),
    "mlpb_ensemble_member": (_ST, [C.POINTER(_abi.Config), C.POINTER(_abi.TrainOpts), _SZ,
                                   C.POINTER(_abi.Config), C.POINTER(_abi.TrainOpts)]),
    "mlpb_model_save": (_ST, [_P, C.c_char_p]),
    "mlpb_model_load": (_ST, [C.c_char_p, _P, C.POINTER(_P)]),
    "mlpb_model_load_mem": (_ST, [_P, _SZ, _P, C.POINTER(_P)]),
    "mlpb_model_file_size": (_SZ, [_P]),
    "mlpb_model_save_mem": (_ST, [_P, _P, _SZ]),
    "mlpb_blas_set_threads": (None, [C.c_int]),
    "mlpb_blas_threads": (C.c_int, []),
    "mlpb_blas_config": (C.c_char_p, []),
}
for _name, (_res, _args) in _PROTOS.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args

# mlpb_status values (pinned by the header).
OK, E_INVALID_ARG, E_NOMEM, E_NUMERIC, E_IO, E_MISMATCH = 0, 1, 3, 4, 5, 12


class MlpblasError(Exception):
    """A libmlpblas call failed; status is the library's mlpb_status."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


class MlpblasValueError(MlpblasError, ValueError):
    """Bad arguments, data or model file (a ValueError, as scikit-learn expects)."""


class MlpblasMemoryError(MlpblasError, MemoryError):
    """The library's allocator failed."""


class MlpblasOSError(MlpblasError, OSError):
    """A file could not be opened, read or written."""


def error(status, what):
    """The exception for a failed call: `what` and the library's message."""
    msg = "%s: %s" % (what, lib.mlpb_strerror(status).decode())
    if status == E_NOMEM:
        return MlpblasMemoryError(msg, status)
    if status == E_IO:
        return MlpblasOSError(msg, status)
    return MlpblasValueError(msg, status)


def check(status, what):
    if status != OK:
        raise error(status, what)
