"""The LALR driver (adcli/language/lalr.py) and the generator of its tables
(adcli/language/regenerate.py), on adcli's grammar and on small grammars of
their own."""
import ast
import importlib.util
import pathlib

import random

import pytest

import adcli
from adcli.language import lalr, parser, tables

PACKAGE = pathlib.Path(adcli.__file__).resolve().parent


def _absolute_imports(path):
    """The top-level names of the absolute imports in a module, those inside
    functions too."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            yield node.module.split(".")[0]


def test_only_the_generator_imports_lark():
    importers = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
                 if "lark" in set(_absolute_imports(path))}
    assert importers == {"language/regenerate.py"}


def test_the_tables_are_plain_literals():
    source = (PACKAGE / "language" / "tables.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    for statement in tree.body[1:]:  # after the docstring: NAME = literal, nothing else
        assert isinstance(statement, ast.Assign), ast.dump(statement)
        ast.literal_eval(statement.value)
    assert len(source.splitlines()) < 600


def test_every_rule_has_its_reduction():
    reductions = parser._Reductions()
    for name, symbols, marks, reduction in tables.RULES:
        assert len(marks) == len(symbols.split())
        if reduction not in ("", "[]"):
            assert callable(getattr(reductions, reduction)), name


def test_tokens_are_named_tuples():
    tokens = list(parser._the_parser()._tokens("x1 + 2.5 # note\noutput x1"))
    assert [token.kind for token in tokens] == [
        "NAME", "PLUS", "NUMBER", "_NEWLINE", "OUTPUT", "NAME", "$END"]
    assert tokens[2] == lalr.Token("NUMBER", "2.5", 5, 8)
    assert type(tokens[2]) is lalr.Token and tokens[2].start == 5


def test_a_program_of_many_statements():
    # the _rules that collect the statements grow one list in place (no copy a statement)
    text = "\n".join(f"a{i} = {i}" for i in range(20000)) + "\nx + a19999"
    assert adcli.grad(adcli.parse(text), {"x": 1}).value == 20000


# --- small grammars of their own -------------------------------------------------------------------

TOY_GRAMMAR = r"""
?start: list
list: _open item (_COMMA item)* _CLOSE
_open: _OPEN
?item: NUMBER | list
_OPEN: "("
_CLOSE: ")"
_COMMA: ","
NUMBER: /[0-9]+/
%ignore " "
"""


class _ToyReductions:
    def list(self, *items):
        return [item if type(item) is list else int(item.text) for item in items]


def _toy_tables(tmp_path, grammar):
    regenerate = pytest.importorskip("adcli.language.regenerate")
    pytest.importorskip("lark")
    path = tmp_path / "toy_tables.py"
    path.write_text(regenerate.generated_source(grammar), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("toy_tables", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _toy_tokens(lexicon, text):
    for match in lexicon.scan(text):
        if match.lastgroup not in lexicon.ignored:
            yield lalr.new_token(match.lastgroup, match.group(), *match.span())
    yield lalr.new_token("$END", "", len(text), len(text))


def test_a_toy_grammar_drops_tokens_and_splices_rules(tmp_path):
    toy = _toy_tables(tmp_path, TOY_GRAMMAR)
    automaton = lalr.Automaton(toy, _ToyReductions())
    lexicon = lalr.Lexicon(toy)
    assert automaton.run(_toy_tokens(lexicon, "(1, (2, 3), 4)")) == [1, [2, 3], 4]
    nested = "(" * 5000 + "1" + ")" * 5000  # deep, and no recursion
    value = automaton.run(_toy_tokens(lexicon, nested))
    for _ in range(4999):
        value, = value
    assert value == [1]
    with pytest.raises(lalr.UnexpectedToken) as raised:
        automaton.run(_toy_tokens(lexicon, "(1 2)"))
    assert raised.value.token == ("NUMBER", "2", 3, 4)
    assert raised.value.expected == {"_COMMA", "_CLOSE"}


@pytest.mark.parametrize("rule, complaint", [
    ("list: _OPEN [item] _CLOSE", "[optional]"),
    ("!list: _OPEN item _CLOSE", "!rules"),
    ("?list: _OPEN item _CLOSE", "needs an alias"),
])
def test_the_generator_refuses_what_the_driver_does_not_run(rule, complaint):
    regenerate = pytest.importorskip("adcli.language.regenerate")
    pytest.importorskip("lark")
    grammar = TOY_GRAMMAR.replace("list: _open item (_COMMA item)* _CLOSE", rule)
    with pytest.raises(regenerate.GrammarNotSupported, match=complaint.replace("[", r"\[")):
        regenerate.generated_source(grammar)


@pytest.mark.parametrize("text", [
    "x1 + 2.5e3 # a comment\n  **y ^ 3;z [1,2] .5.T",
    "A.T.T + A.Tx + B.T2 + 1e5.5 + 1.2.3 + 0x1F + 1_000 + .5e-3 + 5.",
    'load("A.csv") @ x; f = max(x, y); check f at x=1: value 2 ~ fd',
    "\t \r\f# only a comment\n\n;;  \n",
    "x $ y \u00b2 \u2212 \u00bd 'q' \"unclosed\n{x} !x %",
    "output f, g\ntolerance rtol 1e-9\ncheckx = outputs + tolerance_1",
])
def test_split_cuts_the_tokens_scan_finds(text):
    """The parser's Lexicon.split (pieces, classified once each; its fixed
    strings tried first) and the plain scan (a match object per token, in
    Lark's order) agree on every token."""
    _assert_split_as_scanned(text)


def test_random_texts_split_as_scanned():
    rng = random.Random(12)
    alphabet = ["x", "T", "e", "_1", "12", "3.", ".5", "1e", "E+", "**", "*", "^", "+", "-",
                "/", "@", "(", ")", "[", "]", ",", ":", ";", "=", "~", ".", ".T", " ", "\t",
                "\n", "#", '"', "output", "check", "tolerance", "$", "\u00b2"]
    for _ in range(500):
        _assert_split_as_scanned("".join(rng.choice(alphabet) for _ in range(rng.randrange(30))))


def _assert_split_as_scanned(text):
    lexicon = lalr.Lexicon(tables)
    scanned = [(match.lastgroup, match.group(), match.start()) for match in lexicon.scan(text)]
    scanned = [(lexicon.keywords.get(piece, kind) if kind == "NAME" else kind, piece, start)
               for kind, piece, start in scanned if kind not in lexicon.ignored]
    cut, start = [], 0
    for piece in lexicon.split(text):
        kind = lexicon.kind(piece)
        if kind not in lexicon.ignored:
            cut.append((kind, piece, start))
        start += len(piece)
    assert cut == scanned
    assert start == len(text)  # every character in one piece
