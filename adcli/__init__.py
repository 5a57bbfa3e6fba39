"""adcli: exact derivatives of formulas by automatic differentiation.

The core (this package minus cli.py and render.py) imports neither click nor
rich, and numpy only on the paths that evaluate batches or large graphs.
"""
from .api import BatchGradient, Gradient, TraceRow, grad, parse
from .errors import AdcliError, DomainError, ExpressionError, PointError
from .graph import Graph

__version__ = "0.1.0"

# Jacobians, Hessians and products load on first use: a one-point gradient
# from the shell never pays for them (PEP 562 module __getattr__).
_LAZY = {name: "jacobians" for name in (
    "jacobian", "hessian", "jvp", "vjp", "values",
    "Jacobian", "BatchJacobian", "Hessian", "Product")}
_LAZY.update({name: "tools.optimize" for name in ("minimize", "MinimizeResult")})

__all__ = ["parse", "grad", "Graph", "Gradient", "BatchGradient", "TraceRow",
           "AdcliError", "ExpressionError", "PointError", "DomainError", "__version__",
           *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'adcli' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
