/* The loop of adcli/language/precedence.py (Driver._run) in C: the same
 * tokens, the same reductions called with the same values in the same
 * order, so the same graph.  It reads texts of one byte a character (the
 * grammar's tokens are ASCII; comments may hold Latin-1) and answers None
 * for others, which the Python loop then reads.
 *
 * The tokens are the grammar's (grammars/adcli.lark) for this subset:
 *   NUMBER  ([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?
 *   NAME    [A-Za-z_][A-Za-z_0-9]*   (a keyword gives up)
 *   blanks  [ \t\r\f]+, comments #[^\n]*, newlines, + - * / @ ** ^ ( ) ,
 * and anything else gives up; tests/language/test_precedence.py checks
 * that the grammar's patterns are still these, and compares every loop
 * with the LALR tables.
 *
 * parse(source, callbacks, leaves, keywords, token_type) -> True (built),
 * False (give up: the LALR tables parse the text) or None (not a text of
 * one byte a character).  callbacks: the reductions add, sub, mul, div,
 * matmul, pow, neg, pos, paren, args, call, number, name, expression,
 * program; leaves: the reductions' memo of numbers and names; keywords:
 * the names that are keywords; token_type: lalr.Token.  An exception a
 * reduction raises passes through.  Stacks are arrays on the heap: deep
 * nesting never recurses. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

enum { ADD, SUB, MUL, DIV, MATMUL, POW, NEG, POS, PAREN, ARGS, CALL, NUMBER, NAME,
       EXPRESSION, PROGRAM, CALLBACKS };

enum kind { K_NAME, K_NUMBER, K_PLUS, K_MINUS, K_STAR, K_SLASH, K_MATMUL, K_POW, K_LPAR,
            K_RPAR, K_COMMA, K_NEWLINE, K_END, K_OTHER };

enum { BRACKET = 0, SUM = 1, PRODUCT = 2, UNARY = 3, POWER = 4 };

/* the kinds' names in the grammar, for the tokens made here */
static PyObject *kind_names[K_OTHER];
static const char *kind_texts[K_OTHER] = {"NAME", "NUMBER", "PLUS", "MINUS", "STAR", "SLASH",
                                          "MATMUL", "POW", "LPAR", "RPAR", "COMMA",
                                          "_NEWLINE", "$END"};

typedef struct {
    int precedence;       /* BRACKET for an open bracket */
    int what;             /* an operator's callback; PAREN or CALL for a bracket */
    PyObject *token;      /* a sign's token, a paren's (, a call's name */
    PyObject *open;       /* a call's ( */
    PyObject *arguments;  /* a call's list: arguments with the commas between */
} Entry;

typedef struct {
    PyObject **values;
    Py_ssize_t count, size;
    Entry *entries;
    Py_ssize_t depth, room;
} Stacks;

static int
push_value(Stacks *s, PyObject *value)  /* steals value */
{
    if (value == NULL)
        return -1;
    if (s->count == s->size) {
        Py_ssize_t size = s->size ? 2 * s->size : 64;
        PyObject **grown = PyMem_Realloc(s->values, size * sizeof(PyObject *));
        if (grown == NULL) {
            Py_DECREF(value);
            PyErr_NoMemory();
            return -1;
        }
        s->values = grown;
        s->size = size;
    }
    s->values[s->count++] = value;
    return 0;
}

static int
push_entry(Stacks *s, int precedence, int what, PyObject *token, PyObject *open,
           PyObject *arguments)  /* steals token, open and arguments (any may be NULL) */
{
    if (s->depth == s->room) {
        Py_ssize_t room = s->room ? 2 * s->room : 64;
        Entry *grown = PyMem_Realloc(s->entries, room * sizeof(Entry));
        if (grown == NULL) {
            Py_XDECREF(token);
            Py_XDECREF(open);
            Py_XDECREF(arguments);
            PyErr_NoMemory();
            return -1;
        }
        s->entries = grown;
        s->room = room;
    }
    Entry *entry = &s->entries[s->depth++];
    entry->precedence = precedence;
    entry->what = what;
    entry->token = token;
    entry->open = open;
    entry->arguments = arguments;
    return 0;
}

