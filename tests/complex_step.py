"""The exact Jacobian of an analytic residual function by complex steps
(Squire and Trapp): imag(f(x + i h e_k)) / h, no cancellation, h = 1e-30.
Shared by the least-squares and hybrid tests."""
import numpy as np


def complex_step(fun):
    """jac(x) of fun, column k from one complex evaluation."""
    def jac(x):
        x = np.asarray(x, dtype=float)
        h = 1e-30
        cols = []
        for k in range(x.size):
            z = x.astype(complex)
            z[k] += 1j * h
            cols.append(np.imag(fun(z)) / h)
        return np.column_stack(cols)
    return jac
