"""Tables that fit the terminal they are printed on, built on rich.

A number on a terminal is shown whole or visibly rounded (--precision),
never cut.  So the layout is chosen when rich prints, at the console's
width, and a table that does not fit changes its layout instead of cutting
its cells:

- ``table``: columns as wide as their widest cell; free text (``prose``)
  wraps at spaces and headers wrap between words when space runs short;
  if that is still too wide, each row becomes a block of ``field  value``
  lines (a stacked layout);
- ``matrix``: the columns split into blocks that fit ("columns 1-6 of 9",
  "columns 7-9 of 9") with the row labels repeated, as NumPy and R print
  wide matrices;
- ``records``: name and value pairs; a pair too wide for one line puts its
  value on a line of its own.

Titles and notes print as lines of their own, wrapped at spaces at the
console's width (a rich table title would wrap at the table's width).
Every piece of text is a rich Text made by ``text``: user text is never
read as markup, and its control characters are escaped (errors.visible).

The one cut left is a fold: a single word (a path, a number) wider than the
whole console folds onto the next line, every character kept.

``lost`` is the check the tests make of a rendering: no line wider than
the console, no cell that lost characters.
"""
import re
from typing import NamedTuple

from rich import box
from rich.cells import cell_len
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..errors import visible

#: what a summarized table shows in place of the rows and columns left out
GAP = "…"
#: free text wraps, but no narrower than this, its own width or its longest word
PROSE_WIDTH = 16
#: the indent of the lines of a stacked row or of a value on its own line
INDENT = 2


class Column(NamedTuple):
    header: str
    justify: str = "right"
    #: free text: wraps at spaces (and folds a word wider than the line);
    #: every other cell is kept on one line, whole
    prose: bool = False
    style: str = ""


def number(header, style=""):
    """A column of numbers: right-justified, every cell whole on one line."""
    return Column(header, "right", style=style)


def name(header, style="", justify="left"):
    """A column of names, paths or labels: every cell whole on one line."""
    return Column(header, justify, style=style)


def prose(header, justify="left"):
    """A column of free text, wrapped at spaces."""
    return Column(header, justify, prose=True)


def text(value, style=None, lines=False):
    """value as a rich Text: no markup, control characters made visible."""
    if isinstance(value, Text):
        return value
    return Text(visible(str(value), lines), style=style or "")


def table(title, columns, rows, *, styles=None, notes=()):
    """rows (lists of cells, one per column) under the headers of columns:
    one table if it fits the console, else one block of lines per row.
    styles maps a row's position to its style; notes print below."""
    return _Layout(title, list(columns), rows, styles, notes)


def matrix(title, columns, rows, *, labels=1, numbers=None, total=None, notes=()):
    """A table whose first labels columns name the rows and whose other
    columns split into blocks that fit the console, the labels repeated in
    each block.  numbers: the 1-based position of each other column in the
    whole matrix of total columns (when a summary leaves some out)."""
    return _Layout(title, list(columns), rows, None, notes,
                   blocks=_Blocks(labels, numbers, total))


def records(title, pairs, *, justify="right", prose=(), styles=None, notes=()):
    """(name, value) pairs as two columns without headers; a value too wide
    to stand beside the names goes on a line of its own.  prose: the
    positions of the pairs whose value is free text (it may wrap)."""
    return _Layout(title, [Column("", "left"), Column("", justify)], [list(p) for p in pairs],
                   styles, notes, stack=False, prose={(k, 1) for k in prose})


class _Blocks(NamedTuple):
    labels: int
    numbers: list
    total: int


