"""What the commands that run iterations share (minimize, solve): Ctrl-C
ending a run with its result printed, a live progress line for people, and
output files finished after the result."""
import signal
import sys
import threading

from .. import files
from .app import ExitStatus, finish
from .streams import say
from .views.common import resolve_format


def file_errors(*steps):
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


class StopOnInterrupt:
    """While a run goes on: a first Ctrl-C ends it after the current
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


def live_progress(output_format, line=None):
    """A live display only for people: table output on a terminal (None
    otherwise); line(info) is its text (default: a minimize run's)."""
    if resolve_format(output_format) != "table" or not sys.stderr.isatty():
        return None
    from .views.terminal import Progress
    return Progress(line)


def exit_for(result, errors=(), measure=""):
    """Exit with the run's status (a file that could not be written makes it
    1), its diagnostics on stderr; measure: what a run that did not converge
    reached ("|grad| = 0.002")."""
    status = ExitStatus.OK
    if result.reason == "interrupted":
        say(f"interrupted after iteration {result.iterations}")
        status = ExitStatus.INTERRUPTED
    elif result.diverged:
        detail = f": {result.error}" if result.error is not None else ""
        say(f"error: {result.message} after iteration {result.iterations}{detail}")
        status = ExitStatus.DIVERGED
    elif not result.converged:
        say(f"warning: not converged: {result.message}" + (f" ({measure})" if measure else ""))
        status = ExitStatus.NOT_CONVERGED
    finish(status, errors)
