"""grad, jacobian, hessian, jvp, vjp and eval: each converts its arguments,
calls one function of the core, and prints the result through its view."""
import click

from ..app import cli
from ..inputs import load_graph, read_batch, require_point
from ..options import (ExpressionCommand, array_options, expression_input, full_option,
                       mode_options, nonfinite_option, output_name_option, output_options,
                       point_option, point_parameter, points_option)
from ..streams import say


@cli.command("grad", cls=ExpressionCommand)
@expression_input
@point_option
@points_option
@output_name_option
@click.option("--trace", is_flag=True,
              help="Also show every node: what it computes, value, local partials, adjoint.")
@mode_options
@array_options
@nonfinite_option
@output_options
def grad_command(expr, expr_file, exprs, variables, at, points_file, output_name, trace, mode,
                 explain_mode, wrt, full, allow_nonfinite, output_format, precision):
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
      adcli grad "x.T @ A @ x" --at 'x=[1,2],A=[[2,1],[1,3]]' --wrt x
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
        result = adcli.grad(graph, points=data, allow_nonfinite=allow_nonfinite)
        first = result.failed[0] if result.failed else None
        _warn_failed_rows(result.failed_rows, len(result.value), first)
        from ..views import batch
        batch.show(result, output_format, precision)
        return
    result = adcli.grad(graph, require_point(graph, at), wrt=wrt, mode=mode,
                        allow_nonfinite=allow_nonfinite)
    if explain_mode:
        say(result.mode.explain())
    if is_array_result(result):
        if trace:
            raise click.UsageError("--trace shows scalar tapes; for arrays use adcli explain")
        from ..views import array_gradient
        array_gradient.show(result, output_format, precision, full=full)
        return
    from ..views import gradient
    gradient.show(result, output_format, precision, with_trace=trace)


def is_array_result(result):
    return type(result).__module__ == "adcli.array_results"


def _warn_failed_rows(failed_rows, count, first_error=None):
    """With --allow-nonfinite, failing points are kept, and said on stderr."""
    if failed_rows:
        detail = (f"; first: row {first_error.row + 1}: {first_error.message}"
                  if first_error is not None else f"; first: row {failed_rows[0] + 1}")
        say(f"warning: {len(failed_rows)} of {count} points have non-finite "
            f"values or derivatives{detail}")


@cli.command("jacobian", cls=ExpressionCommand)
@expression_input
@point_option
@points_option
@mode_options
@click.option("--sparsity", is_flag=True,
              help="Print the structural pattern (which outputs depend on which "
                   "variables), read from the graph, instead of the numbers.")
