"""The computational graph: a flat tape of nodes in topological order.

A node is a variable (an input), a constant, or an op from the op table
applied to earlier nodes.  The builder hash-conses nodes by (op, inputs), so
an identical subexpression is one node, and folds ops whose inputs are all
constants.  A Graph is immutable once built and is evaluated at many points.
"""
import contextlib
import copy
import gc
import math
import re
import struct
from array import array
from collections.abc import Mapping
from functools import cached_property

from .errors import AdcliError, ExpressionError, require_text

_VARIABLE = "var"
_CONSTANT = "const"
_DECLARED = (0, 0)  # the span of a variable the text does not use
_VARIABLE_CODE, _FLOAT_CODE, _ARRAY_CODE = 0, 1, 2  # a Tape's leaf codes
_CONSTANT_CODES = (_FLOAT_CODE, _ARRAY_CODE)
#: GraphBuilder writes its tape a few thousand nodes at a time (record fields)
_PENDING = 5 * 4096
#: a tape of at least this many nodes is walked with numpy where that is simpler
#: (the levels evaluate such graphs, and load numpy anyway)
NUMPY_NODES = 2000


_PARTS = re.compile(r"\d+|\D+").findall
_WORD_AND_NUMBER = re.compile(r"(\D+)(\d+)").fullmatch  # x12, position_3: most names


#: the word and the number of each line that is a word and a number (x12, position_3)
_WORDS = re.compile(r"^([^\d\n]+)\d+$", re.MULTILINE).findall
_NUMBERS = re.compile(r"^[^\d\n]+(\d+)$", re.MULTILINE).findall
_LEADING_ZERO = re.compile(r"^[^\d\n]+0\d", re.MULTILINE).search


def natural_sorted(names):
    """The names sorted by natural_key.  When every name is a word and a
    number (x12, position_3), the keys are made in C: natural_key itself
    costs a call per name, and 10^5 variables are common.  (The words and
    numbers are found apart: a pair per name would weigh more than the
    graph of 10^5 variables.)"""
    names = list(names)
    joined = "\n".join(names)
    words = _WORDS(joined)
    if len(words) != len(names) or joined.count("\n") != len(names) - 1:
        return sorted(names, key=natural_key)
    single = len(set(words)) == 1
    if single and not _LEADING_ZERO(joined):
        # one word and numbers written without leading zeros: shorter numbers
        # first, then the texts in order (two sorts in C, no key per name)
        names.sort()
        names.sort(key=len)
        return names
    numbers = list(map(int, _NUMBERS(joined)))
    del joined
    keys = numbers if single else list(zip(words, numbers))
    del words, numbers
    return [names[k] for k in sorted(range(len(names)), key=keys.__getitem__)]


def natural_key(name):
    """Sort key putting x2 before x10: digit runs compare as numbers."""
    simple = _WORD_AND_NUMBER(name)
    if simple is not None:  # the general key, made without a loop
        return ((1, 0, simple[1]), (0, int(simple[2]), ""))
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in _PARTS(name))


