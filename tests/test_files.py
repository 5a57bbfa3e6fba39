"""Output files (issue 10, items 7, 8 and 17): every file adcli writes is
complete or untouched, whatever fails (a full disk, a signal); no temporary
survives; symlinks, hard links, modes and owners are kept; FIFOs, devices,
'-' and adcli's own stdout are streamed to, never renamed onto; the result
of a finished computation is printed even when a file cannot be written; a
failing or closed stdout is a clear error or a quiet exit 141.

Never point a writer at a real device path here (rename onto /dev/... would
replace the node): devices are mocked, FIFOs are made in tmp_path, and
/dev/full is only ever opened for writing as a child's stdout."""
import errno
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from adcli import files
from adcli.cli import artifacts
from adcli.tools import optimize
from conftest import killed_at_the_end, subprocess_env

QUADRATIC = "(x-3)**2 + (y+1)**2"
ROSENBROCK = "100*(y-x**2)**2 + (1-x)**2"
#: a gd run of about 40 kB of CSV trace (400 rows)
GD_RUN = ("minimize", ROSENBROCK, "--from", "-1.2,1", "--method", "gd", "--lr", "1e-4",
          "--max-iter", "400", "--format", "json")
#: a gd run that goes on until a signal stops it
ENDLESS_RUN = ("minimize", ROSENBROCK, "--from", "-1.2,1", "--method", "gd", "--lr", "1e-6",
               "--gtol", "0", "--max-iter", "100000000", "--format", "json")
NO_SPACE = "No space left on device"


def leftovers(folder):
    """Temporaries of the writer still in folder."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name.startswith(".adcli-") or p.name.endswith(".partial"))


def trace_rows(text):
    """The rows of a CSV trace, checked whole: a header, then iterations 0, 1, ..."""
    lines = text.splitlines()
    assert lines[0].startswith("iteration,f,grad_norm,step,evaluations,x[x],x[y]")
    rows = [line.split(",") for line in lines[1:]]
    assert [int(r[0]) for r in rows] == list(range(len(rows)))
    assert all(len(r) == 7 for r in rows)
    assert text.endswith("\n")
    return rows


def file_error(result, path):
    """Exit 1 with 'cannot write PATH: No space left on device', not a bug."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert f"error: cannot write {path}: {NO_SPACE}" in result.stderr
    assert "bug" not in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 kB tmpfs (root only): a disk that fills up for real."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:  # lazily if a file is still open there: never leave it mounted
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder, leave):
    """Fill the disk but for about ``leave`` bytes."""
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    (folder / "ballast").write_bytes(b"\0" * max(free - leave, 0))


def adcli_process(*args, **options):
    """A real `python -m adcli ARGS` process, stdout and stderr piped."""
    options.setdefault("stdout", subprocess.PIPE)
    return subprocess.Popen([sys.executable, "-m", "adcli", *map(str, args)],
                            env=subprocess_env(), stderr=subprocess.PIPE, **options)


# --- a full disk (item 7) -------------------------------------------------------------


@pytest.mark.parametrize("old", [None, b"old contents\n"])
def test_full_disk_leaves_the_trace_untouched_and_prints_the_result(run_cli, tiny_disk, old):
    trace = tiny_disk / "steps.csv"
    if old is not None:
        trace.write_bytes(old)
    fill(tiny_disk, 8192)
    result = run_cli(*GD_RUN, "--trace-file", trace)
    file_error(result, trace)
    assert json.loads(result.stdout)["iterations"] == 400  # the run went on, and is printed
    assert (trace.read_bytes() if trace.exists() else None) == old
    assert leftovers(tiny_disk) == []


