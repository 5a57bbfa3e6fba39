"""Nonlinear least-squares fitting of a model to data, with the exact
Jacobian of the residuals by AD.

    >>> import adcli, numpy as np
    >>> x = np.array([1.0, 2.0, 3.0, 4.0]); y = 2.0 * np.exp(-0.5 * x)
    >>> r = adcli.fit("a*exp(-k*x)", {"x": x, "y": y}, {"a": 1, "k": 1})
    >>> round(r.params["a"], 12), round(r.params["k"], 12)
    (2.0, 0.5)

The model is an expression (or a program's output) in the data's columns
and the parameters: the names that are columns are data, the others
parameters, each started from ``start``.  ``response ~ model`` (in the
text) fits a transformed response (``log(y) ~ b1 - b2*x``); otherwise the
response is the column ``response`` (default ``y``).  The residuals are
(response - model) / sigma, a vector over the rows: one array graph,
evaluated by engine/arrays.py, whose Jacobian with respect to the
parameters takes one forward sweep per parameter.  The minimizer is
tools/least_squares.py (Levenberg-Marquardt as MINPACK's lmder); the
statistics come from the SVD of the Jacobian at the solution.
"""
import dataclasses
from dataclasses import dataclass, field

import numpy as np

from .. import api
from ..errors import DomainError, ExpressionError, PointError, ShapeError, shown
from ..graph import count_text, format_number

#: the names the residual program adds (users' names never start with _fit_)
_MODEL, _RESIDUAL = "_fit_model", "_fit_residual"


@dataclass
class FitResult:
    """A fit's parameters, their uncertainties and how the run ended."""

    params: dict  # name -> value (fixed ones included)
    stderr: dict  # name -> standard error (0 for a fixed parameter)
    ci95: dict  # name -> (low, high)
    t_values: dict
    correlation: object  # ndarray (free, free), in the order of ``free``
    rss: float
    residual_sd: float
    dof: int
    r2: float
    n: int  # observations
    converged: bool
    reason: str
    message: str
    iterations: int
    evaluations: int
    jacobian_evaluations: int
    gradient_evaluations: int  # J^T r by one reverse sweep (the last digits)
    hessian_evaluations: int  # the cost's exact Hessian (the polish of the last digits)
    method: str
    names: tuple  # every parameter, in the model's order
    free: tuple  # the parameters fitted (not fixed)
    fixed: dict  # name -> value
    condition: float  # of the Jacobian at the solution
    deficient: tuple  # parameters involved in a rank deficiency (none: ())
    response: str
    model: str
    data_columns: tuple = ()  # the columns the model reads (not the response's)
    at_bounds: tuple = ()  # parameters on a bound (their statistics assume them free)
    fitted: object = field(repr=False, default=None)  # model values per row
    residuals: object = field(repr=False, default=None)  # response - model, per row


def fit(model, data, start, *, response="y", sigma=None, fix=None, bounds=None,
        output=None, base=None, ftol=None, xtol=None, gtol=0.0, max_evals=None,
        callback=None):
    """Fit ``model`` (text or Graph) to ``data`` (column name -> 1-D array)
    from ``start`` (parameter name -> number).  ``sigma``: a column of
    standard deviations (weights 1/sigma); ``fix``: name -> value held fixed;
    ``bounds``: name -> (low, high), either may be infinite (the minimizer
    works on a transformed parameter, as lmfit and MINUIT do); a start lies
    strictly inside its bounds.  A parameter that ends on a bound is held
    exactly there while the others are fitted again (``at_bounds`` names
    it; its statistics are those of a free parameter)."""
    problem = FitProblem(model, data, start, response=response, sigma=sigma, fix=fix,
                         output=output, base=base)
    box = Bounds(problem.free, bounds or {}, problem.x0)
    problem.check_shapes()
    first = problem.residuals(problem.x0)
    if not np.isfinite(first).all():
        raise problem.diagnose(problem.x0)  # at the start: the data and model, not the run
    settings = dict(floor=problem.rounding(), ftol=ftol, xtol=xtol, gtol=gtol,
                    max_evals=max_evals, callback=callback)
    result, q = _solve(problem, box, box.inner(problem.x0), settings)
    x, pinned = box.outer(q), box.pinned(q) & result.converged
    if pinned.any():
        result, x, pinned = _on_bounds(problem, box, result, q, pinned, settings)
    if box.active:  # the statistics in the parameters' own coordinates
        result = dataclasses.replace(result, x=x, jacobian=problem.jacobian(x, count=False))
    result = _saturated(problem, result)
    at_bounds = tuple(n for n, on in zip(problem.free, pinned) if on)
    return dataclasses.replace(problem.result(result), at_bounds=at_bounds)


