"""The README's first lines are the set-up commands for a fresh machine, and
CI runs exactly the second one; every other command in it runs as shown."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, adcli_script, subprocess_env


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


# --- every command of the README runs as shown -----------------------------------------

#: a command that pipes into, or needs, one of these is skipped where it is missing
_OPTIONAL_TOOLS = {"jq": "| jq", "dot": "| dot"}


def _readme_commands():
    """[(line number, command, excerpt)]: indented lines that run adcli (a
    leading `$ ` marks a command whose output is shown under it)."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    found = []
    for k, line in enumerate(lines):
        text = line.strip()
        shown = text.startswith("$ ")
        command = re.sub(r"\s+#\s.*$", "", text[2:] if shown else text)
        if not line.startswith("    ") or not re.match(r"^(adcli |echo .*\| *adcli )", command):
            continue
        if k < 5:  # the set-up lines are tested above
            continue
        excerpt = []
        for following in lines[k + 1:] if shown else []:
            if not following.strip():
                break
            excerpt.append(" ".join(following.split()))
        found.append((k + 1, command, excerpt))
    return found


@pytest.fixture(scope="module")
def readme_folder(tmp_path_factory):
    """A scratch copy of examples/, and models/ holding its programs and the
    data files they load (the README's stand-in for a repository's own
    folder of models)."""
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "examples", folder / "examples")
    (folder / "models").mkdir()
    for pattern in ("*.adx", "*.csv"):
        for program in (ROOT / "examples").glob(pattern):
            shutil.copy(program, folder / "models")
    return folder


def _needs_missing_tool(command):
    for tool, marker in _OPTIONAL_TOOLS.items():
        if marker in command and shutil.which(tool) is None:
            return tool
    if "--plot" in command:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return "matplotlib"
    return None


@pytest.mark.parametrize("number, command, excerpt", _readme_commands(),
                         ids=lambda value: str(value) if isinstance(value, int) else None)
def test_every_readme_command_runs_as_shown(number, command, excerpt, readme_folder):
    missing = _needs_missing_tool(command)
    if missing:
        pytest.skip(f"README line {number} needs {missing}")
    env = subprocess_env()
    env["PATH"] = os.path.dirname(adcli_script()) + os.pathsep + env.get("PATH", "")
    completed = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=readme_folder,
                               capture_output=True, text=True, env=env, timeout=120,
                               stdin=subprocess.DEVNULL)
    shows_an_error = bool(excerpt) and excerpt[0].startswith("error:")
    if shows_an_error:
        assert completed.returncode != 0, f"line {number}: {command}"
    else:
        assert completed.returncode == 0, f"line {number}: {command}\n{completed.stderr}"
    output = [" ".join(line.split()) for line in (completed.stdout + completed.stderr).splitlines()]
    position = 0
    for expected in excerpt:
        assert expected in output[position:], (
            f"README line {number}: {expected!r} not in the output of {command}:\n"
            + "\n".join(output))
        position = output.index(expected, position) + 1
