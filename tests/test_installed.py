"""The installed package, run from another directory; the generated parser
tables are current; the core imports neither click nor rich (nor numpy for one
point), and nothing at run time imports lark.

Set ADCLI_TEST_INSTALLED=1 to require that the tests import the installed
package rather than the source checkout (run them from tests/).
"""
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

import adcli
from adcli.language import parser
from conftest import ROOT, adcli_script, subprocess_env

PACKAGE = pathlib.Path(adcli.__file__).resolve().parent
TEXTBOOK = "3*(x1**2+x2*x3)"


def _run(args, cwd, input=None, tested_package=False):
    """Run a command; tested_package puts the adcli under test on the path."""
    env = subprocess_env()
    if tested_package:
        env["PYTHONPATH"] = str(PACKAGE.parent)
    return subprocess.run(args, cwd=cwd, input=input, capture_output=True, text=True,
                          env=env, timeout=120)


def _check_textbook_json(completed):
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert document["value"] == 48
    assert document["gradient"] == {"x1": 12, "x2": 12, "x3": 9}
    assert completed.stderr == ""


# --- the console script and python -m, from another directory -------------------------------


def test_console_script_from_another_directory(tmp_path):
    script = adcli_script()
    completed = _run([script, "grad", TEXTBOOK, "--at", "2,3,4", "--format", "json"], tmp_path)
    _check_textbook_json(completed)


def test_console_script_plain_output_and_exit_codes(tmp_path):
    script = adcli_script()
    completed = _run([script, "grad", TEXTBOOK, "--at", "2,3,4"], tmp_path)
    assert completed.returncode == 0
    assert completed.stdout == "value\t48\ngrad\tx1\t12\ngrad\tx2\t12\ngrad\tx3\t9\n"
    completed = _run([script, "grad", "2x", "--at", "1"], tmp_path)
    assert completed.returncode == 2
    assert completed.stdout == "" and "2*x" in completed.stderr
    assert "Traceback" not in completed.stderr
    completed = _run([script, "grad", "log(x)", "--at", "-1"], tmp_path)
    assert completed.returncode == 3
    assert completed.stdout == "" and "log(x)" in completed.stderr


def test_console_script_reads_stdin_and_files(tmp_path):
    script = adcli_script()
    completed = _run([script, "grad", "-", "--at", "2,3,4", "--format", "json"], tmp_path,
                     input=TEXTBOOK)
    _check_textbook_json(completed)
    (tmp_path / "model.txt").write_text("# textbook\n" + TEXTBOOK + "\n", encoding="utf-8")
    completed = _run([script, "grad", "-f", "model.txt", "--at", "2,3,4", "--format", "json"],
                     tmp_path)
    _check_textbook_json(completed)


def test_python_dash_m_from_another_directory(tmp_path):
    completed = _run([sys.executable, "-m", "adcli", "grad", TEXTBOOK, "--at", "2,3,4",
                      "--format", "json"], tmp_path, tested_package=True)
    _check_textbook_json(completed)
    completed = _run([sys.executable, "-m", "adcli", "--version"], tmp_path,
                     tested_package=True)
    assert completed.returncode == 0
    assert adcli.__version__ in completed.stdout


@pytest.mark.skipif(os.environ.get("ADCLI_TEST_INSTALLED") != "1",
                    reason="set ADCLI_TEST_INSTALLED=1 to require the installed package")
def test_the_installed_package_is_the_one_under_test():
    # the README's virtual environment lives in the checkout (.venv), so the
    # test is "not the checkout's own adcli/ folder", not "outside the checkout"
    installed = "site-packages" in PACKAGE.parts or "dist-packages" in PACKAGE.parts
    assert installed and PACKAGE != ROOT / "adcli", (
        f"adcli was imported from the source checkout ({PACKAGE}); run the tests from "
        "tests/ after `pip install .`")
    # the grammar is shipped inside the package, not read from the checkout
    assert PACKAGE in pathlib.Path(parser.grammar_path()).parents


def test_the_grammar_file_is_found():
    path = pathlib.Path(parser.grammar_path())
    assert path.name == "adcli.lark"
    assert path.is_file()


