"""adcli: exact derivatives of formulas by automatic differentiation.

The core (this package minus cli.py and render.py) imports neither click nor
rich, and numpy only on the paths that evaluate batches or large graphs.
"""
from .api import BatchGradient, Gradient, TraceRow, grad, parse
from .errors import AdcliError, DomainError, ExpressionError, PointError
from .graph import Graph

__version__ = "0.1.0"

__all__ = ["parse", "grad", "Graph", "Gradient", "BatchGradient", "TraceRow",
           "AdcliError", "ExpressionError", "PointError", "DomainError", "__version__"]
