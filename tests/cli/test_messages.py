"""What messages say (issue 10, item 24): counts agree with their nouns
through one helper, numbers print as plain numbers (never a repr such as
np.float64(nan)), and the command line reads stdin without the click
helpers that Click 9 removes."""
import warnings

import click
import numpy as np
import pytest

import adcli
from adcli.tools import checks
from adcli.tools import compare as comparing
from adcli.graph import count_text


@pytest.mark.parametrize("count, noun, text", [
    (1, "pass", "1 pass"), (2, "pass", "2 passes"), (0, "value", "0 values"),
    (1, "complex evaluation", "1 complex evaluation"), (3, "number", "3 numbers"),
    (2, "matrix", "2 matrices"),
])
def test_count_text_agrees_with_its_noun(count, noun, text):
    assert count_text(count, noun, "matrices" if noun == "matrix" else None) == text


def test_compare_of_one_variable_counts_in_the_singular():
    result = comparing.compare("exp(x)", [1.0])
    costs = {m.name: m.evaluations for m in result.methods}
    assert costs["complex step"] == "1 complex evaluation of f"
    assert costs["forward"] == "1 forward pass (one per variable)"
    assert costs["central differences"] == "2 evaluations of f"


def test_a_check_of_the_wrong_length_counts_in_the_singular():
    outcome = checks.check_text("f = x\ncheck f at x=1: grad [1, 2]\n")[0]
    assert outcome.message == "grad has 1 number here (grad[x] (index 0)), the check gives 2"


@pytest.mark.parametrize("cell", ["nan", "inf", "-inf"])
def test_a_non_finite_csv_cell_prints_as_a_number(run_cli, tmp_path, cell):
    path = tmp_path / "points.csv"
    path.write_text(f"x,y\n1,2\n3,{cell}\n", encoding="utf-8")
    result = run_cli("grad", "x*y", "--points", path)
    assert result.exit_code == 2
    assert f"row 2, column y: '{cell}' is not a finite number" in result.stderr  # as typed
    assert "np." not in result.stderr and "float64" not in result.stderr


def test_a_non_finite_numpy_value_prints_as_a_number():
    with pytest.raises(adcli.PointError) as caught:
        adcli.grad("x*y", {"x": np.float64("nan"), "y": 1.0})
    assert str(caught.value).startswith("the value of x is not finite: nan")


def _removed_in_click_9(*args, **kwargs):
    raise AssertionError("click.get_text_stream and get_binary_stream go in Click 9")


def test_stdin_is_read_without_click_helpers_that_click_9_removes(run_cli, monkeypatch):
    # Click 8.2+ serves them through a deprecated module __getattr__ (nothing
    # to delete), older Clicks as attributes: replace them either way
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for name in ("get_text_stream", "get_binary_stream"):
            monkeypatch.setattr(click, name, _removed_in_click_9, raising=False)
    result = run_cli("grad", "-", "--at", "1,2", "--format", "plain", input="x*y\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "value\t2\ngrad\tx\t2\ngrad\ty\t1\n"
