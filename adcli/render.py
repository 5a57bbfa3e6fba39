"""Tables for the terminal, built with rich.  Rendering builds renderables;
it does not decide exit codes.

Every title, header and cell is a rich Text made by ``_text``: user text
(comments, names, file names, messages) is never read as rich markup, and
its control characters are escaped (errors.visible) before rich measures it.
"""
from rich import box
from rich.table import Table
from rich.text import Text

from .errors import visible
from .formats import TRACE_COLUMNS, batch_header, batch_rows, number_text, trace_cells
from .graph import count_text


def _text(text, style=None, lines=False):
    """Plain text for rich: no markup, control characters made visible."""
    return text if isinstance(text, Text) else Text(visible(str(text), lines), style=style or "")


def _add_row(table, cells, style=None):
    table.add_row(*map(_text, cells), style=style)


def _add_column(table, header, **options):
    table.add_column(_text(header), **options)


def gradient_table(result, precision=None):
    table = _titled(f"f = {_short(result.graph.source)}")
    _add_column(table, "", style="bold")
    _add_column(table, "at", justify="right")
    _add_column(table, "value / derivative", justify="right")
    _add_row(table, ["f", "", number_text(result.value, precision)])
    for name, derivative in result.gradient.items():
        _add_row(table, [f"∂f/∂{name}", number_text(result.point[name], precision),
                         number_text(derivative, precision)])
    return table


def trace_table(result, precision=None):
    """The tape: one row per node, forward values and backward adjoints."""
    table = _titled("evaluation trace (forward values, backward adjoints)")
    justify = {"value": "right", "adjoint": "right"}
    for column in TRACE_COLUMNS:
        _add_column(table, column if column != "partials" else "local partials",
                    justify=justify.get(column, "left"))
    for row in result.trace:
        cells = trace_cells(row, precision)
        cells[3] = cells[3].replace(" ", "  ")
        _add_row(table, cells, style="yellow" if row.kink else None)
    return table


def batch_table(result, precision=None, max_rows=None):
    table = Table(box=box.SIMPLE_HEAD)
    for title in batch_header(result):
        _add_column(table, title, justify="right")
    failed = set(result.failed_rows)
    for k, cells in enumerate(batch_rows(result, precision)):
        if max_rows is not None and k >= max_rows:
            break
        _add_row(table, cells, style="red" if k in failed else None)
    return table


def _short(text, width=70):
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_renderables(renderables, file=None):
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self):
            raise  # the BrokenPipeError, for the CLI's exit code (rich would exit 1)

    console = _Console(file=file, markup=False, emoji=False, highlight=False)
    for renderable in renderables:
        console.print(renderable)


def _titled(title):
    return Table(title=_text(title), box=box.SIMPLE_HEAD, title_justify="left")


def jacobian_tables(result, precision=None, sparsity=False):
    from .formats import jacobian_rows, sparsity_cells

    if sparsity:
        table = _titled("sparsity pattern (* where the output depends on the variable)")
        _add_column(table, "output", style="bold")
        for name in result.variables:
            _add_column(table, name, justify="center")
        for cells in sparsity_cells(result):
            _add_row(table, cells)
        return [table]
    title = (f"Jacobian ({len(result.outputs)} x {len(result.variables)}, "
             f"{result.mode.mode} mode)")
    return [_matrix_table(title, ("output", "value"), result.variables,
                          jacobian_rows(result, precision))]


def hessian_tables(result, precision=None):
    from .formats import hessian_rows

    title = f"{result.output} = {number_text(result.value, precision)}: gradient and Hessian"
    return [_matrix_table(title, ("", "gradient"), result.variables,
                          hessian_rows(result, precision))]


def _matrix_table(title, heads, variables, rows):
    """A row label, one more number, then one column per variable."""
    table = _titled(title)
    _add_column(table, heads[0], style="bold")
    _add_column(table, heads[1], justify="right")
    for name in variables:
        _add_column(table, f"∂/∂{name}", justify="right")
    for cells in rows:
        _add_row(table, cells)
    return table


def product_tables(result, precision=None, kind="jvp"):
    table = _titled("J·v (forward mode)" if kind == "jvp" else "uᵀ·J (reverse mode)")
    _add_column(table, "output" if kind == "jvp" else "variable", style="bold")
    _add_column(table, kind, justify="right")
    for name, value in result.product.items():
        _add_row(table, [name, number_text(value, precision)])
    return [values_tables(result.values, precision)[0], table]


def values_tables(values, precision=None):
    table = _titled("values")
    _add_column(table, "output", style="bold")
    _add_column(table, "value", justify="right")
    for name, value in values.items():
        _add_row(table, [name, number_text(value, precision)])
    return [table]


