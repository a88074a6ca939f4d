/* Native prefilter for Exchange SMTP send protocol logs (see sendfilter.py for the contract).
 *
 * Two passes over the raw bytes of a log in the documented column order:
 *   1. Selector.add_triggers(block): remember the session id (third column) of every line that
 *      holds a trigger -- "outlook.com", "office365.com", "negotiation failed", or a 4xx/5xx
 *      reply (<,"?[45][0-9][0-9]) -- exactly the lines the Python scanner starts following from.
 *   2. Selector.select(block): the same block with every line of another session replaced by an
 *      empty line (so line numbers stay), header lines and the first data lines kept as they are.
 * The Python scanner then runs unchanged on the much smaller result. Anything this code cannot
 * judge the way Python would (a quoted column before the session id, a non-ASCII session id)
 * makes add_triggers return None: the caller uses the pure-Python path for that file.
 * Only memchr/memmem over the caller's buffer; no allocation grows with a line's length. */
#define PY_SSIZE_T_CLEAN
#define _GNU_SOURCE
#include <Python.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAX_SID 64
#define MAX_ENTRIES (1 << 18) /* sessions remembered at most (~34 MB of table); beyond: Python path */

typedef struct {
    PyObject_HEAD
    char *keys;            /* slots * (MAX_SID + 1): length byte, then the id */
    Py_ssize_t slots;      /* power of two */
    Py_ssize_t used;
    Py_ssize_t validate;   /* data lines still to keep as they are (the scanner validates them) */
    Py_ssize_t limit;      /* sessions remembered at most */
} Selector;

