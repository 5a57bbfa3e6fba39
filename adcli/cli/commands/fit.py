"""fit: a model fitted to the columns of a data file by nonlinear least
squares with the exact Jacobian; the result printed however the run ended,
and an exit code saying how it ended."""
import contextlib
import os
import sys

import click

from ... import files
from ...errors import AdcliError, PointError
from ..app import ExitStatus, cli, finish
from ..inputs import display_name, read_text
from ..options import ExpressionCommand, output_name_option, output_options, point_parameter
from ..streams import say


@cli.command("fit", cls=ExpressionCommand)
@click.argument("model", required=False, metavar="MODEL")
@click.option("-f", "--file", "model_file", type=click.Path(exists=True, dir_okay=False,
                                                             allow_dash=True),
              help="Read the model (an expression or a program) from a file.")
@click.option("--data", "data_file", required=True, metavar="FILE",
              help="The data: CSV with a header row naming the columns (separated by "
                   "',', or ';' or a tab as the header row does), JSON {\"column\": "
                   "[numbers]}, or a structured .npy array; '-' reads stdin (any of them).")
@point_parameter("--from", "start", metavar="POINT",
                 help="The parameters' starting values, by name: b1=500,b2=1e-4.")
@click.option("--y", "response", default="y", show_default=True, metavar="COLUMN",
              help="The response column (or write RESPONSE ~ MODEL in the model).")
@click.option("--sigma", metavar="COLUMN",
              help="A column of standard deviations: each residual is divided by it.")
@click.option("--x", "predictor", metavar="COLUMN",
              help="The predictor's column: the x axis of --plot (default: the one data "
                   "column the model uses).")
@point_parameter("--fix", "fix", metavar="POINT",
                 help="Parameters held at these values: b3=0.5.")
@click.option("--bounds", "bounds", multiple=True, metavar="NAME=LOW:HIGH",
              help="Bounds on parameters, comma-separated or repeated: b2=0:inf, "
                   "b3=-1:1 (inf or an empty side: unbounded). A start lies strictly "
                   "inside; a parameter that ends on a bound is held there and named "
                   "(at_bounds).")
@output_name_option
@click.option("--ftol", type=float, help="Stop when the sum of squares changes by less than "
                                         "this, relatively [see the README].")
@click.option("--xtol", type=float, help="Stop when the parameters move by less than this, "
                                         "relatively [see the README].")
@click.option("--max-evals", type=click.IntRange(1), help="Most evaluations of the residuals.")
@click.option("--residuals", "residuals_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the data with the fitted values and residuals as CSV (complete "
                   "or untouched).")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Draw the data, the fit and the residuals against --x (or the one data "
                   "column the model uses) to FILE.png or .svg, or the residuals against "
                   "the fitted values; needs pip install 'adcli[plot]'.")
@output_options
def fit_command(model, model_file, data_file, start, response, sigma, predictor, fix, bounds,
                output_name, ftol, xtol, max_evals, residuals_file, plot_file, output_format,
                precision):
    """Fit MODEL to the columns of a data file by nonlinear least squares.

    The model's names that are columns of the data are data; the others are
    parameters, each started from --from. Levenberg-Marquardt (MINPACK's
    lmder) with the exact Jacobian by AD; standard errors, 95% intervals and
    correlations from the Jacobian at the solution.

    Exit codes: 0 converged; 4 not converged (a limit, or stalled); 3 a
    residual or derivative not finite (the node and the row are named); 2
    bad input (a data file's faults by line, row and column).

    \b
    Examples:
      adcli fit "b1*(1-exp(-b2*x))" --data misra1a.csv --from b1=500,b2=1e-4
      adcli fit "a*exp(-t/tau) + c" --data decay.csv --y counts --sigma err --from a=100,tau=5,c=1
      adcli fit "log(y) ~ b1 - b2*x1*exp(-b3*x2)" --data nelson.csv --from b1=2,b2=0.0001,b3=-0.01
      adcli fit "b1*(1-exp(-b2*x))" --data misra1a.csv --from b1=500,b2=1e-4 --bounds b2=0:inf
      adcli fit -f model.adx --data runs.csv --from k=1 --format json | jq .params
    """
    import adcli

    text, base = _model_text(model, model_file)
    if plot_file:
        from .. import artifacts
        try:
            artifacts.require_matplotlib(plot_file)
        except AdcliError as error:
            raise click.UsageError(str(error)) from None
    if data_file == "-" and model_file == "-":
        raise click.UsageError("the model (-f -) and the data (--data -) cannot both come "
                               "from stdin")
    data = read_data(data_file)
    for what, column in (("--sigma", sigma), ("--x", predictor)):
        if column is not None and column not in data:
            raise PointError(f"{what} {column}: no such column (columns: {', '.join(data)})")
    progress = _progress(output_format)
    with progress if progress is not None else contextlib.nullcontext():
        result = adcli.fit(text, data, dict(start or {}), response=response, sigma=sigma,
                           fix=dict(fix or {}), bounds=parse_bounds(bounds),
                           output=output_name, base=base, ftol=ftol, xtol=xtol,
                           max_evals=max_evals,
                           callback=None if progress is None else progress.update)
    from ..views import fit as view
    view.show(result, output_format, precision)
    errors = []
    if residuals_file:
        try:
            write_residuals(residuals_file, data, result)
        except files.FileError as error:
            errors.append(error)
    if plot_file:  # after the result, which a failing plot cannot lose
        from .. import artifacts
        try:
            artifacts.plot_fit(plot_file, result, data, predictor or _one_predictor(result, data))
        except files.FileError as error:
            errors.append(error)
    _exit_for(result, errors)


