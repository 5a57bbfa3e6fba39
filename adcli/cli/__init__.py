"""The command line: the only package that imports click or rich.

main() is the console script.  It offers the arguments to the quick path
(quick.py), which answers the plainest runs of the point commands without
loading click, and hands everything else to the click group (app.cli),
which loads on first use: ``from adcli.cli import cli`` still gives it.
"""
import contextlib
import enum
import gc
import os
import signal
import sys


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
    from . import quick
    from .streams import say

    # what the imports made (modules, classes, click's options, the op table)
    # lives until the exit: collections that scan it, the one at exit
    # included, would find nothing to free
    gc.freeze()
    for signum in _TERMINATING:
        signal.signal(signum, _terminate)
    try:
        status = quick.run(sys.argv[1:])
        if status is None:  # not one of the plain runs: click reads the arguments
            from .app import cli
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
    from .. import files
    from .streams import say, silence_stdout

    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        return ExitStatus.BROKEN_PIPE
    except OSError as error:
        silence_stdout()
        with contextlib.suppress(OSError):
            say(f"error: {files.cannot_write('standard output', error)}")
        return ExitStatus.ERROR
    return status


def __getattr__(name):
    if name == "cli":  # the click group: loading it loads click
        from .app import cli
        return cli
    raise AttributeError(f"module 'adcli.cli' has no attribute {name!r}")


__all__ = ["ExitStatus", "cli", "main"]
