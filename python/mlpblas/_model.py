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
# Larger arrays that are not C-contiguous float32 are converted in blocks of
# rows into one float32 buffer of about this many bytes (a whole number of
# PREDICT_BATCH chunks, at least one), each block predicted while it is still
# in cache. A float32 copy of the whole array would instead be allocated,
# written out to memory and read back on every call, which grows with the
# rows (most beyond the last-level cache).
CONVERT_BYTES = 1 << 20


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
        """A new model of sizes from seed, or of the mlpb_config cfg (of
        those sizes and seed) when given."""
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
        """Sigmoid outputs (n x k float32) of x, an n x d array (n >= 1) of
        any real dtype and layout. Aligned C-contiguous float32 rows are read
        where they lie; others are converted to float32 (NumPy's unsafe cast:
        a float64 beyond float32's range becomes an infinity, which the
        library then refuses like a NaN), a block of rows at a time."""
        n = x.shape[0]
        ws = self._take()
        try:
            if n <= SMALL_ROWS:
                np.copyto(ws.x[:n], x, casting="unsafe")
                st = lib.mlpb_predict(self.ptr, ws.ptr, ws.x_ptr, n, ws.y_ptr)
                out = ws.y[:n].copy()
            else:
                out = np.empty((n, self.k), dtype=np.float32)
                if x.dtype == np.float32 and x.flags.c_contiguous and x.flags.aligned:
                    st = lib.mlpb_predict(self.ptr, ws.ptr, x.ctypes.data, n,
                                          out.ctypes.data)
                else:
                    st = self._predict_blocks(ws, x, out)
        finally:
            self._give(ws)
        if st != 0:
            raise error(st, "mlpblas: predict failed (a NaN or infinity in X, or values "
                            "beyond float32 range)")
        return out

    def _predict_blocks(self, ws, x, out):
        """mlpb_predict of x (more than SMALL_ROWS rows, not aligned
        C-contiguous float32) into out, block by block through one float32
        buffer of this call (so threads never share one); the blocks are
        whole PREDICT_BATCH chunks (the last one aside), so the library sees
        the same chunks as for a float32 copy of x and the outputs are the
        same bit for bit. The first failing status, or 0."""
        n, d, k = x.shape[0], self.d, self.k
        rows = PREDICT_BATCH * max(1, CONVERT_BYTES // (PREDICT_BATCH * 4 * d))
        buf = np.empty((min(rows, n), d), dtype=np.float32)
        src, dst = buf.ctypes.data, out.ctypes.data
        for r0 in range(0, n, rows):
            m = min(rows, n - r0)
            np.copyto(buf[:m], x[r0:r0 + m], casting="unsafe")
            st = lib.mlpb_predict(self.ptr, ws.ptr, src, m, dst + 4 * k * r0)
            if st != 0:
                return st
        return 0

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
