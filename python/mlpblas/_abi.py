"""The one place where the C structs of include/mlpblas.h are mirrored.

Every ctypes Structure that crosses into libmlpblas is declared here, field
by field in the header's order, so that a change to a public struct is a
change to this file only. The option and report structs end in reserved
words (the header's "Structs that grow"): a field the library adds takes
some of them, so this mirror keeps working with a newer library of the same
soname, and the library refuses options whose reserved words are not zero
(ctypes zeroes a new Structure). tests/test_abi.py compiles a C probe against the
header and compares the size and every offset below with what the compiler
lays out: a mismatch fails the tests instead of corrupting memory.
"""
import ctypes as C

c_size_t = C.c_size_t
c_float = C.c_float
c_double = C.c_double
c_int = C.c_int
c_uint64 = C.c_uint64
c_enum = C.c_int  # every enum of the header fits an int (C11 6.7.2.2)
c_float_p = C.POINTER(C.c_float)

# Enum values, pinned by the header.
MLPB_INIT_FAN_IN = 2
MLPB_THREADING_BLAS = 0
MLPB_THREADING_AUTO = 3
MLPB_OPTIMIZERS = {"sgd": 0, "momentum": 1, "nesterov": 2, "adam": 3, "adamw": 4,
                   "rmsprop": 5}
MLPB_SCHEDULES = {"constant": 0, "step": 1, "cosine": 2}


class Config(C.Structure):
    """mlpb_config"""
    _fields_ = [("sizes", C.POINTER(c_size_t)), ("n_sizes", c_size_t),
                ("seed", c_uint64), ("init", c_enum)]


class Dataset(C.Structure):
    """mlpb_dataset"""
    _fields_ = [("x", c_float_p), ("y", c_float_p), ("sample_weight", c_float_p),
                ("n", c_size_t)]


class Metrics(C.Structure):
    """mlpb_metrics"""
    _fields_ = [("loss", c_double), ("accuracy", c_double), ("precision", c_double),
                ("recall", c_double), ("f1", c_double), ("auc", c_double),
                ("ap", c_double), ("reserved", c_uint64 * 9)]


class EpochInfo(C.Structure):
    """mlpb_epoch_info"""
    _fields_ = [("epoch", c_size_t), ("epochs", c_size_t), ("train_loss", c_double),
                ("val_loss", c_double), ("val", Metrics), ("seconds", c_double),
                ("samples_per_s", c_double), ("best_epoch", c_size_t), ("refit", c_int),
                ("reserved", c_uint64 * 8)]


EPOCH_FN = C.CFUNCTYPE(c_int, C.POINTER(EpochInfo), C.c_void_p)
BATCH_FN = C.CFUNCTYPE(c_int, c_size_t, c_size_t, c_size_t, c_float, C.c_void_p)


class OptimOpts(C.Structure):
    """mlpb_optim_opts"""
    _fields_ = [("kind", c_enum), ("lr", c_float), ("momentum", c_float),
                ("beta1", c_float), ("beta2", c_float), ("rho", c_float), ("eps", c_float),
                ("weight_decay", c_float), ("clip_norm", c_float), ("schedule", c_enum),
                ("step_size", c_uint64), ("gamma", c_float), ("t_max", c_uint64),
                ("lr_min", c_float), ("warmup", c_uint64), ("reserved", c_uint64 * 8)]


class TrainOpts(C.Structure):
    """mlpb_train_opts"""
    _fields_ = [("epochs", c_size_t), ("batch_size", c_size_t), ("optim", OptimOpts),
                ("val_fraction", c_float), ("patience", c_size_t), ("min_delta", c_float),
                ("restore_best", c_int), ("standardize", c_int), ("pos_weight", c_float_p),
                ("seed", c_uint64), ("on_epoch", EPOCH_FN), ("on_batch", BATCH_FN),
                ("ctx", C.c_void_p), ("threading", c_enum), ("refit", c_int),
                ("precision", c_enum), ("gemm", c_enum), ("split_phase", c_double),
                ("split_seed", c_uint64), ("reserved", c_uint64 * 14)]


class TrainReport(C.Structure):
    """mlpb_train_report"""
    _fields_ = [("last", EpochInfo), ("epochs_run", c_size_t), ("best_epoch", c_size_t),
                ("best_val_loss", c_double), ("stopped_early", c_int),
                ("stopped_by_callback", c_int), ("fail_epoch", c_size_t),
                ("fail_batch", c_size_t), ("seconds", c_double), ("best", EpochInfo),
                ("refit_epochs", c_size_t), ("refit_train_loss", c_double),
                ("n_train", c_size_t), ("n_val", c_size_t),
                ("reserved", c_uint64 * 8)]


# C type name -> Structure, for the layout test.
MIRRORED = {"mlpb_config": Config, "mlpb_dataset": Dataset, "mlpb_metrics": Metrics,
            "mlpb_epoch_info": EpochInfo, "mlpb_optim_opts": OptimOpts,
            "mlpb_train_opts": TrainOpts, "mlpb_train_report": TrainReport}