static void
clear_entry(Entry *entry)
{
    Py_CLEAR(entry->token);
    Py_CLEAR(entry->open);
    Py_CLEAR(entry->arguments);
}

static void
free_stacks(Stacks *s)
{
    for (Py_ssize_t k = 0; k < s->count; k++)
        Py_DECREF(s->values[k]);
    for (Py_ssize_t k = 0; k < s->depth; k++)
        clear_entry(&s->entries[k]);
    PyMem_Free(s->values);
    PyMem_Free(s->entries);
}

/* a Token (a tuple of kind, text, start, end); text NULL: cut from source */
static PyObject *
new_token(PyTypeObject *type, int kind, PyObject *source, PyObject *text, Py_ssize_t start,
          Py_ssize_t end)
{
    if (text == NULL)
        text = PyUnicode_Substring(source, start, end);
    else
        Py_INCREF(text);
    if (text == NULL)
        return NULL;
    PyObject *first = PyLong_FromSsize_t(start), *last = PyLong_FromSsize_t(end);
    PyObject *token = type->tp_alloc(type, 4);
    if (first == NULL || last == NULL || token == NULL) {
        Py_DECREF(text);
        Py_XDECREF(first);
        Py_XDECREF(last);
        Py_XDECREF(token);
        return NULL;
    }
    Py_INCREF(kind_names[kind]);
    PyTuple_SET_ITEM(token, 0, kind_names[kind]);
    PyTuple_SET_ITEM(token, 1, text);
    PyTuple_SET_ITEM(token, 2, first);
    PyTuple_SET_ITEM(token, 3, last);
    return token;
}

/* (node, start, end) */
static PyObject *
new_ref(PyObject *node, Py_ssize_t start, Py_ssize_t end)
{
    PyObject *first = PyLong_FromSsize_t(start), *last = PyLong_FromSsize_t(end);
    PyObject *ref = (first && last) ? PyTuple_Pack(3, node, first, last) : NULL;
    Py_XDECREF(first);
    Py_XDECREF(last);
    return ref;
}

static PyObject *
call(PyObject *callback, PyObject *a, PyObject *b, PyObject *c, size_t count)
{
    PyObject *arguments[3] = {a, b, c};
    return PyObject_Vectorcall(callback, arguments, count, NULL);
}

/* an operator off the stack applied to the values on top: 0, or -1 */
static int
reduce_entry(Stacks *s, Entry *entry, PyObject **callbacks)
{
    PyObject *result;
    if (entry->precedence == UNARY) {
        if (s->count < 1)
            goto broken;
        PyObject *operand = s->values[s->count - 1];
        result = call(callbacks[entry->what], entry->token, operand, NULL, 2);
        if (result == NULL)
            return -1;
        Py_DECREF(operand);
    } else {
        if (s->count < 2)
            goto broken;
        PyObject *left = s->values[s->count - 2], *right = s->values[s->count - 1];
        result = call(callbacks[entry->what], left, Py_None, right, 3);
        if (result == NULL)
            return -1;
        s->count--;
        Py_DECREF(right);
        Py_DECREF(left);
    }
    s->values[s->count - 1] = result;
    return 0;
broken:
    PyErr_SetString(PyExc_RuntimeError, "adcli: the precedence loop lost an operand");
    return -1;
}

/* every operator above the innermost bracket reduced; the bracket moved
 * into *bracket: 1, or 0 when none is open, or -1 */