def _saturated(problem, solved):
    """The result as not converged when parameters lost all their effect on
    the residuals since the start (Jacobian columns fallen by a factor of
    1/eps: a logistic's slope and midpoint once its step leaves the data,
    exp(-b x) underflowing): a plateau where the sum of squares no longer
    changes, not a minimum."""
    if not solved.converged or not np.any(solved.residuals):
        return solved
    final = np.linalg.norm(solved.jacobian, axis=0)
    start = np.linalg.norm(problem.jacobian(problem.x0, count=False), axis=0)
    lost = [n for n, end, begin in zip(problem.free, final, start)
            if 0 < begin and end <= EPS * begin]  # a zero column at the start: _unmoved
    if not lost:
        return solved
    return dataclasses.replace(
        solved, converged=False, reason="saturated",
        message=f"{', '.join(lost)} no longer change{'s' if len(lost) == 1 else ''} the "
                "residuals (a plateau, not a minimum): try another start")


def _solve(problem, box, q0, settings, held=None):
    """least_squares over the inner coordinates q of the free parameters,
    those of ``held`` (a mask) kept at q0's, their values exactly on the
    bound nearest.  Returns (the result, in q; the q of its end)."""
    from . import least_squares as lsq

    moving = np.ones(q0.size, dtype=bool) if held is None else ~held

    def at(z):
        q = q0.copy()
        q[moving] = z
        p = box.outer(q)
        if held is not None:
            p[held] = box.nearest(q)[held]  # exactly on the bound
        return p, q

    def jacobian(z):  # C order, as the free run has always had it (QR rounds by layout)
        p, q = at(z)
        scaled = problem.jacobian(p) * box.slope(q)
        return scaled if held is None else np.ascontiguousarray(scaled[:, moving])

    def gradient(z):
        p, q = at(z)
        scaled = problem.gradient(p) * box.slope(q)
        return scaled if held is None else scaled[moving]

    # Newton's polish works in the parameters' own coordinates: not under bounds
    newton = problem.newton if not box.active else None
    result = lsq.least_squares(lambda z: problem.residuals(at(z)[0]), jacobian, q0[moving],
                               gradient=gradient, newton=newton, **settings)
    return result, at(result.x)[1]


def _on_bounds(problem, box, result, q, pinned, settings):
    """The run again with the parameters found on a bound held exactly there:
    near a bound the change of variable is flat, and the other parameters'
    last digits cost more than the sum of squares resolves (9 digits where
    this gives 15).  Kept when each held parameter's gradient points out of
    its bounds (the data would take it further) and the cost is no higher;
    else the first run stands, no parameter said to be on a bound.
    Returns (the result, x, the mask of the parameters on a bound)."""
    again, q_again = _solve(problem, box, q, settings, held=pinned)
    x = box.outer(q_again)
    x[pinned] = box.nearest(q)[pinned]
    g = problem.gradient(x)  # J^T r: d(cost/2)/dx
    columns = np.linalg.norm(problem.jacobian(x, count=False), axis=0)
    scale = columns * max(float(np.linalg.norm(problem.residuals(x))), DWARF)
    outward = np.where(box.nearest_is_low(q), g, -g) >= -1e-8 * scale
    if again.converged and outward[pinned].all() and again.cost <= result.cost * (1 + 1e-12):
        return dataclasses.replace(again, iterations=result.iterations + again.iterations), \
            x, pinned
    return result, box.outer(q), np.zeros_like(pinned)


def _quiet(method):
    """numpy's warnings off: the rules compute every kind of bound for every
    parameter, and keep for each the one that applies."""
    def quiet(*args):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return method(*args)
    return quiet


def _gradient(graph, values, seed, wrt):
    """seed^T d(output)/d(wrt) by one reverse sweep, the seed in the shape the
    output broadcasts to: J^T r when the seed is the residuals."""
    from ..engine import arrays

    output = values[graph.output]
    seed = arrays.unbroadcast(np, seed, np.shape(output))
    adjoints = arrays.backward(graph, values, seed=seed, wrt=wrt, keep=False)
    index = graph.variable_index()
    return np.array([float(np.sum(adjoints[graph.var_nodes[index[n]]])) for n in wrt])


