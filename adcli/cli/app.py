"""The command line: convert arguments, call the core, render, map errors to
exit codes.  Nothing here computes a derivative."""
import contextlib
import dataclasses
import enum
import os
import re
import signal
import sys
import threading

import click

from .. import __version__, files
from . import artifacts
from ..errors import AdcliError, DomainError, ExpressionError, PointError, visible
from .inputs import display_name, read_text


class ExitStatus(enum.IntEnum):
    """Every exit code adcli uses (documented in the README)."""

    OK = 0
    ERROR = 1  # an unexpected internal error, or a file that cannot be read
    USAGE = 2  # bad expression, point, option or argument
    DOMAIN = 3  # a value or derivative is not finite (log(-1), 1/0, sqrt'(0))
    NOT_CONVERGED = 4  # minimize stopped by a limit (iterations, evaluations) or stalled
    DIVERGED = 5  # minimize diverged, or met a non-finite value or derivative
    CHECK_FAILED = 6  # adcli check: a check does not hold
    INTERRUPTED = 130  # Ctrl-C (SIGINT); SIGHUP and SIGTERM give 128 + their number
    BROKEN_PIPE = 141  # stdout's reader went away (| head), as coreutils (128 + SIGPIPE)


FORMATS = ("table", "plain", "json", "csv")


class AdcliGroup(click.Group):
    """Maps the core's errors to exit codes, with a clear message, never a
    traceback."""

    def make_context(self, *args, **kwargs):
        with _visible_usage_errors(), _system_errors():  # adcli --help | head
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        try:
            with _visible_usage_errors(), _system_errors():
                return super().invoke(ctx)
        except DomainError as error:
            _report(ctx, error, "hint: --allow-nonfinite prints nan/inf instead of failing")
            ctx.exit(ExitStatus.DOMAIN)
        except ExpressionError as error:
            _report(ctx, error)
            ctx.exit(ExitStatus.USAGE)
        except AdcliError as error:
            _report(ctx, error)
            ctx.exit(ExitStatus.ERROR)
        except KeyboardInterrupt:
            say("interrupted")
            ctx.exit(ExitStatus.INTERRUPTED)


def _report(ctx, error, extra=None):
    # errors of a file's text say file:line:column; a point's text is not the file's
    if error.filename is None and not isinstance(error, PointError):
        error.filename = ctx.meta.get("adcli.filename")
    say(f"error: {error}")
    if extra:
        say(extra)


def say(text):
    """A diagnostic on stderr, user text in it escaped (errors.visible)."""
    click.echo(visible(text, lines=True), err=True)


@contextlib.contextmanager
def _visible_usage_errors():
    # click's usage errors quote arguments as typed ("No such option: --x...")
    try:
        yield
    except click.ClickException as error:
        error.message = visible(error.message, lines=True)
        raise


@contextlib.contextmanager
def _system_errors():
    """What the system refuses: a broken pipe (stdout's reader went away:
    | head) ends adcli quietly with 141, as coreutils end (click alone would
    exit 1); any other OSError (a full disk under --help, a file that cannot
    be opened) is a clear error, exit 1, not an internal one."""
    try:
        yield
    except BrokenPipeError:
        _silence_stdout()
        raise click.exceptions.Exit(ExitStatus.BROKEN_PIPE) from None
    except OSError as error:
        if error.filename is None:  # a stream, most likely stdout: keep exit from failing too
            _silence_stdout()
        where = f"{error.filename}: " if error.filename else ""
        say(f"error: {where}{error.strerror or error}")
        raise click.exceptions.Exit(ExitStatus.ERROR) from None


@contextlib.contextmanager
def _writing_stdout():
    """A stdout that cannot be written (a full disk, /dev/full) is a clear
    error (exit 1), not an internal one."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        _silence_stdout()
        raise files.cannot_write("standard output", error) from None


def _silence_stdout():
    """Point stdout at /dev/null: what is still buffered cannot fail at exit."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test runner's)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