static int
reduce_to_bracket(Stacks *s, PyObject **callbacks, Entry *bracket)
{
    while (s->depth > 0) {
        Entry entry = s->entries[--s->depth];
        if (entry.precedence == BRACKET) {
            *bracket = entry;
            return 1;
        }
        int done = reduce_entry(s, &entry, callbacks);
        clear_entry(&entry);
        if (done < 0)
            return -1;
    }
    return 0;
}

/* the value on top moved to the end of a call's arguments: 0, or -1 */
static int
move_to_arguments(Stacks *s, PyObject *arguments)
{
    PyObject *last = s->values[--s->count];
    int appended = PyList_Append(arguments, last);
    Py_DECREF(last);
    return appended;
}

/* name(...) closed: args(arguments...) then call(name, (, args, )) */
static PyObject *
close_call(Entry *bracket, PyObject *close, PyObject **callbacks)
{
    PyObject *result;
    if (PyList_GET_SIZE(bracket->arguments) == 0) {
        result = call(callbacks[CALL], bracket->token, bracket->open, close, 3);
    } else {
        PyObject *tuple = PyList_AsTuple(bracket->arguments);
        if (tuple == NULL)
            return NULL;
        PyObject *arguments = PyObject_Call(callbacks[ARGS], tuple, NULL);
        Py_DECREF(tuple);
        if (arguments == NULL)
            return NULL;
        PyObject *four[4] = {bracket->token, bracket->open, arguments, close};
        result = PyObject_Vectorcall(callbacks[CALL], four, 4, NULL);
        Py_DECREF(arguments);
    }
    return result;
}

static int
is_digit(Py_UCS1 c) { return c >= '0' && c <= '9'; }

static int
is_name_start(Py_UCS1 c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

static int
is_name_part(Py_UCS1 c) { return is_name_start(c) || is_digit(c); }

/* the next token from *at: its kind, its span in *start, *end (blanks and
 * comments skipped) */
static enum kind
next_token(const Py_UCS1 *text, Py_ssize_t length, Py_ssize_t *at, Py_ssize_t *start,
           Py_ssize_t *end)
{
    Py_ssize_t i = *at;
    for (;;) {
        while (i < length && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'
                              || text[i] == '\f'))
            i++;
        if (i < length && text[i] == '#') {
            while (i < length && text[i] != '\n')
                i++;
            continue;
        }
        break;
    }
    *start = i;
    enum kind kind;
    if (i == length) {
        kind = K_END;
    } else {
        Py_UCS1 c = text[i];
        if (is_name_start(c)) {
            while (++i < length && is_name_part(text[i]))
                ;
            kind = K_NAME;
        } else if (is_digit(c) || (c == '.' && i + 1 < length && is_digit(text[i + 1]))) {
            if (c != '.') {
                while (i < length && is_digit(text[i]))
                    i++;
            }
            if (i < length && text[i] == '.') {
                i++;
                while (i < length && is_digit(text[i]))
                    i++;
            }
            if (i < length && (text[i] == 'e' || text[i] == 'E')) {
                Py_ssize_t j = i + 1;
                if (j < length && (text[j] == '+' || text[j] == '-'))
                    j++;
                if (j < length && is_digit(text[j])) {
                    while (j < length && is_digit(text[j]))
                        j++;
                    i = j;
                }
            }
            kind = K_NUMBER;
        } else {
            i++;
            switch (c) {
            case '+': kind = K_PLUS; break;
            case '-': kind = K_MINUS; break;
            case '/': kind = K_SLASH; break;
            case '@': kind = K_MATMUL; break;
            case '^': kind = K_POW; break;
            case '(': kind = K_LPAR; break;
            case ')': kind = K_RPAR; break;
            case ',': kind = K_COMMA; break;
            case '\n': kind = K_NEWLINE; break;
            case '*':
                if (i < length && text[i] == '*') {
                    i++;
                    kind = K_POW;
                } else {
                    kind = K_STAR;
                }
                break;
            default: kind = K_OTHER;
            }
        }
    }
    *end = *at = i;
    return kind;
}