def fit_in_program(graph, model, response, start, **settings):
    """Fit a program's definition ``model`` to its definition (or data)
    ``response``, the data loaded in the program itself (load("y.csv")):
    the parameters are the model's variables.  For adcli check's
    ``fit y, params [...]``."""
    from . import least_squares as lsq

    problem = ProgramFit(graph, model, response, start)
    problem.check_shapes()
    first = problem.residuals(problem.x0)
    if not np.isfinite(first).all():
        raise problem.diagnose(problem.x0)
    solved = lsq.least_squares(problem.residuals, problem.jacobian, problem.x0,
                               gradient=problem.gradient, floor=problem.rounding(), **settings)
    return problem.result(solved)


class ProgramFit:
    """FitProblem's interface over a program whose data are constants: the
    residual is response - model, both definitions of the one graph."""

    def __init__(self, graph, model, response, start):
        known = set(graph.definitions).union(graph.output_names)
        for name in (model, response):
            if name not in known:
                raise PointError(f"no definition named {name!r} to fit")
        self.model_graph = graph.focus([model]).used_variables_only().for_arrays()
        observed = graph.focus([response]).used_variables_only().for_arrays()
        if observed.variables:
            raise PointError(f"the response {response} depends on {observed.variables[0]}: "
                             "it must be data")
        from ..engine import arrays
        self.observed = np.asarray(arrays.forward(observed, [])[observed.output], dtype=float)
        self.names = self.free = tuple(self.model_graph.variables)
        missing = [n for n in self.names if n not in start]
        if missing:
            raise PointError(f"no start for the parameter {missing[0]}")
        self.x0 = np.array([float(start[n]) for n in self.names])
        self.fixed, self.sigma, self.n = {}, None, self.observed.size
        self.response, self.model_text, self.graph = response, model, self.model_graph
        self.evaluations = self.jacobian_evaluations = self.gradient_evaluations = 0
        self._last = None

    def check_shapes(self):
        """ShapeError unless the model broadcasts to the response's shape;
        PointError unless there are more observations than parameters."""
        shape = np.shape(self._model(self.x0)[self.model_graph.output])
        try:
            fits = np.broadcast_shapes(shape, self.observed.shape) == self.observed.shape
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(f"the model {self.model_text} has shape {shape}, the response "
                             f"{self.response} {self.observed.shape}: a fit needs one model "
                             "value per observation, or one for all")
        if self.n <= len(self.free):
            raise PointError(f"{count_text(len(self.free), 'parameter')} and "
                             f"{count_text(self.n, 'observation')}: a fit needs more "
                             "observations than parameters")

    def _model(self, x):
        """The forward values at x; the last ones are kept for gradient(x)."""
        from ..engine import arrays
        key = tuple(map(float, x))
        if self._last is None or self._last[0] != key:
            self._last = (key, arrays.forward(self.model_graph, list(key)))
        return self._last[1]

    def gradient(self, x):
        """J^T r, r = observed - model: one reverse sweep of the model."""
        self.gradient_evaluations += 1
        values = self._model(x)
        fitted = np.broadcast_to(values[self.model_graph.output], self.observed.shape)
        return _gradient(self.model_graph, values, fitted - self.observed, self.names)

    def rounding(self):
        return float(np.finfo(np.float64).eps * np.linalg.norm(self.observed))

    def residuals(self, x):
        self.evaluations += 1
        values = self._model(x)
        fitted = np.broadcast_to(values[self.model_graph.output], self.observed.shape)
        return (self.observed - fitted).ravel()

    def jacobian(self, x, count=True):
        from ..engine import arrays
        self.jacobian_evaluations += count
        values = self._model(x)
        columns = []
        for k in range(len(self.names)):
            tangents = [None] * len(self.names)
            tangents[k] = 1.0
            (column,) = arrays.jvp(self.model_graph, values, tangents)
            columns.append(-np.broadcast_to(column, self.observed.shape).ravel())
        return np.stack(columns, axis=1)

    def diagnose(self, x):
        from ..engine import arrays
        return (arrays.first_nonfinite(self.model_graph, self._model(x))
                or DomainError("a residual is not finite", self.model_graph.source))

    def _response_values(self, x):
        return self.observed.ravel()

    def _weighted(self, vector):
        return vector

    def _model_columns(self):
        return ()

    result = property(lambda self: FitProblem.result.__get__(self))


