/* Native scan of Exchange SMTP send protocol logs (see sendfilter.py for the contract).
 *
 * Selector.collect(buf, start, first_line) does scan.py's SessionCollector._feed_fast for one block in
 * one pass over its bytes: trigger lines -- "outlook.com", "office365.com", "negotiation failed",
 * or a 4xx/5xx reply (<,"?[45][0-9][0-9]) -- name the sessions to follow, each is read from where
 * _backward finds its start, its lines judged as _walk judges them and cut into lite rows, and the
 * sessions scan.py would finish are handed back (see the comment above Selector_collect).
 * Anything this code cannot judge the way Python would (a quoted connector or a non-ASCII session
 * id in a trigger line, a quote where _backward reads) makes collect return None: the caller uses
 * the pure-Python path for that file. Memory: a few words per session id named by a trigger, and
 * the rows of the open sessions (as the Python scanner keeps them). */
#define PY_SSIZE_T_CLEAN
#define _GNU_SOURCE
#include <Python.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_AVX512 1 /* find_hits' AVX-512BW loop, used where the CPU has it */
#endif

#define MAX_SID 64
#define MAX_ENTRIES (1 << 18) /* session ids remembered at most (~36 MB of table); beyond: Python path */

/* ``items`` (``*cap`` items of ``size`` bytes) moved to twice the room (``first`` items the first
   time): the new array with ``*cap`` updated, or NULL with MemoryError set (``items`` kept). */
static void *grown(void *items, Py_ssize_t *cap, size_t size, Py_ssize_t first) {
    Py_ssize_t n = *cap ? *cap * 2 : first;
    void *more = PyMem_Realloc(items, (size_t)n * size);
    if (more == NULL)
        return PyErr_NoMemory();
    *cap = n;
    return more;
}

/* A followed session: its id, where the scan stands in it (scan.py's _Open while it is open). */
typedef struct {
    PyObject *item, *rows, *sigs;  /* the _Open and its lists while open (owned) */
    Py_ssize_t lines, idle, tail, first;
    Py_ssize_t toff;               /* its _Open's toff once its conn is set (fast_row), else -1 */
    size_t hash;
    char state;                    /* 0 not followed, 1 open, 2 closed in this block, 3 finished */
    char mail, recv, partial, touched, tainted, fresh;
    unsigned char len;
    char id[MAX_SID];
} Sess;

typedef struct {
    PyObject_HEAD
    Sess *sess;            /* every session id seen in a trigger line, in that order */
    Py_ssize_t used, cap;
    Py_ssize_t *slots;     /* hash table: index in sess, -1 empty */
    Py_ssize_t nslots;     /* power of two */
    Py_ssize_t limit;      /* sessions remembered at most */
    Py_ssize_t *order, norder, ocap;  /* open sessions, oldest first (scan.py's ``open``) */
    Py_ssize_t *done, done_head, done_count, done_cap;  /* finished ones, oldest first */
    Py_ssize_t idle_bytes, max_open;
    PyObject *new_item;    /* makes an _Open; NULL before start() */
    size_t *ohash;         /* the open sessions hashed (the walk looks every line up here) */
    Py_ssize_t *oslot, onslots;
    unsigned char *obits;  /* 65536 bits: id_tail() of the open sessions' ids (most lines: no) */
    Py_ssize_t block_new;  /* bytes of new lines in the block collect() read */
    char in_block;         /* collect() done, end_block() not yet */
    PyObject *folds;       /* a Folds (_replay.c): sessions folded where they finish; NULL: none */
} Selector;

/* _replay.c: send.Aggregator's folding in C (1 folded, 0 hand it over, -1 error) */
int folds_try(PyObject *folds, PyObject *conn, int partial, PyObject *rows, PyObject *sigs, Py_ssize_t lines);
extern PyTypeObject FoldsType;

static inline int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static inline size_t hash_sid(const char *s, Py_ssize_t n) {
    /* 8 bytes at a time (ids are ~16 bytes; this runs once per line of the log) */
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    if (n > 0) {
        uint64_t w = 0;
        memcpy(&w, s, (size_t)n);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 29;
    }
    return (size_t)(h ^ (h >> 31));
}

/* The session of id s, or NULL. */
static Sess *table_find(Selector *self, const char *s, Py_ssize_t n) {
    if (self->used == 0)
        return NULL;
    size_t mask = (size_t)self->nslots - 1;
    size_t i = hash_sid(s, n) & mask;
    for (;;) {
        Py_ssize_t k = self->slots[i];
        if (k < 0)
            return NULL;
        Sess *e = &self->sess[k];
        if (e->len == n && memcmp(e->id, s, (size_t)n) == 0)
            return e;
        i = (i + 1) & mask;
    }
}

static int table_place(Selector *self, Py_ssize_t *slots, Py_ssize_t nslots, Py_ssize_t k) {
    size_t mask = (size_t)nslots - 1;
    size_t i = self->sess[k].hash & mask;
    while (slots[i] >= 0)
        i = (i + 1) & mask;
    slots[i] = k;
    return 0;
}

/* The session of id s, added (state 0) if new; NULL with no error: the table is full (the caller
 * falls back); NULL with an error: an error. */
static Sess *table_add(Selector *self, const char *s, Py_ssize_t n) {
    Sess *e = table_find(self, s, n);
    if (e != NULL || self->used >= self->limit)
        return e;
    if ((self->used + 1) * 2 > self->nslots) {
        Py_ssize_t nslots = self->nslots ? self->nslots * 2 : 1024;
        Py_ssize_t *slots = PyMem_Malloc((size_t)nslots * sizeof(Py_ssize_t));
        if (slots == NULL)
            return (Sess *)PyErr_NoMemory();
        for (Py_ssize_t i = 0; i < nslots; i++)
            slots[i] = -1;
        for (Py_ssize_t k = 0; k < self->used; k++)
            table_place(self, slots, nslots, k);
        PyMem_Free(self->slots);
        self->slots = slots;
        self->nslots = nslots;
    }
    if (self->used == self->cap) {
        Sess *sess = grown(self->sess, &self->cap, sizeof(Sess), 256);
        if (sess == NULL)
            return NULL;
        self->sess = sess;
    }
    e = &self->sess[self->used];
    memset(e, 0, sizeof(Sess));
    e->hash = hash_sid(s, n);
    e->len = (unsigned char)n;
    memcpy(e->id, s, (size_t)n);
    table_place(self, self->slots, self->nslots, self->used++);
    return e;
}

static int is_ascii(const char *s, Py_ssize_t n) {  /* 8 bytes at a time: every kept row's line is checked */
    uint64_t high = 0;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        high |= w;
    }
    for (; i < n; i++)
        high |= (unsigned char)s[i];
    return (high & 0x8080808080808080ULL) == 0;
}

static inline int at(const char *p, const char *buf, const char *end, const char *lit, size_t len) {
    return p >= buf && (size_t)(end - p) >= len && memcmp(p, lit, len) == 0;
}

/* The trigger hits of a block's new lines (scan.py's _triggers: "outlook.com", "office365.com",
 * "negotiation failed", a 4xx/5xx reply <,"?[45][0-9][0-9]) by kind 0-3 and position, and the
 * counts of ",attempting to connect" and ",+," (the scanner's session count). */
typedef struct {
    Py_ssize_t pos;
    int kind;
} Hit;

typedef struct {
    Hit *hit;
    Py_ssize_t n, cap, attempts, connects;
    const char *attempt_end, *connect_end;
    int header;  /* a line after the first starts with '#' */
} Hits;

static int hit_at(Hits *h, const char *base, const char *end, const char *p) {
    int kind = -1;
    const char *pos = p;
    switch (*p) {
    case 'k':
        if (at(p - 6, base, end, "outlook.com", 11))
            kind = 0, pos = p - 6;
        break;
    case 'e':
        if (at(p - 5, base, end, "office365.com", 13))
            kind = 1, pos = p - 5;
        break;
    case 'f':
        if (at(p - 12, base, end, "negotiation failed", 18))
            kind = 2, pos = p - 12;
        break;
    case '<': {
        const char *d = p + 1;
        if (d < end && *d == ',') {
            d++;
            if (d < end && *d == '"')
                d++;
            if (d + 2 < end && (*d == '4' || *d == '5') && d[1] >= '0' && d[1] <= '9' && d[2] >= '0' && d[2] <= '9')
                kind = 3;
        }
        break;
    }
    case '+':
        if (p - 1 >= h->connect_end && at(p - 1, base, end, ",+,", 3)) {
            h->connects++;
            h->connect_end = p + 2;
        }
        return 0;
    case 'p':
        if (p - 6 >= h->attempt_end && at(p - 6, base, end, ",attempting to connect", 22)) {
            h->attempts++;
            h->attempt_end = p + 16;
        }
        return 0;
    case '\n':
        if (p + 1 < end && p[1] == '#')
            h->header = 1;
        return 0;
    }
    if (kind < 0)
        return 0;
    if (h->n == h->cap) {
        Hit *hit = grown(h->hit, &h->cap, sizeof(Hit), 1024);
        if (hit == NULL)
            return -1;
        h->hit = hit;
    }
    h->hit[h->n].pos = pos - base;
    h->hit[h->n++].kind = kind;
    return 0;
}

#ifdef HAVE_AVX512
/* find_hits' loop with AVX-512 VBMI (chosen at run time): the same candidates 64 positions at a time
 * from p, while 66 bytes are left; returns where it stopped, or NULL on error. Each byte is
 * classified by a table look-up (vpermi2b, 128 entries: a byte of 0x80 or more reads as its low
 * seven bits, a few more candidates that hit_at rejects) instead of a compare per pattern byte: bit
 * i of first[] is the first byte of pair i, of second[] its second, third[] clears bit 3 ("<,"
 * replies) unless '4', '5' or '"' follows. */
__attribute__((target("avx512bw,avx512vbmi"))) static const char *find_hits_vbmi(Hits *h, const char *base,
                                                                                 const char *p, const char *end) {
    static const char pairs[][3] = {"k.", "e3", "fa", "<,", "+,", "pt", "\n#"};
    unsigned char first[128] = {0}, second[128] = {0}, third[128];
    for (int i = 0; i < 7; i++) {
        first[(unsigned char)pairs[i][0]] |= (unsigned char)(1u << i);
        second[(unsigned char)pairs[i][1]] |= (unsigned char)(1u << i);
    }
    memset(third, 0xff & ~8, sizeof third);
    third['4'] = third['5'] = third['"'] = 0xff;
    const __m512i f0 = _mm512_loadu_si512((const void *)first), f1 = _mm512_loadu_si512((const void *)(first + 64)),
                  s0 = _mm512_loadu_si512((const void *)second), s1 = _mm512_loadu_si512((const void *)(second + 64)),
                  t0 = _mm512_loadu_si512((const void *)third), t1 = _mm512_loadu_si512((const void *)(third + 64));
    while (end - p >= 66) {
        __m512i v = _mm512_loadu_si512((const void *)p), w = _mm512_loadu_si512((const void *)(p + 1)),
                x = _mm512_loadu_si512((const void *)(p + 2));
        __m512i both = _mm512_ternarylogic_epi32(_mm512_permutex2var_epi8(f0, v, f1), _mm512_permutex2var_epi8(s0, w, s1),
                                                 _mm512_permutex2var_epi8(t0, x, t1), 0x80); /* a & b & c */
        uint64_t m = _mm512_test_epi8_mask(both, both);
        while (m) {
            int i = __builtin_ctzll(m);
            m &= m - 1;
            if (hit_at(h, base, end, p + i) < 0)
                return NULL;
        }
        p += 64;
    }
    return p;
}
static int use_avx512;  /* set when the module is imported */
#endif

/* One pass over [base, end), 64 (AVX-512BW) or 16 (SSE2) positions at a time: a position is looked at
 * (hit_at) only when it holds the first of two bytes a pattern has there ("k." outlook.com, "e3"
 * office365.com, "fa" negotiation failed, "+," a connect, "pt" attempting to connect; pairs are
 * rarer than single letters in log text), or "<," followed by '4', '5' or '"' (a reply that may be
 * 4xx/5xx; most replies are 2xx), or "\n#" (a header line: h->header). Every path looks at the same
 * positions. 0 ok, -1 error. */
