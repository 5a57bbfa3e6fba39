"""adcli.cli.quick, the path that answers the plainest point commands before
click loads: for every argv of a corpus, the console script's entry with the
quick path and with ADCLI_NO_QUICK=1 (click alone) writes the same stdout and
stderr and exits with the same status; the runs meant for the quick path
are answered by it (click never loaded), the others are left to click."""
import concurrent.futures
import itertools
import json
import os
import subprocess
import sys

import pytest

#: the console script's entry, reporting at exit (in the file named by
#: ADCLI_TEST_MODULES) which of click, rich and numpy were loaded
ENTRY = ("import atexit, os, sys\n"
         "def report():\n"
         "    with open(os.environ['ADCLI_TEST_MODULES'], 'w') as out:\n"
         "        out.write(' '.join(sorted({m.split('.')[0] for m in sys.modules}\n"
         "                                  & {'click', 'rich', 'numpy'})))\n"
         "atexit.register(report)\n"
         "from adcli.cli import main\n"
         "main()\n")

TEXTBOOK = "3*(x1**2+x2*x3)"

#: argv the quick path answers (click is never loaded)
QUICK = [
    ["grad", TEXTBOOK, "--at", "2,3,4", "--format", "json"],
    ["grad", TEXTBOOK, "--at", "2,3,4", "--format", "plain"],
    ["grad", TEXTBOOK, "--at", "2,3,4", "--format", "csv"],
    ["grad", TEXTBOOK, "--at", "2,3,4"],  # piped: plain
    ["grad", "--at", "2,3,4", TEXTBOOK, "--format=json"],
    ["grad", "x*y", "--at", "y=2,x=1", "--format", "json"],
    ["grad", "x*y", "--at=x=1", "--at", "y=2", "--format=csv"],
    ["grad", "x*y", "--at", "1", "--at", "2"],
    ["grad", "sin(x)*exp(y)", "--at", "0.5,1", "--precision", "3"],
    ["grad", "sin(x)*exp(y)", "--at", "0.5,1", "--precision=17", "--format", "csv"],
    ["grad", "x**2", "--at", "-1.5"],
    ["grad", "x**2", "--at=-1.5", "--format", "json"],
    ["grad", "x + y", "--at", "pi/2, -1e-3"],
    ["grad", "2 + 3", "--at", ""],
    ["grad", "x**3 # a comment", "--at", "2"],
    ["grad", "  x*x\n", "--at", "3", "--format", "json"],
    ["grad", "x**2  # café, ∂f/∂x", "--at", "3", "--format", "json"],
    ["grad", "x**2  # café, ∂f/∂x", "--at", "3", "--format", "csv"],
    ["grad", "x1 + x10 + x2", "--at", "1,2,3", "--format", "json"],
    ["eval", "x*y; x+y", "--at", "1,2"],
    ["eval", "x*y; x+y", "--at", "1,2", "--format", "json"],
    ["eval", "x*y; x+y", "--at", "1,2", "--format", "csv", "--precision", "2"],
    ["jacobian", "x*y; x+y; sin(x)*y", "--at", "1,2"],
    ["jacobian", "x*y; x+y; sin(x)*y", "--at", "1,2", "--format", "json"],
    ["jacobian", "x*y; x+y; sin(x)*y", "--at", "1,2", "--format", "csv"],
    ["hessian", "100*(y-x**2)**2 + (1-x)**2", "--at", "1,1"],
    ["hessian", "100*(y-x**2)**2 + (1-x)**2", "--at", "-1.2,1", "--format", "json"],
    ["hessian", "x**y", "--at", "2,3", "--format", "csv", "--precision", "4"],
]

