"""adcli: exact derivatives of formulas by automatic differentiation.

The core (this package minus cli/) imports neither click nor rich, and numpy
only on the paths that evaluate batches or large graphs; tests/test_layers.py
enforces the layers.
"""
from .api import (BatchGradient, Gradient, TraceRow, grad, hessian, hvp, jacobian, jvp, parse,
                  values, vjp)
from .errors import AdcliError, DomainError, ExpressionError, PointError
from .graph import Graph

__version__ = "0.1.0"

# the result types beyond the gradient and minimize load on first use: a
# one-point gradient from the shell never pays for them (PEP 562 __getattr__)
_LAZY = {name: "jacobians" for name in ("Jacobian", "BatchJacobian", "Hessian", "Product")}
_LAZY.update({name: "tools.optimize" for name in ("minimize", "MinimizeResult")})
_LAZY.update({name: "tools.fit" for name in ("fit", "FitResult")})
_LAZY.update({name: "tools.solve" for name in ("solve", "SolveResult")})
_LAZY.update({name: "array_results" for name in ("ArrayGradient", "ArrayJacobian",
                                                 "ArrayHessian", "ArrayProduct", "ArrayValues")})

__all__ = ["parse", "grad", "jacobian", "hessian", "hvp", "jvp", "vjp", "values", "Graph",
           "Gradient", "BatchGradient", "TraceRow", "AdcliError", "ExpressionError",
           "PointError", "DomainError", "__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'adcli' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