@array_options
@nonfinite_option
@output_options
def jacobian_command(expr, expr_file, exprs, variables, at, points_file, mode, explain_mode,
                     sparsity, wrt, full, allow_nonfinite, output_format, precision):
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
      adcli jacobian "softmax(x)" --at 'x=[1,2,3]'            # 3 x 3
    """
    import adcli

    graph = load_graph(expr, expr_file, exprs, variables, points_file)
    batch = points_file is not None
    if batch:
        result = adcli.jacobian(graph, points=read_batch(graph, points_file, at), mode=mode,
                                allow_nonfinite=allow_nonfinite)
    else:
        result = adcli.jacobian(graph, require_point(graph, at), wrt=wrt, mode=mode,
                                allow_nonfinite=allow_nonfinite)
    if explain_mode:
        say(result.mode.explain())
    if is_array_result(result):
        if sparsity:
            raise click.UsageError("--sparsity reads scalar graphs; drop it for arrays")
        from ..views import array_jacobian
        array_jacobian.show(result, output_format, precision, full=full)
    elif batch:
        _warn_failed_rows(result.failed_rows, len(result.values), result.first_error)
        from ..views import batch_jacobian
        batch_jacobian.show(result, output_format, precision, sparsity=sparsity)
    else:
        from ..views import jacobian
        jacobian.show(result, output_format, precision, sparsity=sparsity)


@cli.command("hessian", cls=ExpressionCommand)
@expression_input
@point_option
@output_name_option
@click.option("--sparsity", is_flag=True,
              help="Print the structural pattern (each variable's nonzero columns, "
                   "read from the graph) and its colouring instead of the numbers.")
@array_options
@nonfinite_option
@output_options
def hessian_command(expr, expr_file, exprs, variables, at, output_name, sparsity, wrt, full,
                    allow_nonfinite, output_format, precision):
    """Value, gradient and exact Hessian of EXPR at a point.

    Second derivatives by forward-over-reverse AD (no differencing); the
    matrix is symmetric.

    \b
    Examples:
      adcli hessian "100*(y-x**2)**2 + (1-x)**2" --at 1,1
      adcli hessian "x**y" --at 2,3 --format json
      adcli hessian -f examples/rosenbrock.txt --at -1.2,1
      adcli hessian "logsumexp(x)" --at 'x=[1,2,3]'   # 3 x 3, entries in C order
      adcli hessian "x1*x2 + x2*x3 + x3**4" --at 1,2,3 --sparsity
    """
    import adcli

    from ..views import array_hessian, hessian

    graph = load_graph(expr, expr_file, exprs, variables)
    result = adcli.hessian(graph, require_point(graph, at), wrt=wrt, output=output_name,
                           allow_nonfinite=allow_nonfinite)
    if is_array_result(result):
        if sparsity:
            raise click.UsageError("--sparsity reads scalar graphs; drop it for arrays")
        array_hessian.show(result, output_format, precision, full=full)
    else:
        hessian.show(result, output_format, precision, sparsity=sparsity)


def _product_command(kind):
    """jvp and vjp share everything but the direction's meaning."""

    @expression_input
    @point_option
    @point_parameter("--dir", "direction", required=True, metavar="VECTOR",
                     help="The vector: one value per variable (jvp) or per output (vjp), "
                          "positional or by name.")
    @array_options
    @nonfinite_option
    @output_options
    def command(expr, expr_file, exprs, variables, at, direction, wrt, full, allow_nonfinite,
                output_format, precision):
        import adcli

        from ..views import array_product, product

        graph = load_graph(expr, expr_file, exprs, variables)
        compute = getattr(adcli, kind)
        result = compute(graph, require_point(graph, at), direction, wrt=wrt,
                         allow_nonfinite=allow_nonfinite)
        if is_array_result(result):
            array_product.show(result, output_format, precision, full=full)
        else:
            product.show(result, output_format, precision, kind=kind)

    return command


jvp_command = cli.command(
    "jvp", cls=ExpressionCommand,
    help="""Jacobian-vector product J·v by one forward-mode pass.

    v has one entry per variable (--dir).

    \b
    Examples:
      adcli jvp "x*y; x+y" --at 1,2 --dir 1,0
      adcli jvp "x*y; x+y" --at 1,2 --dir x=0,y=1 --format json
    """)(_product_command("jvp"))

vjp_command = cli.command(
    "vjp", cls=ExpressionCommand,
    help="""Vector-Jacobian product uᵀ·J by one reverse-mode pass.

    u has one entry per output (--dir).

    \b
    Examples:
      adcli vjp "x*y; x+y" --at 1,2 --dir 1,0
      adcli vjp "x*y; x+y" --at 1,2 --dir f1=0,f2=1 --format json
    """)(_product_command("vjp"))


hvp_command = cli.command(
    "hvp", cls=ExpressionCommand,
    help="""Hessian-vector product H·v by one forward-over-reverse pass.

    H is the Hessian of one scalar output; v has one entry per variable (of
    its shape: --dir 'x=[1,0,0]'); the n x n Hessian is never formed.

    \b
    Examples:
      adcli hvp "100*(y-x**2)**2 + (1-x)**2" --at 1,1 --dir 1,0
      adcli hvp "logsumexp(x)" --at 'x=[1,2,3]' --dir 'x=[1,0,0]' --format json
    """)(_product_command("hvp"))


@cli.command("eval", cls=ExpressionCommand)
@expression_input
@point_option
@full_option
@nonfinite_option
@output_options
def eval_command(expr, expr_file, exprs, variables, at, full, allow_nonfinite, output_format,
                 precision):
    """Values of every output at a point (no derivatives).

    \b
    Examples:
      adcli eval "x*y; x+y" --at 1,2
      adcli eval -f examples/two_link_arm.adx --at t1=0.3,t2=1.1 --format json
      adcli eval "A @ x" --at 'A=[[1,2],[3,4]],x=[1,1]'
    """
    import adcli

    from ...points import resolve
    from ..views import values as view

    graph = load_graph(expr, expr_file, exprs, variables)
    at = require_point(graph, at)
    values = adcli.values(graph, at, allow_nonfinite=allow_nonfinite)
    if is_array_result(values):
        from ..views import array_values
        array_values.show(values, output_format, precision, full=full)
        return
    point = dict(zip(graph.variables, resolve(graph.variables, at)))
    view.show(values, point, output_format, precision)
