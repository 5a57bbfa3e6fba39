"""adcli: exact derivatives of formulas by automatic differentiation.

The core (this package minus cli.py and render.py) imports neither click nor
rich, and numpy only on the paths that evaluate batches or large graphs.
"""
from .api import BatchGradient, Gradient, TraceRow, grad, parse
from .errors import AdcliError, DomainError, ExpressionError, PointError
from .graph import Graph
from .jacobians import BatchJacobian, Hessian, Jacobian, Product, hessian, jacobian, jvp, values, vjp

__version__ = "0.1.0"

__all__ = ["parse", "grad", "jacobian", "hessian", "jvp", "vjp", "values",
           "Graph", "Gradient", "BatchGradient", "TraceRow", "Jacobian", "BatchJacobian", "Hessian", "Product",
           "AdcliError", "ExpressionError", "PointError", "DomainError", "__version__"]