static int find_hits(Hits *h, const char *base, const char *end) {
    const char *p = base;
    h->attempt_end = h->connect_end = base;
#ifdef HAVE_AVX512
    if (use_avx512 && (p = find_hits_vbmi(h, base, p, end)) == NULL)
        return -1;
#endif
#ifdef __SSE2__
    const __m128i k = _mm_set1_epi8('k'), dot = _mm_set1_epi8('.'), f = _mm_set1_epi8('f'), a = _mm_set1_epi8('a'),
                  e = _mm_set1_epi8('e'), three = _mm_set1_epi8('3'), lt = _mm_set1_epi8('<'),
                  plus = _mm_set1_epi8('+'), comma = _mm_set1_epi8(','), pp = _mm_set1_epi8('p'),
                  t = _mm_set1_epi8('t'), one = _mm_set1_epi8(1), five = _mm_set1_epi8('5'),
                  quote = _mm_set1_epi8('"'), nl = _mm_set1_epi8('\n'), hash = _mm_set1_epi8('#');
    while (end - p >= 18) {
        __m128i v = _mm_loadu_si128((const __m128i *)p), w = _mm_loadu_si128((const __m128i *)(p + 1)),
                x = _mm_loadu_si128((const __m128i *)(p + 2));
        __m128i reply = _mm_and_si128(_mm_cmpeq_epi8(v, lt), _mm_or_si128(_mm_cmpeq_epi8(_mm_or_si128(x, one), five),
                                                                         _mm_cmpeq_epi8(x, quote)));
        __m128i m = _mm_or_si128(
            _mm_or_si128(_mm_or_si128(_mm_and_si128(_mm_cmpeq_epi8(v, k), _mm_cmpeq_epi8(w, dot)),
                                      _mm_and_si128(_mm_cmpeq_epi8(v, e), _mm_cmpeq_epi8(w, three))),
                         _mm_and_si128(_mm_cmpeq_epi8(v, f), _mm_cmpeq_epi8(w, a))),
            _mm_or_si128(_mm_and_si128(_mm_cmpeq_epi8(w, comma), _mm_or_si128(reply, _mm_cmpeq_epi8(v, plus))),
                         _mm_or_si128(_mm_and_si128(_mm_cmpeq_epi8(v, pp), _mm_cmpeq_epi8(w, t)),
                                      _mm_and_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(w, hash)))));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        while (mask) {
            int i = __builtin_ctz(mask);
            mask &= mask - 1;
            if (hit_at(h, base, end, p + i) < 0)
                return -1;
        }
        p += 16;
    }
#endif
    for (; p < end; p++) {
        char c = *p;
        if ((c == 'k' || c == 'e' || c == 'f' || c == '<' || c == '+' || c == 'p' || c == '\n') &&
            hit_at(h, base, end, p) < 0)
            return -1;
    }
    return 0;
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

/* ---------------------------------------------------------------------------------------------
 * The session walk and row cutting of scan.py (_walk, _fast_row), in C: the same lines, the same
 * positions, the same Row tuples. Whatever needs the csv module (a quote before the session id, a
 * CSV shape the fast splitter does not know) is left to the Python code, which then does exactly
 * what it does without this module. */

static inline Py_ssize_t find_byte(const char *buf, Py_ssize_t from, Py_ssize_t to, char c) {
    if (from >= to)
        return -1;
    const char *p = memchr(buf + from, c, (size_t)(to - from));
    return p ? p - buf : -1;
}

#ifdef __SSE2__
/* Bit k set: the 16 positions p+k hold ``len`` bytes whose first and last three are a, b, c, d
   (a literal's candidates; session ids share a long prefix and differ at the end). */
static inline unsigned candidates16(const char *p, Py_ssize_t len, __m128i a, __m128i b, __m128i c, __m128i d) {
    __m128i m = _mm_and_si128(
        _mm_and_si128(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), a),
                      _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + len - 3)), b)),
        _mm_and_si128(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + len - 2)), c),
                      _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + len - 1)), d)));
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

static inline Py_ssize_t find_lit(const char *buf, Py_ssize_t from, Py_ssize_t to, const char *lit, Py_ssize_t len) {
    if (from < 0)
        from = 0;
    if (to - from < len)
        return -1;
#ifdef __SSE2__
    if (len >= 4) {
        /* candidates: positions where the first and the last three bytes match, 16 at a time (session
         * ids share a long prefix and differ at the end) */
        const __m128i a = _mm_set1_epi8(lit[0]), b = _mm_set1_epi8(lit[len - 3]), c = _mm_set1_epi8(lit[len - 2]),
                      d = _mm_set1_epi8(lit[len - 1]);
        Py_ssize_t i = from;
        for (; i + len - 1 + 16 <= to; i += 16) {
            const char *p = buf + i;
            unsigned mask = candidates16(p, len, a, b, c, d);
            while (mask) {
                int k = __builtin_ctz(mask);
                if (memcmp(p + k, lit, (size_t)len) == 0)
                    return i + k;
                mask &= mask - 1;
            }
        }
        from = i;
        if (to - from < len)
            return -1;
    }
#endif
    if (len >= 1 && to - from <= 64) {  /* a short field (most are): no memmem call, whose set-up costs more */
        for (Py_ssize_t i = from; i + len <= to; i++)
            if (buf[i] == lit[0] && memcmp(buf + i + 1, lit + 1, (size_t)len - 1) == 0)
                return i;
        return -1;
    }
    const char *p = memmem(buf + from, (size_t)(to - from), lit, (size_t)len);
    return p ? p - buf : -1;
}

static inline int starts(const char *buf, Py_ssize_t at, Py_ssize_t end, const char *lit, Py_ssize_t len) {
    return at >= 0 && end - at >= len && memcmp(buf + at, lit, (size_t)len) == 0;
}

/* Occurrences of c in buf[from:to]: 16 bytes at a time (the prefiltered text is mostly empty
 * lines, so one memchr per newline would cost a call per byte). */
static Py_ssize_t count_byte(const char *buf, Py_ssize_t from, Py_ssize_t to, char c) {
    Py_ssize_t n = 0;
    const char *p = buf + from, *end = buf + to;
#ifdef __SSE2__
    const __m128i v = _mm_set1_epi8(c), zero = _mm_setzero_si128();
    while (end - p >= 16) {
        /* up to 255 blocks: per-byte counts (0 - (-1) per match), then summed with SAD */
        __m128i acc = zero;
        for (int k = 0; k < 255 && end - p >= 16; k++, p += 16)
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), v));
        __m128i sum = _mm_sad_epu8(acc, zero);
        n += _mm_cvtsi128_si32(sum) + _mm_extract_epi16(sum, 4);
    }
#endif
    for (; p < end; p++)
        n += *p == c;
    return n;
}

/* The next position of the needle: from the index list when there is one (scan.py's ``at``), else
 * searched. */
typedef struct {
    const char *buf;
    Py_ssize_t n;
    const char *needle;
    Py_ssize_t size;
    PyObject *at;  /* list of ints or NULL */
    Py_ssize_t next;
} Needle;

static Py_ssize_t next_needle(Needle *nd, Py_ssize_t from) {
    if (nd->at != NULL) {
        if (nd->next >= PyList_GET_SIZE(nd->at))
            return -1;
        Py_ssize_t v = PyLong_AsSsize_t(PyList_GET_ITEM(nd->at, nd->next));
        nd->next++;
        return v;  /* -1 with an error set is checked by the caller */
    }
    return find_lit(nd->buf, from, nd->n, nd->needle, nd->size);
}

static int add_found(PyObject *found, Py_ssize_t ls, Py_ssize_t le, Py_ssize_t q, Py_ssize_t c1, Py_ssize_t c3,
                     PyObject *item) {
    PyObject *t = PyTuple_New(6);
    if (t == NULL)
        return -1;
    Py_ssize_t v[5] = {ls, le, q, c1, c3};
    for (int i = 0; i < 5; i++) {
        PyObject *n = PyLong_FromSsize_t(v[i]);
        if (n == NULL) {
            Py_DECREF(t);
            return -1;
        }
        PyTuple_SET_ITEM(t, i, n);
    }
    Py_INCREF(item);
    PyTuple_SET_ITEM(t, 5, item);
    int rc = PyList_Append(found, t);
    Py_DECREF(t);
    return rc;
}