#: argv the quick path leaves to click: other options, help, errors of every kind
TO_CLICK = [
    # errors in the expression, the point, the result
    ["grad", "3*(x1", "--at", "1"],
    ["grad", "2 x", "--at", "1"],
    ["grad", "", "--at", "1"],
    ["grad", "x*y", "--at", "1"],
    ["grad", "x*y", "--at", "1,2,3"],
    ["grad", "x", "--at", "abc"],
    ["grad", "x", "--at", "x=1,x=2"],
    ["grad", "x*y", "--at", "x=1", "--at", "2"],
    ["grad", "x", "--at", "x=1", "--at", "x=2"],
    ["grad", "x", "--at", "y=1"],
    ["grad", "x", "--at", "1,x=2"],
    ["grad", "x/y", "--at", "1,0"],
    ["grad", "log(x)", "--at", "-1", "--format", "json"],
    ["eval", "sqrt(x)", "--at", "-1"],
    ["grad", "x**400", "--at", "10"],
    ["eval", "10**400", "--at", ""],
    ["hessian", "x*y; x+y", "--at", "1,2"],
    ["jacobian", "1/x; x", "--at", "0", "--format", "csv"],
    ["grad", "é*2", "--at", "1"],
    ["grad", "α*x", "--at", "1,2", "--format", "json"],
    ["grad", "x\x1b[31m", "--at", "1"],
    ["grad", "x\u202e", "--at", "1"],
    ["grad", "x", "--at", "1\x1b"],
    ["grad", "x\udcff", "--at", "1"],  # a byte of argv that is not UTF-8
    ["grad", "x", "--at", "x\udcff=1"],
    # options and arguments the quick path does not read
    ["grad", "x", "--at"],
    ["grad", "x", "--at", "1", "--format"],
    ["grad", "x", "--at", "1", "--format", "table"],
    ["grad", "x", "--at", "1", "--format", "xml"],
    ["grad", "x", "--at", "1", "--format", "JSON"],
    ["grad", "x", "--at", "1", "--format", "json", "--format", "csv"],
    ["grad", "x", "--at", "1", "--precision", "0"],
    ["grad", "x", "--at", "1", "--precision", "18"],
    ["grad", "x", "--at", "1", "--precision", "abc"],
    ["grad", "x", "--at", "1", "--precision", "٣"],
    ["grad", "x", "--at", "1", "--precision", " 3"],
    ["grad", "x", "--at", "1", "--formt", "json"],
    ["grad", "x", "--at", "1", "--trace"],
    ["grad", "x", "--at", "1", "--mode", "forward"],
    ["grad", "x", "--at", "1,2", "--vars", "y,x"],
    ["grad", "x", "--at", "1", "-e", "x"],
    ["grad", "x", "y", "--at", "1"],
    ["grad", "x"],
    ["grad"],
    ["grad", "--help"],
    ["grad", "x", "--at", "1", "-h"],
    ["--help"],
    ["--version"],
    [],
    ["gradient", "x", "--at", "1"],
    ["minimize", "x**2", "--from", "1"],
    ["jvp", "x*y", "--at", "1,2", "--dir", "1,0"],
    ["grad", "-x**2", "--at", "3"],
    ["grad", "--at", "3", "-x**2"],
    ["grad", "--", "-x**2", "--at", "3"],
    ["grad", "x", "--at", "3", "--"],
    ["grad", "--at", "--", "x"],
    ["grad", "-", "--at", "1"],
    ["grad", "--formt", "--at", "1"],
    ["grad", "x**2", "--at", "x=[1,2]"],
    ["grad", "sum(x)", "--at", "x=[1,2]", "--format", "json"],
    ["grad", "x", "--at", "x=zeros(1)"],
    ["eval", "A @ x", "--at", "A=[[1,2],[3,4]],x=[1,1]", "--format", "json"],
]


_REPORTS = itertools.count()


def _run(argv, tmp_path, env=None, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL):
    """(exit status, stdout, stderr, loaded) of the console script's entry."""
    report = tmp_path / f"modules-{next(_REPORTS)}"
    done = subprocess.run([sys.executable, "-c", ENTRY, *argv], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, timeout=120, check=False,
                          env={**os.environ, **(env or {}), "ADCLI_TEST_MODULES": str(report)})
    loaded = report.read_text(encoding="utf-8").split() if report.exists() else None
    return done.returncode, done.stdout, done.stderr, loaded


def _both(argv, tmp_path, env=None, **streams):
    """The run through the quick path and through click alone."""
    quick = _run(argv, tmp_path, env, **streams)
    slow = _run(argv, tmp_path, {**(env or {}), "ADCLI_NO_QUICK": "1"}, **streams)
    return quick, slow


def _corpus(cases, tmp_path):
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda argv: _both(argv, tmp_path), cases))


