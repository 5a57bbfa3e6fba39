"""The peers adcli is measured against, written as their users would write them.

Each peer imports its library inside the function (or script), so this module
imports nothing heavy and an absent peer costs nothing until it is asked for;
``available(name)`` says whether it is installed without importing it.
"""
import importlib.util

#: a peer library -> the module that must be importable
MODULES = {"casadi": "casadi", "autograd": "autograd", "sympy": "sympy",
           "scipy": "scipy", "torch": "torch", "jax": "jax"}


def available(peer):
    """True when the peer's module can be imported (nothing is imported)."""
    module = MODULES.get(peer)
    return module is None or importlib.util.find_spec(module) is not None


# --- goal 1: start-up, one gradient of 3*(x1**2+x2*x3) at (2, 3, 4) -------------
# Each script runs as `python -c SCRIPT` in a fresh process and prints the value
# and the gradient (48, [12, 12, 9]).

STARTUP_EXPRESSION = "3*(x1**2+x2*x3)"
STARTUP_POINT = "2,3,4"

STARTUP_SCRIPTS = {
    "casadi": """\
import casadi as ca
x = ca.SX.sym("x", 3)
f = 3 * (x[0] ** 2 + x[1] * x[2])
F = ca.Function("F", [x], [f, ca.jacobian(f, x)])
value, gradient = F([2, 3, 4])
print(float(value), list(gradient.full().ravel()))
""",
    "autograd": """\
import autograd.numpy as np
from autograd import value_and_grad
f = lambda x: 3 * (x[0] ** 2 + x[1] * x[2])
value, gradient = value_and_grad(f)(np.array([2.0, 3.0, 4.0]))
print(float(value), list(gradient))
""",
    "sympy": """\
import sympy
f = sympy.sympify("3*(x1**2+x2*x3)")
x1, x2, x3 = sympy.symbols("x1 x2 x3")
at = {x1: 2, x2: 3, x3: 4}
print(f.evalf(subs=at), [sympy.diff(f, v).evalf(subs=at) for v in (x1, x2, x3)])
""",
    "torch": """\
import torch
x = torch.tensor([2.0, 3.0, 4.0], dtype=torch.float64, requires_grad=True)
f = 3 * (x[0] ** 2 + x[1] * x[2])
f.backward()
print(f.item(), x.grad.tolist())
""",
    "jax": """\
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
f = lambda x: 3 * (x[0] ** 2 + x[1] * x[2])
value, gradient = jax.value_and_grad(f)(jnp.array([2.0, 3.0, 4.0]))
print(float(value), gradient.tolist())
""",
    "python": """\
x1, x2, x3 = 2.0, 3.0, 4.0
print(3 * (x1 ** 2 + x2 * x3), [6 * x1, 3 * x3, 3 * x2])
""",
    "python -c pass": "pass",
}


# --- goals 2 and 3: the extended Rosenbrock, n variables -------------------------


def rosenbrock(x):
    """The same scalar operations as adcli.workloads.generate.rosenbrock, over any
    sequence whose items support + - * ** (floats, tape variables, SX)."""
    total = 0.0
    for i in range(0, len(x), 2):
        total = total + 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return total


def casadi_function(n):
    """CasADi: build the SX graph from Python, its gradient, and a Function."""
    import casadi as ca

    x = ca.SX.sym("x", n)
    f = rosenbrock([x[i] for i in range(n)])
    return ca.Function("F", [x], [f, ca.gradient(f, x)])


def casadi_call(function, point):
    """One call of a CasADi Function: (value, gradient as a numpy array)."""
    value, gradient = function(point)
    return float(value), gradient.full().ravel()


def casadi_one_shot(point):
    """Goal 2's peer: build graph + gradient + Function, then one call."""
    return casadi_call(casadi_function(len(point)), point)