# --- the generated tables are current ---------------------------------------------------------------


def test_tables_match_the_grammar():
    from adcli.language import tables
    assert tables.GRAMMAR_SHA256 == parser.grammar_digest(parser.grammar_text()), \
        "grammars/adcli.lark changed: run `python -m adcli.language.regenerate`"


@pytest.mark.skipif(not (ROOT / "grammars" / "adcli.lark").is_file(),
                    reason="no source checkout")
def test_tables_in_the_checkout_match_the_grammar_in_the_checkout():
    grammar = (ROOT / "grammars" / "adcli.lark").read_text(encoding="utf-8")
    generated = (ROOT / "adcli" / "language" / "tables.py").read_text(encoding="utf-8")
    match = re.search(r"^GRAMMAR_SHA256 = '([0-9a-f]{64})'$", generated, re.MULTILINE)
    assert match, "adcli/language/tables.py has no GRAMMAR_SHA256"
    assert match.group(1) == parser.grammar_digest(grammar), \
        "grammars/adcli.lark changed: run `python -m adcli.language.regenerate`"


def test_regenerating_the_tables_gives_the_checked_in_text():
    # a changed generator (or lark) is caught too, not only a changed grammar
    pytest.importorskip("lark")
    from adcli.language import regenerate
    checked_in = (PACKAGE / "language" / "tables.py").read_text(encoding="utf-8")
    assert regenerate.generated_source() == checked_in, \
        "the tables are not what regenerate.py writes: run `python -m adcli.language.regenerate`"


def test_the_tables_do_not_depend_on_the_hash_seed(tmp_path):
    # Lark numbers its LALR states in an order that follows PYTHONHASHSEED;
    # the generator renumbers them, so every run writes the same text
    pytest.importorskip("lark")
    from adcli.language import regenerate
    code = "from adcli.language import regenerate; print(regenerate.generated_source(), end='')"
    outputs = set()
    for seed in ("1", "2"):
        env = subprocess_env()
        env.update(PYTHONPATH=str(PACKAGE.parent), PYTHONHASHSEED=seed)
        completed = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                                   capture_output=True, text=True, timeout=120)
        assert completed.returncode == 0, completed.stderr
        outputs.add(completed.stdout)
    assert outputs == {regenerate.generated_source()}


def test_grammar_builds_without_conflicts():
    lark = pytest.importorskip("lark")
    pytest.importorskip("interegular")
    # strict=True turns shift/reduce and regex collisions into errors
    lark.Lark(parser.grammar_text(), parser="lalr", lexer="basic", strict=True)


# --- what importing costs ------------------------------------------------------------------------------


def _modules_after(code, tmp_path):
    completed = _run([sys.executable, "-c", code], tmp_path, tested_package=True)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def test_importing_adcli_loads_no_heavy_dependencies(tmp_path):
    code = ("import adcli, sys; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('click','rich','numpy','lark')))")
    assert _modules_after(code, tmp_path) == "[]"


def test_a_one_point_gradient_does_not_import_numpy(tmp_path):
    code = ("import adcli, sys; r = adcli.grad('3*(x1**2+x2*x3)', [2, 3, 4]); "
            "assert r.value == 48; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('click','rich','numpy','lark')))")
    assert _modules_after(code, tmp_path) == "[]"


@pytest.mark.parametrize("expression, status", [(TEXTBOOK, 0), ("2 x", 2), ("3*(x1", 2)])
def test_the_grad_command_never_imports_lark(tmp_path, expression, status):
    # the tables are plain literals: neither parsing nor explaining a syntax
    # error (which runs the examples of syntax errors) needs lark
    code = ("import sys; sys.argv = ['adcli', 'grad', sys.argv[1], '--at', '2,3,4']\n"
            "from adcli.cli import main\n"
            "try:\n    main()\nexcept SystemExit as done:\n    status = int(done.code or 0)\n"
            "print(status, sorted(m for m in sys.modules if m.split('.')[0] == 'lark'),"
            " file=sys.stderr)")
    completed = _run([sys.executable, "-c", code, expression], tmp_path, tested_package=True)
    assert completed.stderr.splitlines()[-1] == f"{status} []", completed.stderr