/* The buffers of args[0] (the block) and args[1] (the needle); -1 with an error set. */
static int two_buffers(PyObject *const *args, Py_buffer *view, Py_buffer *nview) {
    if (PyObject_GetBuffer(args[0], view, PyBUF_SIMPLE) < 0)
        return -1;
    if (PyObject_GetBuffer(args[1], nview, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* walk(buf, needle, start, off, tail, mail, recv, item, found, at) -> (closed, off, tail, mail, recv,
 * lines) or None: scan.py's _walk (see there for what is kept). None: a line needs the csv module
 * to tell its columns; ``found`` is then left as it was and the caller runs the Python walk. */
static PyObject *sf_walk(PyObject *mod, PyObject *const *args, Py_ssize_t nargs) {
    (void)mod;
    if (nargs != 10) {
        PyErr_SetString(PyExc_TypeError, "walk() takes 10 arguments");
        return NULL;
    }
    Py_buffer view, nview;
    if (two_buffers(args, &view, &nview) < 0)
        return NULL;
    PyObject *result = NULL;
    PyObject *item = args[7], *found = args[8];
    Py_ssize_t start = PyLong_AsSsize_t(args[2]);
    Py_ssize_t off = PyLong_AsSsize_t(args[3]);
    Py_ssize_t tail = PyLong_AsSsize_t(args[4]);
    int mail = PyObject_IsTrue(args[5]), recv = PyObject_IsTrue(args[6]);
    if (PyErr_Occurred() || mail < 0 || recv < 0 || !PyList_Check(found) ||
        (args[9] != Py_None && !PyList_Check(args[9]))) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "walk(): bad arguments");
        goto done;
    }
    const char *buf = view.buf;
    Py_ssize_t n = view.len;
    Needle nd = {buf, n, nview.buf, nview.len, args[9] == Py_None ? NULL : args[9], 0};
    Py_ssize_t size = nview.len, count = 0, before = PyList_GET_SIZE(found);
    int closed = 0;
    Py_ssize_t pos = next_needle(&nd, start);
    while (pos >= 0) {
        Py_ssize_t ls = pos - off;
        if (off < 0 || ls < 0 || (ls > 0 && buf[ls - 1] != '\n')) {
            const char *nl = memrchr(buf, '\n', (size_t)pos);
            ls = nl ? nl - buf + 1 : 0;
            if (count_byte(buf, ls, pos, ',') != 1) {
                if (find_byte(buf, ls, pos, '"') >= 0) {  /* only csv can tell: the Python walk */
                    if (PyList_SetSlice(found, before, PyList_GET_SIZE(found), NULL) < 0)
                        goto done;
                    result = Py_None;
                    Py_INCREF(result);
                    goto done;
                }
                pos = next_needle(&nd, pos + 1);
                continue;
            }
            off = pos - ls;
        }
        Py_ssize_t le = find_byte(buf, pos, n, '\n');
        if (le < 0)
            le = n;
        count++;
        Py_ssize_t q = pos + size;
        Py_ssize_t c1 = find_byte(buf, q, le, ',');
        Py_ssize_t c3 = c1 + tail;
        if (c1 < 0 || tail < 0 || c3 + 2 >= le || buf[c3] != ',' || buf[c3 + 2] != ',') {
            Py_ssize_t c2 = c1 >= 0 ? find_byte(buf, c1 + 1, le, ',') : -1;
            c3 = c2 >= 0 ? find_byte(buf, c2 + 1, le, ',') : -1;
            if (c3 < 0 || c3 + 2 >= le || buf[c3 + 2] != ',') {
                if (add_found(found, ls, le, q, c1, -1, item) < 0)
                    goto done;
                pos = next_needle(&nd, le);
                continue;
            }
            tail = c3 - c1;
        }
        char ev = buf[c3 + 1];
        Py_ssize_t d = c3 + 3;
        int keep = 0;
        if (ev == '<') {
            if (mail)
                keep = !starts(buf, d, le, "221 ", 4);
            else if (starts(buf, d, le, "250", 3) && !starts(buf, d, le, "250 2.", 6))
                keep = find_lit(buf, d, le, "Hello", 5) >= 0 || find_lit(buf, d, le, "STARTTLS", 8) >= 0 ||
                       find_lit(buf, d, le, "XXXXXXXA", 8) >= 0;  /* STARTTLS masked by a firewall */
            else
                keep = 1;
        } else if (ev == '>') {
            if (mail)
                keep = !starts(buf, d, le, "QUIT", 4);
            else if (starts(buf, d, le, "MAIL", 4))
                mail = keep = 1;
            else
                keep = starts(buf, d, le, "STARTTLS", 8) || starts(buf, d, le, "X-ANONYMOUSTLS", 14) ||
                       starts(buf, d, le, "AUTH", 4);
        } else if (ev == '*') {
            if (starts(buf, d, le, ",Received certificate", 21))
                recv = 1;
            else if (recv && find_lit(buf, d, le, ",Certificate thumbprint", 23) >= 0)
                recv = 0;
            else {
                Py_ssize_t e = le - (buf[le - 1] == '\r');
                keep = !(starts(buf, d + 1, le, "attempting", 10) ||
                         find_lit(buf, d, le, "sending message with", 20) >= 0 ||
                         (e - d >= 26 && memcmp(buf + e - 26, ",Certificate serial number", 26) == 0));
            }
        } else if (ev == '-') {
            if (add_found(found, ls, le, q, c1, c3, item) < 0)
                goto done;
            closed = 1;
            break;
        } else {
            keep = ev != '+';
        }
        if (keep && add_found(found, ls, le, q, c1, c3, item) < 0)
            goto done;
        pos = next_needle(&nd, le);
    }
    if (PyErr_Occurred())
        goto done;
    result = Py_BuildValue("(OnnOOn)", closed ? Py_True : Py_False, off, tail, mail ? Py_True : Py_False,
                           recv ? Py_True : Py_False, count);
done:
    PyBuffer_Release(&view);
    PyBuffer_Release(&nview);
    return result;
}

/* _split_data_context of scan.py on ASCII text: 1 done, 0 the Python code must judge. */
static int split_data_context(const char *r, Py_ssize_t n, Py_ssize_t *ds, Py_ssize_t *dn, int *dq,
                              Py_ssize_t *cs, Py_ssize_t *cn, int *cq) {
    if (memchr(r, '\0', (size_t)n))
        return 0;
    Py_ssize_t ctx;
    *dq = *cq = 0;
    if (n > 0 && r[0] == '"') {
        Py_ssize_t i = find_byte(r, 1, n, '"');
        while (i >= 0 && i + 1 < n && r[i + 1] == '"')
            i = find_byte(r, i + 2, n, '"');
        if (i < 0 || i + 1 >= n || r[i + 1] != ',')
            return 0;
        *ds = 1;
        *dn = i - 1;
        *dq = find_lit(r, 1, i, "\"\"", 2) >= 0;
        ctx = i + 2;
    } else {
        Py_ssize_t c = find_byte(r, 0, n, ',');
        Py_ssize_t dend = c < 0 ? n : c;
        if (find_byte(r, 0, dend, '"') >= 0)
            return 0;
        *ds = 0;
        *dn = dend;
        ctx = c < 0 ? n : c + 1;
    }
    const char *cx = r + ctx;
    Py_ssize_t m = n - ctx;
    if (memchr(cx, '"', (size_t)m)) {
        if (!(m >= 2 && cx[0] == '"' && cx[m - 1] == '"'))
            return 0;
        for (Py_ssize_t i = 1; i < m - 1; i++) {
            if (cx[i] == '"') {
                if (i + 1 < m - 1 && cx[i + 1] == '"')
                    i++;
                else
                    return 0;
            }
        }
        *cs = ctx + 1;
        *cn = m - 2;
        *cq = 1;
    } else {
        if (memchr(cx, ',', (size_t)m))
            return 0;
        *cs = ctx;
        *cn = m;
    }
    return 1;
}

/* str of r[0:n], with "" turned into " when ``dq`` */
static PyObject *ascii_str(const char *r, Py_ssize_t n, int dq) {
    if (!dq)
        return PyUnicode_FromStringAndSize(r, n);
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < n; i++, k++)
        if (r[i] == '"' && i + 1 < n && r[i + 1] == '"')
            i++;
    PyObject *s = PyUnicode_New(k, 127);
    if (s == NULL)
        return NULL;
    Py_UCS1 *w = PyUnicode_1BYTE_DATA(s);
    for (Py_ssize_t i = 0; i < n; i++) {
        *w++ = (Py_UCS1)r[i];
        if (r[i] == '"' && i + 1 < n && r[i + 1] == '"')
            i++;
    }
    return s;
}

/* Folding repeated sessions (send.py): a row's *signature* is its event, data and context with only
 * the parts no fact of a later, folded session can depend on taken out -- the local part of a MAIL
 * FROM address (the domain stays), of a RCPT TO address all but whether it is in the tenant
 * (*.onmicrosoft.com), the size of a BDAT, and in a positive final reply line
 * without "Hello", "STARTTLS" or "XXXXXXXA" (a queued-mail reply) the contents of <...> and free-standing
 * numbers after its first word (message ids, InternalId=, sizes, timings). Whatever decides a
 * fact stays byte for byte: reply codes, the first word (a banner or EHLO host: only whether it is
 * Exchange Online's, see plain_host), bracket and Hostname= hosts (in such a reply line: only
 * whether Exchange Online's, see bracket_host), negative and continuation replies (but for a plain recipient address right after the status
 * of a one-line "550 5.1.1 <local@domain> ..." reply: see plain_address), information lines, the
 * context column. A 2xx/3xx continuation line's host joined into a 4xx/5xx reply is the exception:
 * there it is part of the rejection's text (see pin_mixed_reply). */

static inline int py_space(unsigned char c) {
    return c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f);
}

static inline int host_or_word(unsigned char c) {  /* may continue a host name or a \w run */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_';
}

static int has_ci(const char *s, Py_ssize_t n, const char *lit, Py_ssize_t len) {  /* lit: lower case */
    for (Py_ssize_t i = 0; i + len <= n; i++) {
        Py_ssize_t k = 0;
        while (k < len && (s[i + k] | 0x20) == lit[k])
            k++;
        if (k == len)
            return 1;
    }
    return 0;
}

/* The end of "CODE D.D.D " at the start of a 4xx/5xx reply d[:n] (one line: a blank after the code),
 * where a recipient "<local@domain>" follows, or 0. */
static Py_ssize_t rejected_address_at(const char *d, Py_ssize_t n) {
    if (n < 12 || (d[0] != '4' && d[0] != '5') || d[1] < '0' || d[1] > '9' || d[2] < '0' || d[2] > '9' ||
        d[3] != ' ' || (d[4] != '2' && d[4] != '4' && d[4] != '5') || d[5] != '.' || d[6] < '0' || d[6] > '7' ||
        d[7] != '.')
        return 0;
    Py_ssize_t i = 8;
    while (i < n && i < 11 && d[i] >= '0' && d[i] <= '9')
        i++;
    if (i == 8 || i + 1 >= n || d[i] != ' ' || d[i + 1] != '<')
        return 0;
    return i + 1;
}

/* Whether x[:n] (between < and >) is a plain address whose text no reading of the reply looks at:
 * local@domain of letters, digits and ._+- only, no digit.digit (an enhanced status), no digit first
 * or after @ or + (where smtp_reply's _BASIC may start a reply code: elsewhere a word character, dot
 * or hyphen comes before it), none of the words the replay looks for (Hello, STARTTLS, XXXXXXXA;
 * ATTR is checked on the whole reply). With no blank, quote, bracket, backslash or parenthesis in it
 * no pattern of parse_reply starts, ends or is cut inside it. Such a reply gives the same status, ATTR
 * code, symptom key and outcome whatever the address: its signature keeps "<\xff>" for it. */
static int plain_address(const char *x, Py_ssize_t n) {
    if (n < 3 || n > 256)
        return 0;
    int at = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)x[i];
        int digit = c >= '0' && c <= '9';
        if (c == '@') {
            if (at >= 0)
                return 0;
            at = (int)i;
        } else if (!(digit || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '+' ||
                     c == '-')) {
            return 0;
        }
        if (digit && (i == 0 || x[i - 1] == '@' || x[i - 1] == '+'))
            return 0;
        if (c == '.' && i > 0 && i + 1 < n && x[i - 1] >= '0' && x[i - 1] <= '9' && x[i + 1] >= '0' && x[i + 1] <= '9')
            return 0;
    }
    return at > 0 && at < n - 1 && !has_ci(x, n, "hello", 5) && !has_ci(x, n, "starttls", 8) &&
           !has_ci(x, n, "xxxxxxxa", 8);
}

int replay_is_eop(const char *s, Py_ssize_t n);  /* _replay.c */