/* the tokenizer's line joining: kinds a newline after, or before, continues */
static int
continues_after(int kind)
{
    return kind < 0 || (kind >= K_PLUS && kind <= K_LPAR) || kind == K_COMMA;
}

static int
continues_before(int kind)
{
    return (kind >= K_PLUS && kind <= K_POW) || kind == K_RPAR;
}

static int
binary_of(enum kind kind, int *precedence)
{
    switch (kind) {
    case K_PLUS: *precedence = SUM; return ADD;
    case K_MINUS: *precedence = SUM; return SUB;
    case K_STAR: *precedence = PRODUCT; return MUL;
    case K_SLASH: *precedence = PRODUCT; return DIV;
    case K_MATMUL: *precedence = PRODUCT; return MATMUL;
    case K_POW: *precedence = POWER; return POW;
    default: return -1;
    }
}

/* the leaf of a number or a name (text): the memo's node, else the reduction's */
static PyObject *
leaf(PyObject *source, PyObject *text, Py_ssize_t start, Py_ssize_t end, int kind,
     PyObject *leaves, PyObject **callbacks, PyTypeObject *token_type)
{
    PyObject *node = PyDict_GetItemWithError(leaves, text);
    if (node != NULL)
        return new_ref(node, start, end);
    if (PyErr_Occurred())
        return NULL;
    PyObject *token = new_token(token_type, kind, source, text, start, end);
    if (token == NULL)
        return NULL;
    PyObject *ref = call(callbacks[kind == K_NAME ? NAME : NUMBER], token, NULL, NULL, 1);
    Py_DECREF(token);
    return ref;
}

#define FAIL goto failed
#define GIVE_UP goto given_up