def test_full_disk_leaves_the_plot_untouched_and_prints_the_result(run_cli, tiny_disk):
    pytest.importorskip("matplotlib")
    plot = tiny_disk / "run.png"
    plot.write_bytes(b"old")
    fill(tiny_disk, 4096)
    result = run_cli("minimize", ROSENBROCK, "--from", "-1.2,1", "--plot", plot,
                     "--format", "json")
    file_error(result, plot)
    assert json.loads(result.stdout)["converged"] is True
    assert plot.read_bytes() == b"old"
    assert leftovers(tiny_disk) == []


def test_full_disk_for_the_compare_plot_prints_the_sweep(run_cli, tiny_disk):
    pytest.importorskip("matplotlib")
    plot = tiny_disk / "sweep.svg"
    fill(tiny_disk, 4096)
    result = run_cli("compare", "x1**2*sin(x2)", "--at", "2,3", "--sweep", "--plot", plot,
                     "--format", "json")
    file_error(result, plot)
    assert json.loads(result.stdout)
    assert not plot.exists() and leftovers(tiny_disk) == []


def test_a_late_write_error_leaves_the_target_untouched(run_cli, tmp_path, monkeypatch):
    """The disk fills when the data reaches it (fsync), after every write
    seemed to succeed: the old file stays, the temporary goes."""
    trace = tmp_path / "steps.csv"
    trace.write_text("old\n")

    def no_space(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", no_space)
    result = run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file", trace,
                     "--format", "json")
    file_error(result, trace)
    assert json.loads(result.stdout)["converged"] is True
    assert trace.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_a_trace_in_a_missing_folder_is_a_file_error_after_the_result(run_cli, tmp_path):
    trace = tmp_path / "missing" / "steps.csv"
    result = run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file", trace,
                     "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["converged"] is True
    assert f"cannot write {trace}: No such file or directory" in result.stderr


def test_a_file_error_outranks_the_not_converged_status(run_cli, tiny_disk):
    fill(tiny_disk, 4096)
    result = run_cli(*GD_RUN, "--trace-file", tiny_disk / "steps.csv")
    assert "warning: not converged" in result.stderr  # still said ...
    file_error(result, tiny_disk / "steps.csv")  # ... but the status is the file's


# --- links, modes, owners (item 8) -------------------------------------------------------


def test_a_symlink_is_written_through_and_keeps_being_a_symlink(run_cli, tmp_path):
    real_folder = tmp_path / "real"
    real_folder.mkdir()
    target = real_folder / "steps.csv"
    target.write_text("old\n")
    target.chmod(0o600)
    link = tmp_path / "link.csv"
    link.symlink_to(os.path.relpath(target, tmp_path))
    result = run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file", link)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and link.resolve() == target
    trace_rows(target.read_text())
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == leftovers(real_folder) == []


def test_a_dangling_symlink_creates_its_target(run_cli, tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to("made.csv")
    assert run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file", link).exit_code == 0
    assert link.is_symlink()
    trace_rows((tmp_path / "made.csv").read_text())


def test_a_hard_link_sees_the_new_contents(run_cli, tmp_path):
    """Written in place after the complete new file is ready: both names,
    one inode, the mode kept."""
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("old\n" * 1000)
    first.chmod(0o600)
    os.link(first, second)
    inode = first.stat().st_ino
    assert run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file", first).exit_code == 0
    assert first.stat().st_ino == second.stat().st_ino == inode
    assert second.stat().st_nlink == 2
    trace_rows(second.read_text())  # shorter than the old text: cut to its length
    assert stat.S_IMODE(second.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []


def test_a_hard_link_on_a_full_disk_is_untouched(run_cli, tiny_disk):
    """The new text fits as a temporary but not again in place: the space is
    reserved before the old text is touched, so nothing is."""
    first, second = tiny_disk / "a.csv", tiny_disk / "b.csv"
    first.write_bytes(b"old\n")
    os.link(first, second)
    fill(tiny_disk, 56 * 1024)  # room for the ~40 kB trace once, not twice
    result = run_cli(*GD_RUN, "--trace-file", first)
    file_error(result, first)
    assert first.read_bytes() == second.read_bytes() == b"old\n"
    assert leftovers(tiny_disk) == []


def test_a_read_only_file_is_untouched(run_cli, tmp_path, monkeypatch):
    """A rename could replace it (the folder is writable); it is not written,
    as the shell's > would not (mocked: root may write anything)."""
    trace = tmp_path / "steps.csv"
    trace.write_text("old\n")
    trace.chmod(0o444)
    real_access = os.access
    monkeypatch.setattr(files.os, "access", lambda path, mode, **options: (
        not (mode & os.W_OK and os.fspath(path) == str(trace))
        and real_access(path, mode, **options)))
    result = run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file", trace,
                     "--format", "json")
    assert result.exit_code == 1
    assert f"cannot write {trace}: Permission denied" in result.stderr
    assert json.loads(result.stdout)["converged"] is True
    assert trace.read_text() == "old\n" and leftovers(tmp_path) == []


def test_a_new_file_gets_the_usual_mode(run_cli, tmp_path):
    trace = tmp_path / "steps.csv"
    umask = os.umask(0o027)
    try:
        assert run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file", trace
                       ).exit_code == 0
    finally:
        os.umask(umask)
    assert stat.S_IMODE(trace.stat().st_mode) == 0o640


