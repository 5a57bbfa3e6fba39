"""Tables for the terminal, laid out by layout.py at the console's width.
Rendering builds renderables; it does not decide exit codes.

A number is shown whole or rounded by --precision, never cut: a table that
does not fit its console changes its layout (layout.py).  Every title,
header and cell becomes a rich Text made by ``layout.text``: user text
(comments, names, file names, messages) is never read as rich markup, and
its control characters are escaped (errors.visible) before rich measures it.
"""
from rich.text import Text

from . import layout
from .formats import TRACE_COLUMNS, batch_header, batch_rows, number_text, trace_cells
from .layout import GAP, name, number, prose
from ..graph import count_text

# --- long tables: the first and last rows and columns, as NumPy prints arrays ----------

#: a table with more rows shows its first and last MAX_ROWS // 2
MAX_ROWS = 100
#: a table with more columns of numbers shows its first and last MAX_COLUMNS // 2
MAX_COLUMNS = 16


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


def _left_out(rows, row_count, columns=None, column_count=0):
    """The note below a summarized table: what it leaves out, and how to see
    all of it (none when it shows everything)."""
    parts = []
    if len(_present(rows)) < row_count:
        parts.append(f"{row_count - len(_present(rows)):,} of {row_count:,} rows")
    if columns is not None and len(_present(columns)) < column_count:
        parts.append(f"{column_count - len(_present(columns)):,} of {column_count:,} columns")
    if not parts:
        return []
    return [Text(f"{' and '.join(parts)} not shown: --format plain, csv or json prints them all",
                 style="dim")]


def _rows(positions, cells, width):
    """The rows at positions (None for the gap) from cells, one list per
    present position, and a row of GAP where rows are left out."""
    cells = iter(cells)
    return [[GAP] * width if p is None else list(next(cells)) for p in positions]


def _styles(positions, styled):
    """{row: style} of the rows shown, from styled {position: style}."""
    return {row: styled[p] for row, p in enumerate(positions) if p in styled}


def gradient_table(result, precision=None):
    names, derivatives = result.variables, list(result.gradient.values())
    rows = shown(len(names), MAX_ROWS)
    cells = ([f"∂f/∂{names[k]}", number_text(result.point_values[k], precision),
              number_text(derivatives[k], precision)] for k in _present(rows))
    return layout.table(f"f = {_short(result.graph.source)}",
                        [name("", style="bold"), number("at"), number("value / derivative")],
                        [["f", "", number_text(result.value, precision)]]
                        + _rows(rows, cells, 3),
                        notes=_left_out(rows, len(names)))


#: how each trace column lays out: its values are numbers, names or free text
_TRACE_KINDS = {"node": name, "computes": prose, "value": number, "partials": prose,
                "adjoint": number, "note": prose}


def trace_table(result, precision=None):
    """The tape: one row per node, forward values and backward adjoints."""
    columns = [_TRACE_KINDS[c](c if c != "partials" else "local partials")
               for c in TRACE_COLUMNS]
    trace = result.trace
    rows = shown(len(trace), MAX_ROWS)
    cells = []
    for position in _present(rows):
        row = trace_cells(trace[position], precision)
        row[3] = row[3].replace(" ", "  ")
        cells.append(row)
    kinks = {k: "yellow" for k in _present(rows) if trace[k].kink}
    return layout.table("evaluation trace (forward values, backward adjoints)", columns,
                        _rows(rows, cells, len(columns)), styles=_styles(rows, kinks),
                        notes=_left_out(rows, len(trace)))


def batch_table(result, precision=None):
    return _point_grid(None, batch_header(result), len(result.value),
                       lambda rows, columns: batch_rows(result, precision, rows, columns),
                       result.failed_rows)


def _point_grid(title, header, count, cells_at, failed_rows):
    """One row per point, summarized (first and last rows and columns);
    cells_at(rows, columns) gives the text of the positions shown."""
    rows, columns = shown(count, MAX_ROWS), shown(len(header), MAX_COLUMNS)
    titles = _with_gap([header[c] for c in _present(columns)], columns)
    cells = (_with_gap(row, columns) for row in cells_at(_present(rows), _present(columns)))
    return layout.table(title, [number(t) for t in titles], _rows(rows, cells, len(titles)),
                        styles=_styles(rows, dict.fromkeys(failed_rows, "red")),
                        notes=_left_out(rows, count, columns, len(header)))


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


def jacobian_tables(result, precision=None, sparsity=False):
    from .formats import jacobian_rows, sparsity_cells

    rows = shown(len(result.outputs), MAX_ROWS)
    columns = shown(len(result.variables), MAX_COLUMNS)
    if sparsity:
        names = _with_gap([result.variables[c] for c in _present(columns)], columns)
        cells = ([row[0]] + _with_gap(row[1:], columns)
                 for row in sparsity_cells(result, _present(rows), _present(columns)))
        return [layout.matrix("sparsity pattern (* where the output depends on the variable)",
                              [name("output", style="bold")]
                              + [name(n, justify="center") for n in names],
                              _rows(rows, cells, len(names) + 1),
                              numbers=_numbered(columns), total=len(result.variables),
                              notes=_left_out(rows, len(result.outputs), columns,
                                              len(result.variables)))]
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


def _numbered(columns, before=0):
    """The 1-based number of each column shown in the whole matrix (None
    for the gap), after before columns that always show."""
    return [*range(1, before + 1), *(None if c is None else before + c + 1 for c in columns)]


