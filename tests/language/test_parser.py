"""The parser (adcli/language/parser.py) builds the same graphs as the parser
it replaced: each text below is parsed and its graph, node by node (ops with
their parameters, arguments, spans, constant values, variables, outputs,
definitions, checks), is digested and compared with the digest the previous
parser gave for the same text (stored here, computed before the tokenizer,
the LALR loop and the graph builder were made faster)."""
import hashlib

import pytest

import adcli
from adcli.workloads import generate

from conftest import EXAMPLES

#: programs that reach every rule of the grammar: definitions, outputs,
#: checks and tolerances, arrays, subscripts and slices, keywords, continued
#: lines, comments, ';', unary signs, constants folded and interned
PROGRAMS = {
    "definitions": "l1 = 1.0  # a length\nc = cos(t1)\npx = l1*c + 0.7*cos(t1 + t2)\n"
                   "py = l1*sin(t1) + 0.7*sin(t1 + t2)\noutput px, py\n",
    "continued": "f = (x\n  + y)\n  - 2*x\n  * y ** -1 ^ 2\ng = f +\n  3; h = -+-f\n",
    "folded": "a = 2*3 + 4/8 - 1e-3; b = pi*e; c = -0.0 + 0*x; x*a + b - c + x*a",
    "checks": "f = x**2 + 3*y\ncheck f at x=1, y=2: value 7, grad [2, 3], finite\n"
              "check f over x in [-1, 1], y in [0, 2]: grad ~ fd, samples 50\n"
              "check f from x=-1.2, y=1: minimum 0\ntolerance rtol 1e-9, atol 1e-12\n",
    "check_arrays": "f = x @ A @ x\n"
                    "check f at x=[1,2], A=[[2,1],[1,3]]: wrt x, value 18, grad = [8, 14]\n"
                    "check f at x=[1,2], A=[[2,1],[1,3]]: grad x = [8, 14]\n",
    "arrays": "A = [[1, 2], [3, 4]]\nv = [x, y]\nw = A @ v + A.T @ v\n"
              "s = sum(w * w, axis=0) + max(v) + min(x, y) + v[0] * v[-1]\n"
              "t = w[1:] + w[:1] + w[::2] + A[0, :] @ A[:, 1] + A[1:2, 0:1:1][0, 0]\n"
              "z = zeros(2) + ones(2, 1)[:, 0] + eye(2)[0] + linspace(0, 1, 2)\n"
              "output s, t, z\n",
    "calls": "atan2(y, x) + hypot(x, y) + max(x, y, 2) + log(exp(x)) + sqrt(abs(y))",
    "shared": "sin(x)*sin(x) + sin(x)*cos(y) + (sin(x) + cos(y)) ** 2 + 1 + 1 + x + x",
    "several": "x + y; x - y\nx * y",
    "deep": "(" * 3000 + "x" + ")" * 3000 + " + " + "-" * 3000 + "y" + " + " + "[" * 500
            + "x" + "]" * 500 + "[0]" * 500 + " + 2**" * 2000 + "x",
}

#: sha256 of _description(graph) per text, from the parser before issue 15
DIGESTS = {
    'arrays': 'f44b266321038782a001ea340cc6871b61aed3f7848540cfceeec923db67e09e',
    'calls': '38b6930c07929d0b084ed7ff738d38b39fbb31fbed6bc8aaabf91772cec4eeeb',
    'check_arrays': '627d240c8444c47b8668c2aa70ab2352546f867bdf213e95bedfe2abd38d02fa',
    'checks': '0de14fe5f977cdc15385964cd1418655e8354531134d2d8522134c9a781d7cb7',
    'compositions_300': '11bf8d8570770c1d03143deb79fa1210e5dac39d2335831f01fea0b09a4fc687',
    'compositions_300_seed_2': '820b157cfb46b7fc369a959666244690d212525682b517936f0eee74f2758f00',
    'continued': '380479e5f2514aeaca13b1264f4b7721c11f2c96b50610d049617c699a436d9b',
    'deep': '23c8aebe0b2c9ed7c16f54cd9538080fdfd528a822ae0039d4832cecb3296466',
    'definitions': '119c5f9bf1422042e1cf57168d12d2a4735964f09751c16b19ea893a8271f136',
    'example curve_fit.adx': '8c7c9d2df7bc7c06c329d83124bcd6f35e7fb33438e3a8a84891a919fd79c9aa',
    'example least_squares.adx':
        '9959f05b745b23134d36ef1002546b3aeb1339f733353739beac568d0286487a',
    'example logistic_loss.txt':
        '9155e7320800b65b5f6c74d059738c30f677ac9e6f478e7eb4f1a399fb4a8e3e',
    'example logistic_regression.adx':
        '06addc38e508aade558f8691277b9a90ac935469be372294801d1f683e6cb67d',
    'example misra1a.adx': 'c4a316194b69894fe7029d6312e89d40d4c238164fce94e963379245fe387913',
    'example neural_net.adx': '7527e8435dfbd0c60f3c27db87dad48f93789591eaef6b0c01bd592f233e612b',
    'example reach.adx': '2562451f7acb1fd2df4a4f3ce035ecdd00dd75ac339a39225150261cc8e52725',
    'example rosenbrock.adx': '39377501a286cf30b9765e917b2f6ea5dcf85f70ac09c31925297d91115002df',
    'example rosenbrock.txt': 'db456c0df4c4c1c7d525f3c7f5e9868b7cf1a3b7a13eae957f720b1b04aca018',
    'example textbook.adx': 'f5b8ee1f586057b505f1f62b630562d600f45014f1383a3c93e29e13f9c643f4',
    'example two_link_arm.adx': '3d103c7d0736b9c9868782d2f330899893cedb2d0d6f8b6ea3b28de4412c910c',
    'example two_link_arm_x.txt':
        'd54364ee559533ab40b010c8e98438b60a98301a0d039a13e00a107dcf2a57ed',
    'folded': '7d0c67d9b455d65b8f81db8a242b788aa4d449301e27b02df83dea280231db18',
    'rosenbrock_2000': 'e83f57f468a77ac7ec429898ff185240f0fd46c3618536f8abb47cec2391dc51',
    'rosenbrock_program_2000': 'd79e1a06728d14e5f434cdfcb6546716d85f79bde166ebd3162203b46a35b291',
    'several': '58647c06b9bfbbe6aaeac9f67cfb2b01b7566de8eaaedbefed7271f36f3c67ca',
    'shared': '20264d3e89bc9b1fda57d779e14d9498b15bd2d8c3599f9c6b9d37d6bba44356',
}


