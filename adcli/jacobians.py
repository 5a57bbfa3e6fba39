"""The result types of adcli.jacobian, hessian, jvp and vjp, apart from
api.py (which makes them) so that they load on first use: a one-point
gradient never builds these classes.

    >>> import adcli
    >>> adcli.jacobian("x*y; x+y; sin(x)*y", [1, 2]).matrix.shape
    (3, 2)
"""
from dataclasses import dataclass, field

from .engine import forward


@dataclass
class Jacobian:
    """m x n matrix of d output / d variable at one point."""

    matrix: object  # numpy array (outputs, variables)
    outputs: tuple
    variables: tuple
    values: dict  # output name -> value
    point: dict
    mode: object  # engine.dispatch.ModeChoice
    graph: object = field(repr=False)

    def sparsity(self):
        """Structural pattern: for each output, the variables it depends on
        (read from the graph, not from numerical zeros)."""
        return structural_sparsity(self.graph)


@dataclass
class BatchJacobian:
    """Jacobians at many points: matrices[p] is the m x n Jacobian at point p."""

    matrices: object  # numpy array (points, outputs, variables)
    values: object  # numpy array (points, outputs)
    outputs: tuple
    variables: tuple
    columns: list  # the points: one array per variable
    failed_rows: list  # points with a non-finite value or derivative
    mode: object  # engine.dispatch.ModeChoice
    graph: object = field(repr=False)
    first_error: object = field(default=None, repr=False)  # DomainError of the first failed row

    def sparsity(self):
        return structural_sparsity(self.graph)


def structural_sparsity(graph):
    """{output name: [variable names it depends on]}."""
    deps = forward.dependencies(graph, graph.outputs)
    return {name: [graph.variables[k] for k in sorted(d)]
            for name, d in zip(graph.output_names, deps)}


@dataclass
class Hessian:
    """Value, gradient and the exact Hessian of one output at one point."""

    value: float
    gradient: dict
    matrix: object  # numpy array (variables, variables), symmetric
    variables: tuple
    point: dict
    output: str
    graph: object = field(default=None, repr=False)

    def sparsity(self):
        """The structural pattern, read from the graph: {"rows": {variable:
        [variables its row may have nonzero]}, "colour": {variable: colour},
        "colours": how many (the directions a compressed Hessian carries),
        "nonzeros": entries in the pattern}; colour {} and colours None where
        the pattern is too dense to colour (the dense path runs)."""
        from .engine import sparsity

        plan = sparsity.hessian_plan(self.graph)
        if plan is None:
            from .errors import AdcliError
            raise AdcliError("an op here has no second-derivative rule, so no Hessian pattern")
        names = self.graph.variables
        colour = {} if plan.colour is None else dict(zip(names, plan.colour))
        return {"rows": {names[i]: [names[j] for j in row] for i, row in enumerate(plan.pattern)},
                "colour": colour, "colours": plan.colours, "nonzeros": len(plan.columns)}


@dataclass
class Product:
    """A Jacobian-vector (jvp) or vector-Jacobian (vjp) product at one point."""

    values: dict  # output name -> value
    product: dict  # jvp: output name -> (J v); vjp: variable name -> (u J)
    outputs: tuple
    variables: tuple
    point: dict
