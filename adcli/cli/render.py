"""Tables for the terminal, built with rich.  Rendering builds renderables;
it does not decide exit codes.

Every title, header and cell is a rich Text made by ``_text``: user text
(comments, names, file names, messages) is never read as rich markup, and
its control characters are escaped (errors.visible) before rich measures it.
"""
from rich import box
from rich.table import Table
from rich.text import Text

from ..errors import visible
from .formats import TRACE_COLUMNS, batch_header, batch_rows, number_text, trace_cells
from ..graph import count_text


def _text(text, style=None, lines=False):
    """Plain text for rich: no markup, control characters made visible."""
    return text if isinstance(text, Text) else Text(visible(str(text), lines), style=style or "")


def _add_row(table, cells, style=None):
    table.add_row(*map(_text, cells), style=style)


def _add_column(table, header, **options):
    table.add_column(_text(header), **options)

# --- long tables: the first and last rows and columns, as NumPy prints arrays ----------

#: a table with more rows shows its first and last MAX_ROWS // 2
MAX_ROWS = 100
#: a table with more columns of numbers shows its first and last MAX_COLUMNS // 2
MAX_COLUMNS = 16
GAP = "…"


def shown(count, limit):
    """The positions shown of count: all of them, or the first and the last
    limit // 2 with None where the others are left out."""
    if count <= limit:
        return list(range(count))
    half = limit // 2
    return [*range(half), None, *range(count - half, count)]


def _present(positions):
    return [p for p in positions if p is not None]


def _with_gap(cells, positions):
    """cells, one per present position, with GAP where positions has None."""
    cells = iter(cells)
    return [GAP if p is None else next(cells) for p in positions]


def _summarized(table, rows, row_count, columns=None, column_count=0):
    """Say below the table what it leaves out, and how to see all of it."""
    parts = []
    if len(_present(rows)) < row_count:
        parts.append(f"{row_count - len(_present(rows)):,} of {row_count:,} rows")
    if columns is not None and len(_present(columns)) < column_count:
        parts.append(f"{column_count - len(_present(columns)):,} of {column_count:,} columns")
    if parts:
        table.caption = Text(f"{' and '.join(parts)} not shown: --format plain, csv or json "
                             "prints them all", style="dim")
        table.caption_justify = "left"
    return table


def _fill(table, rows, cells, styles=None):
    """Add the rows (positions, None for the gap) from cells, one list per
    present row; styles maps a position to its row style."""
    cells = iter(cells)
    width = len(table.columns)
    for position in rows:
        if position is None:
            table.add_row(*[GAP] * width)
        else:
            _add_row(table, next(cells), style=(styles or {}).get(position))


def gradient_table(result, precision=None):
    table = _titled(f"f = {_short(result.graph.source)}")
    _add_column(table, "", style="bold")
    _add_column(table, "at", justify="right")
    _add_column(table, "value / derivative", justify="right")
    _add_row(table, ["f", "", number_text(result.value, precision)])
    names, derivatives = result.variables, list(result.gradient.values())
    rows = shown(len(names), MAX_ROWS)
    _fill(table, rows, ([f"∂f/∂{names[k]}", number_text(result.point_values[k], precision),
                         number_text(derivatives[k], precision)] for k in _present(rows)))
    return _summarized(table, rows, len(names))


def trace_table(result, precision=None):
    """The tape: one row per node, forward values and backward adjoints."""
    table = _titled("evaluation trace (forward values, backward adjoints)")
    justify = {"value": "right", "adjoint": "right"}
    for column in TRACE_COLUMNS:
        _add_column(table, column if column != "partials" else "local partials",
                           justify=justify.get(column, "left"))
    trace = result.trace
    rows = shown(len(trace), MAX_ROWS)
    for position in rows:
        if position is None:
            table.add_row(*[GAP] * len(TRACE_COLUMNS))
            continue
        row = trace[position]
        cells = trace_cells(row, precision)
        cells[3] = cells[3].replace(" ", "  ")
        _add_row(table, cells, style="yellow" if row.kink else None)
    return _summarized(table, rows, len(trace))