def _matrix_table(title, heads, variables, rows, columns, row_count, cells):
    """A row label, one more number, then one column per variable (those at
    the positions columns, of the rows at the positions rows), in blocks of
    columns that fit the console."""
    names = _with_gap([variables[c] for c in _present(columns)], columns)
    headers = [heads[1]] + [n if n == GAP else f"∂/∂{n}" for n in names]
    cells = (row[:2] + _with_gap(row[2:], columns) for row in cells)
    return layout.matrix(title, [name(heads[0], style="bold")] + [number(h) for h in headers],
                         _rows(rows, cells, len(headers) + 1),
                         numbers=_numbered(columns, 1), total=len(variables) + 1,
                         notes=_left_out(rows, row_count, columns, len(variables)))


def _named_numbers(title, heads, mapping, precision):
    """A two-column table, name and number, one row per item of mapping."""
    names, numbers = list(mapping), list(mapping.values())
    rows = shown(len(names), MAX_ROWS)
    cells = ([names[k], number_text(numbers[k], precision)] for k in _present(rows))
    return layout.table(title, [name(heads[0], style="bold"), number(heads[1])],
                        _rows(rows, cells, 2), notes=_left_out(rows, len(names)))


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

    title = (f"Jacobians at {count_text(len(result.values), 'point')} "
             f"({result.mode.mode} mode)")
    return [_point_grid(title, batch_jacobian_header(result), len(result.values),
                        lambda rows, columns: batch_jacobian_rows(result, precision, rows,
                                                                  columns),
                        result.failed_rows)]


def minimize_tables(result, precision=None):
    from .formats import minimize_fields

    verdict = "converged" if result.converged else "NOT converged"
    title = (f"{'maximum' if result.maximize else 'minimum'} ({result.method}): "
             f"{verdict}, {result.message}")
    fields = minimize_fields(result, precision)  # x of every variable, then the verdict's
    rows = shown(len(fields), MAX_ROWS)
    return [layout.records(title, _rows(rows, (fields[k] for k in _present(rows)), 2),
                           notes=_left_out(rows, len(fields)))]


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
    from .formats import check_summary, error_text

    rows = []
    for path, outcomes, error in report:
        if error is not None:
            rows.append([Text("ERROR", style="bold red"), path, "parses", error_text(error)])
        for o in outcomes:
            status = Text("PASS", style="green") if o.passed else Text("FAIL", style="bold red")
            rows.append([status, f"{path}:{o.line}:{o.column}", o.name, o.message])
    # the place file:line:col stays whole on one line: editors and terminals open it
    columns = [name(""), name("where"), prose("check"), prose("why it failed")]
    return [layout.table("adcli check", columns, rows), layout.text(check_summary(report))]


def _middle_shown(count, lead, trail):
    """Column positions of a table whose first lead and last trail columns
    always show, and whose columns between (one or two per variable) are
    summarized."""
    middle = shown(count - lead - trail, MAX_COLUMNS)
    return ([*range(lead)] + [None if c is None else lead + c for c in middle]
            + [*range(count - trail, count)])


def compare_tables(result, precision=None):
    from .formats import compare_header, compare_rows

    header = compare_header(result)
    columns = _middle_shown(len(header), 1, 3)
    # the method, the cost and the note in words; the rest are numbers
    kinds = {0: name, len(header) - 2: prose, len(header) - 1: prose}
    layout_columns = [number(GAP) if k is None else kinds.get(k, number)(header[k])
                      for k in columns]
    rows = [_with_gap([row[k] for k in _present(columns)], columns)
            for row in compare_rows(result, precision)]
    return [layout.table(f"the gradient of {result.output} four ways", layout_columns, rows,
                         notes=_left_out([], 0, columns, len(header)))]


def sweep_tables(result, precision=None):
    from .formats import sweep_header, sweep_rows

    header = sweep_header(result)
    columns = _middle_shown(len(header), 1, 0)
    titles = _with_gap([header[k] for k in _present(columns)], columns)
    rows = [_with_gap([row[k] for k in _present(columns)], columns) for row in sweep_rows(result)]
    best = result.best(result.central_error)
    notes = [Text(GAP, style="dim") if k is None else
             layout.text(f"best central step for d/d{result.variables[k]}: {best[k][0]:.0e} "
                         f"(error {best[k][1]:.2e}); AD: exact to rounding, no step",
                         style="dim")
             for k in shown(len(result.variables), MAX_ROWS)]
    return [layout.table("finite-difference error |difference - AD| against step",
                         [number(t) for t in titles], rows,
                         notes=_left_out([], 0, columns, len(header)) + notes)]


#: an explain cell longer than this shows its start and end around GAP
MAX_CELL = 1000
#: how each explain column lays out; any other holds free text
_EXPLAIN_KINDS = {"node": name, "partial": name, "adjoint": name, "tangent": name,
                  "input": name, "value": number, "product": number}


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
    parts = [layout.text(_cell(head), style="bold", lines=True)]
    shortened = len(head) > MAX_CELL
    for title, header, rows, notes in explain_sections(result, precision, max_rows):
        columns = [_EXPLAIN_KINDS.get(column, prose)(column) for column in header]
        shortened = shortened or any(len(cell) > MAX_CELL for row in rows for cell in row)
        parts.append(layout.table(title, columns, [[_cell(c) for c in row] for row in rows],
                                  notes=[layout.text(_cell(note), style="dim") for note in notes]))
    if shortened:
        parts.append(Text(f"cells over {MAX_CELL:,} characters are shortened in the middle "
                          f"({GAP}): --format plain or json prints them whole", style="dim"))
    return parts