DWARF = float(np.finfo(np.float64).tiny)
EPS = float(np.finfo(np.float64).eps)
#: |dp/dq| below this fraction of its largest value: the parameter is on its bound
PINNED = 1e-3


class Bounds:
    """Box constraints by a change of variable: p = low - 1 + sqrt(q**2 + 1)
    above a lower bound, p = high + 1 - sqrt(q**2 + 1) below an upper one, and
    p = low + (high - low) * (sin(q) + 1) / 2 between both (MINUIT's)."""

    def __init__(self, names, bounds, start):
        fitted = set(names)
        unknown = [n for n in bounds if n not in fitted]
        if unknown:
            raise PointError(f"--bounds {unknown[0]}: not a parameter fitted "
                             f"(parameters: {', '.join(names)})")
        big = np.inf
        self.low = np.array([float(bounds.get(n, (-big, big))[0]) for n in names])
        self.high = np.array([float(bounds.get(n, (-big, big))[1]) for n in names])
        for n, lo, hi, x in zip(names, self.low, self.high, start):
            if not lo < hi:
                raise PointError(f"--bounds {n}={lo:g}:{hi:g}: the low bound must be below "
                                 "the high one")
            if not lo <= x <= hi:
                raise PointError(f"the start {n}={x:g} is outside its bounds [{lo:g}, {hi:g}]")
            if x in (lo, hi):  # where dp/dq = 0: the parameter could never leave its bound
                raise PointError(f"the start {n}={x:g} is on its bound [{lo:g}, {hi:g}]: a "
                                 "bounded parameter starts inside its bounds",
                                 hint=f"start {n} a little inside, or hold it there with "
                                      f"--fix {n}={x:g}")
        self.lower = np.isfinite(self.low) & ~np.isfinite(self.high)
        self.upper = ~np.isfinite(self.low) & np.isfinite(self.high)
        self.both = np.isfinite(self.low) & np.isfinite(self.high)
        self.active = bool((self.lower | self.upper | self.both).any())

    @_quiet
    def outer(self, q):
        if not self.active:
            return q
        p = np.array(q, dtype=np.float64)
        root = np.sqrt(q * q + 1.0)
        p[self.lower] = (self.low - 1.0 + root)[self.lower]
        p[self.upper] = (self.high + 1.0 - root)[self.upper]
        span = self.high - self.low
        p[self.both] = (self.low + span * (np.sin(q) + 1.0) / 2.0)[self.both]
        return p

    @_quiet
    def slope(self, q):
        """dp/dq per parameter."""
        if not self.active:
            return 1.0
        d = np.ones_like(q)
        root = np.sqrt(q * q + 1.0)
        d[self.lower] = (q / root)[self.lower]
        d[self.upper] = (-q / root)[self.upper]
        d[self.both] = ((self.high - self.low) * np.cos(q) / 2.0)[self.both]
        return d

    def pinned(self, q):
        """Which parameters sit on a bound: where the change of variable is
        flat (|dp/dq| under PINNED of its largest, within about 1e-6 of the
        bound, or of the span), the fit cannot say which side the data want."""
        if not self.active:
            return np.zeros(np.shape(q), dtype=bool)
        largest = np.where(self.both, (self.high - self.low) / 2.0, 1.0)
        bounded = self.lower | self.upper | self.both
        return bounded & (np.abs(self.slope(q)) <= PINNED * largest)

    def nearest_is_low(self, q):
        """True where the nearer bound is the low one (a lower bound alone:
        True; an upper one alone: False)."""
        upper_side = np.where(self.both, np.sin(q) > 0.0, self.upper)
        return ~upper_side

    def nearest(self, q):
        """The bound nearest each parameter (its low or high value)."""
        return np.where(self.nearest_is_low(q), self.low, self.high)

    @_quiet
    def inner(self, p):
        if not self.active:
            return np.array(p, dtype=np.float64)
        q = np.array(p, dtype=np.float64)
        shifted = p - self.low + 1.0
        q[self.lower] = np.sqrt(np.maximum(shifted * shifted - 1.0, 0.0))[self.lower]
        shifted = self.high - p + 1.0
        q[self.upper] = np.sqrt(np.maximum(shifted * shifted - 1.0, 0.0))[self.upper]
        ratio = np.clip(2.0 * (p - self.low) / (self.high - self.low) - 1.0, -1.0, 1.0)
        q[self.both] = np.arcsin(ratio)[self.both]
        return q


