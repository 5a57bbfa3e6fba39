"""The command group: the core's errors mapped to the exit codes (a clear
message, never a traceback).  The commands (adcli.cli.commands) register on
the group, each module when one of its commands is first asked for.  The
console-script entry point, adcli.cli.main, runs the group for every
invocation the quick path (quick.py) leaves to it."""
import contextlib

import click

from .. import __version__
from ..errors import AdcliError, DomainError, ExpressionError, PointError, visible
from . import ExitStatus, commands, main  # noqa: F401 (ExitStatus, main: re-exported)
from .streams import say, silence_stdout


class AdcliGroup(click.Group):
    """Maps the core's errors to exit codes, with a clear message, never a
    traceback; imports a command's module only when the command is asked for
    (click's lazy group: a run of grad never loads minimize or fit)."""

    def list_commands(self, ctx):
        return sorted(commands.MODULE_OF)

    def get_command(self, ctx, cmd_name):
        if cmd_name not in self.commands:
            if cmd_name in commands.MODULE_OF:
                commands.load(cmd_name)
            else:  # no such command: click's message suggests the close names of them all
                commands.load_all()
        return super().get_command(ctx, cmd_name)

    def make_context(self, *args, **kwargs):
        with _visible_usage_errors(), _system_errors():  # adcli --help | head
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        try:
            with _visible_usage_errors(), _system_errors():
                return super().invoke(ctx)
        except DomainError as error:
            report_error(ctx, error, None if error.hint else
                         "hint: --allow-nonfinite prints nan/inf instead of failing")
            ctx.exit(ExitStatus.DOMAIN)
        except ExpressionError as error:
            report_error(ctx, error)
            ctx.exit(ExitStatus.USAGE)
        except AdcliError as error:
            report_error(ctx, error)
            ctx.exit(ExitStatus.ERROR)
        except KeyboardInterrupt:
            say("interrupted")
            ctx.exit(ExitStatus.INTERRUPTED)


def finish(status, file_errors=()):
    """Exit with status, or 1 when an output file could not be written (each
    reported on stderr, after the result)."""
    ctx = click.get_current_context()
    for error in file_errors:
        report_error(ctx, error)
        status = ExitStatus.ERROR
    if status != ExitStatus.OK:
        ctx.exit(status)


def report_error(ctx, error, extra=None):
    """The error on stderr, then the extra line (a hint) if any."""
    # errors of a file's text say file:line:column; a point's text is not the file's
    if error.filename is None and not isinstance(error, PointError):
        error.filename = ctx.meta.get("adcli.filename")
    say(f"error: {error}")
    if extra:
        say(extra)


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
        silence_stdout()
        raise click.exceptions.Exit(ExitStatus.BROKEN_PIPE) from None
    except OSError as error:
        if error.filename is None:  # a stream, most likely stdout: keep exit from failing too
            silence_stdout()
        where = f"{error.filename}: " if error.filename else ""
        say(f"error: {where}{error.strerror or error}")
        raise click.exceptions.Exit(ExitStatus.ERROR) from None


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
      adcli minimize "100*(y-x**2)**2 + (1-x)**2" --from -1.2,1
      adcli solve "x**2 + y**2 - 4; x*y - 1" --from 2,0.5
      adcli fit "a*exp(-t/tau) + c" --data decay.csv --y counts --from a=100,tau=5,c=1

    Run `adcli COMMAND --help` for a command's options.  Exit codes: 0 ok,
    1 a file cannot be written, or an internal error, 2 bad input
    (expression, point, option), 3 a value or derivative is not finite,
    4 minimize, fit or solve did not converge, 5 a run diverged or met a
    non-finite value, 6 a check failed, 130 interrupted, 141 stdout closed
    early (| head).
    """