@click.group(cls=AdcliGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="adcli")
def cli():
    """adcli: exact derivatives of formulas, by automatic differentiation.

    \b
    Examples:
      adcli grad "3*(x1**2+x2*x3)" --at 2,3,4
      adcli grad "3*(x1**2+x2*x3)" --at 2,3,4 --trace
      adcli grad "x**2+y**2" --points points.csv --format csv
      adcli jacobian "x*y; x+y; sin(x)*y" --at 1,2
      adcli hessian "100*(y-x**2)**2 + (1-x)**2" --at 1,1

    Run `adcli COMMAND --help` for a command's options.  Exit codes: 0 ok,
    1 a file cannot be written, or an internal error, 2 bad input
    (expression, point, option), 3 a value or derivative is not finite,
    4 minimize did not converge, 5 minimize diverged, 6 a check failed,
    130 interrupted, 141 stdout closed early (| head).
    """


# --- argument types and shared options ------------------------------------------


class PointType(click.ParamType):
    """--at 2,3,4 (in variable order) or --at x=2,y=3 (any order)."""

    name = "POINT"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        from ..points import parse_point_text
        try:
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


#: a file adcli reads ('-' for stdin); adcli.inputs.read_text reads it
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


def load_graph(expr, expr_file, exprs, variables, points_file=None):
    """Parse the expression from EXPR, -f or -e; errors name the file."""
    import adcli

    sources = [expr is not None, expr_file is not None, bool(exprs)]
    if sum(sources) > 1:
        raise click.UsageError("give the expression once: as EXPR, with -f, or with -e")
    if expr is not None and re.fullmatch(r"--[A-Za-z][A-Za-z-]+", expr):
        raise click.NoSuchOption(expr)  # a mistyped option, not an expression
    if points_file == "-" and "-" in (expr, expr_file):
        raise click.UsageError("the expression and --points cannot both come from stdin")
    if expr_file is not None:
        text = read_text(expr_file)
        if expr_file != "-":
            click.get_current_context().meta["adcli.filename"] = expr_file
    elif exprs:
        text = ";".join(exprs)  # not newlines: a line starting with '-' would continue
    elif expr is None:
        raise click.UsageError("missing the expression: give EXPR, '-' for stdin, -e EXPR "
                               "or -f FILE")
    elif expr == "-":
        text = read_text("-")
    else:
        text = expr
    return adcli.parse(text, variables)


def require_point(graph, at):
    if at is None and graph.variables:
        raise click.UsageError(
            f"missing --at: give values for {', '.join(graph.variables)}, "
            "e.g. --at " + ",".join("1" for _ in graph.variables))
    return at if at is not None else []


def resolve_format(output_format):
    if output_format:
        return output_format
    return "table" if sys.stdout.isatty() else "plain"


def emit(text):
    """Data on stdout.  Every format writes user text with control characters
    escaped (JSON as \\u001b by json itself), piped or not."""
    with _writing_stdout():
        click.echo(visible(text, lines=True), nl=False)


def present(output_format, precision, view, *subject, **options):
    """Print a result: formats.<view>_document/_csv/_plain or render.<view>_tables."""
    from . import formats
    output_format = resolve_format(output_format)
    if output_format == "json":
        emit(formats.dumps(getattr(formats, f"{view}_document")(*subject, **options)) + "\n")
    elif output_format in ("csv", "plain", "junit", "github", "tap"):
        emit(getattr(formats, f"{view}_{output_format}")(*subject, precision, **options))
    else:
        from . import render
        tables = getattr(render, f"{view}_tables")(*subject, precision, **options)
        with _writing_stdout():
            render.print_renderables(tables)


def explain_choice(choice):
    say(choice.explain())


def read_batch(graph, points_file, at):
    if at is not None:
        raise click.UsageError("give --at or --points, not both")
    from ..points import read_csv_points
    return read_csv_points(read_text(points_file), graph.variables,
                           source=display_name(points_file))


# --- grad --------------------------------------------------------------------------


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