def _texts():
    texts = dict(PROGRAMS)
    texts["rosenbrock_2000"] = generate.rosenbrock(2000)
    texts["rosenbrock_program_2000"] = generate.rosenbrock_program(2000)
    texts["compositions_300"] = generate.random_compositions(300, seed=1)
    texts["compositions_300_seed_2"] = generate.random_compositions(300, seed=2)
    for path in sorted(EXAMPLES.iterdir()):
        if path.suffix in (".adx", ".txt"):
            texts["example " + path.name] = path.read_text(encoding="utf-8")
    return texts


TEXTS = _texts()


def _value_text(value):
    if type(value) is float:
        return value.hex()
    return f"array {value.dtype} {value.shape} {value.tobytes().hex()}"


def _op_text(op):
    return op if type(op) is str else f"{op.name} {op.array} {op.params!r}"


def _description(graph):
    """Every fact of a graph, one line each, in tape order."""
    lines = [f"{k} {_op_text(op)} {graph.args[k]} {graph.spans[k]} "
             f"{_value_text(graph.initial_values[k])}" for k, op in enumerate(graph.ops)]
    lines += [f"variables {graph.variables} {graph.var_nodes}",
              f"outputs {graph.output_names} {graph.outputs}",
              f"op nodes {graph.op_nodes}",
              f"labels {sorted(graph.labels.items())}",
              f"definitions {sorted(graph.definitions.items())}",
              f"checks {graph.checks!r}", f"tolerances {graph.tolerances!r}"]
    return "\n".join(lines)


def _digest(graph):
    return hashlib.sha256(_description(graph).encode("utf-8")).hexdigest()


def _graph(name):
    return adcli.parse(TEXTS[name], base=EXAMPLES if name.startswith("example") else None)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_the_same_graph_as_before(name):
    assert _digest(_graph(name)) == DIGESTS[name]


def test_the_texts_have_their_digests():
    assert set(DIGESTS) == set(TEXTS)


def test_the_rosenbrock_graph_node_by_node():
    """Independent of the stored digests: the tape of rosenbrock(4) written out."""
    graph = adcli.parse(generate.rosenbrock(4))
    text = generate.rosenbrock(4)
    shown = [(_op_text(op).split()[0], graph.args[k], text[slice(*graph.spans[k])])
             for k, op in enumerate(graph.ops)]
    assert shown == [
        ("const", (), "100"), ("var", (), "x2"), ("var", (), "x1"), ("const", (), "2"),
        ("pow", (2, 3), "x1**2"), ("sub", (1, 4), "x2-x1**2"), ("pow", (5, 3), "(x2-x1**2)**2"),
        ("mul", (0, 6), "100*(x2-x1**2)**2"), ("const", (), "1"), ("sub", (8, 2), "1-x1"),
        ("pow", (9, 3), "(1-x1)**2"), ("var", (), "x4"), ("var", (), "x3"),
        ("pow", (12, 3), "x3**2"), ("sub", (11, 13), "x4-x3**2"),
        ("pow", (14, 3), "(x4-x3**2)**2"), ("mul", (0, 15), "100*(x4-x3**2)**2"),
        ("sub", (8, 12), "1-x3"), ("pow", (17, 3), "(1-x3)**2"),
        ("add", (7, 10, 16, 18), text)]
    assert graph.variables == ("x1", "x2", "x3", "x4")


def test_the_program_layout_is_the_same_sum():
    graph = adcli.parse(generate.rosenbrock_program(6))
    point = generate.rosenbrock_start(6)
    assert graph.variables == tuple(f"position_{k}" for k in range(1, 7))
    assert adcli.grad(graph, point).value == pytest.approx(generate.rosenbrock_value(point),
                                                         rel=1e-14)
