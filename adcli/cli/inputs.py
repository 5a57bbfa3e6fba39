"""Reading what a user gives adcli: the expression (EXPR, -e, -f), the
point, the files (programs, checks, CSV points, stdin), all through
read_text, so each accepts the same text."""
import os
import re
import sys

from ..errors import AdcliError
from ..files import BOM, decode  # noqa: F401 (BOM: re-exported)


def read_text(path):
    """The text of the file at path ('-' for stdin): UTF-8, a leading
    byte-order mark dropped.  InputError names the file and the first byte
    that is not UTF-8; AdcliError when the file cannot be read."""
    name = display_name(path)
    if path == "-" and sys.stdin is None:  # started with stdin closed (<&-)
        raise AdcliError("cannot read stdin: it is closed")
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as handle:
                data = handle.read()
    except OSError as error:
        raise AdcliError(f"cannot read {name}: {error.strerror}") from None
    return decode(data, name)


def display_name(path):
    return "stdin" if path == "-" else path


def load_graph(expr, expr_file, exprs, variables, points_file=None):
    """Parse the expression from EXPR, -f or -e; errors name the file."""
    # click is imported where it is used, not above: the quick path (quick.py)
    # calls this function for a plain EXPR without loading click
    import adcli

    sources = [expr is not None, expr_file is not None, bool(exprs)]
    if sum(sources) > 1:
        import click
        raise click.UsageError("give the expression once: as EXPR, with -f, or with -e")
    if expr is not None and re.fullmatch(r"--[A-Za-z][A-Za-z-]+", expr):
        import click
        raise click.NoSuchOption(expr)  # a mistyped option, not an expression
    if points_file == "-" and "-" in (expr, expr_file):
        import click
        raise click.UsageError("the expression and --points cannot both come from stdin")
    base = None
    if expr_file is not None:
        text = read_text(expr_file)
        if expr_file != "-":
            import click
            click.get_current_context().meta["adcli.filename"] = expr_file
            base = os.path.dirname(os.path.abspath(expr_file))  # load("A.csv") beside it
    elif exprs:
        text = ";".join(exprs)  # not newlines: a line starting with '-' would continue
    elif expr is None:
        import click
        raise click.UsageError("missing the expression: give EXPR, '-' for stdin, -e EXPR "
                               "or -f FILE")
    elif expr == "-":
        text = read_text("-")
    else:
        text = expr
    return adcli.parse(text, variables, base=base)


def require_point(graph, at):
    if at is None and graph.variables:
        import click
        raise click.UsageError(
            f"missing --at: give values for {', '.join(graph.variables)}, "
            "e.g. --at " + ",".join("1" for _ in graph.variables))
    return at if at is not None else []


def read_batch(graph, points_file, at):
    """The points of a --points file, for the graph's variables."""
    if at is not None:
        import click
        raise click.UsageError("give --at or --points, not both")
    from ..points import read_csv_points
    return read_csv_points(read_text(points_file), graph.variables,
                           source=display_name(points_file))
