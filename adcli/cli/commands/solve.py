"""solve: a root of the equations (the outputs of EXPR), with its live
progress line and trace file, the result printed however the run ended, and
an exit code saying how it ended."""
import contextlib
import dataclasses

import click

from .. import artifacts
from ..app import cli, report_error
from ..inputs import load_graph
from ..options import (ExpressionCommand, NamesType, expression_input, output_options,
                       point_parameter)
from ..runs import StopOnInterrupt, exit_for, file_errors, live_progress
from ..streams import say


@cli.command("solve", cls=ExpressionCommand)
@expression_input
@point_parameter("--from", "start", required=True, metavar="POINT",
                 help="The start, positional or by name; its names are the unknowns: "
                      "--from x=1,y=2 or --from 'x=zeros(50)'.")
@point_parameter("--at", "at", metavar="POINT",
                 help="Data: the values of the variables that are not unknowns, by name "
                      "(A=@A.csv,b=[1,2]).")
@click.option("--output", "outputs", type=NamesType(), metavar="NAMES",
              help="The outputs that are the equations (comma-separated) [default: all].")
@click.option("--ftol", type=float,
              help="A root when every |F_i| is at most this [default: the Newton step is "
                   "below the rounding of x].")
@click.option("--xtol", type=float, help="Stop when the step is below this, relatively "
                                         "[see the README].")
@click.option("--max-iter", type=click.IntRange(0), metavar="N", help="Most iterations.")
@click.option("--max-evals", type=click.IntRange(1), metavar="N",
              help="Most evaluations of the equations.")
@click.option("--trace-file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write every iteration (|F|, step, evaluations, x) as CSV, or JSON "
                   "lines for *.jsonl ('-' for stdout); complete or untouched.")
@output_options
def solve_command(expr, expr_file, exprs, variables, start, at, outputs, ftol, xtol, max_iter,
                  max_evals, trace_file, output_format, precision):
    """Solve the equations EXPR = 0 for the unknowns named by --from.

    Each output of EXPR (';'-separated expressions, -e, or a program's
    outputs) is an equation, each entry of an array output one equation.
    As many equations as unknowns: Powell's hybrid method (MINPACK's
    hybrj) with the exact Jacobian; more: the least-squares solution
    (Levenberg-Marquardt); fewer: an error.

    Exit codes: 0 a root; 4 stopped by a limit, or stalled where |F| is not
    zero (a local minimum of |F|); 5 a non-finite value (the node is
    named); 2 bad input. The result is printed in every case.

    \b
    Examples:
      adcli solve "cos(x) - x" --from 1
      adcli solve "x**2 + y**2 - 4; x*y - 1" --from 2,0.5
      adcli solve "x**3 - 2*x - 5" --from 2 --trace-file steps.csv
      adcli solve "A @ x - b + 0.1*x**3" --at 'A=[[4,1],[1,3]],b=[1,2]' --from 'x=zeros(2)'
      adcli solve -f examples/reach.adx --from t1=0.3,t2=1.1 --at tx=1.2,ty=0.8 --format json
    """
    import adcli

    graph = load_graph(expr, expr_file, exprs, variables)
    labels = _labels(graph, start, at, outputs)
    log = artifacts.IterationLog(trace_file, labels, COLUMNS) if trace_file else None
    finish_trace = log.close if log is not None else None
    progress = live_progress(output_format, _line)
    interrupt = StopOnInterrupt()

    def callback(info):
        if log is not None:
            log(info)
        if progress is not None:
            progress.update(info)
        return interrupt.requested

    try:
        with interrupt, progress if progress is not None else contextlib.nullcontext():
            result = adcli.solve(graph, start, at=at, variables=variables, outputs=outputs,
                                 ftol=ftol, xtol=xtol, max_iter=max_iter, max_evals=max_evals,
                                 callback=callback)
    except BaseException:  # the iterations done are kept, whatever ended the run
        for error in file_errors(finish_trace):
            report_error(click.get_current_context(), error)
        raise
    errors = file_errors(finish_trace)
    if result.reason == "interrupted":
        result = dataclasses.replace(result, message="interrupted (Ctrl-C): the point reached")
    from ..views import solve as view
    view.show(result, output_format, precision)
    _exit_for(result, errors)


#: the trace file's columns: (column, attribute of tools.solve.SolveIteration)
COLUMNS = (("residual_norm", "residual_norm"), ("step", "step"),
           ("evaluations", "evaluations"), ("jacobian_evaluations", "jacobian_evaluations"))


def _line(info):
    return (f"iteration {info.iteration}  |F| = {info.residual_norm:.6g}  "
            f"evaluations {info.evaluations}, Jacobians {info.jacobian_evaluations}")


def _labels(graph, start, at, outputs):
    """The label of each unknown entry (x, x[0], A[0,1]), in the order of x."""
    from ...tools.solve import EquationSystem

    if outputs is not None:
        graph = graph.focus(list(outputs))
    return EquationSystem(graph, start, at).unknowns.labels()


def _exit_for(result, errors=()):
    for warning in result.warnings:
        say(f"warning: {warning}")
    exit_for(result, errors, f"|F| = {result.residual_norm:.3g}")