@cli.command(cls=ExpressionCommand)
@expression_input
@point_option
@points_option
@output_name_option
@click.option("--trace", is_flag=True,
              help="Also show every node: what it computes, value, local partials, adjoint.")
@mode_options
@nonfinite_option
@output_options
def grad(expr, expr_file, exprs, variables, at, points_file, output_name, trace, mode,
         explain_mode, allow_nonfinite, output_format, precision):
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
      adcli grad "x**2*y" --at 3,4 --mode forward --explain
      adcli grad -f model.adx --output py --at t1=0.3,t2=1.1
      echo "sin(x)*exp(y)" | adcli grad - --at 0.5,1
      adcli grad "x**2+y**2" --points points.csv --format csv
    """
    import adcli

    graph = load_graph(expr, expr_file, exprs, variables, points_file)
    if output_name is not None:
        graph = graph.select(output_name)
    if trace and mode == "forward":
        raise click.UsageError("--trace shows the reverse sweep; drop --mode forward")
    if points_file is not None:
        if trace:
            raise click.UsageError("--trace shows one point: use it with --at, not --points")
        data = read_batch(graph, points_file, at)
        result = adcli.grad(graph, data, allow_nonfinite=allow_nonfinite)
        first = result.failed[0] if result.failed else None
        _warn_failed_rows(result.failed_rows, len(result.value), first)
        present(output_format, precision, "batch", result)
        return
    result = adcli.grad(graph, require_point(graph, at), mode=mode,
                        allow_nonfinite=allow_nonfinite)
    if explain_mode:
        explain_choice(result.mode)
    present(output_format, precision, "gradient", result, with_trace=trace)


def _warn_failed_rows(failed_rows, count, first_error=None):
    """With --allow-nonfinite, failing points are kept, and said on stderr."""
    if failed_rows:
        detail = (f"; first: row {first_error.row + 1}: {first_error.message}"
                  if first_error is not None else f"; first: row {failed_rows[0] + 1}")
        say(f"warning: {len(failed_rows)} of {count} points have non-finite "
            f"values or derivatives{detail}")


# --- jacobian, hessian, jvp, vjp, eval ------------------------------------------------


@cli.command(cls=ExpressionCommand)
@expression_input
@point_option
@points_option
@mode_options
@click.option("--sparsity", is_flag=True,
              help="Print the structural pattern (which outputs depend on which "
                   "variables), read from the graph, instead of the numbers.")
@nonfinite_option
@output_options
def jacobian(expr, expr_file, exprs, variables, at, points_file, mode, explain_mode, sparsity,
             allow_nonfinite, output_format, precision):
    """Jacobian matrix of several outputs at a point.

    Outputs are ';'-separated expressions, repeated -e EXPR, or the outputs of
    a program file.  --mode auto uses forward mode when there are fewer
    inputs than outputs, reverse mode otherwise.

    \b
    Examples:
      adcli jacobian "x*y; x+y; sin(x)*y" --at 1,2            # 3 x 2
      adcli jacobian -e "x*y" -e "x+y" --at 1,2 --mode reverse --explain
      adcli jacobian -f examples/two_link_arm.adx --at t1=0.3,t2=1.1
      adcli jacobian -f examples/two_link_arm.adx --at 0,0 --sparsity
      adcli jacobian "x*y; x+y" --points examples/points.csv --format csv
    """
    import adcli

    graph = load_graph(expr, expr_file, exprs, variables, points_file)
    batch = points_file is not None
    at = read_batch(graph, points_file, at) if batch else require_point(graph, at)
    result = adcli.jacobian(graph, at, mode=mode, allow_nonfinite=allow_nonfinite)
    if explain_mode:
        explain_choice(result.mode)
    if batch:
        _warn_failed_rows(result.failed_rows, len(result.values), result.first_error)
        present(output_format, precision, "batch_jacobian", result, sparsity=sparsity)
    else:
        present(output_format, precision, "jacobian", result, sparsity=sparsity)


@cli.command(cls=ExpressionCommand)
@expression_input
@point_option
@output_name_option
@nonfinite_option
@output_options
def hessian(expr, expr_file, exprs, variables, at, output_name, allow_nonfinite,
            output_format, precision):
    """Value, gradient and exact Hessian of EXPR at a point.

    Second derivatives by forward-over-reverse AD (no differencing); the
    matrix is symmetric.

    \b
    Examples:
      adcli hessian "100*(y-x**2)**2 + (1-x)**2" --at 1,1
      adcli hessian "x**y" --at 2,3 --format json
      adcli hessian -f examples/rosenbrock.txt --at -1.2,1
    """
    import adcli

    graph = load_graph(expr, expr_file, exprs, variables)
    result = adcli.hessian(graph, require_point(graph, at), output=output_name,
                           allow_nonfinite=allow_nonfinite)
    present(output_format, precision, "hessian", result)


def _product_command(kind):
    """jvp and vjp share everything but the direction's meaning."""

    @expression_input
    @point_option
    @point_parameter("--dir", "direction", required=True, metavar="VECTOR",
                     help="The vector: one value per variable (jvp) or per output (vjp), "
                          "positional or by name.")
    @nonfinite_option
    @output_options
    def command(expr, expr_file, exprs, variables, at, direction, allow_nonfinite,
                output_format, precision):
        import adcli

        graph = load_graph(expr, expr_file, exprs, variables)
        compute = adcli.jvp if kind == "jvp" else adcli.vjp
        result = compute(graph, require_point(graph, at), direction,
                         allow_nonfinite=allow_nonfinite)
        present(output_format, precision, "product", result, kind=kind)

    return command


