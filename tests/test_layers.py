"""The package's layers, enforced: imports point one way, cli -> tools ->
api -> language -> engine -> the base (errors, ops, graph, files,
extensions), and only the CLI imports click or rich.  Every import statement of every
module counts, those inside functions too (read with ast, never imported)."""
import ast
import pathlib

import pytest

import adcli

PACKAGE = pathlib.Path(adcli.__file__).resolve().parent

#: lowest first: a module may import its own layer and the layers below it
LAYERS = (
    ("errors", "ops", "graph", "files", "extensions"),
    ("engine",),
    ("language",),
    ("points", "array_values", "array_results", "array_api", "api", "jacobians", "__init__"),
    ("tools", "workloads"),
    ("cli", "__main__"),
)
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}
#: third-party packages and the one place each may be imported
CONFINED = {"click": ("cli",), "rich": ("cli",), "lark": ("language",)}


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "grammars" not in p.parts)


def _dotted(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts


def _is_package(path):
    return path.name == "__init__.py"


def _imported(path):
    """(module, line) for each import: adcli-internal as a tuple of parts,
    third-party as a one-part tuple."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _dotted(path)
    package = here if _is_package(path) else here[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield tuple(alias.name.split(".")), node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = base + tuple(node.module.split(".")) if node.module else base
            else:
                module = tuple(node.module.split("."))
            if node.module is None or module == ("adcli",):
                for alias in node.names:  # from . import points: the module points
                    yield module + (alias.name,), node.lineno
            else:
                yield module, node.lineno


def _unit(parts):
    """The layer unit of an adcli module: its subpackage, or its top module."""
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_module_has_a_layer():
    units = {_unit(_dotted(p)) for p in _modules()}
    assert units <= set(RANK), f"modules outside every layer: {sorted(units - set(RANK))}"


def _upward_imports():
    found = []
    for path in _modules():
        mine = _unit(_dotted(path))
        for module, line in _imported(path):
            if module[0] != "adcli" or len(module) == 1:
                continue
            theirs = _unit(module)
            if theirs in RANK and RANK[theirs] > RANK[mine]:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports "
                             f"{'.'.join(module)}")
    return found


def test_imports_point_down_the_layers():
    assert _upward_imports() == []


@pytest.mark.parametrize("name", sorted(CONFINED))
def test_third_party_packages_stay_in_their_layer(name):
    outside = [f"{path.relative_to(PACKAGE.parent)}:{line}"
               for path in _modules() for module, line in _imported(path)
               if module[0] == name and _unit(_dotted(path)) not in CONFINED[name]]
    assert outside == []


def test_the_layer_test_sees_an_upward_import(tmp_path, monkeypatch):
    """The checker itself: a base module importing the CLI is caught."""
    fake = tmp_path / "adcli"
    (fake / "cli").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "cli" / "__init__.py").write_text("")
    (fake / "graph.py").write_text("def f():\n    from .cli import app\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert _upward_imports() == ["adcli/graph.py:2 imports adcli.cli"]
