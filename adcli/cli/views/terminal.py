"""What the table forms share: tables laid out at the console's width by
layout.py, long tables summarized as NumPy prints arrays, and the live
progress line.  Rendering builds renderables; it does not decide exit codes.

A number is shown whole or rounded by --precision, never cut: a table that
does not fit its console changes its layout (layout.py).  Every title,
header and cell becomes a rich Text made by ``text``: user text (comments,
names, file names, messages) is never read as rich markup, and its control
characters are escaped (errors.visible) before rich measures it.
"""
from rich.text import Text

from .. import layout
from ..layout import GAP, name, number
from .common import number_text

#: every piece of text of a table: no markup, control characters made visible
text = layout.text


def short(content, width=70):
    """content on one line, shortened to width with GAP at its end when
    longer, cut between words and numbers, never inside one (a number is
    shown whole or not at all)."""
    content = " ".join(content.split())
    if len(content) <= width:
        return content
    end = width - 1
    while end > 0 and _in_a_word(content, end):
        end -= 1
    return content[: end or width - 1].rstrip() + GAP


def _in_a_word(content, end):
    """Whether a cut before content[end] splits a name or a number (1e-5
    too)."""
    before, after = content[end - 1], content[end]
    exponent = after in "+-" and before in "eE" and content[end - 2:end - 1].isdigit()
    return exponent or all(c.isalnum() or c in "._" for c in (before, after))


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


def left_out(rows, row_count, columns=None, column_count=0):
    """The note below a summarized table: what it leaves out, and how to see
    all of it (no note when it shows everything)."""
    parts = []
    if len(kept(rows)) < row_count:
        parts.append(f"{row_count - len(kept(rows)):,} of {row_count:,} rows")
    if columns is not None and len(kept(columns)) < column_count:
        parts.append(f"{column_count - len(kept(columns)):,} of {column_count:,} columns")
    if not parts:
        return []
    return [Text(f"{' and '.join(parts)} not shown: --format plain, csv or json prints them all",
                 style="dim")]


def filled(positions, cells, width):
    """The rows at positions (None for the gap) from cells, one list per
    present position, and a row of GAP where rows are left out."""
    cells = iter(cells)
    return [[GAP] * width if p is None else list(next(cells)) for p in positions]


def styled(positions, styles):
    """{row: style} of the rows shown, from styles {position: style}."""
    return {row: styles[p] for row, p in enumerate(positions) if p in styles}


def point_grid(title, header, count, cells_at, failed_rows):
    """One row per point, summarized (first and last rows and columns);
    cells_at(rows, columns) gives the text of the positions shown.  Too wide
    for the console, each point is a block of lines."""
    rows, columns = shown(count, MAX_ROWS), shown(len(header), MAX_COLUMNS)
    titles = with_gap([header[c] for c in kept(columns)], columns)
    cells = (with_gap(row, columns) for row in cells_at(kept(rows), kept(columns)))
    return layout.table(title, [number(t) for t in titles], filled(rows, cells, len(titles)),
                        styles=styled(rows, dict.fromkeys(failed_rows, "red")),
                        notes=left_out(rows, count, columns, len(header)))


def numbered(columns, before=0):
    """The 1-based number of each column shown in the whole matrix (None
    for the gap), after before columns that always show."""
    return [*range(1, before + 1), *(None if c is None else before + c + 1 for c in columns)]


def matrix_table(title, heads, variables, rows, columns, row_count, cells):
    """A row label, one more number, then one column per variable (those at
    the positions columns, of the rows at the positions rows), in blocks of
    columns that fit the console."""
    names = with_gap([variables[c] for c in kept(columns)], columns)
    headers = [heads[1]] + [n if n == GAP else f"∂/∂{n}" for n in names]
    cells = (row[:2] + with_gap(row[2:], columns) for row in cells)
    return layout.matrix(title, [name(heads[0], style="bold")] + [number(h) for h in headers],
                         filled(rows, cells, len(headers) + 1),
                         numbers=numbered(columns, 1), total=len(variables) + 1,
                         notes=left_out(rows, row_count, columns, len(variables)))


def named_numbers(title, heads, mapping, precision):
    """A two-column table, name and number, one row per item of mapping."""
    names, numbers = list(mapping), list(mapping.values())
    rows = shown(len(names), MAX_ROWS)
    cells = ([names[k], number_text(numbers[k], precision)] for k in kept(rows))
    return layout.table(title, [name(heads[0], style="bold"), number(heads[1])],
                        filled(rows, cells, 2), notes=left_out(rows, len(names)))


class Progress:
    """A live line on the terminal (stderr) during a run: iteration, f, |grad|.
    Throttled to ten updates a second; gone when the run ends."""

    def __init__(self, line=None):
        """line(info): the text of the line (default: a minimize run's)."""
        import time

        from rich.console import Console
        from rich.live import Live

        self.line = line or _minimize_line
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
            self.live.update(Text(self.line(info)))


def _minimize_line(info):
    return (f"iteration {info.iteration}  f = {info.value:.10g}  "
            f"|grad| = {info.gradient_norm:.3g}  evaluations {info.evaluations}")
