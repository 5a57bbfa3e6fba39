/* The C library's math functions over float64 buffers, one C loop per call.
 *
 * adcli.engine.vectorized needs the bits of Python's math module (which calls
 * the C library) on every element of a batch; numpy's own vector kernels
 * differ in the last bit.  This module applies the very functions math calls
 * over a contiguous float64 buffer, and counts the elements whose input or
 * result is not finite: there math would raise or special-case, so the
 * caller gives those elements to the scalar namespace instead.
 *
 * Python C API and the buffer protocol only (no numpy headers), so it builds
 * wherever Python.h and a C compiler exist.  Built with -ffp-contract=off
 * where the compiler takes it: cbrt's Newton step must not fuse into an FMA.
 */
#define _GNU_SOURCE  /* sincos */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

typedef double (*unary_function)(double);
typedef double (*binary_function)(double, double);

/* scalar.cbrt: the C library's cbrt refined by one Newton step */
static double
refined_cbrt(double x)
{
    double r = cbrt(x);
    if (r == 0.0 || !isfinite(r)) {
        return r;
    }
    double correction = (r - x / (r * r)) / 3.0;
    return r - correction;
}

/* math.atan2's own zeros (CPython's m_atan2 for finite arguments) */
static double
python_atan2(double y, double x)
{
    if (y == 0.0) {
        return copysign(1.0, x) == 1.0 ? copysign(0.0, y) : copysign(Py_MATH_PI, y);
    }
    return atan2(y, x);
}

struct unary_entry {
    const char *name;
    unary_function function;
};

struct binary_entry {
    const char *name;
    binary_function function;
};

/* the functions adcli.engine.vectorized maps over elements (not hypot:
 * math.hypot is CPython's own, not the C library's) */
static const struct unary_entry UNARY[] = {
    {"tan", tan}, {"asin", asin}, {"acos", acos}, {"atan", atan},
    {"sinh", sinh}, {"cosh", cosh}, {"tanh", tanh},
    {"asinh", asinh}, {"acosh", acosh}, {"atanh", atanh},
    {"exp", exp}, {"expm1", expm1}, {"log", log}, {"log2", log2},
    {"log10", log10}, {"log1p", log1p}, {"cbrt", refined_cbrt},
    {NULL, NULL},
};

static const struct binary_entry BINARY[] = {
    {"atan2", python_atan2}, {"pow", pow},
    {NULL, NULL},
};

/* A float64 buffer: C-contiguous, format 'd'; writable when asked. */
static int
get_doubles(PyObject *object, Py_buffer *view, int writable, const char *what)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(object, view, flags) < 0) {
        return -1;
    }
    if (view->itemsize != 8 || view->format == NULL
            || !(strcmp(view->format, "d") == 0 || strcmp(view->format, "=d") == 0
                 || strcmp(view->format, "<d") == 0 || strcmp(view->format, "@d") == 0)) {
        PyErr_Format(PyExc_TypeError, "%s must be a contiguous float64 buffer", what);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static void
release_buffers(Py_buffer *views, int count)
{
    for (int k = 0; k < count; k++) {
        PyBuffer_Release(&views[k]);
    }
}

/* The float64 buffers of objects, the last `written` of them writable: 0,
 * or -1 with none held. */
static int
get_buffers(PyObject **objects, Py_buffer *views, int count, int written,
            const char *const *names)
{
    for (int k = 0; k < count; k++) {
        if (get_doubles(objects[k], &views[k], k >= count - written, names[k]) < 0) {
            release_buffers(views, k);
            return -1;
        }
    }
    return 0;
}

static int
find_index(const char *name, int binary)
{
    if (binary) {
        for (int k = 0; BINARY[k].name != NULL; k++) {
            if (strcmp(BINARY[k].name, name) == 0) {
                return k;
            }
        }
    }
    else {
        for (int k = 0; UNARY[k].name != NULL; k++) {
            if (strcmp(UNARY[k].name, name) == 0) {
                return k;
            }
        }
    }
    PyErr_Format(PyExc_ValueError, "no C library function %s here", name);
    return -1;
}

PyDoc_STRVAR(unary_doc,
"unary(name, x, out) -> count\n\n"
"out[i] = name(x[i]) for the C library function name, over contiguous float64\n"
"buffers of one length; count: how many elements have an input or a result\n"
"that is not finite (math would raise or special-case those).");

static PyObject *
libm_unary(PyObject *module, PyObject *args)
{
    const char *name;
    PyObject *source, *target;
    if (!PyArg_ParseTuple(args, "sOO:unary", &name, &source, &target)) {
        return NULL;
    }
    int index = find_index(name, 0);
    if (index < 0) {
        return NULL;
    }
    static const char *const names[] = {"x", "out"};
    PyObject *objects[2] = {source, target};
    Py_buffer views[2];
    if (get_buffers(objects, views, 2, 1, names) < 0) {
        return NULL;
    }
    if (views[0].len != views[1].len) {
        release_buffers(views, 2);
        PyErr_SetString(PyExc_ValueError, "x and out differ in length");
        return NULL;
    }
    unary_function function = UNARY[index].function;
    const double *in = (const double *)views[0].buf;
    double *result = (double *)views[1].buf;
    Py_ssize_t count = views[0].len / 8, unusual = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count; i++) {
        double value = in[i];
        double y = function(value);
        result[i] = y;
        unusual += !(isfinite(value) && isfinite(y));
    }
    Py_END_ALLOW_THREADS
    release_buffers(views, 2);
    return PyLong_FromSsize_t(unusual);
}