static inline int isalpha_ascii(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static inline int isalnum_ascii(unsigned char c) { return isalpha_ascii(c) || (c >= '0' && c <= '9'); }

/* Where the host a 2xx/3xx reply d[:n] starts with lies ([*at, *at + *len)), when it is a plain host
 * name (letters, digits, dots and hyphens, a dot and a letter in it, no digit.digit, none of the
 * words the replay looks for): the replay reads such a first word only as a banner or EHLO reply's
 * host (_replay.c host_of_reply) and of it only whether it is Exchange Online's (is_eop; the host
 * itself goes to a fact's example, which a folded session never sets). 0 when not. */
static int plain_host(const char *d, Py_ssize_t n, Py_ssize_t *at, Py_ssize_t *len) {
    if (n < 6 || (d[0] != '2' && d[0] != '3') || d[1] < '0' || d[1] > '9' || d[2] < '0' || d[2] > '9')
        return 0;
    Py_ssize_t p = 4;
    while (p < n && py_space((unsigned char)d[p]))
        p++;
    Py_ssize_t e = p;
    int dot = 0, letter = 0;
    for (; e < n && d[e] != ' '; e++) {
        unsigned char c = (unsigned char)d[e];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            letter = 1;
        else if (c == '.')
            dot = 1;
        else if (!((c >= '0' && c <= '9') || c == '-'))
            return 0;
        if (c == '.' && e > p && e + 1 < n && d[e - 1] >= '0' && d[e - 1] <= '9' && d[e + 1] >= '0' && d[e + 1] <= '9')
            return 0;
    }
    if (!dot || !letter || e - p > 255 || has_ci(d + p, e - p, "hello", 5) || has_ci(d + p, e - p, "starttls", 8) ||
        has_ci(d + p, e - p, "xxxxxxxa", 8))
        return 0;
    *at = p;
    *len = e - p;
    return 1;
}

/* A host of _replay.c bracket_eop's at t[i] ("[host" or "Hostname=host", as session.py's _BRACKET_HOSTS
 * finds it): 1 with the host at [*hs, *he), else 0. The replay reads such a host only as Exchange
 * Online's or not (and only while no EOP host was seen): the signature keeps that and not the name. */
static int bracket_host(const char *t, Py_ssize_t n, Py_ssize_t i, Py_ssize_t *hs, Py_ssize_t *he) {
    Py_ssize_t j = -1;
    if (t[i] == '[')
        j = i + 1;
    else if (n - i >= 9 && memcmp(t + i, "Hostname=", 9) == 0)
        j = i + 9;
    if (j < 0 || j >= n || !isalnum_ascii((unsigned char)t[j]))
        return 0;
    Py_ssize_t e = j + 1;
    while (e < n && (isalnum_ascii((unsigned char)t[e]) || t[e] == '.' || t[e] == '-'))
        e++;
    Py_ssize_t k = e - 1;
    while (k > j && !(t[k] == '.' && k + 2 < n && isalpha_ascii((unsigned char)t[k + 1]) &&
                      isalpha_ascii((unsigned char)t[k + 2])))
        k--;
    if (k <= j)
        return 0;
    Py_ssize_t end = k + 1;
    while (end < n && isalpha_ascii((unsigned char)t[end]))
        end++;
    *hs = j;
    *he = end;
    return 1;
}

/* The normalised data into w (room for n bytes); returns the end. */
static char *normalise(char ev, const char *d, Py_ssize_t n, char *w) {
    Py_ssize_t hs, hn;
    if (ev == '<' && plain_host(d, n, &hs, &hn) && (d[3] == ' ' || d[3] == '-') &&
        (find_lit(d, 0, n, "Hello", 5) >= 0 || has_ci(d, n, "starttls", 8) || d[3] == '-')) {
        /* an EHLO reply line (kept as written but for its host's name) */
        memcpy(w, d, (size_t)hs);
        w += hs;
        *w++ = (char)0xff;
        *w++ = replay_is_eop(d + hs, hn) ? 'E' : 'N';
        memcpy(w, d + hs + hn, (size_t)(n - hs - hn));
        return w + (n - hs - hn);
    }
    Py_ssize_t lt;
    if (ev == '<' && (lt = rejected_address_at(d, n)) > 0 && !memmem(d, (size_t)n, "ATTR", 4)) {
        const char *gt = memchr(d + lt + 1, '>', (size_t)(n - lt - 1));
        if (gt != NULL && plain_address(d + lt + 1, gt - d - lt - 1)) {
            memcpy(w, d, (size_t)lt);
            w += lt;
            memcpy(w, "<\xff>", 3);
            w += 3;
            memcpy(w, gt + 1, (size_t)(n - (gt + 1 - d)));
            return w + (n - (gt + 1 - d));
        }
    }
    if (ev == '>') {
        Py_ssize_t pre = starts(d, 0, n, "MAIL FROM:<", 11) ? 11 : starts(d, 0, n, "RCPT TO:<", 9) ? 9 : 0;
        if (pre) {
            const char *gt = memchr(d + pre, '>', (size_t)(n - pre));
            const char *at = gt ? memrchr(d + pre, '@', (size_t)(gt - d - pre)) : NULL;
            int plain = at != NULL;
            for (const char *c = d + pre; plain && c < gt; c++)
                plain = (unsigned char)*c > ' ';
            if (plain && pre == 9) {  /* a recipient counts only as in the tenant or not */
                const char *e = gt;
                while (e > at + 1 && e[-1] == '.')
                    e--;
                int tenant = e - at - 1 >= 16 && has_ci(e - 16, 16, ".onmicrosoft.com", 16);
                memcpy(w, tenant ? "RCPT TO:<@T>" : "RCPT TO:<@X>", 12);
                return w + 12;
            }
            if (plain) {  /* "MAIL FROM:<@domain>": the domain decides, the rest is the example's */
                memcpy(w, d, (size_t)pre);
                w += pre;
                memcpy(w, at, (size_t)(gt - at + 1));
                return w + (gt - at + 1);
            }
        } else if (starts(d, 0, n, "BDAT ", 5)) {
            Py_ssize_t j = 5;
            while (j < n && d[j] >= '0' && d[j] <= '9')
                j++;
            if (j > 5 && (j == n || d[j] == ' ')) {
                memcpy(w, "BDAT ", 5);
                memcpy(w + 5, d + j, (size_t)(n - j));
                return w + 5 + (n - j);
            }
        }
    } else if (ev == '<' && n >= 4 && (d[0] == '2' || d[0] == '3') && d[3] == ' ' &&
               find_lit(d, 0, n, "Hello", 5) < 0 && !has_ci(d, n, "starttls", 8) &&
               !memmem(d, (size_t)n, "XXXXXXXA", 8)) {
        /* (not an EHLO reply line: session.py's _hello_line takes a 250 line with "Hello", STARTTLS or
         * "XXXXXXXA" anywhere in it -- "<a-XXXXXXXA@x>", "[a-XXXXXXXA.example]" too -- for one) */
        Py_ssize_t p = 4;
        while (p < n && py_space((unsigned char)d[p]))
            p++;
        const char *sp = memchr(d + p, ' ', (size_t)(n - p));
        p = sp ? sp - d : n;  /* d[:p]: the code and the first word, as they are (a host: its kind) */
        if (plain_host(d, n, &hs, &hn)) {
            memcpy(w, d, (size_t)hs);
            w += hs;
            *w++ = (char)0xff;
            *w++ = replay_is_eop(d + hs, hn) ? 'E' : 'N';
        } else {
            memcpy(w, d, (size_t)p);
            w += p;
        }
        Py_ssize_t i = p, bs, be;
        while (i < n) {
            char c = d[i];
            if ((c == '[' || c == 'H') && bracket_host(d, n, i, &bs, &be)) {
                memcpy(w, d + i, (size_t)(bs - i));
                w += bs - i;
                *w++ = (char)0xff;
                *w++ = replay_is_eop(d + bs, be - bs) ? 'E' : 'N';
                i = be;
                continue;
            }
            if (c == '<') {
                const char *gt = memchr(d + i + 1, '>', (size_t)(n - i - 1));
                if (gt != NULL) {
                    Py_ssize_t cn = gt - d - i - 1;
                    if (!memchr(d + i + 1, '[', (size_t)cn) && !memchr(d + i + 1, '<', (size_t)cn) &&
                        find_lit(d, i + 1, gt - d, "Hostname=", 9) < 0) {
                        *w++ = '<';
                        *w++ = '>';
                        i = gt - d + 1;
                        continue;
                    }
                }
            } else if ((c >= '0' && c <= '9') || c == '.') {
                Py_ssize_t j = i;
                int digit = 0;
                while (j < n && ((d[j] >= '0' && d[j] <= '9') || d[j] == '.'))
                    digit |= d[j++] != '.';
                if (digit && !host_or_word((unsigned char)d[i - 1]) && (j == n || !host_or_word((unsigned char)d[j]))) {
                    *w++ = '#';
                } else {
                    memcpy(w, d + i, (size_t)(j - i));
                    w += j - i;
                }
                i = j;
                continue;
            }
            *w++ = c;
            i++;
        }
        return w;
    }
    memcpy(w, d, (size_t)n);
    return w + n;
}

/* The signature of one row: event, quoting flags, the normalised data's length and bytes, the
 * context as written. Equal signatures mean equal (data, context) up to the parts above. */
static PyObject *signature(char ev, const char *d, Py_ssize_t dn, int dq, const char *c, Py_ssize_t cn, int cq) {
    char room[512];  /* most rows: written here, then one bytes object of the right size (no resize) */
    PyObject *out = NULL;
    if (7 + dn + cn > (Py_ssize_t)sizeof room && (out = PyBytes_FromStringAndSize(NULL, 7 + dn + cn)) == NULL)
        return NULL;
    char *w0 = out ? PyBytes_AS_STRING(out) : room, *w = w0;
    *w++ = ev;
    *w++ = (char)dq;
    *w++ = (char)cq;
    char *lenp = w;
    w += 4;
    char *data = w;
    w = dq ? (memcpy(w, d, (size_t)dn), w + dn) : normalise(ev, d, dn, w);
    uint32_t len = (uint32_t)(w - data);
    memcpy(lenp, &len, 4);
    memcpy(w, c, (size_t)cn);
    w += cn;
    if (out == NULL)
        return PyBytes_FromStringAndSize(room, w - w0);
    if (_PyBytes_Resize(&out, w - w0) < 0)
        return NULL;
    return out;
}

/* The reply code and continuation mark of a '<' signature's data (as written: every rule of normalise
 * keeps a reply line's first four bytes): 0 not a reply line session.py reads (no three digits), else
 * the code's first digit, negated for a continuation line ("250-..."). */
static int sig_reply(PyObject *sig, const char **data, Py_ssize_t *dn) {
    const char *s = PyBytes_AS_STRING(sig);
    uint32_t len;
    if (PyBytes_GET_SIZE(sig) < 10 || s[0] != '<')
        return 0;
    memcpy(&len, s + 3, 4);
    if (len < 3 || (Py_ssize_t)len > PyBytes_GET_SIZE(sig) - 7)
        return 0;
    const char *d = s + 7;
    for (int i = 0; i < 3; i++)
        if (d[i] < '0' || d[i] > '9')
            return 0;
    *data = d;
    *dn = len;
    return len > 3 && d[3] == '-' ? -d[0] : d[0];
}

/* A 4xx/5xx reply line (``*sig``, of line ``line``) that ends a reply whose earlier lines (``sigs``,
 * back to the last final reply line) hold a 2xx/3xx continuation line with its host left out of its
 * signature (normalise: "250-host.example ..."): session.py joins those lines into the rejection's
 * text, and so its symptom key and the symptom itself, so there the host is not "only Exchange
 * Online's or not". Such a mixed-code reply (not SMTP, but logs are what they are) gets the line
 * number appended to its final line's signature: no other session shares the key, none is folded
 * as one that was replayed with another host. 0 ok, -1 error. */
static int pin_mixed_reply(PyObject *sigs, PyObject **sig, Py_ssize_t line) {
    const char *d;
    Py_ssize_t dn;
    int code = sig_reply(*sig, &d, &dn);
    if (code != '4' && code != '5')
        return 0;
    for (Py_ssize_t i = PyList_GET_SIZE(sigs) - 1; i >= 0; i--) {
        PyObject *prev = PyList_GET_ITEM(sigs, i);
        if (!PyBytes_CheckExact(prev))
            return 0;
        int c = sig_reply(prev, &d, &dn);
        if (c == 0)
            continue;  /* a command, an information line, a line without a reply code */
        if (c > 0)
            return 0;  /* the previous reply ended there */
        if ((c == -'2' || c == -'3') && memchr(d, 0xff, (size_t)dn) != NULL) {
            Py_ssize_t n = PyBytes_GET_SIZE(*sig);
            if (_PyBytes_Resize(sig, n + 1 + (Py_ssize_t)sizeof(long long)) < 0)
                return -1;
            long long at = line;
            PyBytes_AS_STRING(*sig)[n] = (char)0xfe;
            memcpy(PyBytes_AS_STRING(*sig) + n + 1, &at, sizeof at);
            return 0;
        }
    }
    return 0;
}

static PyObject *str_conn, *str_toff, *str_rows, *str_sigs;

/* _replay.c: the lite form of a row (one bytes object; see its comment) */
PyObject *lite_make(long long seq, Py_ssize_t line, const char *t, Py_ssize_t tn, Py_ssize_t toff, Py_ssize_t rems,
                    Py_ssize_t remn, Py_ssize_t ev, const char *d, Py_ssize_t dn, int dq, const char *c,
                    Py_ssize_t cn, int cq);
PyObject *sf_row(PyObject *mod, PyObject *const *args, Py_ssize_t nargs);
PyObject *sf_ordered(PyObject *mod, PyObject *arg);
PyObject *sf_line_time(PyObject *mod, PyObject *arg);

/* One row as _fast_row makes it (with ``lite``: in the lite form of _replay.c, one bytes object);
 * NULL with no error set: not this function's to judge (the caller leaves the line to the Python
 * code); NULL with an error: an error. */
static PyObject *fast_row(const char *buf, Py_ssize_t ls, Py_ssize_t le, Py_ssize_t q, Py_ssize_t c1,
                          Py_ssize_t c3, Py_ssize_t line, PyObject *item, PyTypeObject *row_type, PyObject **sig,
                          int lite, Py_ssize_t *toff_known) {
    if (c1 - q < 1 || c1 - q > 9)
        return NULL;
    long long seq = 0;
    for (Py_ssize_t i = q; i < c1; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return NULL;
        seq = seq * 10 + (buf[i] - '0');
    }
    Py_ssize_t end = buf[le - 1] == '\r' ? le - 1 : le;
    if (!is_ascii(buf + ls, end - ls))
        return NULL;
    const char *t = buf + ls;
    Py_ssize_t tn = end - ls;
    Py_ssize_t rs = c3 - ls + 3;
    if (rs > tn)
        rs = tn;
    Py_ssize_t ds, dn, cs, cn;
    int dq = 0, cq = 0;
    const char *r = t + rs;
    Py_ssize_t rn = tn - rs;
    if (memchr(r, '"', (size_t)rn)) {
        if (!split_data_context(r, rn, &ds, &dn, &dq, &cs, &cn, &cq))
            return NULL;
    } else {
        Py_ssize_t c = find_byte(r, 0, rn, ',');
        ds = 0;
        dn = c < 0 ? rn : c;
        cs = c < 0 ? rn : c + 1;
        cn = rn - cs;
    }
    /* toff_known (lite rows of collect() only): item's toff once its conn is set, or -1; a lite row
     * needs no conn, so a session's later rows look neither up */
    PyObject *conn = lite && toff_known != NULL && *toff_known >= 0 ? NULL : PyObject_GetAttr(item, str_conn);
    PyObject *remote = NULL, *toff_obj = NULL;
    Py_ssize_t toff, rems = 0, remn = 0;
    PyObject *fields[9] = {NULL};
    PyObject *row = NULL;
    if (conn == NULL) {
        if (!(lite && toff_known != NULL && *toff_known >= 0))
            return NULL;
        toff = *toff_known;
    } else if (conn == Py_None) {
        Py_DECREF(conn);
        conn = NULL;
        Py_ssize_t a = find_byte(t, 0, tn, ',');
        Py_ssize_t b = a >= 0 ? find_byte(t, a + 1, tn, ',') : -1;
        if (b < 0 || (a + 1 < tn && t[a + 1] == '"'))
            return NULL;
        toff = a;
        conn = PyUnicode_FromStringAndSize(t + a + 1, b - a - 1);
        Py_ssize_t es = c1 - ls + 1, ee = c3 - ls;
        if (ee > tn)
            ee = tn;
        if (es > ee)
            es = ee;
        Py_ssize_t k = find_byte(t, es, ee, ',');
        Py_ssize_t rstart = k < 0 ? es : k + 1;
        rems = rstart;
        remn = ee - rstart;
        remote = PyUnicode_FromStringAndSize(t + rstart, ee - rstart);
        toff_obj = PyLong_FromSsize_t(toff);
        if (conn == NULL || remote == NULL || toff_obj == NULL ||
            PyObject_SetAttr(item, str_conn, conn) < 0 || PyObject_SetAttr(item, str_toff, toff_obj) < 0)
            goto fail;
        if (toff_known != NULL)
            *toff_known = toff;
    } else {
        toff_obj = PyObject_GetAttr(item, str_toff);
        if (toff_obj == NULL)
            goto fail;
        toff = PyLong_AsSsize_t(toff_obj);
        if (toff == -1 && PyErr_Occurred())
            goto fail;
        if (toff_known != NULL && toff >= 0)
            *toff_known = toff;
        remote = PyUnicode_FromStringAndSize("", 0);
        if (remote == NULL)
            goto fail;
    }
    if (toff < 0)
        toff = 0;  /* never: a found line has commas */
    if (toff > tn)
        toff = tn;
    if (lite) {
        row = lite_make(seq, line, t, tn, toff, rems, remn, c3 - ls + 1, r + ds, dn, dq, r + cs, cn, cq);
        if (row != NULL) {
            *sig = signature(t[c3 - ls + 1], r + ds, dn, dq, r + cs, cn, cq);
            if (*sig == NULL)
                Py_CLEAR(row);
        }
        goto fail;  /* (not a failure: the objects below are released either way) */
    }
    fields[0] = PyLong_FromLongLong(seq);
    fields[1] = PyLong_FromSsize_t(line);
    fields[2] = PyUnicode_FromStringAndSize(t, toff);
    fields[3] = conn;
    conn = NULL;
    fields[4] = remote;
    remote = NULL;
    fields[5] = PyUnicode_FromStringAndSize(t + c3 - ls + 1, 1);
    fields[6] = ascii_str(r + ds, dn, dq);
    fields[7] = ascii_str(r + cs, cn, cq);
    fields[8] = PyUnicode_FromStringAndSize(t, tn);
    for (int i = 0; i < 9; i++)
        if (fields[i] == NULL)
            goto fail;
    *sig = signature(t[c3 - ls + 1], r + ds, dn, dq, r + cs, cn, cq);
    if (*sig == NULL)
        goto fail;
    row = row_type->tp_alloc(row_type, 9);
    if (row == NULL) {
        Py_CLEAR(*sig);
        goto fail;
    }
    for (int i = 0; i < 9; i++) {
        PyTuple_SET_ITEM(row, i, fields[i]);
        fields[i] = NULL;
    }
fail:
    Py_XDECREF(conn);
    Py_XDECREF(remote);
    Py_XDECREF(toff_obj);
    for (int i = 0; i < 9; i++)
        Py_XDECREF(fields[i]);
    return row;
}

/* rows(buf, found, first_line, Row[, lite]) -> (left, newlines): the third step of scan.py's _feed_fast.
 * With ``lite`` true the rows appended are lite rows (_replay.c), not Row tuples.
 * Each found line's Row (as _fast_row makes it) is appended to its session's ``rows`` and its
 * signature (see signature()) to its ``sigs``; ``left`` lists (index in found, line number) of the
 * lines the Python code must make (the generic row maker, or _fast_row for a CSV shape this code
 * leaves alone), in order. Once a session has a line left to Python, its later lines in this block
 * are too, so each session's rows stay in line order (the first row also sets the session's
 * connector and time width). newlines: in the whole buffer. */
static PyObject *sf_rows(PyObject *mod, PyObject *const *args, Py_ssize_t nargs) {
    (void)mod;
    if ((nargs != 4 && nargs != 5) || !PyList_Check(args[1]) || !PyType_Check(args[3]) ||
        !PyType_IsSubtype((PyTypeObject *)args[3], &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "rows(buf, found: list, first_line, Row[, lite])");
        return NULL;
    }
    int lite = nargs == 5 ? PyObject_IsTrue(args[4]) : 0;
    if (lite < 0)
        return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    PyObject *found = args[1];
    PyTypeObject *row_type = (PyTypeObject *)args[3];
    Py_ssize_t line = PyLong_AsSsize_t(args[2]);
    PyObject *out = NULL, *tainted_set = NULL, *result = NULL;
    if (line == -1 && PyErr_Occurred())
        goto done;
    const char *buf = view.buf;
    Py_ssize_t first = line, cur = 0, count = PyList_GET_SIZE(found);
    out = PyList_New(0);
    tainted_set = PySet_New(NULL);
    if (out == NULL || tainted_set == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *e = PyList_GET_ITEM(found, i);
        if (!PyTuple_Check(e) || PyTuple_GET_SIZE(e) != 6) {
            PyErr_SetString(PyExc_TypeError, "rows(): found entries are 6-tuples");
            goto done;
        }
        Py_ssize_t v[5];
        for (int k = 0; k < 5; k++)
            v[k] = PyLong_AsSsize_t(PyTuple_GET_ITEM(e, k));
        if (PyErr_Occurred())
            goto done;
        Py_ssize_t ls = v[0], le = v[1];
        if (ls < cur || le > view.len || ls > le) {
            PyErr_SetString(PyExc_ValueError, "rows(): found entries out of order or range");
            goto done;
        }
        line += count_byte(buf, cur, ls, '\n');
        cur = ls;
        PyObject *item = PyTuple_GET_ITEM(e, 5);
        PyObject *row = NULL, *sig = NULL;
        PyObject *key = PyLong_FromVoidPtr(item);  /* _Open is unhashable: its address */
        if (key == NULL)
            goto done;
        int tainted = PySet_Contains(tainted_set, key);
        /* positions as _walk finds them (anything else is left to Python, never read out of range) */
        if (tainted == 0 && v[4] >= 0 && ls < v[2] && v[2] <= v[3] && v[3] <= v[4] && v[4] + 2 < le)
            row = fast_row(buf, ls, le, v[2], v[3], v[4], line, item, row_type, &sig, lite, NULL);
        if (tainted < 0 || (row == NULL && PyErr_Occurred())) {
            Py_DECREF(key);
            goto done;
        }
        if (row == NULL) {
            /* left to Python, and so are this session's later lines in this block: its rows stay
             * in line order */
            PyObject *t = Py_BuildValue("(nn)", i, line);
            int rc = t == NULL ? -1 : PyList_Append(out, t);
            Py_XDECREF(t);
            if (rc < 0 || (!tainted && PySet_Add(tainted_set, key) < 0)) {
                Py_DECREF(key);
                goto done;
            }
            Py_DECREF(key);
            continue;
        }
        Py_DECREF(key);
        PyObject *rows = PyObject_GetAttr(item, str_rows), *sigs = PyObject_GetAttr(item, str_sigs);
        int rc = (rows == NULL || sigs == NULL || !PyList_Check(rows) || !PyList_Check(sigs)) ? -1 : 0;
        if (rc == 0 && pin_mixed_reply(sigs, &sig, line) < 0)
            rc = -2;  /* an error set (sig is NULL) */
        if (rc == 0)
            rc = PyList_Append(rows, row);
        if (rc == 0)
            rc = PyList_Append(sigs, sig);
        if (rc < 0 && !PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "rows(): a session's rows and sigs are lists");
        Py_XDECREF(rows);
        Py_XDECREF(sigs);
        Py_DECREF(row);
        Py_XDECREF(sig);
        if (rc < 0)
            goto done;
    }
    result = Py_BuildValue("(On)", out, line - first + count_byte(buf, cur, view.len, '\n'));
done:
    Py_XDECREF(out);
    Py_XDECREF(tainted_set);
    PyBuffer_Release(&view);
    return result;
}

/* ---------------------------------------------------------------------------------------------
 * The scan of a send log in one pass (sendfilter.run): scan.py's SessionCollector._feed_fast with
 * the sessions kept here. Per block of whole lines (BlockReader's blocks; buf[:start] is the look-
 * back it keeps): the trigger lines of the new lines in scan.py's order name the sessions to follow
 * (not open, not finished); each starts where scan.py's _backward finds its start; then one walk
 * over the lines judges every line of a followed session as _walk judges it -- the new lines of the
 * open sessions, and of a session started in this block its lines from its start -- and cuts the
 * kept ones into lite rows (fast_row, as rows() does) appended to its _Open. At the end of the
 * block the sessions scan.py would finish are handed back in its order: closed (a disconnect line)
 * or idle for IDLE_BYTES, then the oldest while more than MAX_OPEN are open; finished ids are
 * remembered (DONE_MEMORY) and their later lines ignored. */

static int backward_core(const char *buf, Py_ssize_t n, const char *needle, Py_ssize_t len, Py_ssize_t ls,
                         PyObject *positions, Py_ssize_t *first_out, int *partial_out);

/* start(new_item, idle_bytes, max_open, done_memory, folds=None): before the first collect(). */
static PyObject *Selector_start(Selector *self, PyObject *args) {
    PyObject *new_item, *folds = Py_None;
    Py_ssize_t idle_bytes, max_open, done_memory;
    if (!PyArg_ParseTuple(args, "Onnn|O", &new_item, &idle_bytes, &max_open, &done_memory, &folds))
        return NULL;
    if (!PyCallable_Check(new_item) || max_open < 0 || done_memory < 1 || self->new_item != NULL ||
        (folds != Py_None && !PyObject_TypeCheck(folds, &FoldsType))) {
        PyErr_SetString(PyExc_ValueError, "start(): bad arguments, or started already");
        return NULL;
    }
    self->done = PyMem_Malloc((size_t)done_memory * sizeof(Py_ssize_t));
    if (self->done == NULL)
        return PyErr_NoMemory();
    self->done_cap = done_memory;
    self->idle_bytes = idle_bytes;
    self->max_open = max_open;
    Py_INCREF(new_item);
    self->new_item = new_item;
    if (folds != Py_None) {
        Py_INCREF(folds);
        self->folds = folds;
    }
    Py_RETURN_NONE;
}

/* Append (sid, item, partial, lines) of session k to out -- unless the Folds fold it -- and forget its
 * rows (its id stays finished until DONE_MEMORY later ones). 0 ok, -1 error. */
static int session_finish(Selector *self, Py_ssize_t k, PyObject *out) {
    Sess *s = &self->sess[k];
    int folded = 0;
    if (self->folds != NULL && PyList_GET_SIZE(s->rows) > 0) {
        PyObject *conn = PyObject_GetAttr(s->item, str_conn);
        folded = conn == NULL ? -1 : folds_try(self->folds, conn, s->partial, s->rows, s->sigs, s->lines);
        Py_XDECREF(conn);
        if (folded < 0)
            return -1;
    }
    if (!folded) {
        PyObject *t = Py_BuildValue("(s#OOn)", s->id, (Py_ssize_t)s->len, s->item, s->partial ? Py_True : Py_False,
                                    s->lines);
        if (t == NULL || PyList_Append(out, t) < 0) {
            Py_XDECREF(t);
            return -1;
        }
        Py_DECREF(t);
    }
    Py_CLEAR(s->item);
    Py_CLEAR(s->rows);
    Py_CLEAR(s->sigs);
    s->state = 3;
    if (self->done_count == self->done_cap) {  /* the oldest finished id is forgotten: followed again */
        Sess *old = &self->sess[self->done[self->done_head]];
        if (old->state == 3)
            old->state = 0;
        self->done_head = (self->done_head + 1) % self->done_cap;
        self->done_count--;
    }
    self->done[(self->done_head + self->done_count) % self->done_cap] = k;
    self->done_count++;
    return 0;
}

/* Follow session s from line start ``first`` (partial: its start was not found). 0 ok, -1 error. */
static int session_open(Selector *self, Sess *s, Py_ssize_t first, int partial) {
    if (self->norder == self->ocap) {
        Py_ssize_t *order = grown(self->order, &self->ocap, sizeof(Py_ssize_t), 256);
        if (order == NULL)
            return -1;
        self->order = order;
    }
    PyObject *item = PyObject_CallNoArgs(self->new_item);
    if (item == NULL)
        return -1;
    PyObject *rows = PyObject_GetAttr(item, str_rows), *sigs = rows ? PyObject_GetAttr(item, str_sigs) : NULL;
    if (sigs == NULL || !PyList_Check(rows) || !PyList_Check(sigs)) {
        if (sigs != NULL)
            PyErr_SetString(PyExc_TypeError, "collect(): a session's rows and sigs are lists");
        Py_DECREF(item);
        Py_XDECREF(rows);
        Py_XDECREF(sigs);
        return -1;
    }
    s->item = item;
    s->rows = rows;
    s->sigs = sigs;
    s->state = 1;
    s->lines = s->idle = 0;
    s->tail = s->toff = -1;
    s->first = first;
    s->partial = (char)partial;
    s->mail = s->recv = s->tainted = 0;
    s->fresh = 1;
    self->order[self->norder++] = s - self->sess;
    return 0;
}

static int append_left(PyObject *left, PyObject *item, Py_ssize_t line, Py_ssize_t ls, Py_ssize_t le, Py_ssize_t q,
                       Py_ssize_t c1, Py_ssize_t c3) {
    PyObject *t = Py_BuildValue("(Onnnnnn)", item, line, ls, le, q, c1, c3);
    int rc = t == NULL ? -1 : PyList_Append(left, t);
    Py_XDECREF(t);
    return rc;
}

/* One line [ls, le) of open session s, its id column ending at the comma before q: _walk's judgement
 * (kept or not, the state after) and, for a kept line, its row as rows() makes it. 0 ok, -1 error. */
static int collect_line(Sess *s, const char *buf, Py_ssize_t ls, Py_ssize_t le, Py_ssize_t q, Py_ssize_t line,
                        PyObject *left) {
    s->lines++;
    s->touched = 1;
    Py_ssize_t c1 = find_byte(buf, q, le, ',');
    Py_ssize_t c3 = c1 + s->tail;
    if (c1 < 0 || s->tail < 0 || c3 + 2 >= le || buf[c3] != ',' || buf[c3 + 2] != ',') {
        Py_ssize_t c2 = c1 >= 0 ? find_byte(buf, c1 + 1, le, ',') : -1;
        c3 = c2 >= 0 ? find_byte(buf, c2 + 1, le, ',') : -1;
        if (c3 < 0 || c3 + 2 >= le || buf[c3 + 2] != ',') {
            s->tainted = 1;  /* not the expected shape: the generic row maker judges it */
            return append_left(left, s->item, line, ls, le, q, c1, -1);
        }
        s->tail = c3 - c1;
    }
    char ev = buf[c3 + 1];
    Py_ssize_t d = c3 + 3;
    int keep = 0;
    if (ev == '<') {
        if (s->mail)
            keep = !starts(buf, d, le, "221 ", 4);
        else if (starts(buf, d, le, "250", 3) && !starts(buf, d, le, "250 2.", 6))
            keep = find_lit(buf, d, le, "Hello", 5) >= 0 || find_lit(buf, d, le, "STARTTLS", 8) >= 0 ||
                   find_lit(buf, d, le, "XXXXXXXA", 8) >= 0;
        else
            keep = 1;
    } else if (ev == '>') {
        if (s->mail)
            keep = !starts(buf, d, le, "QUIT", 4);
        else if (starts(buf, d, le, "MAIL", 4))
            s->mail = keep = 1;
        else
            keep = starts(buf, d, le, "STARTTLS", 8) || starts(buf, d, le, "X-ANONYMOUSTLS", 14) ||
                   starts(buf, d, le, "AUTH", 4);
    } else if (ev == '*') {
        if (starts(buf, d, le, ",Received certificate", 21))
            s->recv = 1;
        else if (s->recv && find_lit(buf, d, le, ",Certificate thumbprint", 23) >= 0)
            s->recv = 0;
        else {
            Py_ssize_t e = le - (buf[le - 1] == '\r');
            keep = !(starts(buf, d + 1, le, "attempting", 10) || find_lit(buf, d, le, "sending message with", 20) >= 0 ||
                     (e - d >= 26 && memcmp(buf + e - 26, ",Certificate serial number", 26) == 0));
        }
    } else if (ev == '-') {
        keep = 1;
        s->state = 2;  /* closed: its later lines are not its */
    } else {
        keep = ev != '+';
    }
    if (!keep)
        return 0;
    if (s->tainted || !(ls < q && q <= c1 && c1 <= c3 && c3 + 2 < le))
        goto left;
    PyObject *sig = NULL;
    PyObject *row = fast_row(buf, ls, le, q, c1, c3, line, s->item, NULL, &sig, 1, &s->toff);
    if (row == NULL) {
        if (PyErr_Occurred())
            return -1;
        s->tainted = 1;
        goto left;
    }
    int rc = pin_mixed_reply(s->sigs, &sig, line);  /* (on failure sig is NULL) */
    if (rc == 0)
        rc = PyList_Append(s->rows, row);
    if (rc == 0)
        rc = PyList_Append(s->sigs, sig);
    Py_DECREF(row);
    Py_XDECREF(sig);
    return rc;
left:
    return append_left(left, s->item, line, ls, le, q, c1, c3);
}

/* The last four bytes of an id (ids of one server differ at the end) hashed to 16 bits. */
static inline unsigned id_tail(const char *s, Py_ssize_t n) {
    uint32_t w = 0;
    if (n >= 4)
        memcpy(&w, s + n - 4, 4);  /* one load (a copy of variable length was byte stores, then a stalled load) */
    else
        memcpy(&w, s, (size_t)n);
    return (uint32_t)(w * 0x9E3779B1u) >> 16;
}

/* The open sessions in a small table of their own (rebuilt per block: they change only at its
 * start and end), so the look-up of every line stays in the cache. 0 ok, -1 error. */
static int open_index(Selector *self) {
    Py_ssize_t want = 64;
    while (want < 4 * self->norder)
        want *= 2;
    if (want > self->onslots) {
        PyMem_Free(self->ohash);
        PyMem_Free(self->oslot);
        self->ohash = PyMem_Malloc((size_t)want * sizeof(size_t));
        self->oslot = PyMem_Malloc((size_t)want * sizeof(Py_ssize_t));
        self->onslots = want;
        if (self->ohash == NULL || self->oslot == NULL) {
            self->onslots = 0;
            PyErr_NoMemory();
            return -1;
        }
    }
    if (self->obits == NULL && (self->obits = PyMem_Malloc(8192)) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(self->obits, 0, 8192);
    for (Py_ssize_t i = 0; i < self->onslots; i++)
        self->oslot[i] = -1;
    size_t mask = (size_t)self->onslots - 1;
    for (Py_ssize_t i = 0; i < self->norder; i++) {
        Sess *s = &self->sess[self->order[i]];
        unsigned key = id_tail(s->id, s->len);
        self->obits[key >> 3] |= (unsigned char)(1u << (key & 7));
        size_t j = s->hash & mask;
        while (self->oslot[j] >= 0)
            j = (j + 1) & mask;
        self->ohash[j] = s->hash;
        self->oslot[j] = self->order[i];
    }
    return 0;
}

static inline Sess *open_find(Selector *self, const char *s, Py_ssize_t n) {
    unsigned key = id_tail(s, n);
    if (!(self->obits[key >> 3] & (1u << (key & 7))))
        return NULL;
    size_t h = hash_sid(s, n), mask = (size_t)self->onslots - 1;
    for (size_t j = h & mask;; j = (j + 1) & mask) {
        Py_ssize_t k = self->oslot[j];
        if (k < 0)
            return NULL;
        if (self->ohash[j] == h) {
            Sess *e = &self->sess[k];
            if (e->len == n && memcmp(e->id, s, (size_t)n) == 0)
                return e;
        }
    }
}

/* The head of the line at ls: *c2 and *c3 its second and third commas (NULL if it ends first),
 * *quoted: a quote came before the third comma. Returns where the search stopped: the third comma,
 * the quote, the line's newline, or end. The first 64 bytes (where the ids of most lines end) in
 * four loads, the rest as find_mark goes. */
static inline const char *line_head(const char *ls, const char *end, const char **c2o, const char **c3o,
                                    int *quoted) {
    const char *q = ls, *c2 = NULL;
    int commas = 0;
    *c3o = NULL;
    *quoted = 0;
#ifdef __SSE2__
    if (end - ls >= 64) {
        const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"'), nl = _mm_set1_epi8('\n');
        uint64_t m = 0;
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(ls + 16 * k));
            __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, quote)),
                                       _mm_cmpeq_epi8(v, nl));
            m |= (uint64_t)(unsigned)_mm_movemask_epi8(hit) << (16 * k);
        }
        while (m) {
            const char *p = ls + __builtin_ctzll(m);
            m &= m - 1;
            if (*p == '\n' || *p == '"') {
                *quoted = *p == '"';
                *c2o = c2;
                return p;
            }
            if (++commas == 2) {
                c2 = p;
            } else if (commas == 3) {
                *c2o = c2;
                *c3o = p;
                return p;
            }
        }
        q = ls + 64;
    }