def batch_table(result, precision=None):
    return _point_grid(Table(box=box.SIMPLE_HEAD), batch_header(result), len(result.value),
                       lambda rows, columns: batch_rows(result, precision, rows, columns),
                       result.failed_rows)


def _point_grid(table, header, count, cells_at, failed_rows):
    """One row per point, summarized (first and last rows and columns);
    cells_at(rows, columns) gives the text of the positions shown."""
    rows, columns = shown(count, MAX_ROWS), shown(len(header), MAX_COLUMNS)
    for title in _with_gap([header[c] for c in _present(columns)], columns):
        _add_column(table, title, justify="right")
    cells = cells_at(_present(rows), _present(columns))
    _fill(table, rows, (_with_gap(row, columns) for row in cells),
          dict.fromkeys(failed_rows, "red"))
    return _summarized(table, rows, count, columns, len(header))


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

    rows = shown(len(result.outputs), MAX_ROWS)
    columns = shown(len(result.variables), MAX_COLUMNS)
    if sparsity:
        table = _titled("sparsity pattern (* where the output depends on the variable)")
        _add_column(table, "output", style="bold")
        for name in _with_gap([result.variables[c] for c in _present(columns)], columns):
            _add_column(table, name, justify="center")
        cells = sparsity_cells(result, _present(rows), _present(columns))
        _fill(table, rows, ([row[0]] + _with_gap(row[1:], columns) for row in cells))
        return [_summarized(table, rows, len(result.outputs), columns, len(result.variables))]
    title = (f"Jacobian ({len(result.outputs)} x {len(result.variables)}, "
             f"{result.mode.mode} mode)")
    return [_matrix_table(title, ("output", "value"), result.variables, rows, columns,
                          len(result.outputs),
                          jacobian_rows(result, precision, _present(rows), _present(columns)))]


def hessian_tables(result, precision=None):
    from .formats import hessian_rows

    title = f"{result.output} = {number_text(result.value, precision)}: gradient and Hessian"
    count = len(result.variables)
    rows, columns = shown(count, MAX_ROWS), shown(count, MAX_COLUMNS)
    return [_matrix_table(title, ("", "gradient"), result.variables, rows, columns, count,
                          hessian_rows(result, precision, _present(rows), _present(columns)))]


def _matrix_table(title, heads, variables, rows, columns, row_count, cells):
    """A row label, one more number, then one column per variable (those at
    the positions columns, of the rows at the positions rows)."""
    table = _titled(title)
    _add_column(table, heads[0], style="bold")
    _add_column(table, heads[1], justify="right")
    for name in _with_gap([variables[c] for c in _present(columns)], columns):
        _add_column(table, name if name == GAP else f"∂/∂{name}", justify="right")
    _fill(table, rows, (row[:2] + _with_gap(row[2:], columns) for row in cells))
    return _summarized(table, rows, row_count, columns, len(variables))


def _named_numbers(title, heads, mapping, precision):
    """A two-column table, name and number, one row per item of mapping."""
    table = _titled(title)
    _add_column(table, heads[0], style="bold")
    _add_column(table, heads[1], justify="right")
    names, numbers = list(mapping), list(mapping.values())
    rows = shown(len(names), MAX_ROWS)
    _fill(table, rows, ([names[k], number_text(numbers[k], precision)] for k in _present(rows)))
    return _summarized(table, rows, len(names))


def product_tables(result, precision=None, kind="jvp"):
    table = _named_numbers("J·v (forward mode)" if kind == "jvp" else "uᵀ·J (reverse mode)",
                           ("output" if kind == "jvp" else "variable", kind), result.product,
                           precision)
    return [values_tables(result.values, precision)[0], table]


def values_tables(values, precision=None):
    return [_named_numbers("values", ("output", "value"), values, precision)]


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
    return [_point_grid(table, batch_jacobian_header(result), len(result.values),
                        lambda rows, columns: batch_jacobian_rows(result, precision, rows,
                                                                  columns),
                        result.failed_rows)]


