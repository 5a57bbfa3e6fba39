"""minimize: a run with its live progress line, trace file and plot, the
result printed whatever ended it, and an exit code saying how it ended."""
import contextlib
import dataclasses

import click

from ...errors import AdcliError
from .. import artifacts
from ..app import cli, report_error
from ..inputs import load_graph
from ..options import (ExpressionCommand, expression_input, output_name_option,
                       output_options, point_parameter)
from ..runs import StopOnInterrupt, exit_for, file_errors, live_progress


@cli.command("minimize", cls=ExpressionCommand)
@expression_input
@point_parameter("--from", "start", required=True, metavar="POINT",
                 help="The starting point, positional or by name (repeatable); on arrays "
                      "its names are the unknowns: --from 'x=zeros(1000)'.")
@point_parameter("--at", "at", metavar="POINT",
                 help="Data: values of the variables that are not minimized over, by name "
                      "(A=@A.csv,b=[1,2]); implies the array mode.")
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
def minimize_command(expr, expr_file, exprs, variables, start, at, output_name, method, maximize,
                     lr, line_search, momentum, beta1, beta2, memory, gtol, ftol, xtol,
                     max_iter, max_evals, trace_file, plot_file, output_format, precision):
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
      adcli minimize "sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)" --from 'x=zeros(1000)'
      adcli minimize "sum((A @ x - b)**2)" --from 'x=zeros(2)' --at 'A=[[1,2],[3,4],[5,6]],b=[1,2,3]'
    """
    import adcli

    from ...tools.optimize import History

    graph = load_graph(expr, expr_file, exprs, variables)
    arrays = _arrays(graph, start, at)
    if variables is None and isinstance(start, dict) and not arrays:
        graph = graph.declaring(start)  # --from x1=..,x5=.. declares x1 and x5
    if output_name is not None:
        graph = graph.select(output_name)
    labels = _labels(graph, start, at) if arrays else graph.variables
    _require_method_settings(method, len(labels), dict(
        lr=lr, line_search=line_search, momentum=momentum, beta1=beta1, beta2=beta2,
        memory=memory, ftol=ftol, xtol=xtol))
    if plot_file:
        try:
            artifacts.require_matplotlib(plot_file)
        except AdcliError as error:
            raise click.UsageError(str(error)) from None
    # the plot's f and |grad| (and path) only: a run keeps no Iteration records
    history = History(keep_path=len(labels) == 2) if plot_file else None
    log = artifacts.IterationLog(trace_file, labels) if trace_file else None
    finish_trace = log.close if log is not None else None
    progress = live_progress(output_format)
    interrupt = StopOnInterrupt()

    def callback(info):
        if history is not None:
            history.record(info)
        if log is not None:
            log(info)
        if progress is not None:
            progress.update(info)
        return interrupt.requested

    try:
        with interrupt, progress if progress is not None else contextlib.nullcontext():
            result = adcli.minimize(
                graph, start, at=at, variables=variables, method=method, maximize=maximize,
                gtol=gtol, ftol=ftol,
                xtol=xtol, max_iter=max_iter, max_evals=max_evals, lr=lr,
                line_search=line_search, momentum=momentum, beta1=beta1, beta2=beta2,
                memory=memory, callback=callback)
    except BaseException:  # the iterations done are kept, whatever ended the run
        for error in file_errors(finish_trace):
            report_error(click.get_current_context(), error)
        raise
    errors = file_errors(finish_trace)
    if result.reason == "callback":  # only Ctrl-C stops it so
        result = dataclasses.replace(result, reason="interrupted",
                                     message="interrupted (Ctrl-C): the point reached")
    from ..views import minimize as view
    view.show(result, output_format, precision)
    if plot_file:  # after the result, which a failing or interrupted plot cannot lose
        errors += file_errors(lambda: artifacts.plot_run(plot_file, history,
                                                              None if arrays else graph))
    _exit_for(result, errors)


def _arrays(graph, start, at):
    from ...tools.optimize import _is_array_problem
    return _is_array_problem(graph, start, at)


def _labels(graph, start, at):
    """The label of each unknown entry (x[0], A[0,1]), in the order of x."""
    from ... import array_api
    from ...array_results import flat_labels
    if not isinstance(start, dict):
        start = dict(zip(graph.variables, start))
    bound, point, wrt = array_api.bind(graph, {**(at or {}), **start}, wrt=list(start))
    shapes = {name: getattr(value, "shape", ()) for name, value in zip(bound.variables, point)}
    return flat_labels(wrt, shapes)


def _require_method_settings(method, n, given):
    """A setting of another method is a usage error, never silently ignored."""
    from ...tools import optimize
    chosen = optimize.resolve_method(method, n)
    wrong = optimize.misplaced_settings(chosen, given)
    if wrong:
        raise click.UsageError(optimize.misplaced_message(
            wrong[0], method, chosen, n, spell=lambda name: "--" + name.replace("_", "-")))


def _exit_for(result, errors=()):
    exit_for(result, errors, f"|grad| = {result.gradient_norm:.3g}")
