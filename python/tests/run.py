"""Run one pytest file for ctest: exit 77 (ctest's SKIP_RETURN_CODE) with
the reason when a dependency is missing; any pytest failure, and a run that
collects no test (pytest's exit 5), is a failure."""
import importlib
import sys

missing = []
for mod, pkg in (("numpy", "python3-numpy"), ("sklearn", "python3-sklearn"),
                 ("pytest", "python3-pytest")):
    try:
        importlib.import_module(mod)
    except ImportError as e:
        missing.append("%s (%s: %s)" % (mod, pkg, e))
if missing:
    print("SKIPPED: the Python tests need " + ", ".join(missing))
    sys.exit(77)

import pytest  # noqa: E402

rc = pytest.main(["-q", "-p", "no:cacheprovider"]
                 + sys.argv[1:])
sys.exit(1 if rc == 5 else int(rc))