jvp = cli.command(
    "jvp", cls=ExpressionCommand,
    help="""Jacobian-vector product J·v by one forward-mode pass.

    v has one entry per variable (--dir).

    \b
    Examples:
      adcli jvp "x*y; x+y" --at 1,2 --dir 1,0
      adcli jvp "x*y; x+y" --at 1,2 --dir x=0,y=1 --format json
    """)(_product_command("jvp"))

vjp = cli.command(
    "vjp", cls=ExpressionCommand,
    help="""Vector-Jacobian product uᵀ·J by one reverse-mode pass.

    u has one entry per output (--dir).

    \b
    Examples:
      adcli vjp "x*y; x+y" --at 1,2 --dir 1,0
      adcli vjp "x*y; x+y" --at 1,2 --dir f1=0,f2=1 --format json
    """)(_product_command("vjp"))


@cli.command("eval", cls=ExpressionCommand)
@expression_input
@point_option
@nonfinite_option
@output_options
def eval_command(expr, expr_file, exprs, variables, at, allow_nonfinite, output_format,
                 precision):
    """Values of every output at a point (no derivatives).

    \b
    Examples:
      adcli eval "x*y; x+y" --at 1,2
      adcli eval -f examples/two_link_arm.adx --at t1=0.3,t2=1.1 --format json
    """
    import adcli

    graph = load_graph(expr, expr_file, exprs, variables)
    at = require_point(graph, at)
    values = adcli.values(graph, at, allow_nonfinite=allow_nonfinite)
    from ..points import resolve
    point = dict(zip(graph.variables, resolve(graph.variables, at)))
    if resolve_format(output_format) == "json":
        from . import formats
        emit(formats.dumps(formats.values_document(values, point)) + "\n")
    else:
        present(output_format, precision, "values", values)


# --- minimize ----------------------------------------------------------------------


@cli.command(cls=ExpressionCommand)
@expression_input
@point_parameter("--from", "start", required=True, metavar="POINT",
                 help="The starting point, positional or by name (repeatable).")
@output_name_option
@click.option("--method", type=click.Choice(("auto", "newton", "bfgs", "lbfgs", "gd",
                                             "momentum", "adam")),
              default="auto", show_default=True,
              help="auto: newton (exact Hessians in a trust region: the most robust) for "
                   "up to 20 variables, lbfgs above (faster per iteration there).")
