"""Point options (--at, --from, --dir) given more than once, and the one
number syntax every reader of a value shares."""
import json

import pytest


# --- repeated point options are one point ------------------------------------------


def test_repeated_at_merges_the_names(run_cli):
    result = run_cli("grad", "x*y", "--at", "x=1", "--at", "y=2", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["point"] == {"x": 1.0, "y": 2.0}
    assert document["gradient"] == {"x": 2.0, "y": 1.0}


def test_repeated_at_gives_the_same_result_as_one(run_cli):
    once = run_cli("hessian", "x*y**2", "--at", "x=1,y=2", "--format", "json")
    twice = run_cli("hessian", "x*y**2", "--at", "y=2", "--at", "x=1", "--format", "json")
    assert twice.exit_code == 0, twice.stderr
    assert twice.stdout == once.stdout


def test_repeated_positional_values_join_in_order(run_cli):
    result = run_cli("eval", "x - y", "--at", "3", "--at", "1", "--format", "plain")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["value", "f", "2"]


def test_a_name_given_twice_across_options_is_a_usage_error(run_cli):
    result = run_cli("grad", "x*y", "--at", "x=1", "--at", "x=2,y=2")
    assert result.exit_code == 2
    assert "x is given twice" in result.stderr
    assert "no value for" not in result.stderr


def test_named_and_positional_parts_do_not_mix(run_cli):
    result = run_cli("grad", "x*y", "--at", "1", "--at", "y=2")
    assert result.exit_code == 2
    assert "mixes named and positional" in result.stderr


@pytest.mark.parametrize("args", [
    ["minimize", "(x-1)**2 + (y+2)**2", "--from", "x=0", "--from", "y=0"],
    ["jvp", "x*y", "--at", "1,2", "--dir", "x=1", "--dir", "y=0"],
])
def test_every_point_option_merges(run_cli, args):
    result = run_cli(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document.get("x", document.get("jvp")) in ({"x": 1.0, "y": -2.0}, {"f": 2.0})