class TapeVar:
    """A straightforward reverse-mode tape: each operation appends its local
    partials ((input index, d out / d input), ...) to a shared list."""

    __slots__ = ("value", "index", "tape")

    def __init__(self, value, tape, partials):
        self.value, self.index, self.tape = value, len(tape), tape
        tape.append(partials)

    def __add__(self, other):
        if type(other) is TapeVar:
            return TapeVar(self.value + other.value, self.tape,
                           ((self.index, 1.0), (other.index, 1.0)))
        return TapeVar(self.value + other, self.tape, ((self.index, 1.0),))

    __radd__ = __add__

    def __sub__(self, other):
        if type(other) is TapeVar:
            return TapeVar(self.value - other.value, self.tape,
                           ((self.index, 1.0), (other.index, -1.0)))
        return TapeVar(self.value - other, self.tape, ((self.index, 1.0),))

    def __rsub__(self, other):
        return TapeVar(other - self.value, self.tape, ((self.index, -1.0),))

    def __mul__(self, other):
        if type(other) is TapeVar:
            return TapeVar(self.value * other.value, self.tape,
                           ((self.index, other.value), (other.index, self.value)))
        return TapeVar(self.value * other, self.tape, ((self.index, other),))

    __rmul__ = __mul__

    def __pow__(self, k):  # a constant exponent, all the benchmark needs
        return TapeVar(self.value ** k, self.tape,
                       ((self.index, k * self.value ** (k - 1)),))


def tape_value_and_grad(f, point):
    """Value and gradient of f at point: record the tape, then one loop."""
    tape = []
    x = [TapeVar(v, tape, ()) for v in point]
    out = f(x)
    adjoints = [0.0] * len(tape)
    adjoints[out.index] = 1.0
    for node in range(len(tape) - 1, -1, -1):
        adjoint = adjoints[node]
        for i, partial in tape[node]:
            adjoints[i] += adjoint * partial
    return out.value, adjoints[:len(point)]


def autograd_scalars(point):
    """autograd on scalars: the same Python loop over an array's items."""
    import numpy as np
    from autograd import value_and_grad

    return value_and_grad(rosenbrock)(np.array(point))


def torch_scalars(point):
    """PyTorch on scalar tensors: the same Python loop."""
    import torch

    x = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in point]
    out = rosenbrock(x)
    out.backward()
    return out.item(), [v.grad.item() for v in x]


# --- goal 4: one small expression at many points ---------------------------------

BATCH_EXPRESSION = "sin(x)*exp(y) + x**2*y"


def numpy_batch(x, y):
    """The gradient written out by hand with numpy: value, d/dx, d/dy."""
    import numpy as np

    sin_x, exp_y = np.sin(x), np.exp(y)
    return (sin_x * exp_y + x ** 2 * y,
            np.cos(x) * exp_y + 2 * x * y,
            sin_x * exp_y + x ** 2)


def autograd_batch(x, y):
    """autograd's elementwise_grad in both arguments (the value is not
    returned: one pass gives only the gradient)."""
    import autograd.numpy as np
    from autograd import elementwise_grad

    def f(x, y):
        return np.sin(x) * np.exp(y) + x ** 2 * y

    return elementwise_grad(f, (0, 1))(x, y)


def torch_batch(x, y):
    """PyTorch: one backward pass over the batch, value and gradient."""
    import torch

    tx = torch.from_numpy(x).requires_grad_()
    ty = torch.from_numpy(y).requires_grad_()
    value = torch.sin(tx) * torch.exp(ty) + tx ** 2 * ty
    value.backward(torch.ones_like(value))
    return value.detach().numpy(), tx.grad.numpy(), ty.grad.numpy()


# --- goal 6: minimize the classic test problems ------------------------------------

#: scipy.optimize.minimize methods run next to adcli.minimize
SCIPY_METHODS = ("BFGS", "L-BFGS-B", "Newton-CG")
#: tolerances for scipy: adcli.minimize's default gtol (1e-8, on the largest
#: gradient component, the norm BFGS uses too); scipy's own defaults stop at
#: 1e-5, before f reaches 1e-8 on the harder problems
SCIPY_OPTIONS = {"BFGS": {"gtol": 1e-8}, "L-BFGS-B": {"gtol": 1e-8, "ftol": 1e-15},
                 "Newton-CG": {"xtol": 1e-10}}