def _one_predictor(result, data):
    """The one data column the model uses besides the response, if one."""
    used = [name for name in result.data_columns if name in data]
    return used[0] if len(used) == 1 else None


def parse_bounds(options):
    """{name: (low, high)} from NAME=LOW:HIGH items (inf, -inf or nothing
    for an open side)."""
    from ...points import number

    bounds = {}
    for item in (part.strip() for option in options for part in option.split(",")):
        if not item:
            continue
        name, equals, interval = item.partition("=")
        low, colon, high = interval.partition(":")
        if not equals or not colon or not name.strip().isidentifier():
            raise click.BadParameter(f"{item!r}: write NAME=LOW:HIGH, e.g. b2=0:inf",
                                     param_hint="--bounds")
        sides = []
        for text, infinite in ((low, -float("inf")), (high, float("inf"))):
            text = text.strip()
            sides.append(infinite if text in ("", "inf", "+inf", "-inf") and
                         (text != "-inf" or infinite < 0) else number(text, "a bound"))
        bounds[name.strip()] = tuple(sides)
    return bounds


def _progress(output_format):
    """A live line (iteration, sum of squares, evaluations) only for people:
    table output on a terminal."""
    from ..views.common import resolve_format
    if resolve_format(output_format) != "table" or not sys.stderr.isatty():
        return None
    from ..views.terminal import Progress
    return Progress(lambda info: f"iteration {info['iteration']}  sum of squares = "
                                 f"{info['cost']:.10g}  evaluations {info['evaluations']}")


def _model_text(model, model_file):
    if (model is None) == (model_file is None):
        raise click.UsageError("give the model once: as MODEL or with -f FILE")
    if model_file is None:
        return model, None
    ctx = click.get_current_context()
    if model_file != "-":
        ctx.meta["adcli.filename"] = model_file
    base = None if model_file == "-" else os.path.dirname(os.path.abspath(model_file))
    return read_text(model_file), base


def read_data(path):
    """column name -> float64 array, from the data file at path ('-' for
    stdin), told by its contents (numpy's magic: .npy; { or [: JSON; else
    CSV) or by a name ending in .npy or .json."""
    from ...points import NPY_MAGIC, read_data_columns

    name = display_name(path)
    data = _read_bytes(path, name)
    suffix = os.path.splitext(path)[1].lower()
    if data.startswith(NPY_MAGIC) or suffix == ".npy":
        kind = "npy"
    elif suffix == ".json" or data.lstrip(b" \t\r\n\xef\xbb\xbf")[:1] in (b"{", b"["):
        kind = "json"
    else:
        kind = "csv"
    return read_data_columns(data, name, kind)


def _read_bytes(path, name):
    """The bytes of the data file (a pipe or FIFO read to its end); a file
    that is missing or cannot be read is bad input (exit 2), as for -f."""
    if path == "-":
        if sys.stdin is None:  # started with stdin closed (<&-)
            raise PointError("--data -: stdin is closed")
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except IsADirectoryError:
        raise PointError(f"--data {name}: a directory, not a data file") from None
    except OSError as error:
        raise PointError(f"--data {name}: cannot read it: {error.strerror or error}") from None


def write_residuals(path, data, result):
    """The data's columns, then fitted and residual, one row per observation."""
    output = files.OutputFile(path)
    try:
        names = list(data) + [_unused_name(word, data) for word in ("fitted", "residual")]
        output.write(",".join(names) + "\n")
        columns = list(data.values()) + [result.fitted, result.residuals]
        for row in zip(*columns):
            output.write(",".join(repr(float(v)) for v in row) + "\n")
    except BaseException:
        output.discard()
        raise
    output.commit()


def _unused_name(word, data):
    """word, or word_fit, word_fit2, ... when the data has a column so named."""
    name, count = word, 1
    while name in data:
        name, count = f"{word}_fit{count if count > 1 else ''}", count + 1
    return name


def _exit_for(result, file_errors=()):
    status = ExitStatus.OK
    if result.deficient:
        which = "its standard error is" if len(result.deficient) == 1 else \
            "their standard errors are"
        say(f"warning: the Jacobian is rank-deficient in {', '.join(result.deficient)}: "
            f"{which} not determined by the data")
    if result.at_bounds:
        say(f"warning: {', '.join(result.at_bounds)} ended on a bound: the fit holds it there; "
            "its standard error and interval are those of a free parameter")
    if result.reason == "nonfinite":
        say(f"error: {result.message}")
        status = ExitStatus.DIVERGED
    elif not result.converged:
        say(f"warning: not converged: {result.message}")
        status = ExitStatus.NOT_CONVERGED
    finish(status, file_errors)
