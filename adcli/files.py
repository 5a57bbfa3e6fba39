"""Files adcli writes, all through one writer, OutputFile, which keeps a
promise: the file is complete or untouched.

A regular file (or a new name) is written to a temporary file beside its
final target (symlinks are followed), which takes the old file's mode and
owner and is renamed into place.  A file with several hard links is instead
overwritten in place once the new contents are complete and the space for
them is reserved, so every link sees them.  Anything else (a FIFO, a device,
adcli's own stdout, '-') is streamed to as it is written: it cannot be
renamed onto.  No temporary survives: signals wait while one is made or put
in place, and any left at exit are removed.

And one rule for the text files adcli reads (decode): UTF-8, a leading
byte-order mark dropped.
"""
import atexit
import contextlib
import errno
import os
import signal
import stat
import sys
import threading

from .errors import AdcliError, InputError

#: the signals that end a run; deferred while a temporary is made or put in place
ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                       if hasattr(signal, name))
_TEMPORARIES = set()  # paths of temporaries not yet renamed or removed
BOM = b"\xef\xbb\xbf"  # spreadsheets and some editors start UTF-8 files with it


def decode(data, name):
    """bytes -> str as adcli reads every text file (cli.inputs.read_text, the
    array files of values.py): UTF-8, a leading byte-order mark dropped;
    InputError names the file and the first byte that is not UTF-8."""
    skip = len(BOM) if data.startswith(BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = skip + error.start
        line = data.count(b"\n", 0, offset) + 1
        raise InputError(f"{name} is not UTF-8 text: byte 0x{data[offset]:02x} at byte "
                         f"offset {offset} (line {line})", line,
                         hint="adcli reads UTF-8: convert it, e.g. iconv -f latin1 -t utf-8"
                         ) from None


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