PyDoc_STRVAR(binary_doc,
"binary(name, a, b, out) -> count\n\n"
"out[i] = name(a[i], b[i]) for atan2 (math.atan2's zeros) or pow; a or b may\n"
"hold one element, which then pairs with every element of the other; count\n"
"as for unary, over both inputs.");

static PyObject *
libm_binary(PyObject *module, PyObject *args)
{
    const char *name;
    PyObject *first, *second, *target;
    if (!PyArg_ParseTuple(args, "sOOO:binary", &name, &first, &second, &target)) {
        return NULL;
    }
    int index = find_index(name, 1);
    if (index < 0) {
        return NULL;
    }
    static const char *const names[] = {"a", "b", "out"};
    PyObject *objects[3] = {first, second, target};
    Py_buffer views[3];
    if (get_buffers(objects, views, 3, 1, names) < 0) {
        return NULL;
    }
    Py_ssize_t count = views[2].len / 8;
    Py_ssize_t a_count = views[0].len / 8, b_count = views[1].len / 8;
    if ((a_count != count && a_count != 1) || (b_count != count && b_count != 1)) {
        release_buffers(views, 3);
        PyErr_SetString(PyExc_ValueError, "a and b must match out in length, or hold one element");
        return NULL;
    }
    binary_function function = BINARY[index].function;
    const double *left = (const double *)views[0].buf, *right = (const double *)views[1].buf;
    Py_ssize_t a_step = a_count == 1 ? 0 : 1, b_step = b_count == 1 ? 0 : 1;
    double *result = (double *)views[2].buf;
    Py_ssize_t unusual = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count; i++) {
        double u = left[i * a_step], v = right[i * b_step];
        double y = function(u, v);
        result[i] = y;
        unusual += !(isfinite(u) && isfinite(v) && isfinite(y));
    }
    Py_END_ALLOW_THREADS
    release_buffers(views, 3);
    return PyLong_FromSsize_t(unusual);
}

PyDoc_STRVAR(sincos_doc,
"sincos(x, sin_out, cos_out) -> count\n\n"
"sin_out[i], cos_out[i] = sin(x[i]), cos(x[i]) in one C library call each\n"
"(sincos, where the C library has it); count as for unary.");

static PyObject *
libm_sincos(PyObject *module, PyObject *args)
{
    PyObject *source, *sine_target, *cosine_target;
    if (!PyArg_ParseTuple(args, "OOO:sincos", &source, &sine_target, &cosine_target)) {
        return NULL;
    }
    static const char *const names[] = {"x", "sin_out", "cos_out"};
    PyObject *objects[3] = {source, sine_target, cosine_target};
    Py_buffer views[3];
    if (get_buffers(objects, views, 3, 2, names) < 0) {
        return NULL;
    }
    if (views[0].len != views[1].len || views[0].len != views[2].len) {
        release_buffers(views, 3);
        PyErr_SetString(PyExc_ValueError, "x, sin_out and cos_out differ in length");
        return NULL;
    }
    const double *in = (const double *)views[0].buf;
    double *s = (double *)views[1].buf, *c = (double *)views[2].buf;
    Py_ssize_t count = views[0].len / 8, unusual = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count; i++) {
        double value = in[i];
#ifdef __GLIBC__
        sincos(value, &s[i], &c[i]);
#else
        s[i] = sin(value);
        c[i] = cos(value);
#endif
        unusual += !isfinite(value);
    }
    Py_END_ALLOW_THREADS
    release_buffers(views, 3);
    return PyLong_FromSsize_t(unusual);
}

static PyMethodDef methods[] = {
    {"sincos", libm_sincos, METH_VARARGS, sincos_doc},
    {"unary", libm_unary, METH_VARARGS, unary_doc},
    {"binary", libm_binary, METH_VARARGS, binary_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_definition = {
    PyModuleDef_HEAD_INIT, "_libm",
    "The C library's math functions over float64 buffers (see _libm.c).",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__libm(void)
{
    return PyModule_Create(&module_definition);
}