static inline int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static inline size_t hash_sid(const char *s, Py_ssize_t n) {
    size_t h = 1469598103934665603ULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int table_has(Selector *self, const char *s, Py_ssize_t n) {
    if (self->used == 0)
        return 0;
    size_t mask = (size_t)self->slots - 1;
    size_t i = hash_sid(s, n) & mask;
    for (;;) {
        char *slot = self->keys + i * (MAX_SID + 1);
        unsigned char len = (unsigned char)slot[0];
        if (len == 0)
            return 0;
        if (len == n && memcmp(slot + 1, s, n) == 0)
            return 1;
        i = (i + 1) & mask;
    }
}

static int table_grow(Selector *self) {
    Py_ssize_t slots = self->slots ? self->slots * 2 : 1024;
    char *keys = PyMem_Calloc((size_t)slots, MAX_SID + 1);
    if (keys == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    size_t mask = (size_t)slots - 1;
    for (Py_ssize_t k = 0; k < self->slots; k++) {
        char *old = self->keys + k * (MAX_SID + 1);
        unsigned char len = (unsigned char)old[0];
        if (len == 0)
            continue;
        size_t i = hash_sid(old + 1, len) & mask;
        while (keys[i * (MAX_SID + 1)] != 0)
            i = (i + 1) & mask;
        memcpy(keys + i * (MAX_SID + 1), old, len + 1);
    }
    PyMem_Free(self->keys);
    self->keys = keys;
    self->slots = slots;
    return 0;
}

/* 1 added or present, 0 table full (caller falls back), -1 error */
static int table_add(Selector *self, const char *s, Py_ssize_t n) {
    if (table_has(self, s, n))
        return 1;
    if (self->used >= self->limit)
        return 0;
    if ((self->used + 1) * 2 > self->slots && table_grow(self) < 0)
        return -1;
    size_t mask = (size_t)self->slots - 1;
    size_t i = hash_sid(s, n) & mask;
    while (self->keys[i * (MAX_SID + 1)] != 0)
        i = (i + 1) & mask;
    char *slot = self->keys + i * (MAX_SID + 1);
    slot[0] = (char)n;
    memcpy(slot + 1, s, n);
    self->used++;
    return 1;
}

/* The third column of line [ls, le), whitespace-stripped, in *s and *n; *raw: its unstripped length.
 * Returns 0 no such column, 1 found, 2 a quote comes before it (only csv can tell). */
static int third_column(const char *ls, const char *le, const char **s, Py_ssize_t *n, Py_ssize_t *raw) {
    const char *a = memchr(ls, ',', le - ls);
    if (a == NULL)
        return 0;
    const char *b = memchr(a + 1, ',', le - a - 1);
    if (b == NULL)
        return memchr(ls, '"', le - ls) ? 2 : 0;
    const char *c = memchr(b + 1, ',', le - b - 1);
    if (memchr(ls, '"', (c ? c : le) - ls))
        return 2;
    if (c == NULL)
        return 0;
    const char *p = b + 1, *q = c;
    *raw = q - p;
    while (p < q && is_space((unsigned char)*p))
        p++;
    while (q > p && is_space((unsigned char)q[-1]))
        q--;
    *s = p;
    *n = q - p;
    return 1;
}

static int is_ascii(const char *s, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

/* Record the session of the line holding position p. 1 ok, 0 fall back, -1 error. */
static int trigger_at(Selector *self, const char *buf, const char *end, const char *p) {
    const char *ls = memrchr(buf, '\n', p - buf);
    ls = ls ? ls + 1 : buf;
    const char *le = memchr(p, '\n', end - p);
    if (le == NULL)
        le = end;
    const char *s = NULL;
    Py_ssize_t n = 0, raw = 0;
    int kind = third_column(ls, le, &s, &n, &raw);
    if (kind == 0)
        return 1;
    if (kind == 2)
        return 0;
    if (raw == 0 || raw > MAX_SID || n == 0)
        return 1;  /* the scanner does not follow such a line either */
    if (!is_ascii(s, n))
        return 0;
    return table_add(self, s, n);
}

static inline int at(const char *p, const char *buf, const char *end, const char *lit, size_t len) {
    return p >= buf && (size_t)(end - p) >= len && memcmp(p, lit, len) == 0;
}

/* What the byte at p may start or end: a trigger (its line is recorded) or a counted pattern.
 * Returns 1 ok, 0 fall back, -1 error. */
static int candidate(Selector *self, const char *buf, const char *end, const char *p,
                     const char **line_end, const char **attempt_end, const char **connect_end,
                     Py_ssize_t *attempts, Py_ssize_t *connects) {
    int trig = 0;
    switch (*p) {
    case 'k':
        trig = at(p - 6, buf, end, "outlook.com", 11);
        break;
    case 'f':
        trig = at(p - 1, buf, end, "office365.com", 13) || at(p - 12, buf, end, "negotiation failed", 18);
        break;
    case '<': {
        const char *d = p + 1;
        if (d < end && *d == ',') {
            d++;
            if (d < end && *d == '"')
                d++;
            trig = d + 2 < end && (*d == '4' || *d == '5') && d[1] >= '0' && d[1] <= '9' &&
                   d[2] >= '0' && d[2] <= '9';
        }
        break;
    }
    case '+':
        if (p - 1 >= *connect_end && at(p - 1, buf, end, ",+,", 3)) {
            (*connects)++;
            *connect_end = p + 2;
        }
        return 1;
    case 'p':
        if (p - 6 >= *attempt_end && at(p - 6, buf, end, ",attempting to connect", 22)) {
            (*attempts)++;
            *attempt_end = p + 16;
        }
        return 1;
    }
    if (!trig || p < *line_end)
        return 1;  /* not a trigger, or its line is recorded already */
    const char *le = memchr(p, '\n', end - p);
    *line_end = le ? le : end;
    return trigger_at(self, buf, end, p);
}

static PyObject *Selector_add_triggers(Selector *self, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const char *buf = view.buf, *end = buf + view.len;
    const char *line_end = buf, *attempt_end = buf, *connect_end = buf;
    Py_ssize_t attempts = 0, connects = 0;
    int rc = 1;
    const char *p = buf;
    /* One pass: 16 bytes at a time compared with the five bytes that can belong to a pattern
     * ('k' outlook.com, 'f' office365.com / negotiation failed, '<' a reply, '+' a connect,
     * 'p' attempting to connect); only positions holding one are looked at. */
#ifdef __SSE2__
    const __m128i vk = _mm_set1_epi8('k'), vf = _mm_set1_epi8('f'), vl = _mm_set1_epi8('<'),
                  vp = _mm_set1_epi8('+'), va = _mm_set1_epi8('p');
    while (rc == 1 && end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, vk), _mm_cmpeq_epi8(v, vf)),
                                 _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, vl), _mm_cmpeq_epi8(v, vp)),
                                              _mm_cmpeq_epi8(v, va)));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        while (mask && rc == 1) {
            int i = __builtin_ctz(mask);
            mask &= mask - 1;
            rc = candidate(self, buf, end, p + i, &line_end, &attempt_end, &connect_end, &attempts, &connects);
        }
        p += 16;
    }
#endif
    for (; rc == 1 && p < end; p++) {
        char c = *p;
        if (c == 'k' || c == 'f' || c == '<' || c == '+' || c == 'p')
            rc = candidate(self, buf, end, p, &line_end, &attempt_end, &connect_end, &attempts, &connects);
    }
    PyBuffer_Release(&view);
    if (rc < 0)
        return NULL;
    if (rc == 0)
        Py_RETURN_NONE;
    return Py_BuildValue("nnn", self->used, attempts, connects);
}

/* The first ',', '"' or newline at or after q (end if none). */
static inline const char *find_mark(const char *q, const char *end) {
#ifdef __SSE2__
    const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"'), nl = _mm_set1_epi8('\n');
    while (end - q >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)q);
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, quote)), _mm_cmpeq_epi8(v, nl)));
        if (m)
            return q + __builtin_ctz(m);
        q += 16;
    }