def minimize_tables(result, precision=None):
    from .formats import minimize_fields

    verdict = "converged" if result.converged else "NOT converged"
    table = _titled(f"{'maximum' if result.maximize else 'minimum'} ({result.method}): "
                    f"{verdict}, {result.message}")
    _add_column(table, "", style="bold")
    _add_column(table, "", justify="right")
    fields = minimize_fields(result, precision)  # x of every variable, then the verdict's
    rows = shown(len(fields), MAX_ROWS)
    _fill(table, rows, (list(fields[k]) for k in _present(rows)))
    return [_summarized(table, rows, len(fields))]


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


def _middle_shown(count, lead, trail):
    """Column positions of a table whose first lead and last trail columns
    always show, and whose columns between (one or two per variable) are
    summarized."""
    middle = shown(count - lead - trail, MAX_COLUMNS)
    return ([*range(lead)] + [None if c is None else lead + c for c in middle]
            + [*range(count - trail, count)])


def compare_tables(result, precision=None):
    from .formats import compare_header, compare_rows

    table = _titled(f"the gradient of {result.output} four ways")
    header = compare_header(result)
    columns = _middle_shown(len(header), 1, 3)
    for k in columns:
        prose = k is not None and k >= len(header) - 2  # cost and note fold; digits never hide
        _add_column(table, GAP if k is None else header[k],
                           justify="left" if prose or k == 0 else "right",
                           no_wrap=not prose, overflow="fold", ratio=1 if prose else None)
    for row in compare_rows(result, precision):
        _add_row(table, _with_gap([row[k] for k in _present(columns)], columns))
    return [_summarized(table, [], 0, columns, len(header))]


def sweep_tables(result, precision=None):
    from .formats import sweep_header, sweep_rows

    table = _titled("finite-difference error |difference - AD| against step")
    header = sweep_header(result)
    columns = _middle_shown(len(header), 1, 0)
    for title in _with_gap([header[k] for k in _present(columns)], columns):
        _add_column(table, title, justify="right")
    for row in sweep_rows(result):
        _add_row(table, _with_gap([row[k] for k in _present(columns)], columns))
    best = result.best(result.central_error)
    notes = [Text(GAP, style="dim") if k is None else
             _text(f"best central step for d/d{result.variables[k]}: {best[k][0]:.0e} "
                   f"(error {best[k][1]:.2e}); AD: exact to rounding, no step", style="dim")
             for k in shown(len(result.variables), MAX_ROWS)]
    return [_summarized(table, [], 0, columns, len(header)), *notes]


#: an explain cell longer than this shows its start and end around GAP
MAX_CELL = 1000


def _cell(text):
    """text, its middle left out when longer than MAX_CELL (a path through
    10^5 nodes is one cell: rich would wrap megabytes)."""
    if len(text) <= MAX_CELL:
        return text
    keep = (MAX_CELL - 3) // 2
    return f"{text[:keep]} {GAP} {text[-keep:]}"


def explain_tables(result, precision=None, max_rows=None):
    from .formats import explain_sections, number_text as text_of

    point = ", ".join(f"{k} = {text_of(v, precision)}" for k, v in result.point.items())
    head = f"f = {result.expression} at {point}: value {text_of(result.value, precision)}"
    parts = [_text(_cell(head), style="bold", lines=True)]
    shortened = len(head) > MAX_CELL
    for title, header, rows, notes in explain_sections(result, precision, max_rows):
        table = _titled(title)
        for k, name in enumerate(header):
            _add_column(table, name, justify="right" if k == len(header) - 1 else "left",
                               overflow="fold")
        for row in rows:
            shortened = shortened or any(len(cell) > MAX_CELL for cell in row)
            _add_row(table, [_cell(cell) for cell in row])
        parts.append(table)
        parts += [_text(_cell(note), style="dim") for note in notes]
    if shortened:
        parts.append(Text(f"cells over {MAX_CELL:,} characters are shortened in the middle "
                          f"({GAP}): --format plain or json prints them whole", style="dim"))
    return parts