def test_the_quick_path_answers_its_runs_as_click_does(tmp_path):
    for argv, (quick, slow) in zip(QUICK, _corpus(QUICK, tmp_path)):
        assert quick[:3] == slow[:3], argv
        assert quick[0] == 0 and quick[1], (argv, quick[2])
        assert "click" not in quick[3], argv  # answered before click loads
        assert "click" in slow[3], argv


def test_every_other_run_is_left_to_click_unchanged(tmp_path):
    for argv, (quick, slow) in zip(TO_CLICK, _corpus(TO_CLICK, tmp_path)):
        assert quick[:3] == slow[:3], argv
        assert "click" in quick[3], argv  # left to click


def test_the_quick_path_gives_the_textbook_gradient_without_click_rich_or_numpy(tmp_path):
    status, stdout, stderr, loaded = _run(["grad", TEXTBOOK, "--at", "2,3,4", "--format", "json"],
                                          tmp_path)
    assert (status, stderr) == (0, b"")
    document = json.loads(stdout)
    assert (document["value"], document["gradient"]) == (48.0, {"x1": 12.0, "x2": 12.0,
                                                                "x3": 9.0})
    assert loaded == []


@pytest.mark.parametrize("argv", [["grad", "x*y", "--at", "1,2", "--format", "plain"],
                                  ["eval", "x*y; x+y", "--at", "1,2", "--format", "csv"]])
def test_a_one_point_eval_or_grad_loads_neither_click_nor_rich_nor_numpy(tmp_path, argv):
    status, stdout, _, loaded = _run(argv, tmp_path)
    assert status == 0 and stdout
    assert loaded == []


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"PYTHONIOENCODING": "ascii"},
                                 {"PYTHONIOENCODING": "latin-1"}, {"LC_ALL": "C"},
                                 {"PYTHONIOENCODING": "utf-8:strict"}])
def test_the_environment_does_not_change_what_is_written(tmp_path, env):
    for argv in (["grad", TEXTBOOK, "--at", "2,3,4", "--format", "json"],
                 ["grad", "x\u202e", "--at", "1"], ["eval", "x + y", "--at", "1,2"]):
        quick, slow = _both(argv, tmp_path, env)
        assert quick[:3] == slow[:3], (argv, env)


def test_stdin_is_left_to_click(tmp_path):
    for text in (b"x**2\n", b"2 x\n"):
        runs = []
        for env in ({}, {"ADCLI_NO_QUICK": "1"}):
            done = subprocess.run([sys.executable, "-c", "from adcli.cli import main; main()",
                                   "grad", "-", "--at", "3"], input=text, capture_output=True,
                                  timeout=120, check=False, env={**os.environ, **env})
            runs.append((done.returncode, done.stdout, done.stderr))
        assert runs[0] == runs[1], text


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_stdout_that_cannot_be_written_is_the_same_error(tmp_path):
    with open("/dev/full", "w", encoding="utf-8") as full:
        quick, slow = _both(["grad", TEXTBOOK, "--at", "2,3,4", "--format", "json"], tmp_path,
                            stdout=full)
    assert quick[0] == slow[0] == 1
    assert quick[2] == slow[2]
    assert b"cannot write standard output" in quick[2]


def test_a_stdout_closed_by_its_reader_exits_141_quietly(tmp_path):
    results = []
    for env in ({}, {"ADCLI_NO_QUICK": "1"}):
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone before adcli writes
        try:
            results.append(_run(["grad", TEXTBOOK, "--at", "2,3,4", "--format", "json"],
                                tmp_path, env, stdout=write_end)[:3])
        finally:
            os.close(write_end)
    assert results[0] == results[1] == (141, None, b"")


def test_a_terminal_without_a_format_gets_click_s_table(tmp_path):
    pty = pytest.importorskip("pty")
    outputs = []
    for env in ({}, {"ADCLI_NO_QUICK": "1"}):
        main, terminal = pty.openpty()
        try:
            status, _, stderr, loaded = _run(["grad", "x*y", "--at", "1,2"], tmp_path,
                                             {**env, "COLUMNS": "80"}, stdout=terminal)
            os.close(terminal)
            chunks = []
            while True:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # the terminal's other end is closed: all read
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(main)
        outputs.append((status, b"".join(chunks), stderr))
        assert "click" in loaded  # a table: the click command prints it
    assert outputs[0] == outputs[1]
    assert b"f = x*y" in outputs[0][1]