#endif
    for (; q < end; q++)
        if (*q == ',' || *q == '"' || *q == '\n')
            return q;
    return end;
}

static PyObject *Selector_select(Selector *self, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const char *buf = view.buf, *end = buf + view.len;
    if (view.len == 0) {
        PyBuffer_Release(&view);
        return PyBytes_FromStringAndSize("", 0);
    }
    /* the result is never longer than the input */
    PyObject *out = PyBytes_FromStringAndSize(NULL, view.len);
    if (out == NULL) {
        PyBuffer_Release(&view);
        return NULL;
    }
    char *w = PyBytes_AS_STRING(out);
    const char *ls = buf;
    while (ls < end) {
        /* up to the session id's closing comma by hand (it is near the start), then memchr */
        const char *q = ls, *c2 = NULL, *c3 = NULL;
        int commas = 0, quoted = 0;
        for (;; q++) {
            q = find_mark(q, end);
            if (q == end || *q == '\n')
                break;
            if (*q == '"') {
                quoted = 1;  /* only csv can tell the columns: keep the line */
                break;
            }
            if (++commas == 2) {
                c2 = q;
            } else if (commas == 3) {
                c3 = q;
                break;
            }
        }
        const char *nl = (q < end && *q == '\n') ? q : memchr(q, '\n', end - q);
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        int keep = 0;
        if (nl == NULL || *ls == '#') {
            keep = 1;  /* a last line cut short, or a header line */
        } else if (self->validate > 0) {
            keep = 1;
            for (const char *c = ls; c < le; c++)
                if (!is_space((unsigned char)*c)) {
                    self->validate--;
                    break;
                }
        } else if (quoted) {
            keep = 1;
        } else if (c3 != NULL) {
            const char *s = c2 + 1, *e = c3;
            while (s < e && is_space((unsigned char)*s))
                s++;
            while (e > s && is_space((unsigned char)e[-1]))
                e--;
            Py_ssize_t n = e - s;
            if (n > 0 && n <= MAX_SID)
                keep = !is_ascii(s, n) || table_has(self, s, n);
        }
        if (keep) {
            memcpy(w, ls, next - ls);
            w += next - ls;
        } else {
            *w++ = '\n';
        }
        ls = next;
    }
    PyBuffer_Release(&view);
    if (_PyBytes_Resize(&out, w - PyBytes_AS_STRING(out)) < 0)
        return NULL;
    return out;
}

static PyObject *Selector_contains(Selector *self, PyObject *arg) {
    char *s;
    Py_ssize_t n;
    if (PyBytes_AsStringAndSize(arg, &s, &n) < 0)
        return NULL;
    if (n <= 0 || n > MAX_SID)
        Py_RETURN_FALSE;
    return PyBool_FromLong(table_has(self, s, n));
}

static int Selector_init(Selector *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"validate", "limit", NULL};
    Py_ssize_t validate = 0, limit = MAX_ENTRIES;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|nn", kwlist, &validate, &limit))
        return -1;
    self->validate = validate < 0 ? 0 : validate;
    self->limit = limit < 0 ? 0 : (limit > MAX_ENTRIES ? MAX_ENTRIES : limit);
    return 0;
}

static void Selector_dealloc(Selector *self) {
    PyMem_Free(self->keys);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Selector_len(Selector *self, void *Py_UNUSED(closure)) {
    return PyLong_FromSsize_t(self->used);
}

static PyMethodDef Selector_methods[] = {
    {"add_triggers", (PyCFunction)Selector_add_triggers, METH_O,
     "Remember the sessions named by trigger lines of a block of whole lines. Returns (sessions "
     "remembered, ',attempting to connect' count, ',+,' count), or None when the block needs "
     "the Python scanner."},
    {"select", (PyCFunction)Selector_select, METH_O,
     "The block with lines of unremembered sessions emptied (headers and validated rows kept)."},
    {"contains", (PyCFunction)Selector_contains, METH_O, "Whether a session id is remembered."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Selector_getset[] = {
    {"sessions", (getter)Selector_len, NULL, "sessions remembered", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject SelectorType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "relaydoctor.engine.evidence.smtplog._sendfilter.Selector",
    .tp_basicsize = sizeof(Selector),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Selector_init,
    .tp_dealloc = (destructor)Selector_dealloc,
    .tp_methods = Selector_methods,
    .tp_getset = Selector_getset,
    .tp_doc = "Sessions of a send log worth following, found on raw bytes.",
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_sendfilter", "Native send-log prefilter.", -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__sendfilter(void) {
    if (PyType_Ready(&SelectorType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&SelectorType);
    if (PyModule_AddObject(m, "Selector", (PyObject *)&SelectorType) < 0) {
        Py_DECREF(&SelectorType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