@click.option("--maximize", is_flag=True, help="Find a maximum instead.")
@click.option("--lr", type=float, help="Step size of gd and momentum [0.01], adam [0.001]; "
                                       "first trial step of gd --line-search.")
@click.option("--line-search", is_flag=True, help="gd: backtracking (Armijo) steps.")
@click.option("--momentum", type=float, help="Momentum of the momentum method [0.9].")
@click.option("--beta1", type=float, help="adam [0.9].")
@click.option("--beta2", type=float, help="adam [0.999].")
@click.option("--memory", type=click.IntRange(1), help="Pairs kept by lbfgs [10].")
@click.option("--gtol", type=float, default=1e-8, show_default=True,
              help="Stop when every gradient component is below this.")
@click.option("--ftol", type=float, help="Stop when f changes by less than this, relatively "
                                         "[1e-15]; newton, bfgs, lbfgs, gd --line-search.")
@click.option("--xtol", type=float, help="Stop when x moves by less than this, relatively "
                                         "[1e-15]; newton, bfgs, lbfgs, gd --line-search.")
@click.option("--max-iter", type=click.IntRange(0), default=10000, show_default=True)
@click.option("--max-evals", type=click.IntRange(1), default=100000, show_default=True,
              help="Most evaluations of f and its gradient.")
@click.option("--trace-file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write every iteration (x, f, |grad|, step) as CSV, or JSON lines "
                   "for *.jsonl ('-' for stdout); complete or untouched, also when the "
                   "run stops early.")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Draw the convergence (and for 2 variables the path over the contour "
                   "of f) to FILE.png or .svg; needs pip install 'adcli[plot]'.")
@output_options
def minimize(expr, expr_file, exprs, variables, start, output_name, method, maximize, lr,
             line_search, momentum, beta1, beta2, memory, gtol, ftol, xtol, max_iter,
             max_evals, trace_file, plot_file, output_format, precision):
    """Minimize EXPR from a starting point, with exact derivatives by AD.

    Exit codes: 0 converged (gradient below --gtol, or f or x stopped
    changing); 4 stopped by --max-iter or --max-evals, or stalled; 5
    diverged or met a non-finite value (the node is named). The result is
    printed in every case.

    \b
    Examples:
      adcli minimize "100*(y-x**2)**2 + (1-x)**2" --from -1.2,1
      adcli minimize "(x-3)**2 + (y+1)**2" --from 0,0 --format json | jq .x
      adcli minimize -f examples/rosenbrock.txt --from -1.2,1 --method bfgs
      adcli minimize "(x-3)**2 + (y+1)**2" --from 0,0 --method gd --lr 0.1
      adcli minimize "(x-3)**2" --from 0 --method gd --lr 0.1 --trace-file steps.csv
      adcli minimize "x*exp(-x)" --from 0.5 --maximize
    """
    import adcli

    from ..tools.optimize import History

    graph = load_graph(expr, expr_file, exprs, variables)
    if variables is None and isinstance(start, dict):
        graph = graph.declaring(start)  # --from x1=..,x5=.. declares x1 and x5
    if output_name is not None:
        graph = graph.select(output_name)
    _require_method_settings(method, len(graph.variables), dict(
        lr=lr, line_search=line_search, momentum=momentum, beta1=beta1, beta2=beta2,
        memory=memory, ftol=ftol, xtol=xtol))
    if plot_file:
        try:
            artifacts.require_matplotlib(plot_file)
        except AdcliError as error:
            raise click.UsageError(str(error)) from None
    # the plot's f and |grad| (and path) only: a run keeps no Iteration records
    history = History(keep_path=len(graph.variables) == 2) if plot_file else None
    log = artifacts.IterationLog(trace_file, graph.variables) if trace_file else None
    finish_trace = log.close if log is not None else None
    progress = _progress(output_format)
    interrupt = _StopOnInterrupt()

    def callback(info):
        if history is not None:
            history.record(info)
        if log is not None:
            log(info)
        if progress is not None:
            progress.update(info)
        return interrupt.requested

    try:
        with interrupt, progress if progress is not None else _nothing():
            result = adcli.minimize(
                graph, start, variables=variables, method=method, maximize=maximize,
                gtol=gtol, ftol=ftol,
                xtol=xtol, max_iter=max_iter, max_evals=max_evals, lr=lr,
                line_search=line_search, momentum=momentum, beta1=beta1, beta2=beta2,
                memory=memory, callback=callback)
    except BaseException:  # the iterations done are kept, whatever ended the run
        for error in _file_errors(finish_trace):
            _report(click.get_current_context(), error)
        raise
    errors = _file_errors(finish_trace)
    if result.reason == "callback":  # only Ctrl-C stops it so
        result = dataclasses.replace(result, reason="interrupted",
                                     message="interrupted (Ctrl-C): the point reached")
    present(output_format, precision, "minimize", result)
    if plot_file:  # after the result, which a failing or interrupted plot cannot lose
        errors += _file_errors(lambda: artifacts.plot_run(plot_file, history, graph))
    _exit_for(result, errors)


