"""Files a run writes: the per-iteration trace and the convergence plot.

Both are complete or absent: they are written to a temporary file beside
the target and renamed into place at the end, also when the run stops early
(the trace then holds every iteration done).
"""
import csv
import json
import math
import os
import tempfile

from .errors import AdcliError


class _AtomicFile:
    """A text file that appears under its name only when closed."""

    def __init__(self, path, mode="w"):
        self.path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(self.path))
        try:
            handle, self.temporary = tempfile.mkstemp(dir=folder, prefix=".adcli-",
                                                      suffix=".partial")
        except OSError as error:
            raise AdcliError(f"cannot write {self.path}: {error.strerror}") from None
        self.handle = os.fdopen(handle, mode, newline="" if "b" not in mode else None)

    def commit(self):
        self.handle.close()
        umask = os.umask(0)  # mkstemp makes the file private; give it the usual mode
        os.umask(umask)
        os.chmod(self.temporary, 0o666 & ~umask)
        os.replace(self.temporary, self.path)

    def discard(self):
        self.handle.close()
        if os.path.exists(self.temporary):
            os.remove(self.temporary)


class IterationLog:
    """Writes one row per iteration (iteration, f, grad_norm, step,
    evaluations, then x): CSV, or JSON lines for a .jsonl/.json name."""

    def __init__(self, path, variables):
        self.path = path
        self.variables = list(variables)
        self.json = os.fspath(path).lower().endswith((".jsonl", ".json", ".ndjson"))
        self.file = None  # made at the first row: a run that never starts leaves nothing

    def _open(self):
        self.file = _AtomicFile(self.path)
        if not self.json:
            self.writer = csv.writer(self.file.handle, lineterminator="\n")
            # x[name]: brackets keep variables named f or step apart from the columns
            self.writer.writerow(["iteration", "f", "grad_norm", "step", "evaluations"]
                                 + [f"x[{name}]" for name in self.variables])

    def __call__(self, info):
        if self.file is None:
            self._open()
        if self.json:
            row = {"iteration": info.iteration, "f": _finite(info.value),
                   "grad_norm": _finite(info.gradient_norm), "step": _finite(info.step),
                   "evaluations": info.evaluations,
                   "x": dict(zip(self.variables, map(_finite, info.x)))}
            self.file.handle.write(json.dumps(row) + "\n")
        else:
            self.writer.writerow([info.iteration, repr(info.value), repr(info.gradient_norm),
                                  repr(info.step), info.evaluations] + [repr(v) for v in info.x])

    def close(self):
        """Put the file in place, with every row written so far."""
        if self.file is not None:
            self.file.commit()


def _finite(value):
    return value if math.isfinite(value) else None


def require_matplotlib(path=None):
    """AdcliError unless matplotlib is installed and can write path's format."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise AdcliError("--plot needs matplotlib: pip install 'adcli[plot]'") from None
    if path is not None:
        from matplotlib.figure import Figure

        extension = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
        supported = Figure().canvas.get_supported_filetypes()
        if extension not in supported:
            raise AdcliError(f"cannot plot to {os.fspath(path)!r}: name it .png, .svg, .pdf "
                             f"(supported: {', '.join(sorted(supported))})")


def plot_run(path, history, graph=None):
    """f and the gradient norm against iteration; for two variables, also the
    contour of f with the path taken.  ``history``: the Iteration records."""
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    two = graph is not None and len(graph.variables) == 2 and len(history) > 0
    figure, axes = plt.subplots(1, 2 if two else 1, figsize=(11 if two else 6, 4.5))
    curve = axes[0] if two else axes
    _convergence(curve, history)
    if two:
        _contour(axes[1], history, graph)
    save_figure(figure, path)


def save_figure(figure, path):
    """Save a matplotlib figure atomically, in the format its extension names."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    extension = os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or "png"
    target = _AtomicFile(path, "wb")
    try:
        figure.savefig(target.handle, format=extension)
    except ValueError as error:
        target.discard()
        raise AdcliError(f"cannot plot to {path}: {error}") from None
    finally:
        plt.close(figure)
    target.commit()


def _convergence(axis, history):
    iterations = [h.iteration for h in history]
    values = [h.value for h in history]
    low = min(values, default=0.0)
    shifted = [v - low + 1e-300 for v in values] if low <= 0 else values
    axis.semilogy(iterations, shifted, label="f" if low > 0 else "f - min f")
    axis.semilogy(iterations, [max(h.gradient_norm, 1e-300) for h in history], label="|grad|")
    axis.set_xlabel("iteration")
    axis.legend()
    axis.set_title("convergence")


def _contour(axis, history, graph):
    import numpy as np

    from . import evaluate, npspace

    xs = np.array([h.x[0] for h in history])
    ys = np.array([h.x[1] for h in history])
    pad_x = max(0.5, 0.2 * (xs.max() - xs.min()))
    pad_y = max(0.5, 0.2 * (ys.max() - ys.min()))
    grid_x, grid_y = np.meshgrid(np.linspace(xs.min() - pad_x, xs.max() + pad_x, 160),
                                 np.linspace(ys.min() - pad_y, ys.max() + pad_y, 160))
    with np.errstate(all="ignore"):
        values = evaluate.forward(graph, [grid_x.ravel(), grid_y.ravel()], npspace)
    z = np.broadcast_to(np.asarray(values[graph.output], dtype=float), grid_x.size)
    z = z.reshape(grid_x.shape)
    finite = z[np.isfinite(z)]
    if finite.size:
        levels = np.quantile(finite, np.linspace(0.0, 1.0, 25) ** 2)
        axis.contour(grid_x, grid_y, z, levels=np.unique(levels), linewidths=0.6)
    axis.plot(xs, ys, "o-", markersize=2, color="crimson")
    axis.set_xlabel(graph.variables[0])
    axis.set_ylabel(graph.variables[1])
    axis.set_title("path")
