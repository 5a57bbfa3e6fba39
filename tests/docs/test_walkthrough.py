"""examples/README.md never rots: every `$ adcli ...` line runs (the
installed script, in examples/) and exits 0, and the excerpt printed under it
(the lines after it, up to a blank line or the end of the code block) appears
in the real output, in order, compared line by line with the whitespace
normalized (the document aligns with spaces what adcli separates by tabs)."""
import re
import shlex
import subprocess

import pytest

from conftest import EXAMPLES, adcli_script, subprocess_env

DOCUMENT = EXAMPLES / "README.md"


def _commands():
    """[(line number, command, [excerpt lines])] of the document."""
    lines = DOCUMENT.read_text(encoding="utf-8").splitlines()
    found = []
    for k, line in enumerate(lines):
        if not line.startswith("$ adcli"):
            continue
        excerpt = []
        for following in lines[k + 1:]:
            if not following.strip() or following.startswith("```") or \
                    following.startswith("$ "):
                break
            excerpt.append(following)
        found.append((k + 1, line[2:], excerpt))
    return found


COMMANDS = _commands() if DOCUMENT.is_file() else []


def _normal(line):
    return " ".join(line.split())


def _run(command):
    args = shlex.split(command)
    assert args[0] == "adcli"
    return subprocess.run([adcli_script()] + args[1:], cwd=EXAMPLES, capture_output=True,
                          text=True, env=subprocess_env(), timeout=120, check=False)


def test_the_walkthrough_covers_the_method():
    assert DOCUMENT.is_file()
    commands = [c for _, c, _ in COMMANDS]
    expected = [r'^adcli grad "3\*\(x1\*\*2\+x2\*x3\)" --at 2,3,4 --trace$',
                r'^adcli explain "3\*\(x1\*\*2\+x2\*x3\)" --at 2,3,4$',
                r'^adcli explain .* --mode forward --wrt x1$',
                r'^adcli graph .* --format mermaid$',
                r'^adcli compare ',
                r'^adcli check \S+\.adx$']
    for pattern in expected:
        assert any(re.search(pattern, c) for c in commands), pattern
    for number, command, excerpt in COMMANDS:
        assert excerpt, f"line {number}: no output excerpt under {command}"
        assert "|" not in command and ">" not in command, "one command, no shell"
    check = next(c for c in commands if c.startswith("adcli check"))
    assert (EXAMPLES / shlex.split(check)[-1]).is_file()


@pytest.mark.parametrize("number, command, excerpt", COMMANDS,
                         ids=[f"line{n}" for n, _, _ in COMMANDS])
def test_walkthrough_command(number, command, excerpt):
    completed = _run(command)
    assert completed.returncode == 0, f"line {number}: {command}\n{completed.stderr}"
    assert "Traceback" not in completed.stderr
    output = [_normal(line) for line in completed.stdout.splitlines()]
    position = 0
    for line in excerpt:
        wanted = _normal(line)
        try:
            position = output.index(wanted, position) + 1
        except ValueError:
            where = "at all" if wanted not in output else "in this order"
            pytest.fail(f"line {number}: {command}\nnot in the output {where}: {line!r}\n"
                        f"output:\n{completed.stdout}")
    # deterministic: the same command prints the same again
    assert _run(command).stdout == completed.stdout, f"line {number}: output changes"