static PyObject *
precedence_parse(PyObject *module, PyObject *args)
{
    PyObject *source, *callback_tuple, *leaves, *keywords;
    PyTypeObject *token_type;
    if (!PyArg_ParseTuple(args, "UO!O!O!O!", &source, &PyTuple_Type, &callback_tuple,
                          &PyDict_Type, &leaves, &PyDict_Type, &keywords, &PyType_Type,
                          &token_type))
        return NULL;
    if (PyTuple_GET_SIZE(callback_tuple) != CALLBACKS) {
        PyErr_SetString(PyExc_ValueError, "parse takes the 15 reductions");
        return NULL;
    }
    if (!PyType_IsSubtype(token_type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "the token type must be a tuple type");
        return NULL;
    }
    if (PyUnicode_READY(source) < 0)
        return NULL;
    if (PyUnicode_KIND(source) != PyUnicode_1BYTE_KIND)
        Py_RETURN_NONE;
    PyObject **callbacks = &PyTuple_GET_ITEM(callback_tuple, 0);
    const Py_UCS1 *text = PyUnicode_1BYTE_DATA(source);
    Py_ssize_t length = PyUnicode_GET_LENGTH(source);
    Stacks s = {NULL, 0, 0, NULL, 0, 0};
    Entry bracket = {0, 0, NULL, NULL, NULL};
    int operand_expected = 1, newline = 0, previous = -1;
    Py_ssize_t at = 0, start, end, depth = 0;
    PyObject *name_text = NULL;  /* a NAME waiting for the next token, and its span */
    Py_ssize_t name_start = 0, name_end = 0;

    for (;;) {
        enum kind kind = next_token(text, length, &at, &start, &end);
        if (kind == K_END)
            break;
        if (kind == K_NEWLINE) {
            if (depth == 0 && !continues_after(previous))
                newline = 1;
            continue;
        }
        PyObject *piece = NULL;  /* a name's or a number's text */
        if (kind == K_NAME || kind == K_NUMBER) {
            piece = PyUnicode_Substring(source, start, end);
            if (piece == NULL)
                FAIL;
            if (kind == K_NAME && PyDict_GET_SIZE(keywords) > 0) {
                int keyword = PyDict_Contains(keywords, piece);
                if (keyword < 0) {
                    Py_DECREF(piece);
                    FAIL;
                }
                if (keyword) {
                    Py_CLEAR(piece);
                    kind = K_OTHER;
                }
            }
        }
        if (newline) {
            if (!continues_before(kind)) {
                Py_XDECREF(piece);
                GIVE_UP;  /* a second statement */
            }
            newline = 0;
        }
        if (name_text != NULL) {
            if (kind == K_LPAR) {
                PyObject *name = new_token(token_type, K_NAME, source, name_text, name_start,
                                           name_end);
                Py_CLEAR(name_text);
                PyObject *open = name ? new_token(token_type, K_LPAR, source, NULL, start, end) : NULL;
                PyObject *arguments = open ? PyList_New(0) : NULL;
                if (arguments == NULL) {
                    Py_XDECREF(name);
                    Py_XDECREF(open);
                    FAIL;
                }
                if (push_entry(&s, BRACKET, CALL, name, open, arguments) < 0)
                    FAIL;
                depth++;
                operand_expected = 1;
                previous = kind;
                continue;
            }
            PyObject *ref = leaf(source, name_text, name_start, name_end, K_NAME, leaves,
                                 callbacks, token_type);
            Py_CLEAR(name_text);
            if (push_value(&s, ref) < 0) {
                Py_XDECREF(piece);
                FAIL;
            }
        }
        if (operand_expected) {
            if (kind == K_NAME) {
                name_text = piece;  /* its reference moves here */
                piece = NULL;
                name_start = start;
                name_end = end;
                operand_expected = 0;
            } else if (kind == K_NUMBER) {
                PyObject *ref = leaf(source, piece, start, end, K_NUMBER, leaves, callbacks,
                                     token_type);
                Py_CLEAR(piece);
                if (push_value(&s, ref) < 0)
                    FAIL;
                operand_expected = 0;
            } else if (kind == K_LPAR) {
                PyObject *open = new_token(token_type, kind, source, NULL, start, end);
                if (open == NULL || push_entry(&s, BRACKET, PAREN, open, NULL, NULL) < 0)
                    FAIL;
                depth++;
            } else if (kind == K_MINUS || kind == K_PLUS) {
                PyObject *sign = new_token(token_type, kind, source, NULL, start, end);
                if (sign == NULL
                    || push_entry(&s, UNARY, kind == K_MINUS ? NEG : POS, sign, NULL, NULL) < 0)
                    FAIL;
            } else if (kind == K_RPAR && previous == K_LPAR
                       && s.entries[s.depth - 1].what == CALL) {
                bracket = s.entries[--s.depth];
                PyObject *close = new_token(token_type, kind, source, NULL, start, end);
                if (close == NULL)
                    FAIL;
                PyObject *result = close_call(&bracket, close, callbacks);
                Py_DECREF(close);
                clear_entry(&bracket);
                if (push_value(&s, result) < 0)
                    FAIL;
                depth--;
                operand_expected = 0;
            } else {
                GIVE_UP;
            }
        } else {
            if (piece != NULL) {  /* an operand after an operand */
                Py_DECREF(piece);
                GIVE_UP;
            }
            int precedence, what = binary_of(kind, &precedence);
            if (what >= 0) {
                /* left associative but for **: reduce what binds as tight or tighter */
                int bound = precedence == POWER ? precedence + 1 : precedence;
                while (s.depth > 0 && s.entries[s.depth - 1].precedence >= bound) {
                    Entry entry = s.entries[--s.depth];
                    int done = reduce_entry(&s, &entry, callbacks);
                    clear_entry(&entry);
                    if (done < 0)
                        FAIL;
                }
                if (push_entry(&s, precedence, what, NULL, NULL, NULL) < 0)
                    FAIL;
                operand_expected = 1;
            } else if (kind == K_RPAR || kind == K_COMMA) {
                int found = reduce_to_bracket(&s, callbacks, &bracket);
                if (found < 0)
                    FAIL;
                if (found == 0 || (kind == K_COMMA && bracket.what != CALL))
                    GIVE_UP;  /* nothing open, or (x, y) */
                if (bracket.what == CALL && move_to_arguments(&s, bracket.arguments) < 0)
                    FAIL;
                PyObject *token = new_token(token_type, kind, source, NULL, start, end);
                if (token == NULL)
                    FAIL;
                if (kind == K_COMMA) {
                    int appended = PyList_Append(bracket.arguments, token);
                    Py_DECREF(token);
                    s.entries[s.depth++] = bracket;  /* back where it was: room was there */
                    bracket.token = bracket.open = bracket.arguments = NULL;
                    if (appended < 0)
                        FAIL;
                    operand_expected = 1;
                } else {
                    PyObject *result;
                    if (bracket.what == PAREN) {
                        PyObject *inner = s.values[--s.count];
                        result = call(callbacks[PAREN], bracket.token, inner, token, 3);
                        Py_DECREF(inner);
                    } else {
                        result = close_call(&bracket, token, callbacks);
                    }
                    Py_DECREF(token);
                    clear_entry(&bracket);
                    if (push_value(&s, result) < 0)
                        FAIL;
                    depth--;
                }
            } else {
                GIVE_UP;
            }
        }
        previous = kind;
    }
    if (name_text != NULL) {
        PyObject *name = new_token(token_type, K_NAME, source, name_text, name_start, name_end);
        Py_CLEAR(name_text);
        if (name == NULL || push_value(&s, call(callbacks[NAME], name, NULL, NULL, 1)) < 0) {
            Py_XDECREF(name);
            FAIL;
        }
        Py_DECREF(name);
    } else if (operand_expected) {
        GIVE_UP;  /* empty, or ending in an operator */
    }
    while (s.depth > 0) {
        Entry entry = s.entries[--s.depth];
        if (entry.precedence == BRACKET) {
            clear_entry(&entry);
            GIVE_UP;  /* an unclosed bracket */
        }
        int done = reduce_entry(&s, &entry, callbacks);
        clear_entry(&entry);
        if (done < 0)
            FAIL;
    }
    if (s.count != 1) {
        PyErr_SetString(PyExc_RuntimeError, "adcli: the precedence loop ended with "
                                            "operands left over");
        FAIL;
    }
    PyObject *statement = call(callbacks[EXPRESSION], s.values[0], NULL, NULL, 1);
    if (statement == NULL)
        FAIL;
    PyObject *program = call(callbacks[PROGRAM], statement, NULL, NULL, 1);
    Py_DECREF(statement);
    if (program == NULL)
        FAIL;
    Py_DECREF(program);
    free_stacks(&s);
    Py_RETURN_TRUE;
given_up:
    Py_XDECREF(name_text);
    clear_entry(&bracket);
    free_stacks(&s);
    Py_RETURN_FALSE;
failed:
    Py_XDECREF(name_text);
    clear_entry(&bracket);
    free_stacks(&s);
    return NULL;
}

PyDoc_STRVAR(parse_doc,
"parse(source, callbacks, leaves, keywords, token_type) -> True, False or None\n\n"
"The common case of adcli's grammar by operator precedence (see _precedence.c).");

static PyMethodDef methods[] = {
    {"parse", precedence_parse, METH_VARARGS, parse_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_definition = {
    PyModuleDef_HEAD_INIT, "_precedence",
    "adcli/language/precedence.py's loop in C (see _precedence.c).",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__precedence(void)
{
    for (int k = 0; k < K_OTHER; k++) {
        kind_names[k] = PyUnicode_InternFromString(kind_texts[k]);
        if (kind_names[k] == NULL)
            return NULL;
    }
    return PyModule_Create(&module_definition);
}
