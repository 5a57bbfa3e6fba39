"""Terminal tables (rich), rendered to a string without colour."""
import io

from rich.console import Console

import adcli
from adcli import render


def _text(renderable, width=100):
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return out.getvalue()


def test_gradient_table():
    result = adcli.grad("3*(x1**2+x2*x3)", [2, 3, 4])
    text = _text(render.gradient_table(result))
    assert "f = 3*(x1**2+x2*x3)" in text
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if "∂f/∂" in line}
    assert rows == {"∂f/∂x1": ["2", "12"], "∂f/∂x2": ["3", "12"], "∂f/∂x3": ["4", "9"]}
    assert "\x1b[" not in text


def test_trace_table_marks_kinks_in_words_not_only_colour():
    result = adcli.grad("abs(x) + max(x, y)", [0.0, 0.0])
    text = _text(render.trace_table(result), width=120)
    kink_lines = [line for line in text.splitlines() if "kink" in line]
    assert any("abs(v1)" in line for line in kink_lines)
    assert any("max(v1, v2)" in line for line in kink_lines)
    assert not any("v3 + v4" in line for line in kink_lines)


def test_trace_table_precision():
    result = adcli.grad("x/3", [1.0])
    text = _text(render.trace_table(result, precision=3))
    assert "0.333" in text and "0.3333" not in text


def test_batch_table():
    import numpy as np
    result = adcli.grad("x*y", np.array([[1.0, 2.0], [3.0, 4.0]]))
    text = _text(render.batch_table(result))
    numbers = [line.split() for line in text.splitlines() if line.strip()[:1].isdigit()]
    assert numbers == [["1", "2", "2", "2", "1"], ["3", "4", "12", "4", "3"]]
