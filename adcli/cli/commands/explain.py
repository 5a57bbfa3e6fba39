"""explain and graph: the method made visible, as tables of the passes or
as the graph itself."""
import click

from ..app import cli
from ..inputs import load_graph, require_point
from ..options import (ExpressionCommand, expression_input, output_name_option,
                       output_options, point_option)

#: graph's formats (views.graph writes each)
GRAPH_FORMATS = ("dot", "mermaid", "json", "svg", "png")


@cli.command("explain", cls=ExpressionCommand)
@expression_input
@point_option
@output_name_option
@click.option("--mode", type=click.Choice(("reverse", "forward")), default="reverse",
              show_default=True, help="reverse: the backward pass of adjoints; forward: "
                                      "the tangent pass along --wrt.")
@click.option("--wrt", metavar="NAME", help="Forward mode: the input whose tangent is "
                                            "pushed through. On arrays: the variables "
                                            "differentiated (comma-separated; the others "
                                            "are data).")
@click.option("--max-rows", type=click.IntRange(1), default=200, show_default=True,
              help="Most nodes listed per table (JSON lists all).")
@output_options
def explain_command(expr, expr_file, exprs, variables, at, output_name, mode, wrt, max_rows,
                    output_format, precision):
    """How reverse (or forward) mode computes the gradient, step by step.

    Four parts: the graph in evaluation order; the forward pass (every
    value); the local partials of each node, as formulas and numbers; the
    backward pass (every adjoint as the sum of its contributions). Then, per
    input, the chain rule: each path to the output with the product of the
    local partials along it, and their sum, the gradient component.  On
    arrays: each node's shape, value and adjoint, and its reverse rule as a
    matrix formula (x̄ += Aᵀ·v̄4 for v4 = A @ x), then each op's rule.

    \b
    Examples:
      adcli explain "3*(x1**2+x2*x3)" --at 2,3,4
      adcli explain "3*(x1**2+x2*x3)" --at 2,3,4 --mode forward --wrt x1
      adcli explain "3*(x1**2+x2*x3)" --at 2,3,4 --format json
      adcli explain "sum((A @ x - b)**2)" --at 'A=[[1,2],[3,4]],x=[1,1],b=[0,1]' --wrt x
    """
    from ...tools.explain import explain
    from ..views import explain as view

    graph = load_graph(expr, expr_file, exprs, variables)
    result = explain(graph, require_point(graph, at), output=output_name, mode=mode, wrt=wrt)
    view.show(result, output_format, precision, max_rows=max_rows)


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
    from ...tools.explain import explain
    from ..views import graph as view

    graph = load_graph(expr, expr_file, exprs, variables)
    result = explain(graph, require_point(graph, at), output=output_name)
    view.show(result, output_format, max_nodes)

