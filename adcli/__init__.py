"""adcli: exact derivatives of formulas by automatic differentiation.

The core (this package minus cli/) imports neither click nor rich, and numpy
only on the paths that evaluate batches or large graphs; tests/test_layers.py
enforces the layers.
"""
from .api import (BatchGradient, BatchJacobian, Gradient, Hessian, Jacobian, Product,
                  TraceRow, grad, hessian, jacobian, jvp, parse, values, vjp)
from .errors import AdcliError, DomainError, ExpressionError, PointError
from .graph import Graph

__version__ = "0.1.0"

# minimize loads on first use: a gradient from the shell never pays for the
# optimizers (PEP 562 module __getattr__)
_LAZY = {"minimize": "tools.optimize", "MinimizeResult": "tools.optimize"}

__all__ = ["parse", "grad", "jacobian", "hessian", "jvp", "vjp", "values", "Graph",
           "Gradient", "BatchGradient", "TraceRow", "Jacobian", "BatchJacobian", "Hessian",
           "Product", "AdcliError", "ExpressionError", "PointError", "DomainError",
           "__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'adcli' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
