"""pip install ./python: the pure-Python package, and libmlpblas bundled
beside it when MLPBLAS_LIBRARY names the library file at build time;
without it the installed package finds libmlpblas on the system (after
`cmake --install`). Offline with Debian's setuptools:
    MLPBLAS_LIBRARY=$PWD/build/libmlpblas.so pip install --no-build-isolation ./python
"""
import os
import re
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "mlpblas", "_version.py")) as f:
    VERSION = re.search(r'__version__ = "([^"]+)"', f.read()).group(1)


class BuildPy(build_py):
    """Copy MLPBLAS_LIBRARY (when set) into the package as libmlpblas.so."""

    def run(self):
        super().run()
        lib = os.environ.get("MLPBLAS_LIBRARY")
        bundled = os.path.join(self.build_lib, "mlpblas", "libmlpblas.so")
        if os.path.exists(bundled):  # from an earlier build in the same tree
            os.remove(bundled)
        if lib:
            if not os.path.isfile(lib):
                raise SystemExit("MLPBLAS_LIBRARY=%s: no such file (give an absolute path: "
                                 "the package is built in another directory)" % lib)
            shutil.copyfile(os.path.realpath(lib), bundled)


setup(
    name="mlpblas",
    version=VERSION,
    description="scikit-learn MLPClassifier over libmlpblas (ctypes)",
    packages=["mlpblas"],
    python_requires=">=3.7",
    install_requires=["numpy", "scikit-learn"],
    cmdclass={"build_py": BuildPy},
    # The bundled library is a platform file; the wheel is not pure then.
    zip_safe=False,
)