class CountedObjective:
    """f and its gradient from one adcli.grad call on a graph parsed once
    (scipy's jac=True), and the Hessian from adcli.hessian, counting calls:
    one call = one evaluation of f and its gradient together, the unit
    adcli.minimize counts in ``evaluations``.  Non-finite values go to scipy
    as inf/nan (its line searches back off) instead of raising."""

    def __init__(self, graph):
        self.graph, self.evaluations, self.hessian_evaluations = graph, 0, 0

    def __call__(self, x):
        import adcli
        import numpy as np

        self.evaluations += 1
        result = adcli.grad(self.graph, x.tolist(), allow_nonfinite=True)
        gradient = result.gradient
        return result.value, np.array([gradient[v] for v in self.graph.variables])

    def hessian(self, x):
        import adcli

        self.hessian_evaluations += 1
        return adcli.hessian(self.graph, x.tolist(), allow_nonfinite=True).matrix


def scipy_minimize(graph, x0, method, cap=None):
    """scipy.optimize.minimize(method) on an adcli graph from x0: a dict with
    value, iterations, evaluations (f+gradient calls), hessian_evaluations,
    seconds, success, message, and capped: the run was stopped after cap
    seconds (from scipy's callback, between iterations)."""
    import time

    import numpy as np
    from scipy.optimize import minimize

    objective = CountedObjective(graph)
    options = dict(SCIPY_OPTIONS.get(method, {}))
    extra = {"hess": objective.hessian} if method == "Newton-CG" else {}
    capped = []

    def callback(*_):
        if cap is not None and time.perf_counter() > start + cap:
            capped.append(True)
            raise StopIteration  # scipy >= 1.11 ends the run and keeps the point

    start = time.perf_counter()
    result = minimize(objective, np.array(x0, dtype=float), jac=True, method=method,
                      options=options, callback=callback, **extra)
    elapsed = time.perf_counter() - start
    return {"value": float(result.fun), "iterations": int(result.nit),
            "evaluations": objective.evaluations,
            "hessian_evaluations": objective.hessian_evaluations, "seconds": elapsed,
            "success": bool(result.success), "message": str(result.message),
            "capped": bool(capped)}


def sympy_rosenbrock(n):
    """scipy's objective as a SymPy user writes it: the extended Rosenbrock
    on symbols, diff for each variable, lambdify value and gradient to numpy.
    Returns (fun(x) -> (value, gradient array), seconds spent building)."""
    import time

    import numpy as np
    import sympy

    start = time.perf_counter()
    x = sympy.symbols(f"x1:{n + 1}")
    f = rosenbrock(list(x))
    value = sympy.lambdify([x], f, "numpy")
    gradient = sympy.lambdify([x], [sympy.diff(f, v) for v in x], "numpy")
    built = time.perf_counter() - start

    def fun(point):
        return float(value(point)), np.array(gradient(point), dtype=float)

    return fun, built


# --- goal 7: arrays (issue 12) ---------------------------------------------------
# Value and gradient with respect to x of two array functions, written as each
# library's users write them: a least-squares residual sum((A @ x - b)**2) and
# the extended Rosenbrock in slice form.  Each maker returns a function of no
# arguments giving (value, gradient as a numpy array); the data is bound once.

ARRAY_LEAST_SQUARES = "sum((A @ x - b)**2)"
ARRAY_ROSENBROCK = "sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)"


def numpy_least_squares(A, b, x):
    """The gradient written out by hand: 2 Aᵀ(Ax - b)."""
    def call():
        r = A @ x - b
        return float(r @ r), 2.0 * (A.T @ r)
    return call


