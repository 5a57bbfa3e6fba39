"""Files a run writes (the per-iteration trace, plots), all through one
writer, OutputFile, which keeps a promise: the file is complete or untouched.

A regular file (or a new name) is written to a temporary file beside its
final target (symlinks are followed), which takes the old file's mode and
owner and is renamed into place.  A file with several hard links is instead
overwritten in place once the new contents are complete and the space for
them is reserved, so every link sees them.  Anything else (a FIFO, a device,
adcli's own stdout, '-') is streamed to as it is written: it cannot be
renamed onto.  No temporary survives: signals wait while one is made or put
in place, and any left at exit are removed.
"""
import atexit
import contextlib
import csv
import errno
import json
import math
import os
import signal
import stat
import sys
import threading

from .errors import AdcliError

#: the signals that end a run; deferred while a temporary is made or put in place
ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                       if hasattr(signal, name))
_TEMPORARIES = set()  # paths of temporaries not yet renamed or removed


class FileError(AdcliError):
    """An output file cannot be written (the CLI exits 1, after the result)."""


def cannot_write(name, error):
    return FileError(f"cannot write {name}: {error.strerror or error}")


@contextlib.contextmanager
def signals_deferred():
    """Hold SIGINT, SIGTERM and SIGHUP until the block is done (a temporary
    is made and registered, or put in place, whole), then handle them as
    usual.  Handlers, not a signal mask: another thread (rich's refresh)
    would take a masked signal, and Python runs handlers in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = {}
    for signum in ENDING_SIGNALS:
        handler = signal.getsignal(signum)
        if handler is not None:  # None: set outside Python, could not be put back
            previous[signum] = signal.signal(signum, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in caught:
            signal.raise_signal(signum)


@atexit.register
def remove_temporaries():
    """The last resort: whatever ended the run, no temporary stays behind."""
    for path in list(_TEMPORARIES):
        with contextlib.suppress(OSError):
            os.remove(path)
        _TEMPORARIES.discard(path)


class OutputFile:
    """A binary output file that is complete or untouched (see the module).

    ``write`` never raises: the first failure is kept, the temporary removed,
    and ``commit`` raises it as a FileError, so a failing file does not stop
    the computation whose result it records.  As a context manager it
    commits on success and discards on an exception (``stream`` is the file
    object, for writers such as matplotlib's).
    """

    def __init__(self, path):
        self.name = os.fspath(path)  # as given, for messages
        self.stream = self.temporary = self.error = None
        self.streamed = True  # written straight to the target, not through a temporary
        try:
            self._open()
        except OSError as error:
            self._fail(error)

    def _open(self):
        try:
            existing = None if self.name == "-" else os.stat(self.name)
        except FileNotFoundError:
            existing = None
        standard = sys.stdout if self.name == "-" else _standard_stream(existing)
        if standard is not None:
            standard.flush()
            self.stream = _Unclosed(standard.buffer)
        elif existing is not None and not stat.S_ISREG(existing.st_mode):
            self.stream = open(self.name, "wb")  # a FIFO or device: never renamed onto
        else:
            if existing is not None and not os.access(self.name, os.W_OK):
                # a rename could replace it, but a read-only file says: do not write
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), self.name)
            self.streamed = False
            self.target = os.path.realpath(self.name)
            self.existing = existing
            import tempfile  # on first use: most runs write no file (start-up time)

            with signals_deferred():
                handle, self.temporary = tempfile.mkstemp(
                    dir=os.path.dirname(self.target), prefix=".adcli-", suffix=".partial")
                _TEMPORARIES.add(self.temporary)
            self.stream = os.fdopen(handle, "wb")

    def write(self, data):
        """Write str (as UTF-8) or bytes; a stream is flushed at once."""
        if self.error is not None:
            return
        try:
            self.stream.write(data.encode("utf-8") if isinstance(data, str) else data)
            if self.streamed:
                self.stream.flush()
        except OSError as error:
            self._fail(error)

    def commit(self):
        """Put the file in place (or end the stream); FileError if it failed."""
        if self.error is None:
            try:
                with signals_deferred():
                    self._finish()
            except OSError as error:
                self._fail(error)
        if self.error is not None:
            raise self.error

    def discard(self):
        """Leave the target as it was and remove the temporary."""
        with signals_deferred():
            stream, self.stream = self.stream, None
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
            if self.temporary is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self.temporary)
                _TEMPORARIES.discard(self.temporary)
                self.temporary = None

    def __enter__(self):
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self.commit()
        elif isinstance(error, OSError):
            self._fail(error)
            raise self.error from None
        else:
            self.discard()
        return False

    def _fail(self, error):
        if self.error is None:
            self.error = cannot_write(self.name, error)
        self.discard()

    def _finish(self):
        stream, self.stream = self.stream, None
        if self.streamed:
            stream.close()
            return
        stream.flush()
        os.fsync(stream.fileno())  # a late write error shows here, not after the rename
        self._adopt_metadata(stream.fileno())
        stream.close()
        linked = self.existing is not None and self.existing.st_nlink > 1
        if linked and _overwrite_in_place(self.temporary, self.target):
            os.remove(self.temporary)
        else:
            os.replace(self.temporary, self.target)
        _TEMPORARIES.discard(self.temporary)
        self.temporary = None

    def _adopt_metadata(self, handle):
        """The old file's mode and owner (the owner where permitted), or a new
        file's usual mode (mkstemp makes it private)."""
        if self.existing is None:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(handle, 0o666 & ~umask)
            return
        with contextlib.suppress(PermissionError):
            os.fchown(handle, self.existing.st_uid, self.existing.st_gid)
        os.fchmod(handle, stat.S_IMODE(self.existing.st_mode))


def _overwrite_in_place(source, target):
    """Copy the complete ``source`` over ``target`` in place, keeping its hard
    links.  Its blocks are reserved first: if they cannot be, the target is
    left as it was (an OSError), or, where the file system cannot reserve,
    False is returned and the caller renames instead."""
    if not hasattr(os, "posix_fallocate"):  # macOS
        return False
    size = os.stat(source).st_size
    handle = os.open(target, os.O_WRONLY)
    try:
        old_size = os.fstat(handle).st_size
        if size > 0:
            try:
                os.posix_fallocate(handle, 0, size)
            except OSError as error:
                os.ftruncate(handle, old_size)  # a partial reservation may have grown it
                if error.errno in (errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                    return False
                raise
        with open(source, "rb") as contents, open(handle, "wb", closefd=False) as out:
            while chunk := contents.read(1 << 20):
                out.write(chunk)
        os.ftruncate(handle, size)
        os.fsync(handle)
        return True
    finally:
        os.close(handle)


def _standard_stream(existing):
    """sys.stdout or sys.stderr when ``existing`` (an os.stat result) is the
    file it writes to (--trace-file /dev/stdout): written through, in order
    with the rest of the output."""
    if existing is None:
        return None
    for stream in (sys.stdout, sys.stderr):
        try:
            own = os.fstat(stream.fileno())
        except (AttributeError, OSError, ValueError):
            continue
        if (own.st_dev, own.st_ino) == (existing.st_dev, existing.st_ino):
            return stream
    return None


class _Unclosed:
    """A standard stream's buffer that OutputFile writes to but never closes."""

    def __init__(self, buffer):
        self.buffer = buffer

    def write(self, data):
        return self.buffer.write(data)

    def flush(self):
        self.buffer.flush()

    def close(self):
        self.buffer.flush()

    def __getattr__(self, name):
        return getattr(self.buffer, name)


class IterationLog:
    """Writes one row per iteration (iteration, f, grad_norm, step,
    evaluations, then x): CSV, or JSON lines for a .jsonl/.json name."""

    def __init__(self, path, variables):
        self.path = path
        self.variables = list(variables)
        self.json = os.fspath(path).lower().endswith((".jsonl", ".json", ".ndjson"))
        self.file = None  # made at the first row: a run that never starts leaves nothing

    def _open(self):
        self.file = OutputFile(self.path)
        if not self.json:
            self.writer = csv.writer(self.file, lineterminator="\n")
            # x[name]: brackets keep variables named f or step apart from the columns
            self.writer.writerow(["iteration", "f", "grad_norm", "step", "evaluations"]
                                 + [f"x[{name}]" for name in self.variables])

    def __call__(self, info):
        if self.file is None:
            self._open()
        if self.json:
            row = {"iteration": info.iteration, "f": _finite(info.value),
                   "grad_norm": _finite(info.gradient_norm), "step": _finite(info.step),
                   "evaluations": info.evaluations,
                   "x": dict(zip(self.variables, map(_finite, info.x)))}
            self.file.write(json.dumps(row) + "\n")
        else:
            self.writer.writerow([info.iteration, repr(info.value), repr(info.gradient_norm),
                                  repr(info.step), info.evaluations] + [repr(v) for v in info.x])

    def close(self):
        """Put the file in place, with every row written so far; FileError if
        it could not be written (the run itself went on)."""
        if self.file is not None:
            self.file.commit()


def _finite(value):
    return value if math.isfinite(value) else None


def require_matplotlib(path=None):
    """AdcliError unless matplotlib is installed and can write path's format."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise AdcliError("--plot needs matplotlib: pip install 'adcli[plot]'") from None
    if path is not None:
        from matplotlib.figure import Figure

        extension = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
        supported = Figure().canvas.get_supported_filetypes()
        if extension not in supported:
            raise AdcliError(f"cannot plot to {os.fspath(path)!r}: name it .png, .svg, .pdf "
                             f"(supported: {', '.join(sorted(supported))})")


def plot_run(path, history, graph=None):
    """f and the gradient norm against iteration; for two variables, also the
    contour of f with the path taken.  ``history``: an optimize.History."""
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    two = graph is not None and len(graph.variables) == 2 and len(history) > 0
    figure, axes = plt.subplots(1, 2 if two else 1, figsize=(11 if two else 6, 4.5))
    curve = axes[0] if two else axes
    _convergence(curve, history)
    if two:
        _contour(axes[1], history, graph)
    save_figure(figure, path)


def save_figure(figure, path):
    """Save a matplotlib figure, complete or not at all, in the format its
    extension names."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    extension = os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or "png"
    try:
        with OutputFile(path) as target:
            try:
                figure.savefig(target.stream, format=extension)
            except ValueError as error:
                raise FileError(f"cannot plot to {path}: {error}") from None
    finally:
        plt.close(figure)


def _convergence(axis, history):
    iterations = [h.iteration for h in history]
    values = [h.value for h in history]
    low = min(values, default=0.0)
    shifted = [v - low + 1e-300 for v in values] if low <= 0 else values
    axis.semilogy(iterations, shifted, label="f" if low > 0 else "f - min f")
    axis.semilogy(iterations, [max(h.gradient_norm, 1e-300) for h in history], label="|grad|")
    axis.set_xlabel("iteration")
    axis.legend()
    axis.set_title("convergence")


def _contour(axis, history, graph):
    import numpy as np

    from . import evaluate, npspace

    xs = np.array([h.x[0] for h in history])
    ys = np.array([h.x[1] for h in history])
    pad_x = max(0.5, 0.2 * (xs.max() - xs.min()))
    pad_y = max(0.5, 0.2 * (ys.max() - ys.min()))
    grid_x, grid_y = np.meshgrid(np.linspace(xs.min() - pad_x, xs.max() + pad_x, 160),
                                 np.linspace(ys.min() - pad_y, ys.max() + pad_y, 160))
    with np.errstate(all="ignore"):
        values = evaluate.forward(graph, [grid_x.ravel(), grid_y.ravel()], npspace)
    z = np.broadcast_to(np.asarray(values[graph.output], dtype=float), grid_x.size)
    z = z.reshape(grid_x.shape)
    finite = z[np.isfinite(z)]
    if finite.size:
        levels = np.quantile(finite, np.linspace(0.0, 1.0, 25) ** 2)
        axis.contour(grid_x, grid_y, z, levels=np.unique(levels), linewidths=0.6)
    axis.plot(xs, ys, "o-", markersize=2, color="crimson")
    axis.set_xlabel(graph.variables[0])
    axis.set_ylabel(graph.variables[1])
    axis.set_title("path")
