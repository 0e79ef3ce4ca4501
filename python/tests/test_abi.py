"""The ctypes mirror of the public structs (mlpblas/_abi.py) against the
layout the C compiler gives include/mlpblas.h: every size, every offset of
every mirrored field, and the enum values the package uses. A change to a
public struct that _abi.py does not follow fails here."""
import ctypes
import os
import re
import subprocess

import mlpblas
from mlpblas import _abi

ENUMS = {"MLPB_INIT_FAN_IN": _abi.MLPB_INIT_FAN_IN,
         "MLPB_THREADING_BLAS": _abi.MLPB_THREADING_BLAS,
         "MLPB_THREADING_AUTO": _abi.MLPB_THREADING_AUTO}
ENUMS.update({"MLPB_OPT_" + k.upper(): v for k, v in _abi.MLPB_OPTIMIZERS.items()})
ENUMS.update({"MLPB_SCHED_" + k.upper(): v for k, v in _abi.MLPB_SCHEDULES.items()})


def _probe(cc, include_dir, tmp_path):
    lines = ['#include <stddef.h>', '#include <stdio.h>', '#include "mlpblas.h"',
             "int main(void) {"]
    for cname, st in _abi.MIRRORED.items():
        lines.append('printf("%%s sizeof %%zu\\n", "%s", sizeof(%s));' % (cname, cname))
        for f, _ in st._fields_:
            lines.append('printf("%%s %%s %%zu %%zu\\n", "%s", "%s", offsetof(%s, %s), '
                         'sizeof(((%s *)0)->%s));' % (cname, f, cname, f, cname, f))
    for name in ENUMS:
        lines.append('printf("enum %%s %%d\\n", "%s", (int)%s);' % (name, name))
    lines.append('printf("enum sizeof %zu\\n", sizeof(mlpb_threading));')
    lines += ["return 0;", "}"]
    src = tmp_path / "probe.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "probe"
    subprocess.run([cc, "-std=c11", "-Wall", "-Werror", "-I", include_dir, str(src), "-o",
                    str(exe)], check=True)
    return subprocess.run([str(exe)], check=True, capture_output=True,
                          text=True).stdout.splitlines()


def test_every_mirrored_field_matches_the_header(cc, include_dir, tmp_path):
    out = _probe(cc, include_dir, tmp_path)
    checked = 0
    for line in out:
        parts = line.split()
        if parts[0] == "enum":
            continue
        st = _abi.MIRRORED[parts[0]]
        if parts[1] == "sizeof":
            assert ctypes.sizeof(st) == int(parts[2]), "sizeof(%s)" % parts[0]
        else:
            field = getattr(st, parts[1])
            assert (field.offset, field.size) == (int(parts[2]), int(parts[3])), \
                "%s.%s: ctypes (offset %d, size %d), C (offset %s, size %s)" % (
                    parts[0], parts[1], field.offset, field.size, parts[2], parts[3])
        checked += 1
    assert checked == sum(len(s._fields_) + 1 for s in _abi.MIRRORED.values())


def test_enum_values_and_size(cc, include_dir, tmp_path):
    out = [line.split() for line in _probe(cc, include_dir, tmp_path)
           if line.startswith("enum")]
    got = {p[1]: int(p[2]) for p in out}
    assert got.pop("sizeof") == ctypes.sizeof(_abi.c_enum)
    assert got == ENUMS


def test_struct_fields_cover_the_header(include_dir):
    """Every member the header declares in a mirrored struct is mirrored (a
    field appended to the header is caught even when it fits the padding)."""
    text = open(os.path.join(include_dir, "mlpblas.h")).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    for cname, st in _abi.MIRRORED.items():
        body = re.search(r"typedef struct %s \{(.*?)\} %s;" % (cname, cname), text, re.S)
        assert body, cname
        names = []
        for decl in body.group(1).split(";"):
            decl = decl.strip()
            if not decl:
                continue
            # "float beta1, beta2" declares two members; "uint64_t reserved[8]"
            # one, an array whose length the sizeof and offsets check.
            decl = re.sub(r"\[[^]]*\]", "", decl)
            first, *rest = decl.split(",")
            names.append(re.findall(r"\w+", first)[-1])
            names += [re.findall(r"\w+", r)[-1] for r in rest]
        assert names == [f for f, _ in st._fields_], cname


def test_package_version_is_the_headers(include_dir):
    text = open(os.path.join(include_dir, "mlpblas.h")).read()
    ver = [re.search(r"#define MLPB_VERSION_%s (\d+)" % p, text).group(1)
           for p in ("MAJOR", "MINOR", "PATCH")]
    assert mlpblas.__version__ == ".".join(ver)


def _tiny_model():
    from mlpblas import _lib
    sizes = (ctypes.c_size_t * 3)(2, 3, 1)
    cfg = _abi.Config(sizes, 3, 1, _abi.MLPB_INIT_FAN_IN)
    m = ctypes.c_void_p()
    _lib.check(_lib.lib.mlpb_model_create(ctypes.byref(cfg), None, ctypes.byref(m)),
               "mlpb_model_create")
    return m


def test_reserved_words_zero_and_refused_when_set():
    """The defaults come back with zero reserved words (what the binding
    passes), the library trains on them and refuses them with one word set:
    the check that makes a newer option fail on an older library."""
    from mlpblas import _lib
    lib = _lib.lib
    o = _abi.TrainOpts()
    ctypes.memset(ctypes.byref(o), 0xA5, ctypes.sizeof(o))
    lib.mlpb_train_opts_default(ctypes.byref(o))
    assert list(o.reserved) == [0] * len(o.reserved)
    assert list(o.optim.reserved) == [0] * len(o.optim.reserved)
    o.epochs, o.val_fraction = 1, 0.0
    x = (ctypes.c_float * 8)(0, 0, 0, 1, 1, 0, 1, 1)
    y = (ctypes.c_float * 4)(0, 1, 1, 0)
    ds = _abi.Dataset(x, y, None, 4)
    m = _tiny_model()
    try:
        for words in (o.reserved, o.optim.reserved):
            words[len(words) - 1] = 1
            rep = _abi.TrainReport()
            st = lib.mlpb_train(m, ctypes.byref(ds), None, ctypes.byref(o), None,
                                ctypes.byref(rep))
            assert st == _lib.E_INVALID_ARG
            words[len(words) - 1] = 0
        rep = _abi.TrainReport()
        ctypes.memset(ctypes.byref(rep), 0xFF, ctypes.sizeof(rep))
        assert lib.mlpb_train(m, ctypes.byref(ds), None, ctypes.byref(o), None,
                              ctypes.byref(rep)) == _lib.OK
        assert rep.epochs_run == 1
        for words in (rep.reserved, rep.last.reserved, rep.last.val.reserved,
                      rep.best.reserved):
            assert list(words) == [0] * len(words)
    finally:
        lib.mlpb_model_destroy(m)