def _file_errors(*steps):
    """Run the steps that finish output files (None for none); their
    FileErrors are returned, to report after the result."""
    errors = []
    for step in steps:
        try:
            if step is not None:
                step()
        except files.FileError as error:
            errors.append(error)
    return errors


class _StopOnInterrupt:
    """While minimizing: a first Ctrl-C ends the run after the current
    iteration, its result printed (exit 130); a second one stops at once."""

    requested = False
    previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._request)
        return self

    def _request(self, signum, frame):
        self.requested = True
        signal.signal(signal.SIGINT, self.previous or signal.default_int_handler)

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False


def _require_method_settings(method, n, given):
    """A setting of another method is a usage error, never silently ignored."""
    from ..tools import optimize
    chosen = optimize.resolve_method(method, n)
    wrong = optimize.misplaced_settings(chosen, given)
    if wrong:
        raise click.UsageError(optimize.misplaced_message(
            wrong[0], method, chosen, n, spell=lambda name: "--" + name.replace("_", "-")))


def _progress(output_format):
    """A live display only for people: table output on a terminal."""
    if resolve_format(output_format) != "table" or not sys.stderr.isatty():
        return None
    from .render import Progress
    return Progress()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _exit_for(result, file_errors=()):
    """The run's status (a file that could not be written makes it 1), its
    diagnostics on stderr."""
    ctx = click.get_current_context()
    status = ExitStatus.OK
    if result.reason == "interrupted":
        say(f"interrupted after iteration {result.iterations}")
        status = ExitStatus.INTERRUPTED
    elif result.diverged:
        detail = f": {result.error}" if result.error is not None else ""
        say(f"error: {result.message} after iteration {result.iterations}{detail}")
        status = ExitStatus.DIVERGED
    elif not result.converged:
        say(f"warning: not converged: {result.message} "
            f"(|grad| = {result.gradient_norm:.3g})")
        status = ExitStatus.NOT_CONVERGED
    for error in file_errors:
        _report(ctx, error)
        status = ExitStatus.ERROR
    if status != ExitStatus.OK:
        ctx.exit(status)


# --- explain and graph -----------------------------------------------------------------


@cli.command(cls=ExpressionCommand)
@expression_input
@point_option
@output_name_option
@click.option("--mode", type=click.Choice(("reverse", "forward")), default="reverse",
              show_default=True, help="reverse: the backward pass of adjoints; forward: "
                                      "the tangent pass along --wrt.")
@click.option("--wrt", metavar="NAME", help="Forward mode: the input whose tangent is "
                                            "pushed through.")
@click.option("--max-rows", type=click.IntRange(1), default=200, show_default=True,
              help="Most nodes listed per table (JSON lists all).")
