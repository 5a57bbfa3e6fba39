"""The README's first lines are the set-up commands for a fresh machine, and
CI runs exactly the second one."""
from conftest import ROOT


def _setup_lines():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands = [line.strip() for line in lines[1:5] if line.startswith("    ")]
    assert len(commands) == 2, lines[:5]
    return commands


def test_both_setup_commands_start_from_a_virtual_environment():
    # a system Python that follows PEP 668 refuses a bare `pip install`
    for command in _setup_lines():
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install ")


def test_the_first_command_runs_the_main_job():
    assert _setup_lines()[0].endswith('adcli grad "3*(x1**2+x2*x3)" --at 2,3,4')


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _setup_lines()[1] in [line.strip() for line in ci]
