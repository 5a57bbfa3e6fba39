"""Array graphs built node by node, for the engine's and the tools' tests
(exact control of the tape, below the language): Tape("sum(A @ x)") then
t.var("A"), t("matmul", a, b), t.elementwise("exp", a), t.build(out); and
the graphs the tests share."""
import numpy as np

from adcli import ops
from adcli.language.parser import new_builder


class Tape:
    def __init__(self, source="f"):
        self.builder = new_builder(source)
        self.source = source

    def _span(self, text):
        start = self.source.find(text) if text else -1
        return (0, len(self.source)) if start < 0 else (start, start + len(text))

    def var(self, name):
        return self.builder.variable(name, self._span(name))

    def const(self, value):
        return self.builder.constant(value, (0, 0))

    def __call__(self, name, *args, at=None, **params):
        op = ops.ARRAY_TABLE[name]
        if params:
            op = ops.with_params(op, **params)
        return self.builder.apply(op, tuple(args), self._span(at))

    def elementwise(self, name, *args, at=None):
        return self.builder.apply(ops.TABLE[name], tuple(args), self._span(at))

    def build(self, *outputs, variables=None):
        for out in outputs:
            self.builder.expressions.append((out, 0, len(self.source)))
        return self.builder.build(variables)


def least_squares():
    """sum((A @ x - b)**2): variables A, b, x."""
    t = Tape("sum((A @ x - b)**2)")
    A, x, b = t.var("A"), t.var("x"), t.var("b")
    r = t.elementwise("sub", t("matmul", A, x, at="@"), b, at="-")
    return t.build(t("sum", t.elementwise("pow", r, t.const(2.0), at="**"), at="sum"))


#: issue 12's explain example: A=[[1,2],[3,4]], x=[1,1], b=[0,1] (A, b, x order)
LEAST_SQUARES_AT = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.0, 1.0]),
                    np.array([1.0, 1.0])]


def quadratic_form():
    """x.T @ A @ x: variables A, x."""
    t = Tape("x.T @ A @ x")
    A, x = t.var("A"), t.var("x")
    return t.build(t("matmul", t("matmul", t("transpose", x), A), x))


def logdet():
    t = Tape("logdet(X)")
    return t.build(t("logdet", t.var("X")))


def rosenbrock():
    """sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)."""
    t = Tape("sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)")
    x = t.var("x")
    head, tail = t("index", x, index=(slice(None, -1),)), t("index", x, index=(slice(1, None),))
    square = t.elementwise("mul", head, head)
    d = t.elementwise("sub", tail, square)
    first = t.elementwise("mul", t.const(100.0), t.elementwise("mul", d, d))
    one = t.elementwise("sub", t.const(1.0), head)
    second = t.elementwise("mul", one, one)
    return t.build(t("sum", t.elementwise("add", first, second)))


def central_gradient(graph, point, k, h=1e-6):
    """d output / d point[k], entry by entry, by central differences (numpy
    directly: independent of adcli's differencing)."""
    from adcli.engine import arrays

    x = np.asarray(point[k], dtype=float)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        step = h * max(1.0, abs(x[i]))
        sides = []
        for sign in (1.0, -1.0):
            moved = [np.array(p, dtype=float) for p in point]
            moved[k][i] += sign * step
            sides.append(float(arrays.forward(graph, moved)[graph.output]))
        grad[i] = (sides[0] - sides[1]) / (2 * step)
    return grad
