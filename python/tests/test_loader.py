"""Finding libmlpblas: the order of the search, the list of every path
tried in the error, and the refusal of a library of another version."""
import os
import shutil
import subprocess
import sys

import pytest

import mlpblas

PKG = os.path.dirname(mlpblas.__file__)


def _import(tmp_path, env_extra, with_paths):
    """Import a copy of the package in a fresh interpreter; (rc, output)."""
    dst = tmp_path / "pkg" / "mlpblas"
    shutil.copytree(PKG, dst, ignore=shutil.ignore_patterns(
        "__pycache__", "libmlpblas*", *([] if with_paths else ["_paths.py"])))
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "pkg"), **env_extra)
    env.pop("LD_LIBRARY_PATH", None)
    r = subprocess.run([sys.executable, "-c", "import mlpblas; print(mlpblas.library_path)"],
                       env=env, capture_output=True, text=True, cwd=str(tmp_path))
    return r.returncode, r.stdout + r.stderr


@pytest.fixture(scope="module")
def wrong_version_lib(cc, tmp_path_factory):
    d = tmp_path_factory.mktemp("fake")
    src = d / "fake.c"
    src.write_text('unsigned mlpb_version_number(void) { return 90909; }\n'
                   'const char *mlpb_version_string(void) { return "9.9.9"; }\n')
    lib = d / "libmlpblas.so.9.9.9"
    subprocess.run([cc, "-shared", "-fPIC", str(src), "-o", str(lib)], check=True)
    return str(lib)


def test_loaded_from_the_build_tree():
    assert os.path.exists(mlpblas.library_path)
    assert mlpblas._lib.lib.mlpb_version_string().decode() == mlpblas.__version__


def test_wrong_version_is_skipped_for_the_next_candidate(tmp_path, wrong_version_lib):
    rc, out = _import(tmp_path, {"MLPBLAS_LIBRARY": wrong_version_lib}, with_paths=True)
    assert rc == 0, out
    assert out.strip() == mlpblas.library_path


def test_error_lists_every_path_tried(tmp_path, wrong_version_lib):
    rc, out = _import(tmp_path, {"MLPBLAS_LIBRARY": wrong_version_lib}, with_paths=False)
    if rc == 0:
        pytest.skip("a libmlpblas %s is installed on the system: %s"
                    % (mlpblas.__version__, out.strip()))
    assert "LibraryNotFoundError" in out
    assert "version 9.9.9, but this package is %s" % mlpblas.__version__ in out
    assert "MLPBLAS_LIBRARY: " + wrong_version_lib in out
    assert "package directory: " + str(tmp_path / "pkg" / "mlpblas") in out
    assert "system (soname)" in out


def test_bundled_library_comes_before_the_build_tree(tmp_path):
    dst = tmp_path / "pkg" / "mlpblas"
    shutil.copytree(PKG, dst, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.path.realpath(mlpblas.library_path), dst / "libmlpblas.so")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "pkg"))
    env.pop("MLPBLAS_LIBRARY", None)
    r = subprocess.run([sys.executable, "-c", "import mlpblas; print(mlpblas.library_path)"],
                       env=env, capture_output=True, text=True, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(dst / "libmlpblas.so")