def test_an_existing_files_owner_is_kept(run_cli, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    trace = tmp_path / "steps.csv"
    trace.write_text("old\n")
    os.chown(trace, 12345, 23456)
    assert run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file", trace).exit_code == 0
    info = trace.stat()
    assert (info.st_uid, info.st_gid) == (12345, 23456)
    trace_rows(trace.read_text())


# --- not regular files: streamed (item 8) -----------------------------------------------


def test_a_fifo_is_streamed_to_and_stays_a_fifo(run_cli, tmp_path):
    fifo = tmp_path / "steps.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    result = run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file", fifo)
    reader.join(10)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert len(trace_rows(received[0])) >= 2
    assert leftovers(tmp_path) == []


def test_a_character_device_is_written_in_place_never_renamed_onto(run_cli, tmp_path,
                                                                  monkeypatch):
    """A stand-in for /dev/stdout or /dev/null: os.stat says it is a
    character device; no temporary may be made for it."""
    device = tmp_path / "device"
    device.write_text("")
    real = device.stat()
    real_stat = os.stat

    def as_device(path, *args, **kwargs):
        if os.fspath(path) == str(device):
            fields = list(real)
            fields[stat.ST_MODE] = stat.S_IFCHR | 0o666
            return os.stat_result(fields)
        return real_stat(path, *args, **kwargs)

    def no_temporary(*args, **kwargs):
        raise AssertionError("a temporary was made for a device")

    monkeypatch.setattr(files.os, "stat", as_device)
    monkeypatch.setattr(tempfile, "mkstemp", no_temporary)
    result = run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file", device)
    assert result.exit_code == 0, result.stderr
    assert real_stat(device).st_ino == real.st_ino  # the same node, written to
    trace_rows(device.read_text())


def test_dash_streams_the_trace_to_stdout_before_the_result(run_cli):
    result = run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file", "-",
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    trace, _, document = result.stdout.partition("{")
    trace_rows(trace)
    assert json.loads("{" + document)["converged"] is True


def test_a_trace_to_adcli_own_stdout_is_written_through_it(tmp_path):
    """What --trace-file /dev/stdout is when stdout goes to a file: that file
    (the same inode) gets the trace then the result, in order, unreplaced."""
    out = tmp_path / "out.txt"
    with open(out, "wb") as stdout:
        inode = os.fstat(stdout.fileno()).st_ino
        process = adcli_process("minimize", QUADRATIC, "--from", "0,0", "--trace-file", out,
                                "--format", "json", stdout=stdout, cwd=tmp_path)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert out.stat().st_ino == inode
    trace, _, document = out.read_text().partition("{")
    trace_rows(trace)
    assert json.loads("{" + document)["converged"] is True
    assert leftovers(tmp_path) == []