class _Layout:
    """A renderable that picks its layout at the width it is printed at."""

    def __init__(self, title, columns, rows, styles, notes, blocks=None, stack=True,
                 prose=()):
        self.title, self.columns, self.rows = title, columns, [list(r) for r in rows]
        self.styles, self.notes, self.blocks, self.stack = styles or {}, notes, blocks, stack
        #: the cells (row, column) of free text, beside those of prose columns
        self.prose = {(r, k) for r in range(len(self.rows))
                      for k, c in enumerate(columns) if c.prose} | set(prose)

    def __rich_console__(self, console, options):
        width = options.max_width
        if self.title:
            yield text(self.title, style="italic")
        yield from self._body(width)
        for note in self.notes:
            yield text(note, style="dim")

    def _body(self, width):
        widths = fitted_widths(self.columns, self.rows, width, self.prose)
        if widths is not None:
            yield _rich_table(self.columns, self.rows, widths, self.styles, self.prose)
        elif self.blocks is not None and _block_spans(self.columns, self.rows, width,
                                                      self.blocks.labels):
            yield from self._in_blocks(width)
        elif self.stack:
            yield from self._stacked(width)
        else:
            yield from self._pairs(width)

    def _pairs(self, width):
        """Name and value pairs in two columns, but a value too wide to
        stand beside the names on a line of its own below its name.  A name
        without a value (the heading of a stacked row) does not widen the
        names: one wider than them is a line of its own."""
        names = max((_width(label) for label, value in self.rows if _plain(value)), default=0)
        room = width - _frame(2, headed=False) - names
        run = []
        for r, (label, value) in enumerate(self.rows):
            wide = (_prose_width(value) if (r, 1) in self.prose else _width(value)) > room
            if not (wide or _width(label) > names):
                run.append(r)
                continue
            yield from self._run(run, names, room)
            run = []
            yield from _own_lines([(label, value)], {0: self.styles.get(r)})
        yield from self._run(run, names, room)

    def _run(self, positions, names, room):
        """The pairs at positions as one table of two columns: the names
        names wide, the values as wide as the widest but at most room."""
        if not positions:
            return
        rows = [self.rows[r] for r in positions]
        values = max(_width(value) for _, value in rows)
        yield _rich_table(self.columns, rows, [names, min(values, room)],
                          {k: self.styles[r] for k, r in enumerate(positions) if r in self.styles},
                          {(k, 1) for k, r in enumerate(positions) if (r, 1) in self.prose})

    def _in_blocks(self, width):
        labels, numbers, total = self.blocks
        data = len(self.columns) - labels
        numbers = numbers or list(range(1, data + 1))
        total = total or data
        for start, stop in _block_spans(self.columns, self.rows, width, labels):
            keep = [*range(labels), *range(labels + start, labels + stop)]
            shown = [n for n in numbers[start:stop] if n is not None]
            yield text(f"columns {shown[0]}-{shown[-1]} of {total}" if shown else GAP,
                       style="dim")  # a block of the gap alone has no numbers
            columns = [self.columns[k] for k in keep]
            rows = [[row[k] for k in keep] for row in self.rows]
            yield _rich_table(columns, rows, fitted_widths(columns, rows, width), self.styles,
                              set())

    def _stacked(self, width):
        """One block per row: its first cell as a heading, then a line per
        other column that is not empty; one table of two columns for all
        the blocks, so that their fields line up."""
        pairs, prose, styles = [], [], {}
        for position, row in enumerate(self.rows):
            if all(_plain(cell) == GAP for cell in row):
                pairs.append((GAP, ""))
                continue
            styles[len(pairs)] = self.styles.get(position) or "bold"
            pairs.append((_label(self.columns[0].header, row[0]), ""))
            for column, cell in zip(self.columns[1:], row[1:]):
                if _plain(cell):
                    prose += [len(pairs)] if column.prose else []
                    pairs.append((" " * INDENT + column.header, cell))
        yield from records(None, pairs, justify="left", prose=prose, styles=styles)._body(width)


def _label(header, cell):
    """The heading of a stacked row: its first cell after its header, so
    that no column goes unnamed (method: reverse)."""
    return Text.assemble(text(f"{header}: "), text(cell)) if header else cell


def _own_lines(pairs, styles):
    """Each (name, value) pair as a line with the name and a line with the
    value, indented below it: nothing is cut however narrow the console."""
    for position, (label, value) in enumerate(pairs):
        yield text(label, style=styles.get(position) or "bold")
        if _plain(value):
            value = text(value).copy()
            value.overflow = "fold"
            indent = len(_plain(label)) - len(_plain(label).lstrip(" "))
            yield Padding(value, (0, 0, 0, indent + INDENT))


# --- widths ------------------------------------------------------------------------------


def _plain(cell):
    return cell.plain if isinstance(cell, Text) else visible(str(cell))


def _width(cell):
    return max((cell_len(line) for line in _plain(cell).splitlines()), default=0)


def _longest_word(cell):
    return max((cell_len(word) for word in _plain(cell).split()), default=0)


def _frame(count, headed=True):
    """The width a table of count columns adds to their contents: with
    headers (a SIMPLE_HEAD box), one space of padding either side of each
    cell, the gaps and the edges; without, one space either side of a gap."""
    return 3 * count + 1 if headed else 2 * count - 2


def _headed(columns):
    return any(c.header for c in columns)


def natural_widths(columns, rows):
    """Each column's width when nothing wraps: its widest cell or header."""
    widths = [_width(c.header) for c in columns]
    for row in rows:
        widths = [max(w, _width(cell)) for w, cell in zip(widths, row)]
    return widths


def _least_widths(columns, rows, prose):
    """The narrowest each column may be: as wide as its widest cell that is
    not free text, as its longest header word (a header wraps between
    words), and as free text's narrowest: its longest word (a number in it
    stays whole), and PROSE_WIDTH unless the text is narrower."""
    least = [max(1, _longest_word(c.header)) for c in columns]
    for r, row in enumerate(rows):
        least = [max(w, _prose_width(cell) if (r, k) in prose else _width(cell))
                 for k, (w, cell) in enumerate(zip(least, row))]
    return least