@output_options
def explain(expr, expr_file, exprs, variables, at, output_name, mode, wrt, max_rows,
            output_format, precision):
    """How reverse (or forward) mode computes the gradient, step by step.

    Four parts: the graph in evaluation order; the forward pass (every
    value); the local partials of each node, as formulas and numbers; the
    backward pass (every adjoint as the sum of its contributions). Then, per
    input, the chain rule: each path to the output with the product of the
    local partials along it, and their sum, the gradient component.

    \b
    Examples:
      adcli explain "3*(x1**2+x2*x3)" --at 2,3,4
      adcli explain "3*(x1**2+x2*x3)" --at 2,3,4 --mode forward --wrt x1
      adcli explain "3*(x1**2+x2*x3)" --at 2,3,4 --format json
    """
    from ..tools.explain import explain as explaining

    graph = load_graph(expr, expr_file, exprs, variables)
    result = explaining(graph, require_point(graph, at), output=output_name, mode=mode,
                        wrt=wrt)
    present(output_format, precision, "explain", result, max_rows=max_rows)


GRAPH_FORMATS = ("dot", "mermaid", "json", "svg", "png")


@cli.command("graph", cls=ExpressionCommand)
@expression_input
@point_option
@output_name_option
@click.option("--format", "output_format", type=click.Choice(GRAPH_FORMATS), default="dot",
              show_default=True, help="svg and png need Graphviz's dot on the PATH.")
@click.option("--max-nodes", type=click.IntRange(2), default=300, show_default=True,
              help="Larger graphs keep the inputs and the last nodes, and say how many "
                   "were collapsed.")
def graph_command(expr, expr_file, exprs, variables, at, output_name, output_format,
                  max_nodes):
    """The computational graph with each node's operation, value and
    adjoint, edges labelled with the local partials.

    \b
    Examples:
      adcli graph "3*(x1**2+x2*x3)" --at 2,3,4 --format dot | dot -Tsvg > f.svg
      adcli graph -f examples/two_link_arm.adx --at 0.3,1.1 --output px --format mermaid
      adcli graph "3*(x1**2+x2*x3)" --at 2,3,4 --format json
    """
    from . import export
    from ..tools.explain import explain as explaining

    graph = load_graph(expr, expr_file, exprs, variables)
    result = explaining(graph, require_point(graph, at), output=output_name)
    if output_format == "mermaid":
        emit(export.to_mermaid(result, max_nodes))
    elif output_format == "json":
        emit(export.to_json(result, max_nodes))
    else:
        dot = export.to_dot(result, max_nodes)
        if output_format == "dot":
            emit(dot)
        else:
            try:
                image = export.render_with_dot(dot, output_format)
            except AdcliError as error:
                raise click.UsageError(str(error)) from None
            with _writing_stdout(), click.open_file("-", "wb") as stdout:
                stdout.write(image)
                stdout.flush()


# --- compare -------------------------------------------------------------------------


@cli.command(cls=ExpressionCommand)
@expression_input
@point_option
@output_name_option
@click.option("--sweep", is_flag=True,
              help="Instead: the finite-difference error against the step, 1e-1 to "
                   "1e-15, forward and central, for each variable.")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="With --sweep: draw it to FILE.png or .svg (pip install 'adcli[plot]').")
@output_options
def compare(expr, expr_file, exprs, variables, at, output_name, sweep, plot_file,
            output_format, precision):
    """The gradient four ways: reverse and forward AD, central finite
    differences and the complex step, side by side.

    Differences are against reverse mode; the cost column says how many
    passes or evaluations of f each needed.  The complex step needs analytic
    functions; when an op on the path is not (abs, max, ...), it says which.

    \b
    Examples:
      adcli compare "3*(x1**2+x2*x3)" --at 2,3,4
      adcli compare "x1**2*sin(x2)" --at 2,3 --sweep
      adcli compare "x1**2*sin(x2)" --at 2,3 --sweep --plot sweep.png
    """
    from ..tools import compare as comparing
    graph = load_graph(expr, expr_file, exprs, variables)
    at = require_point(graph, at)
    if plot_file and not sweep:
        raise click.UsageError("--plot draws the sweep: add --sweep")
    if not sweep:
        present(output_format, precision, "compare",
                comparing.compare(graph, at, output=output_name))
        return
    if plot_file:
        try:
            artifacts.require_matplotlib(plot_file)
        except AdcliError as error:
            raise click.UsageError(str(error)) from None
    result = comparing.sweep(graph, at, output=output_name)
    present(output_format, precision, "sweep", result)
    if plot_file:  # after the result: a plot that cannot be written is exit 1, the result kept
        artifacts.plot_sweep(plot_file, result)


