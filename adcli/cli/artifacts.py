"""What a run leaves beside its output: the per-iteration trace file and the
plots, all written through files.OutputFile (complete or untouched)."""
import csv
import json
import math
import os

from ..errors import AdcliError
from ..files import FileError, OutputFile


class IterationLog:
    """Writes one row per iteration (iteration, f, grad_norm, step,
    evaluations, then x): CSV, or JSON lines for a .jsonl/.json name.
    ``columns``: (column, attribute of the iteration record) pairs, for runs
    that report other numbers (solve: residual_norm, ...)."""

    MINIMIZE = (("f", "value"), ("grad_norm", "gradient_norm"), ("step", "step"),
                ("evaluations", "evaluations"))

    def __init__(self, path, variables, columns=MINIMIZE):
        self.path = path
        self.variables = list(variables)
        self.columns = columns
        self.json = os.fspath(path).lower().endswith((".jsonl", ".json", ".ndjson"))
        self.file = None  # made at the first row: a run that never starts leaves nothing

    def _open(self):
        self.file = OutputFile(self.path)
        if not self.json:
            self.writer = csv.writer(self.file, lineterminator="\n")
            # x[name]: brackets keep variables named f or step apart from the columns
            self.writer.writerow(["iteration"] + [column for column, _ in self.columns]
                                 + [f"x[{name}]" for name in self.variables])

    def __call__(self, info):
        if self.file is None:
            self._open()
        cells = [(column, getattr(info, attribute)) for column, attribute in self.columns]
        if self.json:
            row = {"iteration": info.iteration,
                   **{c: v if isinstance(v, int) else _finite(v) for c, v in cells},
                   "x": dict(zip(self.variables, map(_finite, info.x)))}
            self.file.write(json.dumps(row) + "\n")
        else:
            self.writer.writerow([info.iteration] + [v if isinstance(v, int) else repr(v)
                                                     for _, v in cells]
                                 + [repr(v) for v in info.x])

    def close(self):
        """Put the file in place, with every row written so far; FileError if
        it could not be written (the run itself went on)."""
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
    contour of f with the path taken.  ``history``: an optimize.History."""
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
    """Save a matplotlib figure, complete or not at all, in the format its
    extension names."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    extension = os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or "png"
    try:
        with OutputFile(path) as target:
            try:
                figure.savefig(target.stream, format=extension)
            except ValueError as error:
                raise FileError(f"cannot plot to {path}: {error}") from None
    finally:
        plt.close(figure)


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

    from ..engine import reverse, vectorized
    xs = np.array([h.x[0] for h in history])
    ys = np.array([h.x[1] for h in history])
    pad_x = max(0.5, 0.2 * (xs.max() - xs.min()))
    pad_y = max(0.5, 0.2 * (ys.max() - ys.min()))
    grid_x, grid_y = np.meshgrid(np.linspace(xs.min() - pad_x, xs.max() + pad_x, 160),
                                 np.linspace(ys.min() - pad_y, ys.max() + pad_y, 160))
    with np.errstate(all="ignore"):
        values = reverse.forward(graph, [grid_x.ravel(), grid_y.ravel()], vectorized)
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


def plot_sweep(path, result):
    """log-log error against step, forward and central, per variable."""
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.5))
    for name, forward_row, central_row in zip(result.variables, result.forward_error,
                                              result.central_error):
        axis.loglog(result.steps, [max(e, 1e-18) for e in forward_row], "o-",
                    label=f"forward, d/d{name}")
        axis.loglog(result.steps, [max(e, 1e-18) for e in central_row], "s--",
                    label=f"central, d/d{name}")
    axis.set_xlabel("step h")
    axis.set_ylabel("|difference - AD|")
    axis.set_title("finite-difference error against step (AD has none)")
    axis.invert_xaxis()
    axis.legend(fontsize="small")
    save_figure(figure, path)


def plot_fit(path, result, data, predictor=None):
    """The data and the fitted model against the predictor, with the
    residuals below it; without one predictor, the residuals against the
    fitted values."""
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    observed = result.fitted + result.residuals
    if predictor is None:
        figure, axis = plt.subplots(figsize=(7, 4.5))
        axis.axhline(0.0, color="grey", linewidth=0.8)
        axis.plot(result.fitted, result.residuals, "o", markersize=3)
        axis.set_xlabel(f"fitted {result.response}")
        axis.set_ylabel("residual")
        axis.set_title(f"residuals of {result.response} ~ {result.model.strip()}")
        save_figure(figure, path)
        return
    x = np.asarray(data[predictor])
    order = np.argsort(x, kind="stable")
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True,
                                         gridspec_kw={"height_ratios": [3, 1]})
    top.plot(x, observed, "o", markersize=3, label="data")
    top.plot(x[order], result.fitted[order], "-", label="fit")
    top.set_ylabel(result.response)
    top.legend()
    top.set_title(f"{result.response} ~ {result.model.strip()}")
    bottom.axhline(0.0, color="grey", linewidth=0.8)
    bottom.plot(x, result.residuals, "o", markersize=3)
    bottom.set_xlabel(predictor)
    bottom.set_ylabel("residual")
    save_figure(figure, path)