#endif
    for (;; q++) {
        q = find_mark(q, end);
        if (q == end || *q == '\n')
            break;
        if (*q == '"') {
            *quoted = 1;
            break;
        }
        if (++commas == 2)
            c2 = q;
        else if (commas == 3) {
            *c3o = q;
            break;
        }
    }
    *c2o = c2;
    return q;
}

/* Whether a field between two commas of line [ls, le) is the id of a followed session (open, or
 * closed in this block). */
static int names_followed(Selector *self, const char *ls, const char *le) {
    const char *a = memchr(ls, ',', (size_t)(le - ls));
    while (a != NULL) {
        const char *b = memchr(a + 1, ',', (size_t)(le - a - 1));
        if (b == NULL)
            break;
        if (b - a - 1 > 0 && b - a - 1 <= MAX_SID) {
            Sess *s = open_find(self, a + 1, b - a - 1);
            if (s != NULL && (s->state == 1 || s->state == 2))
                return 1;
        }
        a = b;
    }
    return 0;
}

/* Start following the sessions the new lines' triggers name, in scan.py's order (each literal
 * trigger in turn, then the replies). 1 ok, 0 the Python scanner must judge (a quoted connector or
 * a non-ASCII id in a trigger line, a quote where _backward reads, the table full), -1 error. */