def _prose_width(cell):
    return max(min(_width(cell), PROSE_WIDTH), _longest_word(cell))


def fitted_widths(columns, rows, width, prose=()):
    """Column widths that show every cell whole within width, or None when
    the columns cannot fit.  prose: the cells (row, column) of free text,
    which may wrap.  The room left goes to free text first, then to the
    headers that wrap."""
    room = width - _frame(len(columns), _headed(columns))
    natural = natural_widths(columns, rows)
    if sum(natural) <= room:
        return natural
    widths = _least_widths(columns, rows, prose)
    spare = room - sum(widths)
    if spare < 0:
        return None
    spare = _share(widths, natural, sorted({k for _, k in prose}), spare)
    _share(widths, natural, range(len(columns)), spare)
    return widths


def _share(widths, natural, columns, spare):
    """Widen the given columns toward their natural widths, each by its
    share of spare in proportion to what it lacks; returns what is left."""
    lacking = {k: natural[k] - widths[k] for k in columns if natural[k] > widths[k]}
    total = sum(lacking.values())
    if total <= spare:
        for k, lack in lacking.items():
            widths[k] += lack
        return spare - total
    shares = {k: lack * spare // total for k, lack in lacking.items()}
    for k, share in shares.items():
        widths[k] += share
    for k in list(lacking)[:spare - sum(shares.values())]:  # the remainder, one each
        widths[k] += 1
    return 0


def _block_spans(columns, rows, width, labels):
    """[(start, stop)] of the data columns (after the labels) in blocks
    that fit width at their natural widths; [] if a single one does not."""
    natural = natural_widths(columns, rows)
    room = width - _frame(labels, _headed(columns)) - sum(natural[:labels])
    spans, start, used = [], 0, 0
    for k, w in enumerate(natural[labels:]):
        if used + w + 3 > room:
            if k == start:
                return []
            spans.append((start, k))
            start, used = k, 0
        used += w + 3
    if start < len(natural) - labels:
        if natural[labels + start] + 3 > room:
            return []
        spans.append((start, len(natural) - labels))
    return spans


def _rich_table(columns, rows, widths, styles, prose):
    """rows in columns of the given widths: headers wrap between words, free
    text wraps, other cells stay on one line (the widths hold them)."""
    if _headed(columns):
        table = Table(box=box.SIMPLE_HEAD)
    else:
        table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    for column, width in zip(columns, widths):
        table.add_column(text(column.header), justify=column.justify, width=width,
                         overflow="fold", style=column.style)
    for r, row in enumerate(rows):
        table.add_row(*(_cell(cell, (r, k) in prose, width)
                        for k, (cell, width) in enumerate(zip(row, widths))),
                      style=styles.get(r))
    return table


def _cell(cell, wraps, width):
    """cell on one line, or free text that wraps (left-justified when it
    takes more than one line: ragged lines read from the left)."""
    cell = text(cell).copy()
    if not wraps:
        cell.no_wrap = True
    elif cell.cell_len > width:
        cell.justify = "left"
    return cell


# --- the check of a rendering ----------------------------------------------------------

#: a number as adcli writes one, not part of a name such as x1
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?(?![\w.])", re.I)
#: the heading of a block of matrix columns
_BLOCK = re.compile(r"columns \d+-\d+ of \d+")


def numbers_in(text_):
    """The numbers of text_, as written (-8.2039989837899, 1e-05)."""
    return _NUMBER.findall(text_)


def _raw(text_):
    return text_.plain if isinstance(text_, Text) else str(text_)


def lost(rendered, width, given, allowed=()):
    """What a rendering lost: lines wider than width, numbers of the given
    texts (cells, headers, titles) not shown whole on one line, numbers
    shown that neither they nor the allowed texts hold (a cut one), a GAP
    none of them holds.  [] when nothing was lost."""
    lines = [line for line in rendered.splitlines() if not _BLOCK.fullmatch(line.strip())]
    problems = [f"line {k + 1} is {cell_len(line)} wide" for k, line in
                enumerate(rendered.splitlines()) if cell_len(line.rstrip()) > width]
    given = [_raw(g) for g in given]
    known = given + [_raw(a) for a in allowed]
    expected = {n for g in given for n in numbers_in(g)}
    shown = {n for line in lines for n in numbers_in(line)}
    problems += [f"{n} is not shown whole" for n in sorted(expected - shown)]
    problems += [f"{n} is shown but was not given (cut?)" for n in
                 sorted(shown - {n for k in known for n in numbers_in(k)})]
    if GAP in rendered and not any(GAP in k for k in known):
        problems.append(f"{GAP} in the rendering")
    return problems