class FitProblem:
    """The residual graph of a model and its data, bound once; fun and jac
    of the free parameters for the minimizer, counted."""

    def __init__(self, model, data, start, *, response="y", sigma=None, fix=None,
                 output=None, base=None):
        self.columns = _columns(data)
        text = model.source if hasattr(model, "source") else model
        if not isinstance(text, str):
            raise ExpressionError(f"a model is text or a Graph, not {type(model).__name__}")
        self.response, self.model_text = _split_response(text, response)
        _check_column_names(self.columns, self.model_text + " " + self.response)
        try:
            self.graph, self.spans, self.model_name = _residual_graph(
                self.model_text, self.response, output, base)
        except ExpressionError as error:
            raise _keyword_column(error, self.columns) or error from None
        self._bind(start or {}, fix or {}, sigma)

    def _bind(self, start, fix, sigma):
        columns, graph = self.columns, self.graph
        names = [v for v in graph.variables if v not in columns]
        self.names = tuple(names)
        response_names = self.graph.focus(["_fit_response"]).used_variables_only().variables
        absent = [n for n in response_names if n not in columns]
        if absent:
            raise PointError(f"the response {self.response} needs the column {absent[0]}, "
                             f"which the data does not have (columns: {', '.join(columns)})",
                             hint="name the response column with --y COLUMN")
        missing = [n for n in names if n not in start and n not in fix]
        if missing:
            listing = ", ".join(f"{n}=..." for n in missing)
            raise PointError(f"no start for the parameter{'s' if len(missing) > 1 else ''} "
                             f"{', '.join(missing)} (the model's names that are not columns "
                             f"of the data: {', '.join(names)})",
                             hint=f"give --from {listing}, or --fix NAME=VALUE")
        parameters = set(names)
        unknown = [n for n in list(start) + list(fix) if n not in parameters]
        data = [n for n in unknown if n in columns]
        if data:
            raise PointError(f"{data[0]} is a column of the data: the model reads it as data, "
                             "not as a parameter",
                             hint=f"rename the parameter in the model, or drop {data[0]} from "
                                  "--from and --fix")
        if unknown:
            raise PointError(f"{unknown[0]} is not a parameter of the model "
                             f"(its parameters: {', '.join(names) or 'none'})")
        both = sorted(set(start).intersection(fix))
        if both:
            raise PointError(f"{both[0]} is given a start and fixed: give one of them")
        self.fixed = {n: float(fix[n]) for n in names if n in fix}
        self.free = tuple(n for n in names if n not in fix)
        if not self.free:
            raise PointError("every parameter is fixed: nothing to fit")
        self.x0 = np.array([float(start[n]) for n in self.free])
        rows = {len(c) for c in columns.values()}
        self.n = rows.pop()
        if self.n <= len(self.free):
            raise PointError(f"{count_text(len(self.free), 'parameter')} and "
                             f"{count_text(self.n, 'observation')} (rows of data): a fit "
                             "needs more observations than parameters")
        self.sigma = None
        if sigma is not None:
            if sigma not in columns:
                raise PointError(f"--sigma {sigma}: no such column (columns: "
                                 f"{', '.join(columns)})")
            self.sigma = columns[sigma]
            if not (self.sigma > 0).all():
                row = int(np.flatnonzero(~(self.sigma > 0))[0])
                raise PointError(f"the sigma column {sigma} must be positive: row {row + 1} "
                                 f"holds {self.sigma[row]!r}")
        self.point = [columns.get(v) for v in graph.variables]
        index = graph.variable_index()
        self.slots = [index[n] for n in self.free]
        for name, value in self.fixed.items():
            self.point[index[name]] = value
        self.evaluations = self.jacobian_evaluations = self.gradient_evaluations = 0
        self.hessian_evaluations = 0
        self._last = None

    def check_shapes(self):
        """ShapeError unless the model and the response each give one value
        per row, or one for all rows."""
        try:
            values = self._values(self.x0)
        except ShapeError as error:  # shapes are known once the columns are bound
            raise _in_user_text(error, self.spans) from None
        for what, name in (("the model", self.model_name), ("the response", "_fit_response")):
            shape = np.shape(values[self.graph.definitions[name]])
            if shape not in ((), (1,), (self.n,)):
                raise ShapeError(f"{what} has shape {shape}: a fit needs one value per row of "
                                 f"the data, shape ({self.n},), or one for all",
                                 hint="write the model in the data's columns, elementwise "
                                      "(a*x, not [a*x] or outer(a*x, x))")

    def _at(self, x):
        point = list(self.point)
        for slot, value in zip(self.slots, x):
            point[slot] = float(value)
        return point

    def _values(self, x):
        """The forward values at x; the last ones are kept for gradient(x)."""
        from ..engine import arrays
        key = tuple(map(float, x))
        if self._last is None or self._last[0] != key:
            self._last = (key, arrays.forward(self.graph, self._at(x)))
        return self._last[1]

    def newton(self, x):
        """(J^T r, the exact Hessian of half the weighted sum of squares) at x:
        forward over reverse, one sweep per batch of directions."""
        from ..engine import array_second

        self.hessian_evaluations += 1
        weights = 1.0 if self.sigma is None else 1.0 / self.sigma ** 2
        return array_second.squares_hessian(self.graph, self._values(x), weights, self.free)

    def rounding(self):
        """The norm of the rounding of the weighted response in float64 (eps |y|),
        the floor under what a fit can resolve."""
        response = self._weighted(self._response_values(self.x0))
        return float(np.finfo(np.float64).eps * np.linalg.norm(response))

    def gradient(self, x):
        """J^T r of the weighted residuals: one reverse sweep seeded with the
        residuals (the gradient of half the sum of squares), on the values of
        the last evaluation when it was at x."""
        self.gradient_evaluations += 1
        values = self._values(x)
        seed = np.asarray(self._weighted(values[self.graph.output]), dtype=np.float64)
        if self.sigma is not None:
            seed = seed / self.sigma
        return _gradient(self.graph, values, seed, self.free)

    def _weighted(self, vector):
        vector = np.broadcast_to(np.asarray(vector, dtype=np.float64), (self.n,))
        return vector / self.sigma if self.sigma is not None else vector

    def residuals(self, x):
        self.evaluations += 1
        values = self._values(x)
        return np.array(self._weighted(values[self.graph.output]))

    def jacobian(self, x, count=True):
        """d residual / d parameter, one forward sweep per free parameter."""
        from ..engine import arrays

        self.jacobian_evaluations += count
        values = self._values(x)
        columns = []
        for slot in self.slots:
            tangents = [None] * len(self.graph.variables)
            tangents[slot] = 1.0
            (column,) = arrays.jvp(self.graph, values, tangents)
            columns.append(self._weighted(column))
        return np.stack(columns, axis=1)

    def diagnose(self, x):
        """The DomainError naming the node and the first row of a non-finite
        residual."""
        from ..engine import arrays
        values = self._values(x)
        residuals = self._weighted(values[self.graph.output])
        row = int(np.flatnonzero(~np.isfinite(residuals))[0]) + 1
        error = (arrays.first_nonfinite(self.graph, values)
                 or DomainError("a residual is not finite", self.graph.source))
        error.message = f"{error.message}, first at row {row} of the data"
        error.args = (error.message,)
        error.hint = "start where the model is defined for every row (--from), or check that row"
        return self._in_model(error)

    def _in_model(self, error):
        return _in_user_text(error, self.spans)

    def result(self, solved):
        from . import least_squares as lsq

        weighted = self.sigma is not None
        response = self._response_values(solved.x)
        if not (np.isfinite(solved.jacobian).all() and np.isfinite(solved.residuals).all()):
            raise self.diagnose(solved.x)
        stats = lsq.fit_statistics(solved.jacobian, solved.residuals, weighted=weighted,
                                   response=self._weighted(response), params=solved.x)
        solved = _unmoved(solved, self.free, self.x0)
        params = dict(self.fixed)
        params.update(zip(self.free, map(float, solved.x)))
        params = {n: params[n] for n in self.names}
        stderr = {n: 0.0 for n in self.names}
        stderr.update(zip(self.free, map(float, stats.stderr)))
        ci95 = {n: (params[n], params[n]) for n in self.names}
        ci95.update({n: (float(lo), float(hi)) for n, (lo, hi) in zip(self.free, stats.ci95)})
        t_values = {n: float(t) for n, t in zip(self.free, stats.t_values)}
        raw = np.asarray(solved.residuals) * (self.sigma if weighted else 1.0)
        return FitResult(
            params=params, stderr=stderr, ci95=ci95, t_values=t_values,
            correlation=stats.correlation, rss=float(stats.rss),
            residual_sd=float(stats.residual_sd), dof=int(stats.dof), r2=float(stats.r2),
            n=self.n, converged=solved.converged, reason=solved.reason,
            message=solved.message, iterations=solved.iterations,
            evaluations=self.evaluations, jacobian_evaluations=self.jacobian_evaluations,
            gradient_evaluations=self.gradient_evaluations,
            hessian_evaluations=getattr(self, "hessian_evaluations", 0),
            method=solved.method, names=self.names, free=self.free, fixed=self.fixed,
            condition=float(stats.condition),
            deficient=tuple(self.free[k] for k in stats.deficient),
            response=self.response, model=self.model_text,
            data_columns=self._model_columns(),
            fitted=response - raw, residuals=raw)

    def _model_columns(self):
        used = self.graph.focus([_MODEL]).used_variables_only().variables \
            if _MODEL in self.graph.definitions else self.graph.variables
        response = set(self.graph.focus(["_fit_response"]).used_variables_only().variables)
        return tuple(n for n in used if n in self.columns and n not in response)

    def _response_values(self, x):
        values = self._values(x)
        node = self.graph.definitions.get("_fit_response")
        return np.broadcast_to(np.asarray(values[node], dtype=np.float64), (self.n,)).copy()