static int start_sessions(Selector *self, const char *buf, Py_ssize_t n, Hits *h, Py_ssize_t *lo) {
    char needle[MAX_SID + 2];
    for (int kind = 0; kind < 4; kind++) {
        for (Py_ssize_t i = 0; i < h->n; i++) {
            if (h->hit[i].kind != kind)
                continue;
            Py_ssize_t pos = h->hit[i].pos;
            const char *nl = memrchr(buf, '\n', (size_t)pos);
            Py_ssize_t ls = nl ? nl - buf + 1 : 0;
            Py_ssize_t le = find_byte(buf, pos, n, '\n');
            if (le < 0)
                le = n;
            /* the id as _sid_of reads it */
            Py_ssize_t a = find_byte(buf, ls, le, ',');
            if (a < 0)
                continue;
            if (a + 1 < le && buf[a + 1] == '"')
                return 0;
            Py_ssize_t b = find_byte(buf, a + 1, le, ',');
            Py_ssize_t c = b >= 0 ? find_byte(buf, b + 1, le, ',') : -1;
            if (!(c > b + 1 && c - b - 1 <= MAX_SID))
                continue;
            const char *p = buf + b + 1, *q = buf + c;
            if (!is_ascii(p, q - p))
                return 0;
            while (p < q && py_space((unsigned char)*p))
                p++;
            while (q > p && py_space((unsigned char)q[-1]))
                q--;
            if (q == p)
                continue;
            Sess *s = table_add(self, p, q - p);
            if (s == NULL)
                return PyErr_Occurred() ? -1 : 0;
            if (s->state != 0)
                continue;  /* open, finished, or started by an earlier trigger */
            needle[0] = ',';
            memcpy(needle + 1, p, (size_t)(q - p));
            needle[q - p + 1] = ',';
            Py_ssize_t first;
            int partial;
            int rc = backward_core(buf, n, needle, q - p + 2, ls, NULL, &first, &partial);
            if (rc <= 0)
                return rc;
            if (session_open(self, s, first, partial) < 0)
                return -1;
            if (first < *lo)
                *lo = first;
        }
    }
    return 1;
}