def numpy_rosenbrock(x):
    """The slice-form Rosenbrock and its gradient written out by hand."""
    import numpy as np

    def call():
        head, tail = x[:-1], x[1:]
        t = tail - head ** 2
        value = float(np.sum(100.0 * t * t + (1.0 - head) ** 2))
        g = np.zeros_like(x)
        g[:-1] = -400.0 * head * t - 2.0 * (1.0 - head)
        g[1:] += 200.0 * t
        return value, g
    return call


def autograd_least_squares(A, b, x):
    import autograd.numpy as anp
    from autograd import value_and_grad

    f = value_and_grad(lambda x: anp.sum((anp.dot(A, x) - b) ** 2))
    return lambda: f(x)


def autograd_rosenbrock(x):
    import autograd.numpy as anp
    from autograd import value_and_grad

    f = value_and_grad(lambda x: anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2
                                         + (1.0 - x[:-1]) ** 2))
    return lambda: f(x)


def _jax():
    import jax
    jax.config.update("jax_enable_x64", True)  # float64, as the others
    return jax


def jax_least_squares(A, b, x, jit=True):
    """jax.value_and_grad, jitted or eager; the data passed as arguments
    (device arrays made once), the result brought back as numpy."""
    import numpy as np

    jax = _jax()
    jnp = jax.numpy
    f = jax.value_and_grad(lambda x, A, b: jnp.sum((A @ x - b) ** 2))
    f = jax.jit(f) if jit else f
    A, b, x = jnp.asarray(A), jnp.asarray(b), jnp.asarray(x)

    def call():
        value, gradient = f(x, A, b)
        return float(value), np.asarray(gradient)
    return call


def jax_rosenbrock(x, jit=True):
    import numpy as np

    jax = _jax()
    jnp = jax.numpy
    f = jax.value_and_grad(lambda x: jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2
                                             + (1.0 - x[:-1]) ** 2))
    f = jax.jit(f) if jit else f
    x = jnp.asarray(x)

    def call():
        value, gradient = f(x)
        return float(value), np.asarray(gradient)
    return call


def torch_least_squares(A, b, x):
    """PyTorch: a fresh leaf x each call, one backward pass."""
    import torch

    tA, tb, tx = torch.from_numpy(A), torch.from_numpy(b), torch.from_numpy(x)

    def call():
        leaf = tx.detach().requires_grad_()
        value = torch.sum((tA @ leaf - tb) ** 2)
        value.backward()
        return value.item(), leaf.grad.numpy()
    return call


def torch_rosenbrock(x):
    import torch

    tx = torch.from_numpy(x)

    def call():
        leaf = tx.detach().requires_grad_()
        value = torch.sum(100.0 * (leaf[1:] - leaf[:-1] ** 2) ** 2 + (1.0 - leaf[:-1]) ** 2)
        value.backward()
        return value.item(), leaf.grad.numpy()
    return call


def one_thread():
    """One thread in the peers that keep their own pools (torch; jax reads
    XLA_FLAGS, set with the BLAS variables before anything loads)."""
    if available("torch"):
        import torch
        torch.set_num_threads(1)


# --- least squares and equations (bench/fit.py, bench/solve.py) ----------------------


class CountedJacobian:
    """f(x) and its Jacobian for scipy's methods, counting what the method asks
    for.  One adcli.jacobian gives both, so a Jacobian asked for at the point
    of the last evaluation reuses it (the counts are of the method's requests,
    not of adcli calls).  Subclasses give evaluate(x) -> (values, matrix)."""

    def __init__(self):
        self.nfev = 0
        self.njev = 0
        self._last = None

    def _at(self, x):
        import numpy as np

        x = np.asarray(x, dtype=float).ravel()
        if self._last is None or not np.array_equal(self._last[0], x):
            self._last = (x.copy(), *self.evaluate(x))
        return self._last

    def __call__(self, x):
        self.nfev += 1
        return self._at(x)[1]

    def jac(self, x):
        self.njev += 1
        return self._at(x)[2]
