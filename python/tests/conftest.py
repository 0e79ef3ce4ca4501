"""Shared fixtures: the C compiler and header CMake used, and the tool."""
import os
import shutil

import pytest


@pytest.fixture(scope="session")
def cc():
    c = os.environ.get("MLPB_CC") or shutil.which("cc")
    if not c:
        pytest.fail("no C compiler: set MLPB_CC (ctest does)")
    return c


@pytest.fixture(scope="session")
def include_dir():
    d = os.environ.get("MLPB_INCLUDE_DIR") or os.path.join(
        os.path.dirname(__file__), "..", "..", "include")
    if not os.path.exists(os.path.join(d, "mlpblas.h")):
        pytest.fail("include/mlpblas.h not found: set MLPB_INCLUDE_DIR (ctest does)")
    return d


@pytest.fixture(scope="session")
def tool():
    t = os.environ.get("MLPB_TOOL")
    if not t:
        pytest.skip("the mlpblas tool was not built (MLPB_BUILD_CLI=OFF)")
    return t
