"""The options commands share, their types, and the command class that
lets EXPR start with a minus."""
import re

import click

from ..errors import ExpressionError

FORMATS = ("table", "plain", "json", "csv")


#: a value that is an array, a file or a call, where a point's value starts
_ARRAY_VALUE = re.compile(r"(?:^|[=,])\s*[\[@]|[A-Za-z_]\w*\s*\(")


class PointType(click.ParamType):
    """--at 2,3,4 (in variable order) or --at x=2,y=3 (any order)."""

    name = "POINT"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        try:
            if _ARRAY_VALUE.search(value):  # x=[1,2], A=@A.csv, x=zeros(3)
                from ..array_values import parse_array_point_text
                return parse_array_point_text(value)
            from ..points import parse_point_text
            return parse_point_text(value)
        except ExpressionError as error:
            self.fail(str(error), param, ctx)


def merged_point(ctx, param, parts):
    """The callback of a repeatable point option: its parts as one point."""
    if not parts:
        return None
    from ..points import merge_points
    try:
        return merge_points(parts)
    except ExpressionError as error:
        raise click.BadParameter(str(error), ctx, param) from None


def point_parameter(*names, **options):
    """A point option (--at, --from, --dir): repeatable, the parts merged."""
    return click.option(*names, type=PointType(), multiple=True, callback=merged_point,
                        **options)


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


#: a file adcli reads ('-' for stdin); adcli.cli.inputs.read_text reads it
INPUT_FILE = click.Path(exists=True, dir_okay=False, allow_dash=True)


def expression_input(command):
    """EXPR ('-' reads stdin), -f FILE, or repeated -e EXPR (one output each)."""
    command = click.argument("expr", required=False, metavar="EXPR")(command)
    command = click.option("-e", "--expr", "exprs", multiple=True, metavar="EXPR",
                           help="An output expression; repeat for several.")(command)
    command = click.option("-f", "--file", "expr_file", type=INPUT_FILE,
                           help="Read the expression or program (.adx) from a file "
                                "('-' for stdin).")(command)
    return click.option("--vars", "variables", type=NamesType(), metavar="NAMES",
                        multiple=True, callback=_joined_names,
                        help="Variable order for a positional --at, e.g. x3,x1,x2; may "
                             "name variables EXPR does not use (derivative 0) "
                             "[default: natural order, x2 before x10].")(command)


def _joined_names(ctx, param, parts):
    """Repeated --vars continue the order: --vars x3 --vars x1,x2 is --vars x3,x1,x2."""
    return [name for part in parts for name in part] if parts else None


def point_option(command):
    return point_parameter("--at", "at", metavar="POINT",
                           help="The point: values in variable order (2,3,4) or by name "
                                "(x=2,y=3); repeat to add names (--at x=2 --at y=3).")(command)


def points_option(command):
    return click.option("--points", "points_file", type=INPUT_FILE, metavar="FILE",
                        help="Many points: CSV with a header row of variable names "
                             "('-' for stdin).")(command)


def output_name_option(command):
    return click.option("--output", "output_name", metavar="NAME",
                        help="Which output of a program with several.")(command)


def mode_options(command):
    command = click.option("--mode", type=click.Choice(("auto", "forward", "reverse")),
                           default="auto", show_default=True,
                           help="AD mode: forward (one pass per input), reverse (one per "
                                "output), or auto (the fewer passes).")(command)
    return click.option("--explain", "explain_mode", is_flag=True,
                        help="Say which mode was used and why, with the pass counts "
                             "(on stderr).")(command)


def nonfinite_option(command):
    return click.option("--allow-nonfinite", is_flag=True,
                        help="Print nan/inf values and derivatives instead of failing "
                             "(exit 3).")(command)


def output_options(command):
    command = click.option(
        "--format", "output_format", type=click.Choice(FORMATS),
        help="Output format [default: table on a terminal, plain when piped].")(command)
    return click.option("--precision", type=click.IntRange(1, 17), metavar="N",
                        help="Significant digits in table, plain and csv output "
                             "[default: shortest exact]. JSON is always exact.")(command)


def array_options(command):
    """--wrt and --full: what array commands differentiate and show."""
    command = click.option("--wrt", "wrt", type=NamesType(), metavar="NAMES",
                           help="Differentiate with respect to these variables only "
                                "(comma-separated); the others are data [default: all]."
                           )(command)
    return full_option(command)


def full_option(command):
    """--full: a table shows every entry of an array (the array views' full)."""
    return click.option("--full", is_flag=True,
                        help="Tables show every entry of an array [default: an array of "
                             "more than 1000 entries shows the first and last 3 along "
                             "each axis, as NumPy prints it].")(command)


class ExpressionCommand(click.Command):
    """A command whose EXPR may start with a minus ("-x**2", "-(x*exp(-x))").

    Click would read such an argument as options (-e, -f, -h in a cluster).
    Before parsing, an argument that starts with '-' but is no option of
    this command, nor an option's value, moves behind '--' at the end, where
    it can only be EXPR.
    """

    def parse_args(self, ctx, args):
        return super().parse_args(ctx, _expression_last(self.get_params(ctx), list(args)))


def _expression_last(params, args):
    takes_value, names = set(), set()
    for param in params:
        if isinstance(param, click.Option):
            names.update(param.opts + param.secondary_opts)
            if not param.is_flag and not param.count:
                takes_value.update(param.opts + param.secondary_opts)
    kept, moved = [], []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            kept += args[index:]
            break
        if arg in takes_value:  # the option and its value, whatever it looks like
            kept += args[index:index + 2]
            index += 2
            continue
        if _looks_like_expression(arg, names):
            moved.append(arg)
        else:
            kept.append(arg)
        index += 1
    return kept + (["--"] + moved if moved else [])


def _looks_like_expression(arg, names):
    if not arg.startswith("-") or arg in ("-", "--") or arg in names:
        return False
    if arg.startswith("--"):  # --name=value, or a mistyped long option: click says so
        return False
    return True  # -x, -x**2, -(x*exp(-x)): no short option of ours takes this form
