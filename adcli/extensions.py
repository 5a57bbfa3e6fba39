"""The optional C loops that hatch_build.py compiles at install
(adcli/engine/_libm.c, adcli/language/_precedence.c): each one's module, or
None where it was not built (no compiler) or ADCLI_PURE_PYTHON=1 asks for
the Python paths, which give the same results (the tests run both)."""
import importlib
import os


def optional(package, name):
    """The extension package.name (the caller's own package), or None."""
    if os.environ.get("ADCLI_PURE_PYTHON") == "1":
        return None
    try:
        return importlib.import_module(f"{package}.{name}")
    except ImportError:
        return None