# --- check -------------------------------------------------------------------------

CHECK_FORMATS = ("table", "plain", "json", "csv", "junit", "github", "tap")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True),
                metavar="FILE|DIR...")
@click.option("--seed", type=click.IntRange(0, 2 ** 53), default=0, show_default=True,
              help="Seed of the random points of 'over' checks (reproducible), as a "
                   "file's seed N: 0 to 2**53.")
@click.option("--format", "output_format", type=click.Choice(CHECK_FORMATS),
              help="table on a terminal, plain when piped; junit XML, github "
                   "annotations, tap, json, csv.")
def check(paths, seed, output_format):
    """Run the checks written in expression files; exit 0 only if all hold.

    Directories are searched for *.adx files.  A file without check
    statements gets the default check: it parses, evaluates at a sampled
    point, and its AD gradient agrees with finite differences there.
    Exit codes: 0 every check holds, 6 a check fails, 2 a file does not
    parse (or a usage error).

    \b
    Examples:
      adcli check models/*.adx
      adcli check examples/ --format github
      adcli check models/*.adx --format junit > report.xml
    """
    from ..tools import checks
    report = []
    for path in _check_files(paths):
        try:
            report.append((path, checks.check_text(read_text(path), seed), None))
        except ExpressionError as error:
            error.filename = path
            report.append((path, [], error))
    output_format = output_format or ("table" if sys.stdout.isatty() else "plain")
    present(output_format, None, "check", report)
    if output_format in ("junit", "json", "csv"):  # the summary stays off their stdout
        from .formats import check_summary
        say(check_summary(report))
    if any(error is not None for _, _, error in report):
        click.get_current_context().exit(ExitStatus.USAGE)
    if any(not o.passed for _, outcomes, _ in report for o in outcomes):
        click.get_current_context().exit(ExitStatus.CHECK_FAILED)


def _check_files(paths):
    """Files as given; directories give their *.adx files, sorted."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            for folder, _, names in sorted(os.walk(path)):
                found += sorted(os.path.join(folder, n) for n in names if n.endswith(".adx"))
        else:
            found.append(path)
    if not found:
        raise click.UsageError("no .adx files found in " + ", ".join(paths))
    return found


class _Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the program is, so that on the way out
    files are closed and temporaries removed, as for Ctrl-C."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


_TERMINATING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


def _terminate(signum, frame):
    for ending in _TERMINATING:
        signal.signal(ending, signal.SIG_IGN)  # one is enough: the rest would cut the cleanup
    raise _Terminated(signum)


def main():
    """Console-script entry point: also the exit for SIGTERM and SIGHUP, a
    stdout that fails at the last flush, and the last-resort internal error."""
    for signum in _TERMINATING:
        signal.signal(signum, _terminate)
    try:
        cli.main(prog_name="adcli")
    except SystemExit as done:
        status = done.code
    except _Terminated as stop:
        status = 128 + stop.signum
    except Exception as error:  # noqa: BLE001 - last resort: a message, not a traceback
        if os.environ.get("ADCLI_DEBUG"):
            raise
        say(f"internal error: {type(error).__name__}: {error}\n"
            "this is a bug in adcli; rerun with ADCLI_DEBUG=1 for details")
        status = ExitStatus.ERROR
    sys.exit(_flushed(status))


def _flushed(status):
    """status, unless what is left in stdout cannot be written."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return ExitStatus.BROKEN_PIPE
    except OSError as error:
        _silence_stdout()
        with contextlib.suppress(OSError):
            say(f"error: {files.cannot_write('standard output', error)}")
        return ExitStatus.ERROR
    return status