def _unmoved(solved, names, start):
    """The result as not converged when a parameter never left its start
    and the residuals do not depend on it there (a zero Jacobian column:
    b = 0 in b**2): a stationary point the Gauss-Newton model cannot leave,
    not a minimum, unless the residuals are all zero."""
    stuck = [n for k, n in enumerate(names)
             if solved.x[k] == start[k] and not np.any(solved.jacobian[:, k])]
    if not stuck or not solved.converged or not np.any(solved.residuals):
        return solved
    return dataclasses.replace(
        solved, converged=False, reason="saturated",
        message=f"{', '.join(stuck)} never left {'its' if len(stuck) == 1 else 'their'} start, "
                "where the residuals do not depend on "
                f"{'it' if len(stuck) == 1 else 'them'} (a stationary point, not a minimum): "
                "start elsewhere")


def _columns(data):
    """name -> float64 1-D array, every column the same length, finite."""
    if not hasattr(data, "items"):
        raise PointError("the data is a mapping of column names to arrays")
    columns = {}
    for name, values in data.items():
        if not isinstance(name, str):
            raise PointError(f"a column's name is text, not {type(name).__name__}: "
                             f"{shown(name)}")
        array = _column(name, values)
        if not np.isfinite(array).all():
            row = int(np.flatnonzero(~np.isfinite(array))[0])
            raise PointError(f"the column {name}, row {row + 1}: "
                             f"{format_number(float(array[row]))} is not finite")
        columns[name] = array
    lengths = {len(c) for c in columns.values()}
    if len(lengths) > 1:
        raise PointError("the data's columns differ in length: "
                         + ", ".join(f"{n} has {len(c)}" for n, c in columns.items()))
    if not columns:
        raise PointError("the data has no columns")
    return columns


