"""compare: the gradient four ways, or with --sweep the finite-difference
error against the step (and its plot)."""
import click

from ...errors import AdcliError
from .. import artifacts
from ..app import cli
from ..inputs import load_graph, require_point
from ..options import (ExpressionCommand, NamesType, expression_input, output_name_option,
                       output_options, point_option)


@cli.command("compare", cls=ExpressionCommand)
@expression_input
@point_option
@output_name_option
@click.option("--sweep", is_flag=True,
              help="Instead: the finite-difference error against the step, 1e-1 to "
                   "1e-15, forward and central, for each variable.")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="With --sweep: draw it to FILE.png or .svg (pip install 'adcli[plot]').")
@click.option("--wrt", "wrt", type=NamesType(), metavar="NAMES",
              help="Arrays: compare the derivatives with respect to these variables only "
                   "(comma-separated); the others are data [default: all].")
@output_options
def compare_command(expr, expr_file, exprs, variables, at, output_name, sweep, plot_file, wrt,
                    output_format, precision):
    """The gradient four ways: reverse and forward AD, central finite
    differences and the complex step, side by side.

    Differences are against reverse mode; the cost column says how many
    passes or evaluations of f each needed.  The complex step needs analytic
    functions; when an op on the path is not (abs, max, ...), it says which.
    On arrays, entry by entry (a large gradient at evenly spaced entries).

    \b
    Examples:
      adcli compare "3*(x1**2+x2*x3)" --at 2,3,4
      adcli compare "sum((A @ x - b)**2)" --at 'A=[[1,2],[3,4]],x=[1,1],b=[0,1]' --wrt x
      adcli compare "x1**2*sin(x2)" --at 2,3 --sweep
      adcli compare "x1**2*sin(x2)" --at 2,3 --sweep --plot sweep.png
    """
    from ...tools.compare import compare, sweep as sweeping
    from ..views import compare as view

    graph = load_graph(expr, expr_file, exprs, variables)
    at = require_point(graph, at)
    if plot_file and not sweep:
        raise click.UsageError("--plot draws the sweep: add --sweep")
    if not sweep:
        view.show(compare(graph, at, output=output_name, wrt=wrt), output_format, precision)
        return
    if plot_file:
        try:
            artifacts.require_matplotlib(plot_file)
        except AdcliError as error:
            raise click.UsageError(str(error)) from None
    result = sweeping(graph, at, output=output_name, wrt=wrt)
    view.show_sweep(result, output_format, precision)
    if plot_file:  # after the result: a plot that cannot be written is exit 1, the result kept
        artifacts.plot_sweep(plot_file, result)