class Tape:
    """The nodes of a graph in typed arrays, as a compiler keeps its IR.

    Node k's fields are five ints of ``record`` from 5k: its op code (an
    index into ``op_table``; 0, 1 and 2 are a variable, a float constant, a
    data array), the start and end of its first occurrence in the text, its
    level (one more than its highest input's, leaves 0) and where its
    inputs end in ``inputs`` (they start where the previous node's end).  A
    constant's value is in ``constants`` (data arrays in ``arrays``).  So a
    node costs a few machine ints, not a tuple, list slots and boxed numbers.
    """

    __slots__ = ("op_table", "code_of", "record", "inputs", "constants", "arrays")

    FIELDS = ("code", "start", "end", "level", "inputs_end")

    def __init__(self, wide=False):
        index = "q" if wide else "i"  # positions in a text of 2**31 characters need 64 bits
        self.op_table = [_VARIABLE, _CONSTANT, _CONSTANT]
        self.code_of = {}  # Op -> its code (ops hash by identity)
        self.record = array(index)
        self.inputs = array(index)
        self.constants = {}  # node -> float, for float constants
        self.arrays = {}  # node -> array, for data arrays

    def __len__(self):
        return len(self.record) // 5

    def copy(self):
        tape = Tape.__new__(Tape)
        for name in Tape.__slots__:
            value = getattr(self, name)
            setattr(tape, name, value[:] if isinstance(value, array) else copy.copy(value))
        return tape

    def code(self, op):
        code = self.code_of.get(op)
        if code is None:
            code = self.code_of[op] = len(self.op_table)
            self.op_table.append(op)
        return code

    def append_leaf(self, code, span):
        self.record.extend((code, span[0], span[1], 0, len(self.inputs)))
        return len(self.record) // 5 - 1

    # one node's fields
    def code_at(self, node):
        return self.record[5 * node]

    def op_of(self, node):
        return self.op_table[self.record[5 * node]]

    def _begin(self, node):
        return self.record[5 * node - 1] if node else 0

    def args_of(self, node):
        return tuple(self.inputs[self._begin(node):self.record[5 * node + 4]])

    def arity(self, node):
        return self.record[5 * node + 4] - self._begin(node)

    def span_of(self, node):
        return (self.record[5 * node + 1], self.record[5 * node + 2])

    def level_of(self, node):
        return self.record[5 * node + 3]

    def value_of(self, node):
        code = self.record[5 * node]
        if code == _FLOAT_CODE:
            return self.constants[node]
        return self.arrays[node] if code == _ARRAY_CODE else 0.0

    def is_constant(self, node):
        return self.record[5 * node] in _CONSTANT_CODES

    # every node's field, as a column
    @property
    def codes(self):
        return self.record[0::5]

    @property
    def levels(self):
        return self.record[3::5]

    def column(self, field):
        """A field of every node as a numpy array (a view): "code", "start",
        "end", "level", "inputs_end"."""
        import numpy as np
        table = np.frombuffer(self.record, dtype=self.record.typecode).reshape(-1, 5)
        return table[:, Tape.FIELDS.index(field)]

    def numpy_inputs(self):
        """(offsets, inputs) as numpy arrays: node k's inputs are
        inputs[offsets[k]:offsets[k + 1]]."""
        import numpy as np
        offsets = np.zeros(len(self) + 1, dtype=self.record.typecode)
        offsets[1:] = self.column("inputs_end")
        inputs = (np.frombuffer(self.inputs, dtype=self.inputs.typecode) if self.inputs
                  else np.zeros(0, dtype=np.intp))
        return offsets, inputs

    def replacing(self, replaced):
        """A copy whose nodes in replaced ({node: op}) have those ops."""
        tape = self.copy()
        for node, op in replaced.items():
            tape.record[5 * node] = tape.code(op)
        return tape

    def with_variables(self, count):
        """A copy with count variable nodes appended (declared names: no span)."""
        tape = self.copy()
        for _ in range(count):
            tape.append_leaf(_VARIABLE_CODE, _DECLARED)
        return tape

    # the per-node Python lists Graph shows (built on first use)
    def op_list(self):
        table = self.op_table
        return [table[code] for code in self.record[0::5]]

    def args_list(self):
        inputs, ends = self.inputs, self.record[4::5]
        return [tuple(inputs[begin:end]) for begin, end in zip([0] + ends.tolist(), ends)]

    def span_list(self):
        return list(zip(self.record[1::5], self.record[2::5]))

    def value_list(self):
        values = [0.0] * len(self)
        for node, value in self.constants.items():
            values[node] = value
        for node, value in self.arrays.items():
            values[node] = value
        return values