/* collect(buf, start, first_line) -> (newlines, attempts, connects, left), or None when the
 * Python scanner must read this file, or False (nothing done) when a line of buf[start:] starts with
 * '#' (header lines: the caller splits the block at them); end_block() then finishes the block. buf[:start]: the look-back (lines seen before),
 * buf[start:]: the new whole lines; first_line: the line number of buf[0]. newlines: in the new
 * lines; attempts, connects: their ",attempting to connect" and ",+," (the session count);
 * left: (item, line, ls, le, q, c1, c3) of the kept lines the Python code must cut (c3 -1: not the
 * expected shape), in order, after which a session's later lines in the block are left too. */
static PyObject *Selector_collect(Selector *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t start, line;
    if (self->new_item == NULL) {
        PyErr_SetString(PyExc_ValueError, "collect(): start() first");
        return NULL;
    }
    if (self->in_block) {
        PyErr_SetString(PyExc_ValueError, "collect(): end_block() first");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "y*nn", &view, &start, &line))
        return NULL;
    const char *buf = view.buf, *end = buf + view.len;
    Py_ssize_t n = view.len;
    PyObject *left = NULL, *result = NULL;
    Hits h = {0};
    Py_ssize_t newlines = 0, lo = start;
    if (start < 0 || start > n) {
        PyErr_SetString(PyExc_ValueError, "collect(): start out of range");
        goto done;
    }
    left = PyList_New(0);
    if (left == NULL || find_hits(&h, buf + start, end) < 0)
        goto done;
    if (h.header || (start < n && buf[start] == '#')) {
        result = Py_False;
        Py_INCREF(result);
        goto done;
    }
    for (Py_ssize_t i = 0; i < h.n; i++)
        h.hit[i].pos += start;
    int rc = start_sessions(self, buf, n, &h, &lo);
    if (rc < 0)
        goto done;
    if (rc == 0) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    if (open_index(self) < 0)
        goto done;
    /* the walk: from the earliest start of a session started in this block */
    if (lo > 0 && buf[lo - 1] != '\n') {
        const char *nl = memrchr(buf, '\n', (size_t)lo);
        lo = nl ? nl - buf + 1 : 0;
    }
    Py_ssize_t lno = line + count_byte(buf, 0, lo, '\n');
    const char *ls = buf + lo;
    while (ls < end) {
        const char *c2, *c3;
        int quoted;
        /* the line heads' loads are where the walk waits (the block is larger than L2): ask for the
         * bytes ~30 lines ahead (a prefetch never faults, past the buffer's end included) */
        __builtin_prefetch(ls + 4096);
        const char *q = line_head(ls, end, &c2, &c3, &quoted);
        const char *nl = (q < end && *q == '\n') ? q : memchr(q, '\n', end - q);
        const char *le = nl ? nl : end;
        Py_ssize_t off = ls - buf;
        if (quoted) {
            /* only the csv module can tell this line's columns, and _walk accepts a ",sid," found
             * in it on other grounds too: if it names a followed session anywhere between two
             * commas, the Python scanner reads the file */
            if (names_followed(self, ls, le)) {
                result = Py_None;
                Py_INCREF(result);
                goto done;
            }
        } else if (c3 != NULL && c3 - c2 - 1 > 0 && c3 - c2 - 1 <= MAX_SID) {
            /* the id exactly as _walk's needle ",sid," finds it: never padded */
            Sess *s = open_find(self, c2 + 1, c3 - c2 - 1);
            /* an open session from start, one started in this block from its start (_walk's) */
            if (s != NULL && s->state == 1 && off >= (s->fresh ? s->first : start) &&
                collect_line(s, buf, off, le - buf, c3 + 1 - buf, lno, left) < 0)
                goto done;
        }
        if (nl && nl - buf >= start)
            newlines++;
        lno += nl != NULL;
        ls = nl ? nl + 1 : end;
    }
    self->block_new = n - start;
    self->in_block = 1;
    result = Py_BuildValue("(nnnO)", newlines, h.attempts, h.connects, left);
done:
    PyMem_Free(h.hit);
    Py_XDECREF(left);
    PyBuffer_Release(&view);
    return result;
}

/* end_block() -> (finished, trimmed): the end of the block collect() read (after the caller has cut
 * the rows left to it): the closed and the idle sessions finished (oldest first), then the oldest
 * while more than max_open are open. finished:
 * (sid, item, partial, lines), in scan.py's order; trimmed: how many of them were finished early
 * because more than max_open were open. */
static PyObject *Selector_end_block(Selector *self, PyObject *Py_UNUSED(ignored)) {
    if (!self->in_block) {
        PyErr_SetString(PyExc_ValueError, "end_block(): no collect() before");
        return NULL;
    }
    PyObject *finished = PyList_New(0), *result = NULL;
    Py_ssize_t trimmed = 0, w = 0;
    if (finished == NULL)
        return NULL;
    self->in_block = 0;
    for (Py_ssize_t i = 0; i < self->norder; i++) {
        Py_ssize_t k = self->order[i];
        Sess *s = &self->sess[k];
        s->idle = s->touched || s->fresh ? 0 : s->idle + self->block_new;
        s->touched = s->tainted = s->fresh = 0;
        if (s->state == 2 || s->idle >= self->idle_bytes) {
            if (session_finish(self, k, finished) < 0)
                goto fail;
        } else {
            self->order[w++] = k;
        }
    }
    self->norder = w;
    if (self->norder > self->max_open) {
        trimmed = self->norder - self->max_open;
        for (Py_ssize_t i = 0; i < trimmed; i++)
            if (session_finish(self, self->order[i], finished) < 0)
                goto fail;
        memmove(self->order, self->order + trimmed, (size_t)(self->norder - trimmed) * sizeof(Py_ssize_t));
        self->norder -= trimmed;
    }
    result = Py_BuildValue("(On)", finished, trimmed);
fail:
    Py_DECREF(finished);
    return result;
}

/* finish_all() -> finished: every open session, oldest first (a header line: a new file begins). */
static PyObject *Selector_finish_all(Selector *self, PyObject *Py_UNUSED(ignored)) {
    PyObject *finished = PyList_New(0);
    if (finished == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < self->norder; i++) {
        if (session_finish(self, self->order[i], finished) < 0) {
            /* the ones not handed back stay open (released with the selector) */
            memmove(self->order, self->order + i + 1, (size_t)(self->norder - i - 1) * sizeof(Py_ssize_t));
            self->norder -= i + 1;
            Py_DECREF(finished);
            return NULL;
        }
    }
    self->norder = 0;
    return finished;
}

static PyObject *Selector_contains(Selector *self, PyObject *arg) {
    char *s;
    Py_ssize_t n;
    if (PyBytes_AsStringAndSize(arg, &s, &n) < 0)
        return NULL;
    return PyBool_FromLong(n > 0 && n <= MAX_SID && table_find(self, s, n) != NULL);
}

static int Selector_init(Selector *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"limit", NULL};
    Py_ssize_t limit = MAX_ENTRIES;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n", kwlist, &limit))
        return -1;
    self->limit = limit < 0 ? 0 : (limit > MAX_ENTRIES ? MAX_ENTRIES : limit);
    return 0;
}

