"""The command line: convert arguments, call the core, render, map errors to
exit codes.  Nothing here computes a derivative."""
import enum
import os
import re
import sys

import click

from . import __version__
from .errors import AdcliError, DomainError, ExpressionError


class ExitStatus(enum.IntEnum):
    """Every exit code adcli uses (documented in the README)."""

    OK = 0
    ERROR = 1  # an unexpected internal error, or a file that cannot be read
    USAGE = 2  # bad expression, point, option or argument
    DOMAIN = 3  # a value or derivative is not finite (log(-1), 1/0, sqrt'(0))
    INTERRUPTED = 130


FORMATS = ("table", "plain", "json", "csv")


class AdcliGroup(click.Group):
    """Maps the core's errors to exit codes, with a clear message, never a
    traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DomainError as error:
            _report(error, "hint: --allow-nonfinite prints nan/inf instead of failing")
            ctx.exit(ExitStatus.DOMAIN)
        except ExpressionError as error:
            _report(error)
            ctx.exit(ExitStatus.USAGE)
        except AdcliError as error:
            _report(error)
            ctx.exit(ExitStatus.ERROR)
        except BrokenPipeError:
            _silence_stdout()
            ctx.exit(ExitStatus.OK)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(ExitStatus.INTERRUPTED)


def _report(error, extra=None):
    click.echo(f"error: {error}", err=True)
    if extra:
        click.echo(extra, err=True)


def _silence_stdout():
    # stdout's reader went away (| head): close quietly, as coreutils do
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@click.group(cls=AdcliGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="adcli")
def cli():
    """adcli: exact derivatives of formulas, by automatic differentiation.

    \b
    Examples:
      adcli grad "3*(x1**2+x2*x3)" --at 2,3,4
      adcli grad "3*(x1**2+x2*x3)" --at 2,3,4 --trace
      adcli grad "x**2+y**2" --points points.csv --format csv

    Run `adcli COMMAND --help` for a command's options.  Exit codes: 0 ok,
    1 internal or file error, 2 bad input (expression, point, option),
    3 a value or derivative is not finite.
    """


# --- argument types and shared options ------------------------------------------


class PointType(click.ParamType):
    """--at 2,3,4 (in variable order) or --at x=2,y=3 (any order)."""

    name = "POINT"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        from .points import parse_point_text
        try:
            return parse_point_text(value)
        except ExpressionError as error:
            self.fail(str(error), param, ctx)


class NamesType(click.ParamType):
    name = "NAMES"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        names = [name.strip() for name in value.split(",")]
        bad = [name for name in names if not name.isidentifier()]
        if bad:
            self.fail(f"{bad[0]!r} is not a variable name", param, ctx)
        return names


def expression_input(command):
    """EXPR argument ('-' reads stdin) or -f FILE."""
    command = click.argument("expr", required=False, metavar="EXPR")(command)
    return click.option("-f", "--file", "expr_file", type=click.File("r"),
                         help="Read the expression from a file ('-' for stdin).")(command)


def output_options(command):
    command = click.option(
        "--format", "output_format", type=click.Choice(FORMATS),
        help="Output format [default: table on a terminal, plain when piped].")(command)
    return click.option("--precision", type=click.IntRange(1, 17), metavar="N",
                        help="Significant digits in table, plain and csv output "
                             "[default: shortest exact]. JSON is always exact.")(command)


def read_expression(expr, expr_file):
    if expr is not None and expr_file is not None:
        raise click.UsageError("give the expression as EXPR or with -f, not both")
    if expr_file is not None:
        return expr_file.read()
    if expr is None:
        raise click.UsageError("missing the expression: give EXPR, '-' for stdin, or -f FILE")
    if expr == "-":
        return click.get_text_stream("stdin").read()
    return expr


def resolve_format(output_format):
    if output_format:
        return output_format
    return "table" if sys.stdout.isatty() else "plain"


def emit(text):
    click.echo(text, nl=False)


def show(renderables):
    from .render import print_renderables
    print_renderables(renderables)


# --- grad --------------------------------------------------------------------------


# ignore_unknown_options: an EXPR that starts with a minus ("-x**2") is the
# expression, not an unknown option
@cli.command(context_settings={"ignore_unknown_options": True})
@expression_input
@click.option("--at", "at", type=PointType(), metavar="POINT",
              help="The point: values in variable order (2,3,4) or by name (x=2,y=3).")
@click.option("--vars", "variables", type=NamesType(), metavar="NAMES",
              help="Variable order for a positional --at, e.g. x3,x1,x2 "
                   "[default: natural order, x2 before x10].")
@click.option("--points", "points_file", type=click.File("r"), metavar="FILE",
              help="Many points: CSV with a header row of variable names ('-' for stdin).")
@click.option("--trace", is_flag=True,
              help="Also show every node: what it computes, value, local partials, adjoint.")
@click.option("--allow-nonfinite", is_flag=True,
              help="Print nan/inf values and derivatives instead of failing (exit 3).")
@output_options
def grad(expr, expr_file, at, variables, points_file, trace, allow_nonfinite,
         output_format, precision):
    """Value and gradient of EXPR at a point, by reverse-mode AD.

    EXPR is a formula such as "3*(x1**2+x2*x3)"; '-' reads it from stdin.
    Operators + - * / ** (or ^), functions sin cos tan asin acos atan atan2
    sinh cosh tanh asinh acosh atanh exp expm1 log log2 log10 log1p sqrt cbrt
    abs sign floor ceil min max hypot pow sigmoid softplus relu, constants pi
    and e.

    \b
    Examples:
      adcli grad "3*(x1**2+x2*x3)" --at 2,3,4          # value 48, gradient 12 12 9
      adcli grad "3*(x1**2+x2*x3)" --at 2,3,4 --trace  # every node, forward and back
      adcli grad "x*y" --at y=2,x=1 --format json
      adcli grad -f model.txt --at x=1,y=2
      echo "sin(x)*exp(y)" | adcli grad - --at 0.5,1
      adcli grad "x**2+y**2" --points points.csv --format csv
    """
    import adcli

    if expr == "-" and points_file is not None and points_file.name == "<stdin>":
        raise click.UsageError("the expression and --points cannot both come from stdin")
    if expr is not None and re.fullmatch(r"--[A-Za-z][A-Za-z-]+", expr):
        raise click.NoSuchOption(expr)  # a mistyped option, not an expression
    text = read_expression(expr, expr_file)
    graph = adcli.parse(text, variables)
    output_format = resolve_format(output_format)
    if points_file is not None:
        if at is not None:
            raise click.UsageError("give --at or --points, not both")
        if trace:
            raise click.UsageError("--trace shows one point: use it with --at, not --points")
        from .points import read_csv_points
        data = read_csv_points(points_file.read(), graph.variables, source=points_file.name)
        _print_batch(adcli.grad(graph, data, allow_nonfinite=allow_nonfinite),
                     output_format, precision)
        return
    if at is None and graph.variables:
        raise click.UsageError(
            f"missing --at: give values for {', '.join(graph.variables)}, "
            "e.g. --at " + ",".join("1" for _ in graph.variables))
    result = adcli.grad(graph, at if at is not None else [],
                        allow_nonfinite=allow_nonfinite)
    _print_gradient(result, output_format, precision, trace)


def _print_gradient(result, output_format, precision, trace):
    from . import formats

    if output_format == "json":
        emit(formats.dumps(formats.gradient_document(result, trace)) + "\n")
    elif output_format == "csv":
        emit(formats.gradient_csv(result, precision, trace))
    elif output_format == "plain":
        emit(formats.gradient_plain(result, precision, trace))
    else:
        from . import render
        tables = [render.gradient_table(result, precision)]
        if trace:
            tables.append(render.trace_table(result, precision))
        show(tables)


def _print_batch(result, output_format, precision):
    from . import formats

    if result.failed_rows:
        click.echo(f"warning: {len(result.failed_rows)} of {len(result.value)} points "
                   f"have non-finite values; first: row {result.failed[0].row + 1}: "
                   f"{result.failed[0].message}", err=True)
    if output_format == "json":
        emit(formats.dumps(formats.batch_document(result)) + "\n")
    elif output_format == "csv":
        emit(formats.batch_csv(result, precision))
    elif output_format == "plain":
        emit(formats.batch_plain(result, precision))
    else:
        from . import render
        show([render.batch_table(result, precision)])


def main():
    """Console-script entry point."""
    try:
        cli.main(prog_name="adcli")
    except Exception as error:  # noqa: BLE001 - last resort: a message, not a traceback
        if os.environ.get("ADCLI_DEBUG"):
            raise
        click.echo(f"internal error: {type(error).__name__}: {error}\n"
                   "this is a bug in adcli; rerun with ADCLI_DEBUG=1 for details",
                   err=True)
        sys.exit(ExitStatus.ERROR)
