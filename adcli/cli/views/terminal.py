"""What the table forms share: rich tables built from plain text, long
tables summarized as NumPy prints arrays, and the live progress line.
Rendering builds renderables; it does not decide exit codes.

Every title, header and cell is a rich Text made by ``text``: user text
(comments, names, file names, messages) is never read as rich markup, and
its control characters are escaped (errors.visible) before rich measures it.
"""
from rich import box
from rich.table import Table
from rich.text import Text

from ...errors import visible
from .common import number_text


def text(content, style=None, lines=False):
    """Plain text for rich: no markup, control characters made visible."""
    if isinstance(content, Text):
        return content
    return Text(visible(str(content), lines), style=style or "")


def add_row(table, cells, style=None):
    table.add_row(*map(text, cells), style=style)


def add_column(table, header, **options):
    table.add_column(text(header), **options)


def titled(title):
    return Table(title=text(title), box=box.SIMPLE_HEAD, title_justify="left")


def short(content, width=70):
    content = " ".join(content.split())
    return content if len(content) <= width else content[: width - 1] + "…"


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


def kept(positions):
    """The positions shown, without the gap."""
    return [p for p in positions if p is not None]


def with_gap(cells, positions):
    """cells, one per present position, with GAP where positions has None."""
    cells = iter(cells)
    return [GAP if p is None else next(cells) for p in positions]


def middle_shown(count, lead, trail):
    """Column positions of a table whose first lead and last trail columns
    always show, and whose columns between (one or two per variable) are
    summarized."""
    middle = shown(count - lead - trail, MAX_COLUMNS)
    return ([*range(lead)] + [None if c is None else lead + c for c in middle]
            + [*range(count - trail, count)])


def summarized(table, rows, row_count, columns=None, column_count=0):
    """Say below the table what it leaves out, and how to see all of it."""
    parts = []
    if len(kept(rows)) < row_count:
        parts.append(f"{row_count - len(kept(rows)):,} of {row_count:,} rows")
    if columns is not None and len(kept(columns)) < column_count:
        parts.append(f"{column_count - len(kept(columns)):,} of {column_count:,} columns")
    if parts:
        table.caption = Text(f"{' and '.join(parts)} not shown: --format plain, csv or json "
                             "prints them all", style="dim")
        table.caption_justify = "left"
    return table


def fill(table, rows, cells, styles=None):
    """Add the rows (positions, None for the gap) from cells, one list per
    present row; styles maps a position to its row style."""
    cells = iter(cells)
    width = len(table.columns)
    for position in rows:
        if position is None:
            table.add_row(*[GAP] * width)
        else:
            add_row(table, next(cells), style=(styles or {}).get(position))


def point_grid(table, header, count, cells_at, failed_rows):
    """One row per point, summarized (first and last rows and columns);
    cells_at(rows, columns) gives the text of the positions shown."""
    rows, columns = shown(count, MAX_ROWS), shown(len(header), MAX_COLUMNS)
    for title in with_gap([header[c] for c in kept(columns)], columns):
        add_column(table, title, justify="right")
    cells = cells_at(kept(rows), kept(columns))
    fill(table, rows, (with_gap(row, columns) for row in cells),
         dict.fromkeys(failed_rows, "red"))
    return summarized(table, rows, count, columns, len(header))


def matrix_table(title, heads, variables, rows, columns, row_count, cells):
    """A row label, one more number, then one column per variable (those at
    the positions columns, of the rows at the positions rows)."""
    table = titled(title)
    add_column(table, heads[0], style="bold")
    add_column(table, heads[1], justify="right")
    for name in with_gap([variables[c] for c in kept(columns)], columns):
        add_column(table, name if name == GAP else f"∂/∂{name}", justify="right")
    fill(table, rows, (row[:2] + with_gap(row[2:], columns) for row in cells))
    return summarized(table, rows, row_count, columns, len(variables))


def named_numbers(title, heads, mapping, precision):
    """A two-column table, name and number, one row per item of mapping."""
    table = titled(title)
    add_column(table, heads[0], style="bold")
    add_column(table, heads[1], justify="right")
    names, numbers = list(mapping), list(mapping.values())
    rows = shown(len(names), MAX_ROWS)
    fill(table, rows, ([names[k], number_text(numbers[k], precision)] for k in kept(rows)))
    return summarized(table, rows, len(names))


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