static void Selector_dealloc(Selector *self) {
    for (Py_ssize_t i = 0; i < self->used; i++) {
        Py_XDECREF(self->sess[i].item);
        Py_XDECREF(self->sess[i].rows);
        Py_XDECREF(self->sess[i].sigs);
    }
    Py_XDECREF(self->new_item);
    Py_XDECREF(self->folds);
    PyMem_Free(self->sess);
    PyMem_Free(self->slots);
    PyMem_Free(self->order);
    PyMem_Free(self->done);
    PyMem_Free(self->ohash);
    PyMem_Free(self->oslot);
    PyMem_Free(self->obits);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Selector_len(Selector *self, void *Py_UNUSED(closure)) {
    return PyLong_FromSsize_t(self->used);
}

static PyMethodDef Selector_methods[] = {
    {"contains", (PyCFunction)Selector_contains, METH_O, "Whether a session id was named by a trigger line."},
    {"start", (PyCFunction)Selector_start, METH_VARARGS,
     "start(new_item, idle_bytes, max_open, done_memory, folds=None): before the first collect(); "
     "with a Folds, a finished session it folds is not handed back."},
    {"collect", (PyCFunction)Selector_collect, METH_VARARGS,
     "collect(buf, start, first_line) -> (newlines, attempts, connects, left), None (the Python "
     "scanner must read the file) or False (a line of buf[start:] starts with '#': nothing done): one "
     "block of scan.py's _feed_fast, up to finishing sessions."},
    {"end_block", (PyCFunction)Selector_end_block, METH_NOARGS,
     "end_block() -> (finished, trimmed): the sessions scan.py finishes at the end of the block."},
    {"finish_all", (PyCFunction)Selector_finish_all, METH_NOARGS,
     "Every open session, oldest first: [(sid, item, partial, lines)]."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Selector_getset[] = {
    {"sessions", (getter)Selector_len, NULL, "session ids named by trigger lines", NULL},
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

/* triggers(buf, start) -> [(sid, ls, le), ...]: the trigger lines scan.py's _feed_fast starts
 * following sessions from, in its order (each literal trigger in turn, one hit per line, then every
 * 4xx/5xx reply), with the session id as _sid_of gives it: None for no id, False where only
 * _sid_of can tell (a quoted connector, a non-ASCII id). */
static int add_trigger(PyObject *out, const char *buf, Py_ssize_t n, Py_ssize_t pos) {
    const char *nl = memrchr(buf, '\n', (size_t)pos);
    Py_ssize_t ls = nl ? nl - buf + 1 : 0;
    Py_ssize_t le = find_byte(buf, pos, n, '\n');
    if (le < 0)
        le = n;
    PyObject *sid = Py_None;  /* borrowed, or a new string (owned) */
    int owned = 0;
    Py_ssize_t a = find_byte(buf, ls, le, ',');
    if (a >= 0 && a + 1 < le && buf[a + 1] == '"') {
        sid = Py_False;
    } else if (a >= 0) {
        Py_ssize_t b = find_byte(buf, a + 1, le, ',');
        Py_ssize_t c = b >= 0 ? find_byte(buf, b + 1, le, ',') : -1;
        if (c > b + 1 && c - b - 1 <= MAX_SID) {
            const char *p = buf + b + 1, *q = buf + c;
            if (!is_ascii(p, q - p)) {
                sid = Py_False;
            } else {
                while (p < q && py_space((unsigned char)*p))
                    p++;
                while (q > p && py_space((unsigned char)q[-1]))
                    q--;
                if (q > p) {
                    sid = PyUnicode_FromStringAndSize(p, q - p);
                    if (sid == NULL)
                        return -1;
                    owned = 1;
                }
            }
        }
    }
    PyObject *t = Py_BuildValue("(Onn)", sid, ls, le);
    if (owned)
        Py_DECREF(sid);
    if (t == NULL)
        return -1;
    int rc = PyList_Append(out, t);
    Py_DECREF(t);
    return rc;
}

static PyObject *sf_triggers(PyObject *mod, PyObject *const *args, Py_ssize_t nargs) {
    (void)mod;
    static const char *lits[] = {"outlook.com", "office365.com", "negotiation failed"};
    static const Py_ssize_t lens[] = {11, 13, 18};
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "triggers(buf, start)");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Py_ssize_t start = PyLong_AsSsize_t(args[1]);
    const char *buf = view.buf;
    Py_ssize_t n = view.len;
    PyObject *out = PyErr_Occurred() ? NULL : PyList_New(0);
    if (out == NULL)
        goto done;
    if (start < 0)
        start = 0;
    for (int k = 0; k < 3; k++) {
        Py_ssize_t pos = find_lit(buf, start, n, lits[k], lens[k]);
        while (pos >= 0) {
            if (add_trigger(out, buf, n, pos) < 0)
                goto fail;
            Py_ssize_t nl = find_byte(buf, pos, n, '\n');
            pos = nl < 0 ? -1 : find_lit(buf, nl + 1, n, lits[k], lens[k]);
        }
    }
    for (Py_ssize_t pos = find_byte(buf, start, n, '<'); pos >= 0; pos = find_byte(buf, pos + 1, n, '<')) {
        Py_ssize_t d = pos + 1;
        if (d >= n || buf[d] != ',')
            continue;
        d++;
        if (d < n && buf[d] == '"')
            d++;
        if (d + 2 < n && (buf[d] == '4' || buf[d] == '5') && buf[d + 1] >= '0' && buf[d + 1] <= '9' &&
            buf[d + 2] >= '0' && buf[d + 2] <= '9' && add_trigger(out, buf, n, pos) < 0)
            goto fail;
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    PyBuffer_Release(&view);
    return out;
}

/* The last needle lying wholly in buf[lo:hi], or -1 (bytes.rfind). */
static Py_ssize_t rfind_lit(const char *buf, Py_ssize_t lo, Py_ssize_t hi, const char *lit, Py_ssize_t len) {
    if (lo < 0)
        lo = 0;
    char last = lit[len - 1];
    Py_ssize_t j = hi - len;
#ifdef __SSE2__
    if (len >= 4) {
        /* as find_lit, backwards: the first and the last three bytes, 16 positions at a time */
        const __m128i a = _mm_set1_epi8(lit[0]), b = _mm_set1_epi8(lit[len - 3]), c = _mm_set1_epi8(lit[len - 2]),
                      d = _mm_set1_epi8(last);
        for (; j - 15 >= lo; j -= 16) {
            const char *p = buf + j - 15;  /* positions j-15 .. j; the loads end at j + len - 1 < hi */
            unsigned mask = candidates16(p, len, a, b, c, d);
            while (mask) {
                int k = 31 - __builtin_clz(mask);
                if (memcmp(p + k, lit, (size_t)len) == 0)
                    return j - 15 + k;
                mask &= ~(1u << k);
            }
        }
    }
#endif
    for (; j >= lo; j--) {
        if (buf[j + len - 1] == last && buf[j] == lit[0] && memcmp(buf + j, lit, (size_t)len) == 0)
            return j;
    }
    return -1;
}

/* scan.py's _tail(buf, p, needle): the sequence number field is "0" / the event field is "+", within
 * the 200 bytes after the needle split at commas (at most 5 pieces). */
static void tail_fields(const char *buf, Py_ssize_t n, Py_ssize_t q, int *seq0, int *plus) {
    Py_ssize_t end = q + 200 < n ? q + 200 : n;
    Py_ssize_t c[4];
    int k = 0;
    for (Py_ssize_t i = q; i < end && k < 4; i++)
        if (buf[i] == ',')
            c[k++] = i;
    Py_ssize_t f0 = k >= 1 ? c[0] : end;
    *seq0 = f0 - q == 1 && buf[q] == '0';
    if (k >= 3) {
        Py_ssize_t s3 = c[2] + 1, e3 = k >= 4 ? c[3] : end;
        *plus = e3 - s3 == 1 && buf[s3] == '+';
    } else {
        *plus = 0;
    }
}

#define CONNECT_WINDOW (64 << 10)

/* scan.py's _backward on buf[:n]: 1 (*first_out, *partial_out) set, 0 a line's columns need the csv
 * module (the Python function then decides), -1 error. positions: a sequence of the needle's
 * positions (the block's index) or NULL (searched). */
static int backward_core(const char *buf, Py_ssize_t n, const char *needle, Py_ssize_t len, Py_ssize_t ls,
                         PyObject *positions, Py_ssize_t *first_out, int *partial_out) {
    Py_ssize_t here = find_lit(buf, ls, n, needle, len);
    int seq0 = 0, plus = 0;
    if (here >= 0)
        tail_fields(buf, n, here + len, &seq0, &plus);
    *first_out = ls;
    *partial_out = 0;
    if (here >= 0 && seq0)
        return 1;
    Py_ssize_t pos = ls, lo = 0;
    int connected = here >= 0 && plus;
    if (connected)
        lo = ls - CONNECT_WINDOW > 0 ? ls - CONNECT_WINDOW : 0;
    Py_ssize_t npos = positions ? PySequence_Fast_GET_SIZE(positions) : 0;
    while (pos > lo) {
        Py_ssize_t p = -1;
        if (positions == NULL) {
            p = rfind_lit(buf, lo, pos, needle, len);
        } else {  /* the last indexed position before pos (bisect_left - 1) */
            Py_ssize_t a = 0, b = npos;
            while (a < b) {
                Py_ssize_t m = (a + b) / 2;
                Py_ssize_t v = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(positions, m));
                if (v == -1 && PyErr_Occurred())
                    return -1;
                if (v < pos)
                    a = m + 1;
                else
                    b = m;
            }
            if (a - 1 >= 0) {
                Py_ssize_t v = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(positions, a - 1));
                if (v == -1 && PyErr_Occurred())
                    return -1;
                if (v >= lo && v + len <= pos)
                    p = v;
            }
        }
        if (p < 0)
            break;
        const char *nl = memrchr(buf, '\n', (size_t)p);
        Py_ssize_t start = nl ? nl - buf + 1 : 0;
        if (find_byte(buf, start, p, '"') >= 0)
            return 0;  /* only csv can tell whether this is the id column */
        if (count_byte(buf, start, p, ',') == 1) {
            *first_out = start;
            tail_fields(buf, n, p + len, &seq0, &plus);
            if (seq0)
                return 1;
            if (plus && !connected) {
                connected = 1;
                lo = start - CONNECT_WINDOW > 0 ? start - CONNECT_WINDOW : 0;
            }
        }
        pos = start;
    }
    *partial_out = !connected;
    return 1;
}

/* backward(buf, needle, ls, positions) -> (first, partial) or None: scan.py's _backward; None when
 * a line's columns need the csv module (the Python function then decides). */
static PyObject *sf_backward(PyObject *mod, PyObject *const *args, Py_ssize_t nargs) {
    (void)mod;
    if (nargs != 4 || (args[3] != Py_None && !PyList_Check(args[3]) && !PyTuple_Check(args[3]))) {
        PyErr_SetString(PyExc_TypeError, "backward(buf, needle, ls, positions or None)");
        return NULL;
    }
    Py_buffer view, nview;
    if (two_buffers(args, &view, &nview) < 0)
        return NULL;
    PyObject *result = NULL, *positions = args[3] == Py_None ? NULL : PySequence_Fast(args[3], "positions");
    Py_ssize_t ls = PyLong_AsSsize_t(args[2]);
    if (PyErr_Occurred() || nview.len < 2 || ls < 0 || ls > view.len) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "backward(): bad needle or line start");
        goto done;
    }
    Py_ssize_t first;
    int partial;
    int rc = backward_core(view.buf, view.len, nview.buf, nview.len, ls, positions, &first, &partial);
    if (rc > 0)
        result = Py_BuildValue("(nO)", first, partial ? Py_True : Py_False);
    else if (rc == 0)
        result = Py_None, Py_INCREF(Py_None);
done:
    Py_XDECREF(positions);
    PyBuffer_Release(&view);
    PyBuffer_Release(&nview);
    return result;
}

/* _replay.c */
PyObject *sf_replay(PyObject *mod, PyObject *const *args, Py_ssize_t nargs);

static PyObject *sf_newlines(PyObject *mod, PyObject *arg) {
    (void)mod;
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Py_ssize_t n = count_byte(view.buf, 0, view.len, '\n');
    PyBuffer_Release(&view);
    return PyLong_FromSsize_t(n);
}

static PyMethodDef module_methods[] = {
    {"walk", (PyCFunction)(void (*)(void))sf_walk, METH_FASTCALL,
     "scan.py's _walk: (closed, off, tail, mail, recv, lines), or None for the Python walk."},
    {"backward", (PyCFunction)(void (*)(void))sf_backward, METH_FASTCALL,
     "scan.py's _backward: (first line start, partial), or None for the Python function."},
    {"newlines", (PyCFunction)sf_newlines, METH_O, "bytes.count(b'\\n'), 16 bytes at a time."},
    {"triggers", (PyCFunction)(void (*)(void))sf_triggers, METH_FASTCALL,
     "scan.py's trigger lines of a block: [(session id or None, or False for _sid_of, ls, le)]."},
    {"rows", (PyCFunction)(void (*)(void))sf_rows, METH_FASTCALL,
     "scan.py's row making for a block's found lines: (rows or line numbers, newlines)."},
    {"replay", (PyCFunction)(void (*)(void))sf_replay, METH_FASTCALL,
     "session.py's replay for aggregation: a record of keys, counts and row positions, or None."},
    {"row", (PyCFunction)(void (*)(void))sf_row, METH_FASTCALL,
     "row(lite, connector, Row): the Row of a lite row (rows(..., lite=True))."},
    {"ordered", (PyCFunction)sf_ordered, METH_O,
     "ordered(rows): every row a lite row, sequence numbers never going down."},
    {"line_time", (PyCFunction)sf_line_time, METH_O, "line_time(lite): (Row.line, Row.time) of a lite row."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_sendfilter", "Native send-log prefilter, session walk and row cutting.", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__sendfilter(void) {
    if (PyType_Ready(&SelectorType) < 0 || PyType_Ready(&FoldsType) < 0)
        return NULL;
    str_conn = PyUnicode_InternFromString("conn");
    str_toff = PyUnicode_InternFromString("toff");
    str_rows = PyUnicode_InternFromString("rows");
    str_sigs = PyUnicode_InternFromString("sigs");
    if (str_conn == NULL || str_toff == NULL || str_rows == NULL || str_sigs == NULL)
        return NULL;
#ifdef HAVE_AVX512
    /* RELAYDOCTOR_NATIVE_SIMD=sse2: the SSE2 loops even where AVX-512BW is there (tests run both) */
    const char *simd = getenv("RELAYDOCTOR_NATIVE_SIMD");
    use_avx512 = simd != NULL && strcmp(simd, "sse2") == 0 ? 0 : __builtin_cpu_supports("avx512bw") &&
                                                                       __builtin_cpu_supports("avx512vbmi");
#endif
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    /* REVISION: what the Python side checks (scan.NATIVE_REVISION) so a stale build is not used;
     * 2 = EHLO reply lines with "XXXXXXXA" (STARTTLS masked by a firewall) are kept;
     * 3 = replay() (_replay.c); 4 = lite rows (rows(..., lite), row(), line_time(), ordered(), replay() of them);
     * 5 = Selector.start_collect/collect/finish_all (pass 2 collects the sessions);
     * 6 = Folds, Selector.start(..., folds): repeated sessions folded in C (_replay.c);
     * 7 = collect() returns False for a block with a header line (the caller no longer looks). */
    if (PyModule_AddIntConstant(m, "REVISION", 7) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&SelectorType);
    if (PyModule_AddObject(m, "Selector", (PyObject *)&SelectorType) < 0) {
        Py_DECREF(&SelectorType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&FoldsType);
    if (PyModule_AddObject(m, "Folds", (PyObject *)&FoldsType) < 0) {
        Py_DECREF(&FoldsType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
