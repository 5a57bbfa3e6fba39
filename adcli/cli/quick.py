"""The quick path: the plainest runs of the point commands, before click loads.

    adcli grad|eval|jacobian|hessian EXPR --at POINT [--format json|plain|csv] [--precision N]

At one point the work takes a millisecond; importing click takes tens.  run()
reads such arguments itself and then calls what the click commands call
(adcli/cli/commands/derivatives.py): PointType's readers for --at
(parse_point_text, merge_points), inputs.load_graph and require_point, the
core function with the commands' arguments, and the view's json, plain or csv
form.  Everything else goes to click unchanged, before anything is written:
any other option, --help, '--', '-', an EXPR starting with '-', a table for
the terminal, an array point or graph, a stdout that is not UTF-8 text, and
every error (click then reads the arguments again and says what is wrong, in
its words and with its exit code).  ADCLI_NO_QUICK=1 sends every run to click
(tests/cli/test_quick.py compares both paths on a corpus of arguments).
"""
import codecs
import os
import sys

from ..errors import AdcliError
from . import ExitStatus

#: the options this path reads, each given as --name VALUE or --name=VALUE
_OPTIONS = ("--at", "--format", "--precision")
#: the formats it writes (a table needs rich: click's commands print it)
_FORMATS = ("json", "plain", "csv")
#: --precision's range (options.output_options: click.IntRange(1, 17))
_PRECISIONS = range(1, 18)
#: in a --at value, what may start an array, a file or a call (PointType's
#: _ARRAY_VALUE finds these; any of them leaves the point to click)
_ARRAY_MARKS = "[@("


def run(args):
    """The exit status of adcli with these arguments when this path answers
    them (the result written on stdout); None when click must."""
    if os.environ.get("ADCLI_NO_QUICK") or "_ADCLI_COMPLETE" in os.environ:
        return None
    invocation = _plain_invocation(args)
    if invocation is None or not _plain_stdout(invocation["output_format"]):
        return None
    try:
        try:
            text = _output(**invocation)
        except AdcliError:  # a bad expression or point, a non-finite result: click says it
            return None
        return None if text is None else _written(text)
    except KeyboardInterrupt:  # Ctrl-C, as AdcliGroup.invoke answers it
        return _said("interrupted", ExitStatus.INTERRUPTED)


def _plain_invocation(args):
    """The keywords of _output (command, expr, at: the --at texts,
    output_format, precision) for arguments this path reads, else None."""
    if not args or args[0] not in _COMMANDS:
        return None
    found = {name: [] for name in _OPTIONS}
    exprs = []
    rest = iter(args[1:])
    for arg in rest:
        if not arg.startswith("-"):
            exprs.append(arg)
            continue
        name, equals, value = arg.partition("=")
        if name not in found:
            return None
        if not equals:
            value = next(rest, None)
            if value is None:  # an option without its value
                return None
        found[name].append(value)
    if len(exprs) != 1 or not found["--at"] or len(found["--format"]) > 1 \
            or len(found["--precision"]) > 1:
        return None
    output_format = found["--format"][0] if found["--format"] else None
    precision = found["--precision"][0] if found["--precision"] else None
    if output_format is not None and output_format not in _FORMATS:
        return None
    if precision is not None:
        if not (precision.isascii() and precision.isdigit()) \
                or int(precision) not in _PRECISIONS:
            return None
        precision = int(precision)
    if any(mark in part for part in found["--at"] for mark in _ARRAY_MARKS):
        return None
    return {"command": args[0], "expr": exprs[0], "at": found["--at"],
            "output_format": output_format, "precision": precision}


def _plain_stdout(output_format):
    """Whether stdout takes this path's output as click.echo would write it:
    a UTF-8 text stream (click rewraps an ASCII one), not a terminal unless
    a format is given (a terminal without one gets a table)."""
    stdout = sys.stdout
    encoding = getattr(stdout, "encoding", None)
    if os.name != "posix" or encoding is None or getattr(stdout, "errors", None) is None:
        return False
    try:
        if codecs.lookup(encoding).name != "utf-8":
            return False
    except LookupError:
        return False
    return output_format is not None or not stdout.isatty()


def _output(command, expr, at, output_format, precision):
    """The text the command writes on stdout; None for an array graph (its
    views load numpy: click's commands print them); AdcliError from the core."""
    from ..points import merge_points, parse_point_text
    from .inputs import load_graph, require_point
    from .views.common import dumps, resolve_format

    at = merge_points([parse_point_text(part) for part in at])
    graph = load_graph(expr, None, (), None)
    if graph.has_arrays:
        return None
    forms = _COMMANDS[command](graph, require_point(graph, at))
    output_format = resolve_format(output_format)
    if output_format == "json":  # as views.common.present
        return dumps(forms["json"]()) + "\n"
    return forms[output_format](precision)


def _grad(graph, at):
    import adcli

    from .views import gradient

    result = adcli.grad(graph, at, wrt=None, mode="auto", allow_nonfinite=False)
    return {"json": lambda: gradient.document(result, with_trace=False),
            "plain": lambda precision: gradient.plain(result, precision, with_trace=False),
            "csv": lambda precision: gradient.csv(result, precision, with_trace=False)}


def _jacobian(graph, at):
    import adcli

    from .views import jacobian

    result = adcli.jacobian(graph, at, wrt=None, mode="auto", allow_nonfinite=False)
    return {"json": lambda: jacobian.document(result, sparsity=False),
            "plain": lambda precision: jacobian.plain(result, precision, sparsity=False),
            "csv": lambda precision: jacobian.csv(result, precision, sparsity=False)}


def _hessian(graph, at):
    import adcli

    from .views import hessian

    result = adcli.hessian(graph, at, wrt=None, output=None, allow_nonfinite=False)
    return {"json": lambda: hessian.document(result, sparsity=False),
            "plain": lambda precision: hessian.plain(result, precision, sparsity=False),
            "csv": lambda precision: hessian.csv(result, precision, sparsity=False)}


def _eval(graph, at):
    import adcli

    from ..points import resolve
    from .views import values as view

    values = adcli.values(graph, at, allow_nonfinite=False)
    point = dict(zip(graph.variables, resolve(graph.variables, at)))
    return {"json": lambda: view.document(values, point),
            "plain": lambda precision: view.plain(values, precision),
            "csv": lambda precision: view.csv(values, precision)}


#: command -> (graph, point) -> its forms, as its click command computes them
_COMMANDS = {"grad": _grad, "jacobian": _jacobian, "hessian": _hessian, "eval": _eval}


def _written(text):
    """Write the text on stdout as streams.emit does (click.echo writes a
    UTF-8 text stdout as it is, and flushes); the exit status."""
    from ..errors import visible
    from .streams import silence_stdout, writing_stdout

    try:
        with writing_stdout():
            sys.stdout.write(visible(text, lines=True))
            sys.stdout.flush()
    except BrokenPipeError:  # as app._system_errors: | head
        silence_stdout()
        return ExitStatus.BROKEN_PIPE
    except AdcliError as error:  # stdout cannot be written: as AdcliGroup.invoke
        return _said(f"error: {error}", ExitStatus.ERROR)
    return ExitStatus.OK


def _said(message, status):
    from .streams import say

    say(message)
    return status
