"""Tables for the terminal, built with rich.  Rendering builds renderables;
it does not decide exit codes."""
from rich import box
from rich.table import Table
from rich.text import Text

from .formats import TRACE_COLUMNS, batch_header, batch_rows, number_text, trace_cells


def gradient_table(result, precision=None):
    table = Table(title=f"f = {_short(result.graph.source)}", box=box.SIMPLE_HEAD,
                  title_justify="left")
    table.add_column("", style="bold")
    table.add_column("at", justify="right")
    table.add_column("value / derivative", justify="right")
    table.add_row("f", "", number_text(result.value, precision))
    for name, derivative in result.gradient.items():
        table.add_row(f"∂f/∂{name}", number_text(result.point[name], precision),
                      number_text(derivative, precision))
    return table


def trace_table(result, precision=None):
    """The tape: one row per node, forward values and backward adjoints."""
    table = Table(title="evaluation trace (forward values, backward adjoints)",
                  box=box.SIMPLE_HEAD, title_justify="left")
    justify = {"value": "right", "adjoint": "right"}
    for column in TRACE_COLUMNS:
        table.add_column(column if column != "partials" else "local partials",
                         justify=justify.get(column, "left"))
    for row in result.trace:
        cells = trace_cells(row, precision)
        cells[3] = cells[3].replace(" ", "  ")
        style = "yellow" if row.kink else None
        table.add_row(*cells, style=style)
    return table


def batch_table(result, precision=None, max_rows=None):
    table = Table(box=box.SIMPLE_HEAD)
    for title in batch_header(result):
        table.add_column(title, justify="right")
    failed = set(result.failed_rows)
    for k, cells in enumerate(batch_rows(result, precision)):
        if max_rows is not None and k >= max_rows:
            break
        table.add_row(*cells, style="red" if k in failed else None)
    return table


def _short(text, width=70):
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_renderables(renderables, file=None):
    from rich.console import Console

    console = Console(file=file)
    for renderable in renderables:
        console.print(renderable)


def note(text):
    return Text(text, style="dim")