class GraphBuilder:
    """Appends nodes to a tape; the parser calls it once per reduction.

    Identical op nodes are one node: a hash table of ints (a bucket per
    hash, each node chained to the previous node of its bucket) finds them
    without a Python key object per node.  While building, each node's op
    code and level also sit in lists (read back at every reduction), and the
    tape's arrays are written a few thousand nodes at a time (packed in one
    call: appending to an array one int at a time costs more than the rest
    of a reduction); ``tape`` is the tape with everything written."""

    def __init__(self, source, namespace, name_problem, loader=None):
        """namespace: the scalar namespace constants are folded in;
        name_problem(name): why name cannot be a variable, or None (the
        language's rule; graphs built from this builder keep it);
        loader(path): the array in a data file (load("A.csv") in a program),
        relative to the program's folder."""
        self.source = source
        self.namespace = namespace
        self.name_problem = name_problem
        self.loader = loader
        self._tape = Tape(wide=len(source) >= 2 ** 31 - 1)
        self._index_code = self._tape.record.typecode
        self._code_of = self._tape.code_of  # Op -> code, read at every reduction
        self._shared = False  # a built Graph holds the tape: copy before appending
        self._codes = []  # per node: its op code
        self._levels = []  # per node: its level
        # not yet in the tape: 5 record fields a node, and inputs
        self._pending, self._pending_inputs = [], []
        self._written = 0  # nodes in the tape's arrays
        self._inputs = 0  # inputs of every node so far
        # buckets: about one per 4 characters of text (a node takes at least 2)
        self._mask = (1 << max(6, (len(source) // 4).bit_length())) - 1
        self._buckets = array("i", [-1]) * (self._mask + 1)
        self._chain = array("i")  # per node: the previous node of its bucket, or -1
        self.var_index = {}
        self._constants = {}
        self.definitions = {}  # name -> (node, start, end of the defined name)
        self.expressions = []  # (node, start, end) of each bare expression statement
        self.declared = []  # (name, start, end) from output statements
        self.checks = []  # parser.CheckStatement, in file order
        self.tolerances = []  # [Claim] of tolerance statements

    @property
    def tape(self):
        """The Tape of every node appended so far."""
        self._write()
        return self._tape

    def _write(self):
        """The pending nodes into the tape's arrays, packed in one call each."""
        if not self._pending:
            return
        tape, code = self._tape, self._index_code
        for column, pending in ((tape.record, self._pending), (tape.inputs, self._pending_inputs)):
            column.frombytes(struct.pack(f"{len(pending)}{code}", *pending))
            pending.clear()
        self._written = len(self._codes)

    def _inputs_of(self, node):
        """The inputs of node, written or pending."""
        if node < self._written:
            return self._tape.args_of(node)
        k = node - self._written
        pending, written = self._pending, len(self._tape.inputs)
        begin = pending[5 * k - 1] if k else written
        return tuple(self._pending_inputs[begin - written:pending[5 * k + 4] - written])

    # per-node views of the tape (sequences indexed by node)
    @property
    def ops(self):
        return _Column(self.tape.op_of, self.tape)

    @property
    def args(self):
        return _Column(self.tape.args_of, self.tape)

    @property
    def values(self):
        return _Column(self.tape.value_of, self.tape)

    @property
    def spans(self):
        return _Column(self.tape.span_of, self.tape)

    def _unshare(self):
        """Appending after build(): a tape of the builder's own, and the lists
        and hash table build() let go of, made again from it."""
        self._write()
        self._tape = tape = self._tape.copy()
        self._code_of = tape.code_of
        self._shared = False
        self._codes, self._levels = tape.codes.tolist(), tape.levels.tolist()
        self._chain = array("i", [-1]) * len(tape)
        self._written = len(tape)
        self._rehash(grow=False)

    def _release(self):
        self._codes = self._levels = self._chain = self._buckets = None

    def _leaf(self, code, span):
        if self._shared:
            self._unshare()
        node = len(self._codes)
        self._codes.append(code)
        self._levels.append(0)
        self._chain.append(-1)
        self._pending.extend((code, span[0], span[1], 0, self._inputs))
        if len(self._pending) >= _PENDING:
            self._write()
        return node

    def variable(self, name, span):
        index = self.var_index.get(name)
        if index is None:
            index = self.var_index[name] = self._leaf(_VARIABLE_CODE, span)
        return index

    def constant(self, value, span):
        key = (value, math.copysign(1.0, value))
        index = self._constants.get(key)
        if index is None:
            index = self._constants[key] = self._leaf(_FLOAT_CODE, span)
            self._tape.constants[index] = value
        return index

    def array_constant(self, value, span):
        """A constant node holding an array (data loaded from a file); never
        interned or folded."""
        index = self._leaf(_ARRAY_CODE, span)
        self._tape.arrays[index] = value
        return index

    def load(self, path, span):
        """The node of load(path): the file's array as a constant."""
        if self.loader is None:
            raise ExpressionError("load(...) reads a data file, and needs one: here there is "
                                  "no folder to read it from", self.source, *span,
                                  kind="arguments")
        try:
            value = self.loader(path)
        except ExpressionError:
            raise
        except AdcliError as error:
            raise ExpressionError(getattr(error, "message", str(error)), self.source, *span,
                                  hint=getattr(error, "hint", None), kind="data") from None
        return self.array_constant(value, span)

    def is_constant(self, index):
        return self.tape.is_constant(index) if self._shared else self._codes[index] in _CONSTANT_CODES

    def apply(self, op, args, span):
        """The node for op(args): an existing identical node, a folded
        constant, or a new node."""
        if self._shared:
            self._unshare()
        code = self._tape.code(op)
        bucket = hash((code,) + args) & self._mask
        node = self._buckets[bucket]
        codes = self._codes
        while node >= 0:
            if codes[node] == code and self._inputs_of(node) == args:
                return node
            node = self._chain[node]
        for a in args:  # data arrays (code 2) stay nodes
            if codes[a] != _FLOAT_CODE:
                break
        else:
            # array ops are not folded: a constant node holds a float, and
            # zeros(3) (no arguments) is an array
            if not op.array:
                constants = self._tape.constants
                folded = _fold(op, self.namespace, [constants[a] for a in args])
                if math.isfinite(folded):  # a non-finite one stays a node, to be reported
                    return self.constant(folded, span)
        levels = self._levels
        return self._append(code, args, span[0], span[1],
                            max([levels[a] for a in args], default=-1) + 1, bucket)

    def apply_binary(self, op, a, b, start, end):
        """apply(op, (a, b), (start, end)) without the tuples: the parser's
        binary operators.  (Hot: the same steps as apply, unrolled.)"""
        if self._shared:
            self._unshare()
        code = self._code_of.get(op)
        if code is None:
            code = self._tape.code(op)
        bucket = hash((code, a, b)) & self._mask
        buckets = self._buckets
        node = previous = buckets[bucket]
        codes = self._codes
        while node >= 0:
            if codes[node] == code and self._inputs_of(node) == (a, b):
                return node
            node = self._chain[node]
        if codes[a] == _FLOAT_CODE == codes[b] and not op.array:
            constants = self._tape.constants
            folded = _fold(op, self.namespace, [constants[a], constants[b]])
            if math.isfinite(folded):  # a non-finite one stays a node, to be reported
                return self.constant(folded, (start, end))
        levels = self._levels
        first, second = levels[a], levels[b]
        level = (first if first > second else second) + 1
        node = len(codes)
        codes.append(code)
        levels.append(level)
        self._inputs = filled = self._inputs + 2
        pending = self._pending
        pending.extend((code, start, end, level, filled))
        self._pending_inputs.extend((a, b))
        self._chain.append(previous)
        buckets[bucket] = node
        if len(pending) >= _PENDING:
            self._write()
            if node > 2 * self._mask:
                self._rehash()
        return node

    def _append(self, code, args, start, end, level, bucket):
        node = len(self._codes)
        self._codes.append(code)
        self._levels.append(level)
        self._inputs += len(args)
        self._pending.extend((code, start, end, level, self._inputs))
        self._pending_inputs.extend(args)
        self._chain.append(self._buckets[bucket])
        self._buckets[bucket] = node
        if len(self._pending) >= _PENDING:
            self._write()
        if node > 2 * self._mask:
            self._rehash()
        return node

    def _rehash(self, grow=True):
        """Four times the buckets, every op node chained again (amortized O(1)
        a node)."""
        tape = self.tape
        if grow:
            self._mask = 4 * self._mask + 3
        mask = self._mask
        buckets = self._buckets = array("i", [-1]) * (mask + 1)
        chain = self._chain
        for node, code in enumerate(self._codes):
            if code > _ARRAY_CODE:
                bucket = hash((code,) + tape.args_of(node)) & mask
                chain[node] = buckets[bucket]
                buckets[bucket] = node

    # --- statements of a program --------------------------------------------

    def define(self, name, node, start, end):
        """name = node.  A name is defined once, before any use."""
        problem = None
        if name in self.definitions:
            first = _line_of(self.source, self.definitions[name][1])
            problem = (f"{name} is defined twice", f"its first definition is on line {first}")
        elif name in self.var_index:
            use = self.tape.span_of(self.var_index[name])[0]
            problem = (f"{name} is used before it is defined",
                       f"it is used on line {_line_of(self.source, use)}; define it above that")
            start, end = self.spans[self.var_index[name]]
        if problem:
            raise ExpressionError(problem[0], self.source, start, end, hint=problem[1],
                                  kind="definition")
        self.definitions[name] = (node, start, end)

    def outputs(self):
        """[(name, node)]: the output statements' names, then the bare
        expressions (f, or f1, f2, ...); with neither, the last definition."""
        outputs = []
        for name, start, end in self.declared:
            node = self.definitions.get(name, (self.var_index.get(name),))[0]
            if node is None:
                raise ExpressionError(f"no definition named {name!r} to output",
                                      self.source, start, end, kind="definition",
                                      hint=_suggest(name, self.definitions))
            if any(name == seen for seen, _ in outputs):
                raise ExpressionError(f"{name} is listed as an output twice", self.source,
                                      start, end, kind="definition")
            outputs.append((name, node))
        names = self._expression_names(len(self.expressions))
        outputs += [(name, node) for name, (node, _, _) in zip(names, self.expressions)]
        if not outputs and self.definitions:
            name = list(self.definitions)[-1]
            outputs.append((name, self.definitions[name][0]))
        return outputs

    def _expression_names(self, count):
        declared = {name for name, _, _ in self.declared}
        for prefix in ("f", "out", "output_"):
            names = [prefix] if count == 1 else [f"{prefix}{k}" for k in range(1, count + 1)]
            # (no set of every name: 10^5 variables are common, outputs few)
            if not any(name in self.definitions or name in self.var_index or name in declared
                       for name in names):
                return names
        return [f"output_{k}_" for k in range(1, count + 1)]

    def build(self, variables=None):
        """The Graph; ``variables`` orders the inputs and may declare names
        the text does not use (their derivatives are 0)."""
        if variables is not None:
            variables = tuple(variables)
            for name in variables:
                if name not in self.var_index:
                    _check_declarable(name, self.definitions, self.name_problem)
                    self.variable(name, _DECLARED)
        self._write()
        self._shared = True
        self._release()  # the graph is made without them: they would add to its peak
        with collection_paused():
            return Graph(self, self.outputs(), _order_variables(self.var_index, variables))


@contextlib.contextmanager
def collection_paused():
    """The cyclic garbage collector off while a tape is built or walked: its
    passes over the millions of young tuples (none in a cycle) would cost as
    much as the work itself."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _line_of(source, position):
    return source.count("\n", 0, position) + 1


def _suggest(name, candidates):
    import difflib
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f"did you mean {close[0]}?" if close else None


def _check_declarable(name, definitions, name_problem):
    """A declared variable must be a name the text could use as one."""
    problem = name_problem(name)
    if problem is None and name in definitions:
        problem = (f"{name} is defined in the program, so it is not a variable", None)
    if problem is not None:
        raise ExpressionError(problem[0], hint=problem[1], kind="variables")


def _fold(op, namespace, values):
    if op.variadic:
        return op.forward(namespace, values)
    return op.forward(namespace, *values)


def _order_variables(var_index, requested):
    if requested is None:
        return tuple(natural_sorted(var_index))
    requested = tuple(requested)
    unknown = [name for name in requested if name not in var_index]
    listed = set(requested)  # a set, not the tuple: 10^4 names are matched here
    missing = [name for name in var_index if name not in listed]
    duplicated = []
    if len(listed) != len(requested):
        from collections import Counter
        duplicated = sorted(name for name, count in Counter(requested).items() if count > 1)
    problems = []
    if unknown:
        problems.append(f"not in the expression: {', '.join(unknown)}")
    if missing:
        problems.append(f"missing: {', '.join(sorted(missing, key=natural_key))}")
    if duplicated:
        problems.append(f"listed twice: {', '.join(duplicated)}")
    if problems:
        raise ExpressionError(
            "the variable order must name each variable of the expression once ("
            + "; ".join(problems) + ")", kind="variables")
    return requested


class _Column:
    """One field of every node of a tape being built, as a sequence: column[node]."""

    __slots__ = ("_get", "_tape")

    def __init__(self, get, tape):
        self._get = get
        self._tape = tape

    def __getitem__(self, node):
        return self._get(node + len(self._tape) if node < 0 else node)

    def __len__(self):
        return len(self._tape)


class NodeList:
    """The op nodes a graph evaluates, in order: a sequence of ints kept in
    an array, made a list on first use beyond its length (a 10^6-node graph
    evaluated by levels never needs the list)."""

    __slots__ = ("nodes", "_list")

    def __init__(self, nodes):
        self.nodes = nodes  # array("i") or a 1-D numpy integer array
        self._list = None

    def list(self):
        if self._list is None:
            self._list = self.nodes.tolist()
        return self._list

    def __len__(self):
        return len(self.nodes)

    def __iter__(self):
        return iter(self.list())

    def __reversed__(self):
        return reversed(self.list())

    def __getitem__(self, index):
        return self.list()[index]

    def __contains__(self, node):
        return node in self.list()

    def __eq__(self, other):
        return self.list() == (other.list() if isinstance(other, NodeList) else other)

    def __add__(self, other):
        return self.list() + list(other)

    def __radd__(self, other):
        return list(other) + self.list()

    def __repr__(self):
        return repr(self.list())

    __hash__ = None


class Graph:
    """A parsed expression, ready to evaluate and differentiate.

    Node indices are tape positions.  ``variables`` is the input order;
    ``op_nodes`` lists the op nodes in evaluation order.
    """

    def __init__(self, builder, outputs, variables):
        self.source = builder.source
        self.tape = tape = builder.tape
        self.output_names = tuple(name for name, _ in outputs)
        self.outputs = tuple(node for _, node in outputs)
        self.labels = {node: name for name, (node, _, _) in builder.definitions.items()
                       if tape.code_at(node) > _ARRAY_CODE}
        self.variables = variables
        self.var_nodes = [builder.var_index[name] for name in variables]
        self.op_nodes = self._reachable_ops()
        self.definitions = {name: node for name, (node, _, _) in builder.definitions.items()}
        self.checks = builder.checks
        self.tolerances = builder.tolerances
        self._name_problem = builder.name_problem
        self._names = None
        self._cache = {}

    # per-node lists, made from the tape on first use (the levels never need them)
    _VIEWS = ("ops", "args", "spans", "initial_values")

    @cached_property
    def ops(self):
        """The op of every node: an Op, or "var" / "const" for leaves."""
        return self.tape.op_list()

    @cached_property
    def args(self):
        """The input nodes of every node, as tuples."""
        return self.tape.args_list()

    @cached_property
    def spans(self):
        """(start, end) of every node's first occurrence in the source."""
        return self.tape.span_list()

    @cached_property
    def initial_values(self):
        """Constant values (floats, or data arrays); 0.0 for other nodes."""
        return self.tape.value_list()

    @property
    def has_arrays(self):
        """Does an output depend on an array op or on array data?  Such a graph
        is evaluated by engine/arrays.py whatever its point."""
        found = self._cache.get("has_arrays")
        if found is None:
            tape = self.tape
            array_codes = {code for code, op in enumerate(tape.op_table)
                           if type(op) is not str and op.array}
            found = bool(tape.arrays) or bool(array_codes) and any(
                tape.code_at(node) in array_codes for node in self.op_nodes)
            self._cache["has_arrays"] = found
        return found

    def for_arrays(self):
        """The graph as the array interpreter runs it: max(x) and min(x) of one
        argument are the reductions (numpy.max), which on a scalar are the
        same number.  Cached; a graph without them is itself."""
        found = self._cache.get("for_arrays")
        if found is None:
            from .ops import ARRAY_TABLE
            reductions = {name: ARRAY_TABLE[name] for name in ("max", "min")}
            tape = self.tape
            replaced = {}
            for node in self.op_nodes:
                op = tape.op_of(node)
                if (not op.array and op.name in reductions
                        and tape.arity(node) == 1):
                    replaced[node] = reductions[op.name]
            found = self._clone(tape=tape.replacing(replaced)) if replaced else self
            found._cache["for_arrays"] = found
            self._cache["for_arrays"] = found
        return found

    def _reachable(self):
        """A flag per node: does an output depend on it?"""
        tape = self.tape
        inputs, ends = tape.inputs, tape.record[4::5]
        needed = bytearray(len(tape))
        for node in self.outputs:
            needed[node] = 1
        for node in range(len(tape) - 1, -1, -1):
            if needed[node]:
                for i in inputs[ends[node - 1] if node else 0:ends[node]]:
                    needed[i] = 1
        return needed

    def _reachable_ops(self):
        """Op nodes the outputs depend on, in evaluation order: definitions
        no output uses are never evaluated.  A large tape whose every op node
        feeds a later node or is an output needs no walk (numpy finds that),
        and keeps the list in an array (NodeList)."""
        tape = self.tape
        if len(tape) >= NUMPY_NODES:
            nodes = _all_used_op_nodes(tape, self.outputs)
            if nodes is not None:
                return NodeList(nodes)
        needed = self._reachable()
        codes = tape.codes
        return [i for i in range(len(codes)) if needed[i] and codes[i] > _ARRAY_CODE]

    def op_node_array(self):
        """The op nodes as an array of ints (numpy imported)."""
        import numpy as np
        nodes = self.op_nodes
        return np.asarray(nodes.nodes if type(nodes) is NodeList else nodes, dtype=np.intp)

    def used_variables_only(self):
        """The same graph whose variables are only those the outputs use."""
        needed = self._reachable()
        pairs = [(n, v) for n, v in zip(self.variables, self.var_nodes) if needed[v]]
        return self._clone(variables=tuple(n for n, _ in pairs),
                           var_nodes=[v for _, v in pairs])

    def _clone(self, **changes):
        """The same tape with other outputs or variables, or another tape;
        derived data (names, plans, the per-node lists) is rebuilt for it."""
        clone = copy.copy(self)
        if "tape" in changes:
            for view in Graph._VIEWS:
                clone.__dict__.pop(view, None)
        clone.__dict__.update(changes)
        if "outputs" in changes or "tape" in changes:
            clone.op_nodes = clone._reachable_ops()
        clone._names = None
        clone._cache = {}
        return clone

    @property
    def output(self):
        """The output node of a one-output graph."""
        if len(self.outputs) != 1:
            raise ExpressionError(
                f"the expression has {len(self.outputs)} outputs "
                f"({', '.join(self.output_names)}); this needs one",
                hint="choose one: --output NAME (Python: graph.select(NAME))",
                kind="outputs")
        return self.outputs[0]

    def select(self, name):
        """The same tape with one output, by name."""
        return self.focus([name])

    def focus(self, names):
        """The same tape with these outputs: output or definition names."""
        require_text(names, "output names", ExpressionError)
        known = dict(self.definitions)
        known.update(zip(self.output_names, self.outputs))
        for name in names:
            if name not in known:
                hint = _suggest(name, known) or "outputs: " + ", ".join(self.output_names)
                raise ExpressionError(f"no output named {name!r}", hint=hint, kind="outputs")
        return self._clone(output_names=tuple(names),
                           outputs=tuple(known[name] for name in names))

    def with_variables(self, variables):
        """The same graph with another input order (shares the tape); names
        the outputs do not use become inputs too (derivatives 0)."""
        variables = tuple(variables)
        known = self.variable_index()
        graph = self._with_inputs([n for n in dict.fromkeys(variables) if n not in known])
        index = dict(zip(graph.variables, graph.var_nodes))
        order = _order_variables(index, variables)
        return graph._clone(variables=order, var_nodes=[index[name] for name in order])

    def declaring(self, names):
        """The graph with these names among its inputs too (a start point's
        names), all in natural order; itself when it has them all."""
        known = self.variable_index()
        new = [name for name in dict.fromkeys(names) if name not in known]
        if not new:
            return self
        graph = self._with_inputs(new)
        return graph.with_variables(sorted(graph.variables, key=natural_key))

    def _with_inputs(self, names):
        """The graph with variable nodes for names appended to (a copy of) its tape."""
        if not names:
            return self
        for name in names:
            _check_declarable(name, self.definitions, self._name_problem)
        first, count = len(self.tape), len(names)
        return self._clone(
            tape=self.tape.with_variables(count), variables=self.variables + tuple(names),
            var_nodes=self.var_nodes + list(range(first, first + count)))

    def variable_index(self):
        """variable name -> its position in graph.variables."""
        return self.cached("variable_index", _variable_index)

    def variable_name(self, node):
        """The name of the variable at this input node."""
        return self.cached("variable_of_node", lambda g: dict(zip(g.var_nodes, g.variables)))[node]

    def __len__(self):
        return len(self.tape)

    def __repr__(self):
        return (f"<adcli.Graph {len(self.variables)} variables, "
                f"{len(self.op_nodes)} op nodes: {_abbreviate(self.source, 40)!r}>")

    def is_constant(self, index):
        return self.tape.is_constant(index)

    def is_variable(self, index):
        return self.tape.code_at(index) == _VARIABLE_CODE

    def cached(self, key, make):
        """Per-graph memo for derived structures (evaluation plans)."""
        if key not in self._cache:
            self._cache[key] = make(self)
        return self._cache[key]

    # --- names in the textbook numbering ---------------------------------

    def node_prefix(self):
        """x when the inputs are x1..xn in order, else a letter no variable
        name could be confused with."""
        n = len(self.variables)
        if list(self.variables) == [f"x{i}" for i in range(1, n + 1)]:
            return "x"
        for prefix in ("v", "w", "u", "t", "z", "node"):
            if not self._prefix_taken(prefix):
                return prefix
        prefix = "node_"
        while self._prefix_taken(prefix):  # each variable blocks one prefix at most
            prefix += "_"
        return prefix

    def _prefix_taken(self, prefix):
        """True when a variable is named prefix + digits (v1 for prefix v)."""
        pattern = re.compile(re.escape(prefix) + r"\d+$")
        return any(pattern.match(name) for name in self.variables)

    def node_names(self):
        """Display name of every node: inputs x1..xn in variable order, op
        nodes continuing the count in evaluation order, constants None."""
        if self._names is None:
            prefix = self.node_prefix()
            names = [None] * len(self.tape)
            for k, index in enumerate(self.var_nodes, start=1):
                names[index] = f"{prefix}{k}"
            for k, index in enumerate(self.op_nodes, start=len(self.var_nodes) + 1):
                names[index] = f"{prefix}{k}"
            self._names = names
        return self._names

    def operand_text(self, index):
        if self.is_constant(index):
            text = _constant_text(self.initial_values[index])
            return f"({text})" if text.startswith("-") else text
        return self.node_names()[index]

    def node_text(self, index):
        """What the node computes, in terms of its inputs: x4 + x5, sin(x2)."""
        op = self.ops[index]
        if op == _VARIABLE:
            return "input " + self.variable_name(index)
        if op == _CONSTANT:
            return _constant_text(self.initial_values[index])
        return op_text(op, [self.operand_text(a) for a in self.args[index]])

    def node_source(self, index):
        start, end = self.spans[index]
        return self.source[start:end]


def _variable_index(graph):
    """name -> position: a dict, or for many variables a _LazyIndex (a
    gradient of 10^5 variables is often read as a list, never by name)."""
    if len(graph.variables) < NUMPY_NODES:
        return dict(zip(graph.variables, range(len(graph.variables))))
    return _LazyIndex(graph.variables)


class _LazyIndex(Mapping):
    """name -> position in names, the dict made on the first lookup."""

    __slots__ = ("_names", "_index")

    def __init__(self, names):
        self._names = names
        self._index = None

    def _made(self):
        if self._index is None:
            self._index = dict(zip(self._names, range(len(self._names))))
        return self._index

    def __getitem__(self, name):
        return self._made()[name]

    def __contains__(self, name):
        return name in self._made()

    def get(self, name, default=None):
        return self._made().get(name, default)

    def __iter__(self):
        return iter(self._names)

    def __len__(self):
        return len(self._names)


def _all_used_op_nodes(tape, outputs):
    """The op nodes of tape (a numpy array) when each one is an output or an
    input of another node, so all are needed (follow a node's users: indices
    grow, and the last user is an output); None otherwise."""
    import numpy as np
    codes = tape.column("code")
    used = np.zeros(len(codes), dtype=bool)
    used[tape.numpy_inputs()[1]] = True
    used[list(outputs)] = True
    is_op = codes > _ARRAY_CODE
    if (is_op & ~used).any():
        return None
    return np.flatnonzero(is_op).astype(np.int32 if len(codes) < 2 ** 31 else np.int64)


def format_number(value, precision=None):
    """Shortest round-trip text of a float (48.0 -> 48), or N significant digits."""
    if precision is not None:
        return format(value, f".{precision}g")
    if math.isfinite(value) and value == int(value) and abs(value) < 1e16:
        return str(int(value))  # -0.0 prints as 0
    return repr(value)


def count_text(count, noun, plural=None):
    """'1 pass', '2 passes': every count in a message, with its noun agreeing."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {plural or noun + ('es' if noun.endswith(('s', 'x', 'ch', 'sh')) else 's')}"


def op_text(op, operands):
    """What op computes, written with these operand texts: x4 + x5, sin(x2),
    A @ x, v1[1:], sum(v2, axis=0)."""
    if op.array:
        return _array_node_text(op, operands)
    if op.kind == "infix":
        separator = op.symbol if op.symbol in ("*", "**") else f" {op.symbol} "
        return separator.join(operands)
    if op.kind == "prefix":
        return op.symbol + operands[0]
    return f"{op.name}({', '.join(operands)})"


def _array_node_text(op, operands):
    """x[1:], A.T, [a, b], sum(A, axis=0), zeros(3): as the language writes them."""
    params = dict(op.params)
    if op.name == "index":
        from .ops import param_text
        return f"{operands[0]}[{param_text(params['index'])}]"
    if op.name == "transpose":
        return f"{operands[0]}.T"
    if op.name == "stack":
        return f"[{', '.join(operands)}]"
    if op.kind == "infix":
        return f" {op.symbol} ".join(operands)
    if op.nargs == 0:
        from .ops import param_text
        from .ops import ARRAY_TABLE
        shown = params.get("shape", tuple(params[k] for k, _ in ARRAY_TABLE[op.name].params))
        return f"{op.name}({param_text(shown)})"
    keywords = [f"{k}={v}" for k, v in op.params if v is not None]
    return f"{op.name}({', '.join(operands + keywords)})"


def _constant_text(value):
    """A constant as the node text shows it: -0 apart from 0 (atan2 tells them apart)."""
    if type(value) is not float:
        import numpy as np
        return f"array{tuple(np.shape(value))}"
    return "-0" if value == 0 and math.copysign(1.0, value) < 0 else format_number(value)


def _abbreviate(text, width):
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."