# --- signals (item 7) --------------------------------------------------------------------


def start_endless_run(tmp_path, *extra):
    """A long gd run with a trace, once its temporary exists (the run started)."""
    process = adcli_process(*ENDLESS_RUN, "--trace-file", tmp_path / "steps.csv", *extra,
                            cwd=tmp_path)
    deadline = time.monotonic() + 30
    while not leftovers(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftovers(tmp_path), "the run did not start"
    time.sleep(0.3)
    return process


@pytest.mark.parametrize("name, status", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_sigterm_and_sighup_keep_the_trace_and_leave_no_temporary(tmp_path, name, status):
    process = start_endless_run(tmp_path)
    with killed_at_the_end(process):
        process.send_signal(getattr(signal, name))
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == status, stderr
    assert b"Traceback" not in stderr
    assert len(trace_rows((tmp_path / "steps.csv").read_text())) > 10
    assert leftovers(tmp_path) == []


def test_sigint_stops_the_run_and_prints_its_result(tmp_path):
    process = start_endless_run(tmp_path)
    with killed_at_the_end(process):
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    document = json.loads(stdout)
    assert document["reason"] == "interrupted" and document["converged"] is False
    rows = trace_rows((tmp_path / "steps.csv").read_text())
    assert document["iterations"] == int(rows[-1][0])  # the trace ends where the result is
    assert b"interrupted" in stderr and b"Traceback" not in stderr
    assert leftovers(tmp_path) == []


def test_signals_wait_while_a_file_is_put_in_place():
    """A SIGINT while a file is put in place waits until it is done, then is
    handled as usual."""
    handled = []
    previous = signal.signal(signal.SIGINT, lambda *_: handled.append(True))
    try:
        with files.signals_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            assert handled == []
        time.sleep(0.05)
        assert handled == [True]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_the_iteration_log_never_raises_while_the_run_goes_on(tmp_path):
    log = artifacts.IterationLog(tmp_path / "missing" / "steps.csv", ["x"])
    log(optimize.Iteration(0, [1.0], 2.0, 3.0, 0.0, 1))  # no exception into the optimizer
    with pytest.raises(files.FileError, match="No such file or directory"):
        log.close()


# --- stdout itself (item 17) ------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["table", "plain", "json"])
def test_a_full_stdout_is_a_clear_error(output_format):
    with open("/dev/full", "w") as full:  # opened for writing only: nothing is renamed
        process = adcli_process("grad", "x*y", "--at", "1,2", "--format", output_format,
                                stdout=full)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert stderr.decode() == f"error: cannot write standard output: {NO_SPACE}\n"


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["grad", "--help"]])
def test_help_to_a_full_stdout_is_a_clear_error(args):
    with open("/dev/full", "w") as full:
        process = adcli_process(*args, stdout=full)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert stderr.decode() == f"error: {NO_SPACE}\n"


def test_a_closed_pipe_on_long_table_output_exits_141_quietly(tmp_path):
    """| head: the reader takes a little and goes away while adcli writes."""
    program = tmp_path / "long.adx"
    program.write_text(" + ".join(f"sin(x{k})" for k in range(1500)))
    point = ",".join(["1"] * 1500)
    process = adcli_process("grad", "-f", program, "--at", point, "--trace",
                            "--format", "table")
    with killed_at_the_end(process):
        assert process.stdout.read(100)
        process.stdout.close()
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 141
    assert stderr == b""


@pytest.mark.parametrize("output_format", ["table", "plain", "json", "csv"])
def test_a_pipe_closed_before_any_output_exits_141_quietly(output_format):
    reader, writer = os.pipe()
    os.close(reader)  # every write gets EPIPE, however short the output
    try:
        process = adcli_process("explain", "sin(x)*y", "--at", "1,2", "--format",
                                output_format, stdout=writer)
    finally:
        os.close(writer)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 141
    assert stderr == b""