def gradient_tables(result, precision=None, with_trace=False):
    tables = [gradient_table(result, precision)]
    if with_trace:
        tables.append(trace_table(result, precision))
    return tables


def batch_tables(result, precision=None):
    return [batch_table(result, precision)]


def batch_jacobian_tables(result, precision=None, sparsity=False):
    from .formats import batch_jacobian_header, batch_jacobian_rows

    table = _titled(f"Jacobians at {count_text(len(result.values), 'point')} "
                    f"({result.mode.mode} mode)")
    for title in batch_jacobian_header(result):
        _add_column(table, title, justify="right")
    failed = set(result.failed_rows)
    for p, cells in enumerate(batch_jacobian_rows(result, precision)):
        _add_row(table, cells, style="red" if p in failed else None)
    return [table]


def minimize_tables(result, precision=None):
    from .formats import minimize_fields

    verdict = "converged" if result.converged else "NOT converged"
    table = _titled(f"{'maximum' if result.maximize else 'minimum'} ({result.method}): "
                    f"{verdict}, {result.message}")
    _add_column(table, "", style="bold")
    _add_column(table, "", justify="right")
    for label, text in minimize_fields(result, precision):
        _add_row(table, [label, text])
    return [table]


class Progress:
    """A live line on the terminal (stderr) during a run: iteration, f, |grad|.
    Throttled to ten updates a second; gone when the run ends."""

    def __init__(self):
        import time

        from rich.console import Console
        from rich.live import Live

        self.clock = time.monotonic
        self.last = 0.0
        self.live = Live(Text(""), console=Console(stderr=True), transient=True,
                         refresh_per_second=10)

    def __enter__(self):
        self.live.__enter__()
        return self

    def __exit__(self, *exc):
        return self.live.__exit__(*exc)

    def update(self, info):
        now = self.clock()
        if now - self.last >= 0.1:
            self.last = now
            self.live.update(Text(f"iteration {info.iteration}  f = {info.value:.10g}  "
                                  f"|grad| = {info.gradient_norm:.3g}  "
                                  f"evaluations {info.evaluations}"))


def check_tables(report, precision=None):
    from .formats import check_summary

    from .formats import error_text

    table = _titled("adcli check")
    _add_column(table, "", no_wrap=True, min_width=5)
    _add_column(table, "where", overflow="fold", ratio=1)
    _add_column(table, "check", overflow="fold", ratio=2)
    _add_column(table, "why it failed", overflow="fold", ratio=3)
    for path, outcomes, error in report:
        if error is not None:
            _add_row(table, [Text("ERROR", style="bold red"), path, "parses",
                             error_text(error)])
        for o in outcomes:
            status = Text("PASS", style="green") if o.passed else Text("FAIL", style="bold red")
            _add_row(table, [status, f"{path}:{o.line}:{o.column}", o.name, o.message])
    return [table, _text(check_summary(report))]


def compare_tables(result, precision=None):
    from .formats import compare_header, compare_rows

    table = _titled(f"the gradient of {result.output} four ways")
    header = compare_header(result)
    for k, title in enumerate(header):
        prose = k >= len(header) - 2  # cost and note fold; names and digits never hide
        _add_column(table, title, justify="left" if prose or k == 0 else "right",
                    no_wrap=not prose, overflow="fold", ratio=1 if prose else None)
    for row in compare_rows(result, precision):
        _add_row(table, row)
    return [table]


def sweep_tables(result, precision=None):
    from .formats import sweep_header, sweep_rows

    table = _titled("finite-difference error |difference - AD| against step")
    for title in sweep_header(result):
        _add_column(table, title, justify="right")
    for row in sweep_rows(result):
        _add_row(table, row)
    notes = [_text(f"best central step for d/d{v}: {h:.0e} (error {e:.2e}); AD: exact to "
                   "rounding, no step", style="dim")
             for v, (h, e) in zip(result.variables, result.best(result.central_error))]
    return [table, *notes]


def explain_tables(result, precision=None, max_rows=None):
    from .formats import explain_sections, number_text as text_of

    point = ", ".join(f"{k} = {text_of(v, precision)}" for k, v in result.point.items())
    parts = [_text(f"f = {result.expression} at {point}: value "
                   f"{text_of(result.value, precision)}", style="bold", lines=True)]
    for title, header, rows, notes in explain_sections(result, precision, max_rows):
        table = _titled(title)
        for k, name in enumerate(header):
            _add_column(table, name, justify="right" if k == len(header) - 1 else "left",
                        overflow="fold")
        for row in rows:
            _add_row(table, row)
        parts.append(table)
        parts += [_text(note, style="dim") for note in notes]
    return parts
