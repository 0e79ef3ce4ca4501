"""An owned libmlpblas model and a pool of prediction workspaces."""
import ctypes as C
import threading

import numpy as np

from . import _abi
from ._lib import check, error, lib

# Rows a prediction workspace holds; mlpb_predict runs any n in chunks of it.
PREDICT_BATCH = 1024
# Calls of up to this many rows go through small buffers kept with the
# workspace: the rows are copied (and converted) into one, the outputs come
# out of the other, so that no array's address has to be asked of NumPy
# (numpy's .ctypes costs more than copying a few rows).
SMALL_ROWS = 64


class _Workspace:
    """A prediction workspace and its small input and output buffers."""

    def __init__(self, model):
        ws = C.c_void_p()
        check(lib.mlpb_workspace_create(model.ptr, PREDICT_BATCH, None, C.byref(ws)),
              "mlpblas: cannot create a workspace")
        self.ptr = ws
        st = lib.mlpb_workspace_set_threading(ws, _abi.MLPB_THREADING_BLAS)
        if st != 0:
            self.close()
            raise error(st, "mlpblas: cannot set the workspace's threading")
        self.x = np.empty((SMALL_ROWS, model.d), dtype=np.float32)
        self.y = np.empty((SMALL_ROWS, model.k), dtype=np.float32)
        self.x_ptr = self.x.ctypes.data
        self.y_ptr = self.y.ctypes.data

    def close(self):
        if self.ptr:
            lib.mlpb_workspace_destroy(self.ptr)
            self.ptr = None


class Model:
    """Owns an mlpb_model*; predict is safe from several threads at once.

    Each call takes a workspace of its own from a pool (created on first
    need, MLPB_THREADING_BLAS so that concurrent calls never change the BLAS
    thread count), so threads never share one."""

    def __init__(self, ptr):
        self.ptr = C.c_void_p(ptr)
        self._pool = []
        self._lock = threading.Lock()
        self.d = lib.mlpb_model_n_inputs(self.ptr)
        self.k = lib.mlpb_model_n_outputs(self.ptr)

    @staticmethod
    def config(sizes, seed):
        """An mlpb_config of these sizes (kept alive by the caller)."""
        arr = (C.c_size_t * len(sizes))(*sizes)
        cfg = _abi.Config(arr, len(sizes), seed, _abi.MLPB_INIT_FAN_IN)
        cfg._sizes = arr  # the array outlives the struct's use
        return cfg

    @classmethod
    def create(cls, sizes, seed, cfg=None):
        """A new model of sizes from seed, or of the mlpb_config cfg."""
        cfg = cfg if cfg is not None else cls.config(sizes, seed)
        out = C.c_void_p()
        check(lib.mlpb_model_create(C.byref(cfg), None, C.byref(out)),
              "mlpblas: cannot create a model of sizes %s" % (list(sizes),))
        return cls(out.value)

    @classmethod
    def merge(cls, members):
        """One model whose logits are the mean of the members' (mlpb_model_merge)."""
        arr = (C.c_void_p * len(members))(*[m.ptr.value for m in members])
        out = C.c_void_p()
        check(lib.mlpb_model_merge(arr, len(members), C.byref(out)),
              "mlpblas: cannot merge the ensemble's members")
        return cls(out.value)

    @classmethod
    def load(cls, path):
        out = C.c_void_p()
        check(lib.mlpb_model_load(str(path).encode(), None, C.byref(out)),
              "mlpblas: cannot load %s" % path)
        return cls(out.value)

    @classmethod
    def from_bytes(cls, buf):
        out = C.c_void_p()
        check(lib.mlpb_model_load_mem(buf, len(buf), None, C.byref(out)),
              "mlpblas: cannot load a model from memory")
        return cls(out.value)

    def to_bytes(self):
        n = lib.mlpb_model_file_size(self.ptr)
        buf = C.create_string_buffer(n)
        check(lib.mlpb_model_save_mem(self.ptr, buf, n), "mlpblas: cannot encode the model")
        return buf.raw

    def save(self, path):
        check(lib.mlpb_model_save(self.ptr, str(path).encode()),
              "mlpblas: cannot save %s" % path)

    def sizes(self):
        n = C.c_size_t()
        p = lib.mlpb_model_sizes(self.ptr, C.byref(n))
        return [p[i] for i in range(n.value)]

    def set_meta(self, key, value):
        check(lib.mlpb_model_set_meta(self.ptr, key.encode(),
                                      None if value is None else value.encode()),
              "mlpblas: cannot set metadata %r" % key)

    def get_meta(self, key):
        v = lib.mlpb_model_get_meta(self.ptr, key.encode())
        return None if v is None else v.decode()

    def set_names(self, inputs, outputs):
        for names, fn in ((inputs, lib.mlpb_model_set_input_names),
                          (outputs, lib.mlpb_model_set_output_names)):
            arr = (C.c_char_p * len(names))(*[n.encode() for n in names])
            check(fn(self.ptr, arr), "mlpblas: cannot set the model's names")

    # ---------------------------------------------------------- predict
    def _take(self):
        with self._lock:
            if self._pool:
                return self._pool.pop()
        return _Workspace(self)

    def _give(self, ws):
        with self._lock:
            self._pool.append(ws)

    def predict(self, x):
        """Sigmoid outputs (n x k float32) of x, an n x d float array (n >= 1);
        rows beyond SMALL_ROWS must be C-contiguous float32 already."""
        n = x.shape[0]
        ws = self._take()
        try:
            if n <= SMALL_ROWS:
                np.copyto(ws.x[:n], x, casting="unsafe")
                st = lib.mlpb_predict(self.ptr, ws.ptr, ws.x_ptr, n, ws.y_ptr)
                out = ws.y[:n].copy()
            else:
                out = np.empty((n, self.k), dtype=np.float32)
                st = lib.mlpb_predict(self.ptr, ws.ptr, x.ctypes.data, n, out.ctypes.data)
        finally:
            self._give(ws)
        if st != 0:
            raise error(st, "mlpblas: predict failed (a NaN or infinity in X, or values "
                            "beyond float32 range)")
        return out

    def predictor(self, x):
        """For the training callback: a function that writes the outputs of
        the fixed rows x (C-contiguous float32) into one n x k array and
        returns it, the same array each call, through one workspace (given
        to the predict pool by done()); for one thread."""
        ws = self._take()
        out = np.empty((x.shape[0], self.k), dtype=np.float32)
        args = (self.ptr, ws.ptr, x.ctypes.data, x.shape[0], out.ctypes.data)

        def run():
            st = lib.mlpb_predict(*args)
            if st != 0:
                raise error(st, "mlpblas: predict failed")
            return out
        run.done = lambda: self._give(ws)
        return run

    def close(self):
        for ws in self._pool:
            ws.close()
        self._pool = []
        if self.ptr:
            lib.mlpb_model_destroy(self.ptr)
            self.ptr = C.c_void_p()

    def __del__(self):
        if lib is not None:
            self.close()