def _column(name, values):
    """A column as float64, each value a real number (not text, None or a
    bool, which numpy would make a number of)."""
    try:
        raw = np.asarray(values)
    except ValueError:  # lists of different lengths in it
        raise PointError(f"the column {name} is not a flat list of numbers") from None
    if raw.dtype.kind == "O":
        for row, value in enumerate(raw.ravel()):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise PointError(f"the column {name}, row {row + 1}: {shown(value)} is not a "
                                 "number")
            if isinstance(value, int) and abs(value) > 2 ** 1023:
                raise PointError(f"the column {name}, row {row + 1}: {shown(value)} is too "
                                 "large for float64")
    elif raw.dtype.kind not in "iuf":
        kind = "text" if raw.dtype.kind in "US" else str(raw.dtype)
        raise PointError(f"the column {name} holds {kind} values, not numbers")
    with np.errstate(over="ignore"):
        array = raw.astype(np.float64)
    if array.ndim != 1 or not array.size:
        raise PointError(f"the column {name} is not a non-empty list of numbers")
    return array


def _check_column_names(columns, text):
    """PointError for a column the model means but cannot read: one named
    like a function or a constant (exp, e, pi) that the model's text uses."""
    import re

    from .. import ops
    for name in columns:
        if (name in ops.TABLE or name in ops.ARRAY_TABLE or name in ops.CONSTANTS) and \
                re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text):
            what = "the constant" if name in ops.CONSTANTS else "the function"
            raise PointError(f"the column {name} is named like {what} {name}: the model "
                             f"reads {what}, not the column",
                             hint=f"rename the column (e.g. {name}_data) and use that name")


def _keyword_column(error, columns):
    """The PointError for a model that fails at a column named like a keyword
    of the language (output, check): the model cannot name that column."""
    from ..language.tables import KEYWORDS

    word = error.source[error.start:error.end] \
        if error.source is not None and error.start is not None else None
    if word in KEYWORDS and word in columns:
        return PointError(f"the column {word} is named like the keyword {word}: a model "
                          "cannot use it as a name",
                          hint=f"rename the column (e.g. {word}_data) and use that name")
    return None


def _reserved_names(builder):
    """ExpressionError for a name of the model that the residual program
    uses itself (_fit_model, _fit_response, ...)."""
    for name in list(builder.var_index) + list(builder.definitions):
        if name.startswith("_fit_"):
            raise ExpressionError(f"the name {name} is fit's own: names starting with _fit_ "
                                  "are not for models", hint="rename it")


def _split_response(text, response):
    """(response text, model text): 'log(y) ~ b1 - b2*x' splits at the ~."""
    if text.count("~") > 1:
        raise ExpressionError("a model has one ~ (RESPONSE ~ MODEL)", text)
    if "~" in text:
        left, right = text.split("~")
        if not left.strip() or not right.strip():
            raise ExpressionError("write RESPONSE ~ MODEL, e.g. log(y) ~ b1 - b2*x", text)
        return left.strip(), right
    return response, text


def _residual_graph(model, response, output, base):
    """The graph of (response) - (model) as a program: the model's own lines
    (a program's output, or the one expression) then the residual."""
    from ..language.parser import parse_builder

    builder = parse_builder(model)
    _reserved_names(builder)
    outputs = builder.outputs()
    if output is not None:
        name = output
    elif len(outputs) != 1:
        raise ExpressionError(f"the model has {len(outputs)} outputs "
                              f"({', '.join(n for n, _ in outputs)}); a fit needs one",
                              hint="choose one: --output NAME")
    else:
        name = outputs[0][0]
    _reserved_names(parse_builder(response))  # its own errors, their caret in its text
    single = not builder.definitions and len(builder.expressions) == 1
    program = f"{_MODEL} = {model.strip()}" if single else model
    model_name = _MODEL if single else name
    spans = [(len(_MODEL) + 3, model.strip()) if single else (0, model)]
    spans.append((len(program) + len("\n_fit_response = "), response))
    program += (f"\n_fit_response = {response}"
                f"\n{_RESIDUAL} = _fit_response - ({model_name})\n")
    try:
        graph = api.parse(program, base=base).select(_RESIDUAL).for_arrays()
    except ExpressionError as error:
        raise _in_user_text(error, spans) from None
    return graph, spans, model_name


def _in_user_text(error, spans):
    """The error with its caret in the user's text (the model's, or the
    response's) when it falls there: the residual program adds lines
    around them.  spans: (offset in the program, the text there), the
    model's then the response's; after them, the residual's own line."""
    offset, response = spans[-1]
    if error.start is not None and error.start >= offset + len(response):
        return ExpressionError(f"the response ({response.strip()}) and the model do not fit "
                               f"together: {error.message}",
                               hint="each gives one value per row of the data, or one for all")
    for offset, text in spans:
        if error.start is not None and offset <= error.start and \
                error.end <= offset + len(text):
            error.source, error.start, error.end = text, error.start - offset, \
                error.end - offset
            break
    return error
