/* session.py's replay in C, reduced to what aggregating a session needs (send.py, Aggregator.replayed).
 *
 * replay(rows) -> record or None. ``rows``: one session's Row tuples (scan.py), in sequence order, as
 * the C row cutter makes them (ASCII text). The record holds what decides the session's aggregation
 * keys, counts and example rows -- never the facts' other text, which the Python replay still makes
 * for a session that starts a new aggregate:
 *
 *   (to_eop, tls, tls_protocol, tls_error, cert_thumbprint, ehlo_client_ip, units, rejections)
 *   units: per mail transaction (or one for a session without one), in order:
 *       (mail_from or None, null_sender, outcome, index of its first rejection or -1,
 *        recipients accepted, of them in the tenant, recipients rejected,
 *        index of the row whose time it is, index of its telling row)
 *   rejections: every 4xx/5xx reply in order: (joined reply text, reply code, index of its first row)
 *
 * None: this code does not judge the session (a row that is not an ASCII str, rows out of sequence
 * order, a one-line merged certificate record, a TLS/certificate record in a layout not read, too many
 * rows); the caller replays it in Python. Every search runs over the row's own text; memory is a few
 * ints per row. The regular expressions of session.py are written out by hand on ASCII text (where
 * Python's \s, \w and IGNORECASE mean the ASCII sets below). */
#define PY_SSIZE_T_CLEAN
#define _GNU_SOURCE
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_REPLAY_ROWS 100000

typedef struct {
    const char *s;
    Py_ssize_t n;
} Str;

enum { C_CONNECT, C_EHLO, C_STARTTLS, C_MAIL, C_RCPT, C_DATA, C_BDAT, C_BDAT_LAST, C_EOD, C_AUTH, C_RSET, C_OTHER };
enum { TLS_UNKNOWN, TLS_NEGOTIATED, TLS_FAILED, TLS_NOT_ATTEMPTED };
enum { MODE_NONE, MODE_SEND, MODE_RECV };

typedef struct {
    int cmd, ref, owner; /* ref: a transaction (MAIL, DATA, BDAT, EOD) or a recipient (RCPT); -1 none */
} Pend;

typedef struct {
    int row;
    Str mail_from; /* s == NULL: None */
    int null_sender;
    char mail_code; /* first digit of the MAIL reply, 0: none */
    int data_row;   /* first row of the data reply, -1: none */
    char data_code;
    int rcpt_first, rcpt_count, first_rej;
} Txn;

typedef struct {
    Str address;
    int tenant, reply_row; /* reply_row -1: no reply */
    char code;
} Rcpt;

typedef struct {
    PyObject *text;
    Str code;
    int row, rcpt; /* rcpt: the recipient it refused, -1 none */
} Rej;

static inline int sp(unsigned char c) { /* Python's str.isspace / \s on ASCII */
    return c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f);
}

static inline int word(unsigned char c) { /* \w on ASCII */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static inline int letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static inline unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static Str strip(Str v) {
    while (v.n > 0 && sp((unsigned char)v.s[0]))
        v.s++, v.n--;
    while (v.n > 0 && sp((unsigned char)v.s[v.n - 1]))
        v.n--;
    return v;
}

static Str tail(Str v, Py_ssize_t k) { /* v[k:] */
    if (k > v.n)
        k = v.n;
    return (Str){v.s + k, v.n - k};
}

/* The first position of lit (lower case) in v, case-insensitively, from ``from``; -1 if none. */
static Py_ssize_t ci_find(Str v, Py_ssize_t from, const char *lit, Py_ssize_t len) {
    for (Py_ssize_t i = from; i + len <= v.n; i++) {
        if (lower((unsigned char)v.s[i]) != (unsigned char)lit[0])
            continue;
        Py_ssize_t k = 1;
        while (k < len && lower((unsigned char)v.s[i + k]) == (unsigned char)lit[k])
            k++;
        if (k == len)
            return i;
    }
    return -1;
}

static Py_ssize_t find(Str v, Py_ssize_t from, const char *lit, Py_ssize_t len) {
    if (from > v.n || v.n - from < len)
        return -1;
    const char *p = memmem(v.s + from, (size_t)(v.n - from), lit, (size_t)len);
    return p ? p - v.s : -1;
}

static int eq_ci(Str v, const char *lit) { /* v.lower() == lit */
    Py_ssize_t len = (Py_ssize_t)strlen(lit);
    return v.n == len && ci_find(v, 0, lit, len) == 0;
}

static int starts_ci(Str v, const char *lit) {
    Py_ssize_t len = (Py_ssize_t)strlen(lit);
    return v.n >= len && ci_find((Str){v.s, len}, 0, lit, len) == 0;
}

static int ends_ci(Str v, const char *lit) {
    Py_ssize_t len = (Py_ssize_t)strlen(lit);
    return v.n >= len && ci_find((Str){v.s + v.n - len, len}, 0, lit, len) == 0;
}

/* is_eop_host: lower-cased, trailing dots stripped, a client submission host or an EOP suffix */
static int is_eop(Str h) {
    while (h.n > 0 && h.s[h.n - 1] == '.')
        h.n--;
    return ends_ci(h, ".outlook.com") || ends_ci(h, ".office365.com");
}

int replay_is_eop(const char *s, Py_ssize_t n);

/* is_eop for _sendfilter.c (a row signature keeps only this of a banner or EHLO reply host) */
int replay_is_eop(const char *s, Py_ssize_t n) { return is_eop((Str){s, n}); }

/* _host_of_reply: the first token after the code, without brackets, if it holds a dot */
static Str host_of_reply(Str text) {
    Str none = {NULL, 0};
    if (text.n <= 3)
        return none;
    Str rest = strip(tail(text, 4));
    const char *blank = memchr(rest.s, ' ', (size_t)rest.n);
    Str tok = {rest.s, blank ? blank - rest.s : rest.n};
    while (tok.n > 0 && (tok.s[0] == '[' || tok.s[0] == ']'))
        tok.s++, tok.n--;
    while (tok.n > 0 && (tok.s[tok.n - 1] == '[' || tok.s[tok.n - 1] == ']'))
        tok.n--;
    return memchr(tok.s, '.', (size_t)tok.n) ? tok : none;
}

/* (?:^|[\s-])WORD\b in v: case-insensitively (STARTTLS) or exactly (XXXXXXXA) */
static int offer(Str v, const char *lit, int ci) {
    for (Py_ssize_t i = 0; i + 8 <= v.n; i++) {
        if (ci ? ci_find((Str){v.s + i, 8}, 0, lit, 8) != 0 : memcmp(v.s + i, lit, 8) != 0)
            continue;
        if ((i == 0 || sp((unsigned char)v.s[i - 1]) || v.s[i - 1] == '-') && (i + 8 == v.n || !word((unsigned char)v.s[i + 8])))
            return 1;
    }
    return 0;
}

/* \b<lit>\b, case-insensitively */
static int ci_word(Str v, const char *lit, Py_ssize_t len) {
    for (Py_ssize_t i = ci_find(v, 0, lit, len); i >= 0; i = ci_find(v, i + 1, lit, len))
        if ((i == 0 || !word((unsigned char)v.s[i - 1])) && (i + len == v.n || !word((unsigned char)v.s[i + len])))
            return 1;
    return 0;
}

static inline int alnum_hex(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* _HELLO_IP: \bHello\s*\[([0-9A-Fa-f:.]+)\] -> the group, or s == NULL */
static Str hello_ip(Str t) {
    for (Py_ssize_t p = find(t, 0, "Hello", 5); p >= 0; p = find(t, p + 1, "Hello", 5)) {
        if (p > 0 && word((unsigned char)t.s[p - 1]))
            continue;
        Py_ssize_t q = p + 5;
        while (q < t.n && sp((unsigned char)t.s[q]))
            q++;
        if (q >= t.n || t.s[q] != '[')
            continue;
        Py_ssize_t a = ++q;
        while (q < t.n && (alnum_hex((unsigned char)t.s[q]) || t.s[q] == ':' || t.s[q] == '.'))
            q++;
        if (q > a && q < t.n && t.s[q] == ']')
            return (Str){t.s + a, q - a};
    }
    return (Str){NULL, 0};
}

static inline int alnum(unsigned char c) { return letter(c) || (c >= '0' && c <= '9'); }

/* _BRACKET_HOSTS: (?:\[|Hostname=)([A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z]{2,}), every match as findall
 * finds them; 1 when one of the hosts is Exchange Online's. The greedy run backs off to its last
 * dot that two letters follow; the letters then run on. */
static int bracket_eop(Str t) {
    int eop = 0;
    Py_ssize_t i = 0;
    while (i < t.n) {
        Py_ssize_t j = -1;
        if (t.s[i] == '[')
            j = i + 1;
        else if (t.n - i >= 9 && memcmp(t.s + i, "Hostname=", 9) == 0)
            j = i + 9;
        if (j >= 0 && j < t.n && alnum((unsigned char)t.s[j])) {
            Py_ssize_t e = j + 1;
            while (e < t.n && (alnum((unsigned char)t.s[e]) || t.s[e] == '.' || t.s[e] == '-'))
                e++;
            Py_ssize_t k = e - 1;
            while (k > j && !(t.s[k] == '.' && k + 2 < t.n && letter((unsigned char)t.s[k + 1]) &&
                              letter((unsigned char)t.s[k + 2])))
                k--;
            if (k > j) {
                Py_ssize_t end = k + 1;
                while (end < t.n && letter((unsigned char)t.s[end]))
                    end++;
                eop |= is_eop((Str){t.s + j, end - j});
                i = end;
                continue;
            }
        }
        i++;
    }
    return eop;
}

typedef struct {
    Str remote, data, context;
    char ev;
} R;

typedef struct {
    R *rows;
    int n;
    Pend *pend;
    int head, tail;
    Txn *txns;
    int ntxn, cur; /* cur: the current transaction (session.py's self.txn), -1 none */
    Rcpt *rcpts;
    int nrcpt;
    Rej *rejs;
    int nrej;
    int *reply_rows; /* the lines of a multi-line reply so far */
    int nreply;
    int tls, tls_row, tls_started, tls_tried, ehlo_done, eop_seen, any_eop, auth_used;
    int offered, masked; /* starttls_offered: -1 None */
    Str remote_ip, remote_host, ehlo_host; /* s == NULL: None */
    int subject_row, issuer_row, sans_row;
    char protocol[8]; /* tls_protocol as session.py writes it; "" none */
    Str tls_error;
    int cert, cert_row, thumb_row, ehlo_row, banner_row, mode, unread;
    Str ehlo_ip;
    char *joined; /* data + " " + context of an information line */
    Py_ssize_t joined_size;
} Replay;

static void push(Replay *r, int cmd, int ref, int owner) { r->pend[r->tail++] = (Pend){cmd, ref, owner}; }

static void handshake_passed(Replay *r) {
    if (r->tls_started && r->tls == TLS_UNKNOWN)
        r->tls = TLS_NEGOTIATED;
    r->tls_started = 0;
}

/* ^VERB\s+WORD\s*(?:<([^>]*)>|(\S*)) on data (VERB and WORD case-insensitively): the address,
 * stripped (session.py's _address); *ok = 0 when the pattern does not match */
static Str address(Str d, const char *verb, const char *word_, int *ok) {
    Py_ssize_t vl = (Py_ssize_t)strlen(verb), wl = (Py_ssize_t)strlen(word_);
    Str none = {d.s, 0};
    *ok = 0;
    if (!starts_ci(d, verb))
        return none;
    Py_ssize_t i = vl;
    if (i >= d.n || !sp((unsigned char)d.s[i]))
        return none;
    while (i < d.n && sp((unsigned char)d.s[i]))
        i++;
    if (!starts_ci(tail(d, i), word_))
        return none;
    i += wl;
    while (i < d.n && sp((unsigned char)d.s[i]))
        i++;
    *ok = 1;
    if (i < d.n && d.s[i] == '<') {
        const char *gt = memchr(d.s + i + 1, '>', (size_t)(d.n - i - 1));
        if (gt)
            return strip((Str){d.s + i + 1, gt - d.s - i - 1});
    }
    Py_ssize_t e = i;
    while (e < d.n && !sp((unsigned char)d.s[e]))
        e++;
    return strip((Str){d.s + i, e - i});
}

/* (domain_of(addr) or "").endswith(".onmicrosoft.com") */
static int tenant_address(Str a) {
    const char *at = a.n > 0 ? memrchr(a.s, '@', (size_t)a.n) : NULL;
    if (at == NULL)
        return 0;
    Str dom = strip((Str){at + 1, a.s + a.n - at - 1});
    while (dom.n > 0 && dom.s[dom.n - 1] == '.')
        dom.n--;
    return ends_ci(dom, ".onmicrosoft.com");
}

static void command(Replay *r, int i) {
    Str d = r->rows[i].data;
    const char *blank = d.n > 0 ? memchr(d.s, ' ', (size_t)d.n) : NULL;
    Str verb = {d.s, blank ? blank - d.s : d.n};
    if (eq_ci(verb, "ehlo") || eq_ci(verb, "helo")) {
        handshake_passed(r);
        push(r, C_EHLO, -1, -1);
    } else if (eq_ci(verb, "starttls") || eq_ci(verb, "x-anonymoustls")) {
        r->tls_tried = 1;
        push(r, C_STARTTLS, -1, -1);
    } else if (eq_ci(verb, "mail")) {
        handshake_passed(r);
        r->ehlo_done = 1;
        int ok;
        Str a = address(d, "mail", "from:", &ok);
        r->txns[r->ntxn] = (Txn){i, {a.n ? a.s : NULL, a.n}, a.n == 0, 0, -1, 0, r->nrcpt, 0, -1};
        r->cur = r->ntxn++;
        push(r, C_MAIL, r->cur, r->cur);
    } else if (eq_ci(verb, "rcpt")) {
        int ok;
        Str a = address(d, "rcpt", "to:", &ok);
        if (!ok)
            a = strip(tail(d, 8));
        if (r->cur < 0) {
            r->txns[r->ntxn] = (Txn){i, {NULL, 0}, 0, 0, -1, 0, r->nrcpt, 0, -1};
            r->cur = r->ntxn++;
        }
        r->rcpts[r->nrcpt] = (Rcpt){a, tenant_address(a), -1, 0};
        r->txns[r->cur].rcpt_count++;
        push(r, C_RCPT, r->nrcpt++, r->cur);
    } else if (eq_ci(verb, "bdat")) {
        push(r, ci_find(d, 0, "last", 4) >= 0 ? C_BDAT_LAST : C_BDAT, r->cur, r->cur);
    } else if (eq_ci(verb, "data")) {
        push(r, C_DATA, r->cur, r->cur);
    } else if (eq_ci(verb, "auth")) {
        r->auth_used = 1;
        push(r, C_AUTH, -1, -1);
    } else if (eq_ci(verb, "rset")) {
        r->cur = -1;
        push(r, C_RSET, -1, -1);
    } else {
        push(r, C_OTHER, -1, -1);
    }
}

/* session.py's _ehlo_line */
static void ehlo_line(Replay *r, int i, Str text) {
    Str ip = hello_ip(text);
    if (ip.s != NULL) {
        r->ehlo_ip = ip;
        r->ehlo_row = i;
        Str host = host_of_reply(text);
        if (host.s != NULL) {
            r->ehlo_host = host;
            r->any_eop |= is_eop(host);
        }
    }
    if (offer(tail(text, 3), "starttls", 1))
        r->offered = 1;
    else if (offer(tail(text, 3), "XXXXXXXA", 0))
        r->masked = 1;
}

static inline int negative(char c) { return c == '4' || c == '5'; }
static inline int positive(char c) { return c == '2' || c == '3'; }

/* _join_reply's text: the first line stripped, then each continuation after its code, stripped */
static PyObject *joined_reply(Replay *r) {
    Py_ssize_t size = 0;
    for (int k = 0; k < r->nreply; k++)
        size += r->rows[r->reply_rows[k]].data.n + 1;
    char *buf = PyMem_Malloc((size_t)size + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    Py_ssize_t w = 0;
    for (int k = 0; k < r->nreply; k++) {
        Str part = r->rows[r->reply_rows[k]].data;
        part = strip(k == 0 ? part : tail(part, 4));
        if (part.n == 0)
            continue;
        if (w > 0)
            buf[w++] = ' ';
        memcpy(buf + w, part.s, (size_t)part.n);
        w += part.n;
    }
    PyObject *out = PyUnicode_FromStringAndSize(buf, w);
    PyMem_Free(buf);
    return out;
}

/* session.py's reply_line; -1 on error */
static int reply_line(Replay *r, int i) {
    Str text = r->rows[i].data;
    Py_ssize_t k = text.n < 3 ? text.n : 3;
    if (k == 0)
        return 0;
    for (Py_ssize_t j = 0; j < k; j++)
        if (text.s[j] < '0' || text.s[j] > '9')
            return 0;
    Str code = {text.s, k};
    int is250 = k == 3 && memcmp(text.s, "250", 3) == 0;
    int front = r->head < r->tail ? r->pend[r->head].cmd : -1;
    if (front == C_EHLO) {
        ehlo_line(r, i, text);
    } else if (is250 && r->nreply == 0 &&
               (find(text, 0, "Hello", 5) >= 0 || offer(tail(text, 3), "starttls", 1) ||
                offer(tail(text, 3), "XXXXXXXA", 0))) {
        ehlo_line(r, i, text);
        r->ehlo_done = 1;
        handshake_passed(r);
        return 0;
    }
    r->reply_rows[r->nreply++] = i;
    if (text.n > 3 && text.s[3] == '-')
        return 0;
    int first = r->reply_rows[0];
    Pend p = r->head < r->tail ? r->pend[r->head++] : (Pend){C_OTHER, -1, -1};
    char c0 = code.s[0];
    int neg = negative(c0);
    PyObject *joined = NULL;
    if (neg && (joined = joined_reply(r)) == NULL)
        return -1;
    r->nreply = 0;
    /* _answered */
    if (p.cmd == C_CONNECT) {
        r->banner_row = first;
        Str host = host_of_reply(r->rows[first].data);
        r->remote_host = host;
        if (host.s != NULL) {
            int eop = is_eop(host);
            r->any_eop |= eop;
            r->eop_seen |= eop;
        }
    } else if (p.cmd == C_EHLO) {
        r->ehlo_done = 1;
    } else if (p.cmd == C_STARTTLS) {
        if (k == 3 && memcmp(code.s, "220", 3) == 0)
            r->tls_started = 1;
        else if (neg && r->tls == TLS_UNKNOWN)
            r->tls = TLS_FAILED, r->tls_row = i;
    } else if (p.cmd == C_MAIL) {
        r->txns[p.ref].mail_code = c0;
    } else if (p.cmd == C_RCPT) {
        r->rcpts[p.ref].reply_row = first;
        r->rcpts[p.ref].code = c0;
    } else if (p.cmd == C_DATA) {
        if (k == 3 && memcmp(code.s, "354", 3) == 0)
            r->pend[--r->head] = (Pend){C_EOD, p.ref, p.owner}; /* the message data comes next */
        else if (p.ref >= 0)
            r->txns[p.ref].data_row = first, r->txns[p.ref].data_code = c0;
    } else if (p.ref >= 0 && (p.cmd == C_BDAT_LAST || p.cmd == C_EOD || (p.cmd == C_BDAT && neg))) {
        r->txns[p.ref].data_row = first, r->txns[p.ref].data_code = c0;
    }
    /* _reply_hosts: on the reply's last line */
    if (!r->eop_seen && (memchr(text.s, '[', (size_t)text.n) || find(text, 0, "Hostname=", 9) >= 0)) {
        r->any_eop |= bracket_eop(text);
        r->eop_seen = r->any_eop;
    }
    if (neg) {
        r->rejs[r->nrej] = (Rej){joined, code, first, p.cmd == C_RCPT ? p.ref : -1};
        if (p.owner >= 0 && r->txns[p.owner].first_rej < 0)
            r->txns[p.owner].first_rej = r->nrej;
        r->nrej++;
    }
    return 0;
}

/* a Str of the joined text mapped back into data or context (a run that does not cross the blank) */
static Str unjoin(Str data, Str context, Py_ssize_t at, Py_ssize_t n) {
    if (at + n <= data.n)
        return (Str){data.s + at, n};
    return (Str){context.s + (at - data.n - 1), n};
}

/* the protocol group of _TLS_PROTOCOL or _TLS_PROTOCOL_PLAIN, upper-cased, blanks out, dots as _ */
static void tls_protocol(Replay *r, Str j) {
    Py_ssize_t at = -1, len = 0;
    for (Py_ssize_t p = ci_find(j, 0, "sp_prot_", 8); p >= 0 && at < 0; p = ci_find(j, p + 1, "sp_prot_", 8)) {
        Py_ssize_t q = p + 8;
        if (q + 4 <= j.n && (starts_ci(tail(j, q), "tls") || starts_ci(tail(j, q), "ssl")) && j.s[q + 3] >= '0' &&
            j.s[q + 3] <= '9') {
            at = q;
            len = q + 6 <= j.n && j.s[q + 4] == '_' && j.s[q + 5] >= '0' && j.s[q + 5] <= '9' ? 6 : 4;
        }
    }
    for (Py_ssize_t p = ci_find(j, 0, "tls", 3); p >= 0 && at < 0; p = ci_find(j, p + 1, "tls", 3)) {
        if (p > 0 && word((unsigned char)j.s[p - 1]))
            continue;
        Py_ssize_t q = p + 3;
        if (q < j.n && j.s[q] == ' ')
            q++;
        if (q + 3 <= j.n && j.s[q] == '1' && (j.s[q + 1] == '.' || j.s[q + 1] == '_') && j.s[q + 2] >= '0' &&
            j.s[q + 2] <= '9' && (q + 3 == j.n || !word((unsigned char)j.s[q + 3]))) {
            at = p;
            len = q + 3 - p;
        }
    }
    if (at < 0)
        return;
    int w = 0;
    for (Py_ssize_t k = 0; k < len && w < 7; k++) {
        char c = j.s[at + k];
        if (c == ' ')
            continue;
        r->protocol[w++] = c == '.' ? '_' : (c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    r->protocol[w] = 0;
}

static const char *cert_fields[] = {"certificate subject", "certificate issuer name", "certificate serial number",
                                    "certificate thumbprint", "certificate alternate names"};
static const char *cert_exact[] = {"Certificate subject", "Certificate issuer name", "Certificate serial number",
                                   "Certificate thumbprint", "Certificate alternate names"};

static void cert_field(Replay *r, int key, int i) {
    if (key == 0)
        r->cert_row = r->subject_row = i;
    else if (key == 1)
        r->issuer_row = i;
    else if (key == 3)
        r->thumb_row = i;
    else if (key == 4)
        r->sans_row = i;
}

static void new_cert(Replay *r, int i) {
    r->cert = 1, r->cert_row = i;
    r->thumb_row = r->subject_row = r->issuer_row = r->sans_row = -1;
}

/* session.py's _info; the new certificate-block mode, or -1: a record this code does not read */
static int info(Replay *r, int i) {
    Str data = r->rows[i].data, context = r->rows[i].context;
    int mode = r->mode;
    for (int k = 0; k < 5; k++) {
        if (mode != MODE_RECV && r->cert && context.n == (Py_ssize_t)strlen(cert_exact[k]) &&
            memcmp(context.s, cert_exact[k], (size_t)context.n) == 0) {
            cert_field(r, k, i);
            return mode == MODE_NONE ? MODE_SEND : mode;
        }
    }
    Py_ssize_t jn = data.n + 1 + context.n;
    if (jn > r->joined_size) {
        char *grown = PyMem_Realloc(r->joined, (size_t)jn);
        if (grown == NULL)
            return -2;
        r->joined = grown, r->joined_size = jn;
    }
    memcpy(r->joined, data.s, (size_t)data.n);
    r->joined[data.n] = ' ';
    memcpy(r->joined + data.n + 1, context.s, (size_t)context.n);
    Str j = {r->joined, jn};
    Str low_ctx = strip(context), sdata = strip(data);
    if (find(j, 0, "negotiation failed", 18) >= 0) {
        r->tls = TLS_FAILED, r->tls_row = i;
        Py_ssize_t p = ci_find(j, 0, "tls negotiation failed", 22);
        if (p >= 0 && starts_ci(tail(j, p + 22), " with error ")) {
            Py_ssize_t a = p + 34, e = a;
            while (e < j.n && word((unsigned char)j.s[e]))
                e++;
            if (e > a)
                r->tls_error = unjoin(data, context, a, e - a);
        }
        return mode;
    }
    if (find(j, 0, "negotiation succeeded", 21) >= 0 && ci_find(j, 0, "tls", 3) >= 0) {
        if (r->tls != TLS_FAILED)
            r->tls = TLS_NEGOTIATED, r->tls_row = i;
        tls_protocol(r, j);
        return mode;
    }
    if (starts_ci(low_ctx, "sending certificate certificate"))
        return -1; /* the merged one-line record: the Python replay reads it */
    if (starts_ci(low_ctx, "received certificate") || eq_ci(sdata, "received certificate"))
        return MODE_RECV;
    if (eq_ci(low_ctx, "sending certificate") || eq_ci(sdata, "sending certificate")) {
        new_cert(r, i);
        return MODE_SEND;
    }
    int key = -1;
    for (int k = 0; k < 5 && key < 0; k++)
        if (eq_ci(low_ctx, cert_fields[k]))
            key = k;
    if (key < 0 && mode != MODE_RECV &&
        (ci_find(j, 0, "certificat", 10) >= 0 || ci_find(j, 0, "thumbprint", 10) >= 0 || ci_word(j, "tls", 3) ||
         ci_word(j, "ssl", 3) || ci_find(j, 0, "sp_prot_", 8) >= 0 || ci_find(j, 0, "schannel", 8) >= 0))
        return -1; /* a TLS/certificate record in a layout not read: the Python replay warns about it */
    if (key < 0 || mode == MODE_RECV)
        return mode;
    if (!r->cert)
        new_cert(r, i);
    cert_field(r, key, i);
    return mode == MODE_NONE ? MODE_SEND : mode;
}

/* session.py's ip_of_endpoint; 1 when it gives an address */
static int ip_of_endpoint(Str e, Str *ip) {
    e = strip(e);
    if (e.n == 0)
        return 0;
    if (e.s[0] == '[') {
        const char *close = memchr(e.s + 1, ']', (size_t)(e.n - 1));
        *ip = (Str){e.s + 1, close ? close - e.s - 1 : e.n - 1};
    } else {
        int colons = 0;
        for (Py_ssize_t k = 0; k < e.n; k++)
            colons += e.s[k] == ':';
        *ip = colons == 1 ? (Str){e.s, (const char *)memchr(e.s, ':', (size_t)e.n) - e.s} : e;
    }
    if (ip->n == 0)
        ip->s = NULL;
    return ip->s != NULL;
}

static const char *outcome_of(Replay *r, Txn *t) {
    if (negative(t->mail_code))
        return "rejected";
    int data_rejected = t->data_row >= 0 && negative(t->data_code);
    int external = 0, accepted = 0, rejected = 0;
    for (int k = t->rcpt_first; k < t->rcpt_first + t->rcpt_count; k++)
        external += !r->rcpts[k].tenant;
    for (int k = t->rcpt_first; k < t->rcpt_first + t->rcpt_count; k++) {
        Rcpt *c = &r->rcpts[k];
        if ((external && c->tenant) || c->reply_row < 0)
            continue;
        accepted += positive(c->code);
        rejected += negative(c->code);
    }
    if (!external) {
        if (t->rcpt_count == 0)
            return "no_mail";
        return (rejected && !accepted) || data_rejected ? "rejected" : "internal_only";
    }
    if (accepted && rejected)
        return "mixed";
    if (accepted)
        return data_rejected ? "rejected" : "relayed";
    return rejected ? "rejected" : "no_mail";
}

/* send.py's _telling_row for a transaction */
static int telling(Replay *r, Txn *t, const char *outcome) {
    if ((!strcmp(outcome, "rejected") || !strcmp(outcome, "mixed")) && t->first_rej >= 0)
        return r->rejs[t->first_rej].row;
    int relayed = !strcmp(outcome, "relayed"), internal = !strcmp(outcome, "internal_only");
    if (relayed && t->data_row >= 0 && positive(t->data_code))
        return t->data_row;
    for (int k = t->rcpt_first; (relayed || internal) && k < t->rcpt_first + t->rcpt_count; k++) {
        Rcpt *c = &r->rcpts[k];
        if ((internal || !c->tenant) && c->reply_row >= 0 && positive(c->code))
            return c->reply_row;
    }
    return t->row;
}

static PyObject *str_or_none(Str v) {
    if (v.s == NULL)
        Py_RETURN_NONE;
    return PyUnicode_FromStringAndSize(v.s, v.n);
}

static PyObject *lower_or_none(Str v) {
    if (v.s == NULL)
        Py_RETURN_NONE;
    PyObject *out = PyUnicode_New(v.n, 127);
    if (out == NULL)
        return NULL;
    Py_UCS1 *w = PyUnicode_1BYTE_DATA(out);
    for (Py_ssize_t k = 0; k < v.n; k++)
        w[k] = lower((unsigned char)v.s[k]);
    return out;
}

static PyObject *stripped_data(Replay *r, int row) {
    if (row < 0)
        Py_RETURN_NONE;
    Str v = strip(r->rows[row].data);
    return PyUnicode_FromStringAndSize(v.s, v.n);
}

/* What the facts of a new aggregate or symptom show beyond the keys: (host, remote IP,
 * starttls_offered, starttls_masked, certificate (subject, issuer, alternate names as written, each
 * stripped, or None) or None, client submission) */
static PyObject *session_text(Replay *r) {
    Str host = r->remote_host.s != NULL ? r->remote_host : r->ehlo_host;
    int submission = r->any_eop && (r->auth_used || (r->remote_host.s != NULL && ends_ci(r->remote_host, ".office365.com")));
    PyObject *cert = Py_None;
    if (r->cert)
        cert = Py_BuildValue("(NNN)", stripped_data(r, r->subject_row), stripped_data(r, r->issuer_row),
                             stripped_data(r, r->sans_row));
    else
        Py_INCREF(cert);
    if (cert == NULL)
        return NULL;
    PyObject *offered = r->offered < 0 ? Py_None : r->offered ? Py_True : Py_False;
    return Py_BuildValue("(NNOONO)", lower_or_none(host), str_or_none(r->remote_ip), offered,
                         r->masked ? Py_True : Py_False, cert, submission ? Py_True : Py_False);
}

static PyObject *record(Replay *r) {
    static const char *tls_names[] = {"unknown", "negotiated", "failed", "not_attempted"};
    PyObject *units = PyTuple_New(r->ntxn ? r->ntxn : 1), *rejs = PyTuple_New(r->nrej);
    PyObject *thumb = NULL, *out = NULL;
    if (units == NULL || rejs == NULL)
        goto done;
    for (int k = 0; k < r->ntxn; k++) {
        Txn *t = &r->txns[k];
        const char *outcome = outcome_of(r, t);
        int accepted = 0, tenant = 0, rejected = 0;
        for (int c = t->rcpt_first; c < t->rcpt_first + t->rcpt_count; c++) {
            Rcpt *p = &r->rcpts[c];
            if (p->reply_row < 0)
                continue;
            if (positive(p->code))
                accepted++, tenant += p->tenant;
            else if (negative(p->code))
                rejected++;
        }
        PyObject *mail = str_or_none(t->mail_from);
        PyObject *u = mail ? Py_BuildValue("(NOsiiiiii)", mail, t->null_sender ? Py_True : Py_False, outcome,
                                           t->first_rej, accepted, tenant, rejected, t->row, telling(r, t, outcome))
                           : NULL;
        if (u == NULL)
            goto done;
        PyTuple_SET_ITEM(units, k, u);
    }
    if (r->ntxn == 0) {
        const char *outcome = r->tls == TLS_FAILED ? "tls_failed" : r->nrej ? "rejected" : "no_mail";
        int row = 0;
        if (r->tls == TLS_FAILED && r->tls_row >= 0)
            row = r->tls_row;
        else if (r->tls != TLS_FAILED && r->nrej)
            row = r->rejs[0].row;
        else if (r->cert)
            row = r->cert_row;
        else if (r->ehlo_row >= 0)
            row = r->ehlo_row;
        else if (r->banner_row >= 0)
            row = r->banner_row;
        PyObject *u = Py_BuildValue("(OOsiiiiii)", Py_None, Py_False, outcome, r->nrej ? 0 : -1, 0, 0, 0, 0, row);
        if (u == NULL)
            goto done;
        PyTuple_SET_ITEM(units, 0, u);
    }
    for (int k = 0; k < r->nrej; k++) {
        Str to = r->rejs[k].rcpt >= 0 ? r->rcpts[r->rejs[k].rcpt].address : (Str){NULL, 0};
        PyObject *rcpt = to.s != NULL ? PyUnicode_FromStringAndSize(to.s, to.n) : (Py_INCREF(Py_None), Py_None);
        PyObject *e = rcpt ? Py_BuildValue("(Os#iN)", r->rejs[k].text, r->rejs[k].code.s, r->rejs[k].code.n,
                                           r->rejs[k].row, rcpt)
                           : NULL;
        if (e == NULL)
            goto done;
        PyTuple_SET_ITEM(rejs, k, e);
    }
    Str tv = r->cert && r->thumb_row >= 0 ? strip(r->rows[r->thumb_row].data) : (Str){NULL, 0};
    if (tv.s != NULL && tv.n > 0) {
        thumb = PyUnicode_New(tv.n, 127);
        if (thumb == NULL)
            goto done;
        Py_UCS1 *w = PyUnicode_1BYTE_DATA(thumb);
        for (Py_ssize_t k = 0; k < tv.n; k++)
            w[k] = (Py_UCS1)(tv.s[k] >= 'a' && tv.s[k] <= 'z' ? tv.s[k] - 32 : tv.s[k]);
    } else {
        thumb = Py_None;
        Py_INCREF(thumb);
    }
    PyObject *protocol = r->protocol[0] ? PyUnicode_FromString(r->protocol) : (Py_INCREF(Py_None), Py_None);
    PyObject *error = protocol ? str_or_none(r->tls_error) : NULL;
    PyObject *ip = error ? str_or_none(r->ehlo_ip) : NULL;
    PyObject *more = ip ? session_text(r) : NULL;
    if (more != NULL)
        out = Py_BuildValue("(OsNNONOON)", r->any_eop ? Py_True : Py_False, tls_names[r->tls], protocol, error, thumb,
                            ip, units, rejs, more);
    else {
        Py_XDECREF(protocol);
        Py_XDECREF(error);
        Py_XDECREF(ip);
    }
done:
    Py_XDECREF(thumb);
    Py_XDECREF(units);
    Py_XDECREF(rejs);
    return out;
}

/* ---------------------------------------------------------------------------------------------
 * Lite rows: a row cut in C (_sendfilter.c fast_row) kept as ONE bytes object until a Row tuple is
 * needed (scan.LiteRows). Most followed sessions are folded or replayed here from these and never
 * become Rows: a Row is 9 objects, a lite row one. Layout: this header, the line's text (ASCII,
 * no CR), then the data and the context unquoted ("" -> ") when they were quoted. Offsets are
 * from the start of the bytes; the event is text[ev]; the remote endpoint text[rems:rems+remn]. */
typedef struct {
    long long seq;
    Py_ssize_t line, toff, rems, remn, ev, ds, dn, cs, cn, tn;
} Lite;

#define LITE_TEXT ((Py_ssize_t)sizeof(Lite))

static Py_ssize_t unquote(char *w, const char *r, Py_ssize_t n) { /* as _sendfilter.c ascii_str */
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        w[k++] = r[i];
        if (r[i] == '"' && i + 1 < n && r[i + 1] == '"')
            i++;
    }
    return k;
}

static Py_ssize_t unquoted_len(const char *r, Py_ssize_t n) {
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < n; i++, k++)
        if (r[i] == '"' && i + 1 < n && r[i + 1] == '"')
            i++;
    return k;
}

PyObject *lite_make(long long seq, Py_ssize_t line, const char *t, Py_ssize_t tn, Py_ssize_t toff, Py_ssize_t rems,
                    Py_ssize_t remn, Py_ssize_t ev, const char *d, Py_ssize_t dn, int dq, const char *c,
                    Py_ssize_t cn, int cq);

/* The lite row of a line cut by fast_row: d and c point into t (as written, quoted or not). */
PyObject *lite_make(long long seq, Py_ssize_t line, const char *t, Py_ssize_t tn, Py_ssize_t toff, Py_ssize_t rems,
                    Py_ssize_t remn, Py_ssize_t ev, const char *d, Py_ssize_t dn, int dq, const char *c,
                    Py_ssize_t cn, int cq) {
    Py_ssize_t dl = dq ? unquoted_len(d, dn) : 0, cl = cq ? unquoted_len(c, cn) : 0;
    PyObject *out = PyBytes_FromStringAndSize(NULL, LITE_TEXT + tn + dl + cl);
    if (out == NULL)
        return NULL;
    char *w = PyBytes_AS_STRING(out);
    Lite h = {seq, line, toff, rems, remn, ev, 0, dn, 0, cn, tn};
    memcpy(w + LITE_TEXT, t, (size_t)tn);
    if (dq) {
        h.ds = LITE_TEXT + tn;
        h.dn = unquote(w + h.ds, d, dn);
    } else {
        h.ds = LITE_TEXT + (d - t);
    }
    if (cq) {
        h.cs = LITE_TEXT + tn + dl;
        h.cn = unquote(w + h.cs, c, cn);
    } else {
        h.cs = LITE_TEXT + (c - t);
    }
    memcpy(w, &h, sizeof h);
    return out;
}

static inline int span_ok(Py_ssize_t s, Py_ssize_t n, Py_ssize_t lo, Py_ssize_t hi) {
    return s >= lo && n >= 0 && s <= hi && n <= hi - s;
}

/* The header of a lite row, checked to lie inside it; 0 when ``b`` is not one. */
static int lite_read(PyObject *b, Lite *h, const char **base) {
    if (!PyBytes_CheckExact(b) || PyBytes_GET_SIZE(b) < LITE_TEXT)
        return 0;
    Py_ssize_t size = PyBytes_GET_SIZE(b);
    *base = PyBytes_AS_STRING(b);
    memcpy(h, *base, sizeof *h);
    return span_ok(LITE_TEXT, h->tn, LITE_TEXT, size) && h->toff >= 0 && h->toff <= h->tn &&
           span_ok(h->rems, h->remn, 0, h->tn) && h->ev >= 0 && h->ev < h->tn && span_ok(h->ds, h->dn, LITE_TEXT, size) &&
           span_ok(h->cs, h->cn, LITE_TEXT, size);
}

PyObject *sf_row(PyObject *mod, PyObject *const *args, Py_ssize_t nargs);
PyObject *sf_ordered(PyObject *mod, PyObject *arg);

/* row(lite, connector, Row) -> the Row fast_row would have made of the line. */
PyObject *sf_row(PyObject *mod, PyObject *const *args, Py_ssize_t nargs) {
    (void)mod;
    Lite h;
    const char *b;
    if (nargs != 3 || !PyType_Check(args[2]) || !PyType_IsSubtype((PyTypeObject *)args[2], &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "row(lite, connector, Row)");
        return NULL;
    }
    if (!lite_read(args[0], &h, &b)) {
        PyErr_SetString(PyExc_ValueError, "row(): not a lite row");
        return NULL;
    }
    const char *t = b + LITE_TEXT;
    PyObject *f[9];
    f[0] = PyLong_FromLongLong(h.seq);
    f[1] = PyLong_FromSsize_t(h.line);
    f[2] = PyUnicode_FromStringAndSize(t, h.toff);
    f[3] = args[1];
    Py_INCREF(f[3]);
    f[4] = PyUnicode_FromStringAndSize(t + h.rems, h.remn);
    f[5] = PyUnicode_FromStringAndSize(t + h.ev, 1);
    f[6] = PyUnicode_FromStringAndSize(b + h.ds, h.dn);
    f[7] = PyUnicode_FromStringAndSize(b + h.cs, h.cn);
    f[8] = PyUnicode_FromStringAndSize(t, h.tn);
    PyObject *row = NULL;
    for (int i = 0; i < 9; i++)
        if (f[i] == NULL)
            goto fail;
    row = ((PyTypeObject *)args[2])->tp_alloc((PyTypeObject *)args[2], 9);
    if (row == NULL)
        goto fail;
    for (int i = 0; i < 9; i++)
        PyTuple_SET_ITEM(row, i, f[i]);
    return row;
fail:
    for (int i = 0; i < 9; i++)
        Py_XDECREF(f[i]);
    return NULL;
}

PyObject *sf_line_time(PyObject *mod, PyObject *arg);

/* line_time(lite) -> (Row.line, Row.time) without the rest of the Row (what a fold reads). */
PyObject *sf_line_time(PyObject *mod, PyObject *arg) {
    (void)mod;
    Lite h;
    const char *b;
    if (!lite_read(arg, &h, &b)) {
        PyErr_SetString(PyExc_ValueError, "line_time(): not a lite row");
        return NULL;
    }
    return Py_BuildValue("(ns#)", h.line, b + LITE_TEXT, h.toff);
}

/* ordered(rows) -> every row is a lite row and their sequence numbers never go down. */
PyObject *sf_ordered(PyObject *mod, PyObject *arg) {
    (void)mod;
    if (!PyList_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "ordered(rows: list)");
        return NULL;
    }
    long long last = -1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(arg); i++) {
        Lite h;
        const char *b;
        if (!lite_read(PyList_GET_ITEM(arg, i), &h, &b) || h.seq < last)
            Py_RETURN_FALSE;
        last = h.seq;
    }
    Py_RETURN_TRUE;
}

PyObject *sf_replay(PyObject *mod, PyObject *const *args, Py_ssize_t nargs);

PyObject *sf_replay(PyObject *mod, PyObject *const *args, Py_ssize_t nargs) {
    (void)mod;
    if (nargs != 2 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "replay(rows: list, partial)");
        return NULL;
    }
    int partial = PyObject_IsTrue(args[1]);
    if (partial < 0)
        return NULL;
    PyObject *rows = args[0];
    Py_ssize_t n = PyList_GET_SIZE(rows);
    if (n == 0 || n > MAX_REPLAY_ROWS)
        Py_RETURN_NONE;
    Replay r;
    memset(&r, 0, sizeof r);
    r.n = (int)n;
    r.rows = PyMem_Calloc((size_t)n, sizeof(R));
    r.pend = PyMem_Calloc((size_t)n + 2, sizeof(Pend));
    r.txns = PyMem_Calloc((size_t)n, sizeof(Txn));
    r.rcpts = PyMem_Calloc((size_t)n, sizeof(Rcpt));
    r.rejs = PyMem_Calloc((size_t)n, sizeof(Rej));
    r.reply_rows = PyMem_Calloc((size_t)n, sizeof(int));
    PyObject *result = NULL;
    if (!r.rows || !r.pend || !r.txns || !r.rcpts || !r.rejs || !r.reply_rows) {
        PyErr_NoMemory();
        goto done;
    }
    r.cur = r.tls_row = r.cert_row = r.thumb_row = r.ehlo_row = r.banner_row = r.offered = -1;
    r.subject_row = r.issuer_row = r.sans_row = -1;
    r.head = r.tail = 1; /* room for the EOD put back in front after a DATA's 354 */
    long long last_seq = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *row = PyList_GET_ITEM(rows, i);
        Lite h;
        const char *b;
        if (PyBytes_CheckExact(row)) { /* a lite row (its text is ASCII: fast_row checked) */
            if (!lite_read(row, &h, &b) || h.seq < last_seq)
                goto unjudged;
            last_seq = h.seq;
            r.rows[i].remote = (Str){b + LITE_TEXT + h.rems, h.remn};
            r.rows[i].data = (Str){b + h.ds, h.dn};
            r.rows[i].context = (Str){b + h.cs, h.cn};
            r.rows[i].ev = b[LITE_TEXT + h.ev];
            continue;
        }
        if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) != 9)
            goto unjudged;
        PyObject *seq = PyTuple_GET_ITEM(row, 0), *remote = PyTuple_GET_ITEM(row, 4), *ev = PyTuple_GET_ITEM(row, 5),
                 *data = PyTuple_GET_ITEM(row, 6), *ctx = PyTuple_GET_ITEM(row, 7);
        if (!PyLong_CheckExact(seq) || !PyUnicode_CheckExact(remote) || !PyUnicode_CheckExact(ev) ||
            !PyUnicode_CheckExact(data) || !PyUnicode_CheckExact(ctx) || !PyUnicode_IS_ASCII(remote) ||
            !PyUnicode_IS_ASCII(ev) || !PyUnicode_IS_ASCII(data) || !PyUnicode_IS_ASCII(ctx))
            goto unjudged;
        long long s = PyLong_AsLongLong(seq);
        if (s == -1 && PyErr_Occurred())
            goto done;
        if (s < last_seq)
            goto unjudged; /* the Python replay sorts them */
        last_seq = s;
        r.rows[i].remote = (Str){(const char *)PyUnicode_1BYTE_DATA(remote), PyUnicode_GET_LENGTH(remote)};
        r.rows[i].data = (Str){(const char *)PyUnicode_1BYTE_DATA(data), PyUnicode_GET_LENGTH(data)};
        r.rows[i].context = (Str){(const char *)PyUnicode_1BYTE_DATA(ctx), PyUnicode_GET_LENGTH(ctx)};
        r.rows[i].ev = PyUnicode_GET_LENGTH(ev) == 1 ? (char)PyUnicode_1BYTE_DATA(ev)[0] : 0;
    }
    if (!partial)
        push(&r, C_CONNECT, -1, -1);
    int have_ip = 0;
    for (int i = 0; i < r.n; i++) {
        char ev = r.rows[i].ev;
        if (!have_ip && r.rows[i].remote.n > 0)
            have_ip = ip_of_endpoint(r.rows[i].remote, &r.remote_ip);
        if (ev == '*') {
            int mode = info(&r, i);
            if (mode == -2) {
                PyErr_NoMemory();
                goto done;
            }
            if (mode < 0)
                goto unjudged;
            r.mode = mode;
            if (r.tls == TLS_NEGOTIATED || r.tls == TLS_FAILED)
                r.tls_started = 0;
        } else if (ev == '>') {
            command(&r, i);
        } else if (ev == '<') {
            if (reply_line(&r, i) < 0)
                goto done;
        } else if (ev == '-') {
            break;
        }
    }
    if (r.tls == TLS_UNKNOWN) {
        if (r.tls_started && r.ehlo_done)
            r.tls = TLS_NEGOTIATED;
        else if (!r.tls_tried && r.ehlo_done)
            r.tls = TLS_NOT_ATTEMPTED;
    }
    if (r.offered < 0 && r.ehlo_done)
        r.offered = r.tls_tried;
    else if (r.tls_tried)
        r.offered = 1;
    result = record(&r);
    goto done;
unjudged:
    result = Py_None;
    Py_INCREF(result);
done:
    for (int k = 0; r.rejs && k < r.nrej; k++)
        Py_XDECREF(r.rejs[k].text);
    PyMem_Free(r.rows);
    PyMem_Free(r.pend);
    PyMem_Free(r.txns);
    PyMem_Free(r.rcpts);
    PyMem_Free(r.rejs);
    PyMem_Free(r.reply_rows);
    PyMem_Free(r.joined);
    return result;
}

/* ---------------------------------------------------------------------------------------------
 * Folds: send.Aggregator's folding (``fold``/``_apply`` without a record) in C, so a session with
 * the row signatures of one replayed before is added where the block step finishes it
 * (_sendfilter.c session_finish) and never handed to Python.
 *
 * Python registers each plan it remembers (``add``: the signature key (connector, partial,
 * *signatures), and per unit the slot of its aggregate, first in its session, recipient counts and
 * the indexes of its time row and telling row; per rejection the slot of its symptom and its row),
 * and tells this table whenever an aggregate's earliest start line or a symptom's line changes
 * (``start``/``symptom``: they only go down). A session is folded here exactly when Aggregator._apply
 * would fold it: every aggregate exists and started no later, every symptom is known from no later
 * line. What it adds -- counts, first/last seen seconds, the latest start and its telling line --
 * is summed per slot and handed over by ``take`` when the file is done; all of it commutes with what
 * Python adds meanwhile (sums, min/max, the latest start wins), so the order sessions are finished
 * in does not matter. Memory: the plans Python remembers (bounded there: MAX_FOLD_PLANS) and a few
 * words per slot; the keys are Python's own objects, not copied. */

/* ``items`` (``*cap`` items of ``size`` bytes) with room for twice as many (``first`` the first time);
 * NULL with MemoryError set (``items`` kept). */
static void *fold_grown(void *items, Py_ssize_t *cap, size_t size, Py_ssize_t first) {
    Py_ssize_t n = *cap ? *cap * 2 : first;
    void *more = PyMem_Realloc(items, (size_t)n * size);
    if (more == NULL)
        return PyErr_NoMemory();
    *cap = n;
    return more;
}

#define FOLD_ABSENT 0x7fffffffffffffffLL /* start or line of an aggregate/symptom that does not exist */

typedef struct {
    PyObject *key;   /* (connector, partial, *signatures), owned */
    size_t hash;
    char to_eop, partial, kpartial;  /* kpartial: the key's (looked up); partial: what a fold adds */
    int nunits, nsym;
    int *u;          /* 7 ints per unit: slot, first in session, accepted, tenant, rejected, when, telling */
    int *s;          /* 2 ints per rejection: symptom slot, row */
} FoldPlan;

typedef struct {
    long long first_start;                       /* Python's; FOLD_ABSENT: no aggregate */
    long long sessions, lines, accepted, tenant, rejected;  /* folded here, since the last take() */
    long long last_start, last_line;             /* last_start -1: none folded */
    char first_seen[20], last_seen[20];          /* "YYYY-MM-DDTHH:MM:SSZ" or "" */
    char touched;
} FoldSlot;

typedef struct {
    PyObject_HEAD
    FoldPlan *plans;
    Py_ssize_t nplans, pcap;
    Py_ssize_t *table, tcap;                     /* open addressing on plans, -1 empty; tcap power of 2 */
    FoldSlot *slots;
    Py_ssize_t nslots, scap;
    long long *sym;                              /* symptom lines; FOLD_ABSENT: not known */
    Py_ssize_t nsym, symcap;
    Py_ssize_t max_rows;
    long long eop, relevant, partial, folded;    /* since the last take() (folded: ever) */
} Folds;

static size_t fold_hash_bytes(size_t h, const char *p, Py_ssize_t n) {
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, (size_t)n);
    h = (h ^ w ^ ((uint64_t)n << 56)) * 0x100000001b3ULL;
    return h ^ (h >> 31);
}

/* The hash of a key from its parts; -1 (as size_t) with an error set. */
static int fold_hash(PyObject *conn, int partial, PyObject *const *sigs, Py_ssize_t n, size_t *out) {
    Py_hash_t hc = PyObject_Hash(conn);
    if (hc == -1)
        return -1;
    size_t h = ((size_t)hc ^ (size_t)partial) * 0x9E3779B97F4A7C15ULL;
    for (Py_ssize_t i = 0; i < n; i++)
        h = fold_hash_bytes(h, PyBytes_AS_STRING(sigs[i]), PyBytes_GET_SIZE(sigs[i]));
    *out = h;
    return 0;
}

/* The plan for (conn, partial, sigs), or NULL (none, or an error: check PyErr_Occurred). */
static FoldPlan *fold_find(Folds *f, PyObject *conn, int partial, PyObject *const *sigs, Py_ssize_t n, size_t h) {
    if (f->tcap == 0)
        return NULL;
    for (Py_ssize_t i = (Py_ssize_t)(h & (size_t)(f->tcap - 1));; i = (i + 1) & (f->tcap - 1)) {
        Py_ssize_t k = f->table[i];
        if (k < 0)
            return NULL;
        FoldPlan *p = &f->plans[k];
        if (p->hash != h || p->kpartial != partial || PyTuple_GET_SIZE(p->key) != n + 2)
            continue;
        int same = 1;
        for (Py_ssize_t j = 0; same && j < n; j++) {
            PyObject *a = PyTuple_GET_ITEM(p->key, j + 2), *b = sigs[j];
            same = a == b || (PyBytes_GET_SIZE(a) == PyBytes_GET_SIZE(b) &&
                              memcmp(PyBytes_AS_STRING(a), PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(a)) == 0);
        }
        if (!same)
            continue;
        int eq = PyObject_RichCompareBool(PyTuple_GET_ITEM(p->key, 0), conn, Py_EQ);
        if (eq < 0)
            return NULL;
        if (eq)
            return p;
    }
}

static int fold_grow_slots(Folds *f, Py_ssize_t slot) {
    while (slot >= f->scap) {
        Py_ssize_t old = f->scap;
        FoldSlot *more = fold_grown(f->slots, &f->scap, sizeof(FoldSlot), 64);
        if (more == NULL)
            return -1;
        f->slots = more;
        for (Py_ssize_t i = old; i < f->scap; i++) {
            memset(&more[i], 0, sizeof(FoldSlot));
            more[i].first_start = FOLD_ABSENT;
            more[i].last_start = -1;
        }
    }
    if (slot >= f->nslots)
        f->nslots = slot + 1;
    return 0;
}

static int fold_grow_sym(Folds *f, Py_ssize_t slot) {
    while (slot >= f->symcap) {
        Py_ssize_t old = f->symcap;
        long long *more = fold_grown(f->sym, &f->symcap, sizeof(long long), 64);
        if (more == NULL)
            return -1;
        f->sym = more;
        for (Py_ssize_t i = old; i < f->symcap; i++)
            more[i] = FOLD_ABSENT;
    }
    if (slot >= f->nsym)
        f->nsym = slot + 1;
    return 0;
}

/* utctime.stamp_to_second of a lite row's time (ASCII): 1 and the 20 bytes in ``out``, or 0 (None). */
static int fold_second(const char *t, Py_ssize_t n, char *out) {
    Str v = strip((Str){t, n});
    if (v.n < 19 || v.s[10] != 'T')
        return 0;
    for (int i = 0; i < 4; i++)
        if (v.s[i] < '0' || v.s[i] > '9')
            return 0;
    memcpy(out, v.s, 19);
    out[19] = 'Z';
    return 1;
}

static int fold_plan_add(Folds *f, FoldPlan *p) {
    if (f->nplans == f->pcap) {
        FoldPlan *more = fold_grown(f->plans, &f->pcap, sizeof(FoldPlan), 64);
        if (more == NULL)
            return -1;
        f->plans = more;
    }
    if ((f->nplans + 1) * 2 > f->tcap) {
        Py_ssize_t cap = f->tcap ? f->tcap * 2 : 128;
        Py_ssize_t *table = PyMem_Malloc((size_t)cap * sizeof(Py_ssize_t));
        if (table == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < cap; i++)
            table[i] = -1;
        for (Py_ssize_t k = 0; k < f->nplans; k++) {
            Py_ssize_t i = (Py_ssize_t)(f->plans[k].hash & (size_t)(cap - 1));
            while (table[i] >= 0)
                i = (i + 1) & (cap - 1);
            table[i] = k;
        }
        PyMem_Free(f->table);
        f->table = table;
        f->tcap = cap;
    }
    Py_ssize_t i = (Py_ssize_t)(p->hash & (size_t)(f->tcap - 1));
    while (f->table[i] >= 0)
        i = (i + 1) & (f->tcap - 1);
    f->table[i] = f->nplans;
    f->plans[f->nplans++] = *p;
    return 0;
}

/* add(key, to_eop, partial, units, symptoms) -> bool: remember a plan (False: a key or plan this
 * table does not take -- not a (connector, partial, *bytes) tuple, a row index outside the key). */
static PyObject *Folds_add(Folds *f, PyObject *args) {
    PyObject *key, *units, *symptoms;
    int to_eop, partial;
    if (!PyArg_ParseTuple(args, "OppOO", &key, &to_eop, &partial, &units, &symptoms))
        return NULL;
    if (!PyTuple_CheckExact(key) || PyTuple_GET_SIZE(key) < 3 || !PyTuple_Check(units) || !PyTuple_Check(symptoms))
        Py_RETURN_FALSE;
    Py_ssize_t n = PyTuple_GET_SIZE(key) - 2;
    if (n > f->max_rows)
        Py_RETURN_FALSE;
    for (Py_ssize_t j = 0; j < n; j++)
        if (!PyBytes_CheckExact(PyTuple_GET_ITEM(key, j + 2)))
            Py_RETURN_FALSE;
    int kpartial = PyObject_IsTrue(PyTuple_GET_ITEM(key, 1));
    if (kpartial < 0)
        return NULL;
    FoldPlan p = {0};
    p.to_eop = (char)to_eop;
    p.kpartial = (char)kpartial;
    p.partial = (char)partial;
    p.nunits = (int)PyTuple_GET_SIZE(units);
    p.nsym = (int)PyTuple_GET_SIZE(symptoms);
    if (fold_hash(PyTuple_GET_ITEM(key, 0), kpartial, &PyTuple_GET_ITEM(key, 2), n, &p.hash) < 0)
        return NULL;
    p.u = PyMem_Malloc(((size_t)p.nunits * 7 + 1) * sizeof(int));
    p.s = PyMem_Malloc(((size_t)p.nsym * 2 + 1) * sizeof(int));
    if (p.u == NULL || p.s == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (int i = 0; i < p.nunits; i++) {
        int *u = p.u + 7 * i;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(units, i), "iiiiiii", &u[0], &u[1], &u[2], &u[3], &u[4], &u[5], &u[6]))
            goto fail;
        if (u[0] < 0 || u[5] < 0 || u[5] >= n || u[6] < 0 || u[6] >= n)
            goto refuse;
    }
    for (int i = 0; i < p.nsym; i++) {
        int *s = p.s + 2 * i;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(symptoms, i), "ii", &s[0], &s[1]))
            goto fail;
        if (s[0] < 0 || s[1] < 0 || s[1] >= n)
            goto refuse;
    }
    for (int i = 0; i < p.nunits; i++)
        if (fold_grow_slots(f, p.u[7 * i]) < 0)
            goto fail;
    for (int i = 0; i < p.nsym; i++)
        if (fold_grow_sym(f, p.s[2 * i]) < 0)
            goto fail;
    p.key = key;
    Py_INCREF(key);
    if (fold_plan_add(f, &p) < 0) {
        Py_DECREF(key);
        goto fail;
    }
    Py_RETURN_TRUE;
refuse:
    PyMem_Free(p.u);
    PyMem_Free(p.s);
    Py_RETURN_FALSE;
fail:
    PyMem_Free(p.u);
    PyMem_Free(p.s);
    return NULL;
}

/* start(slot, first_start): the aggregate of ``slot`` exists and its earliest session starts there. */
static PyObject *Folds_start(Folds *f, PyObject *args) {
    Py_ssize_t slot;
    long long start;
    if (!PyArg_ParseTuple(args, "nL", &slot, &start))
        return NULL;
    if (slot < 0 || fold_grow_slots(f, slot) < 0)
        return slot < 0 ? (PyErr_SetString(PyExc_ValueError, "start(): slot < 0"), NULL) : NULL;
    f->slots[slot].first_start = start;
    Py_RETURN_NONE;
}

/* symptom(slot, line): the symptom of ``slot`` is known from ``line``. */
static PyObject *Folds_symptom(Folds *f, PyObject *args) {
    Py_ssize_t slot;
    long long line;
    if (!PyArg_ParseTuple(args, "nL", &slot, &line))
        return NULL;
    if (slot < 0 || fold_grow_sym(f, slot) < 0)
        return slot < 0 ? (PyErr_SetString(PyExc_ValueError, "symptom(): slot < 0"), NULL) : NULL;
    f->sym[slot] = line;
    Py_RETURN_NONE;
}

static PyObject *seen_or_none(const char *s) {
    if (!s[0])
        Py_RETURN_NONE;
    return PyUnicode_FromStringAndSize(s, 20);
}

/* take() -> (eop, relevant, partial, [(slot, sessions, lines, accepted, tenant, rejected, first_seen,
 * last_seen, last_start, last_line)]): what was folded here since the last take(), per slot touched. */
static PyObject *Folds_take(Folds *f, PyObject *Py_UNUSED(ignored)) {
    PyObject *list = PyList_New(0);
    if (list == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < f->nslots; i++) {
        FoldSlot *s = &f->slots[i];
        if (!s->touched)
            continue;
        PyObject *first = seen_or_none(s->first_seen), *last = first ? seen_or_none(s->last_seen) : NULL;
        PyObject *t = last ? Py_BuildValue("(nLLLLLOOLL)", i, s->sessions, s->lines, s->accepted, s->tenant,
                                           s->rejected, first, last, s->last_start, s->last_line) : NULL;
        Py_XDECREF(first);
        Py_XDECREF(last);
        if (t == NULL || PyList_Append(list, t) < 0) {
            Py_XDECREF(t);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(t);
        s->sessions = s->lines = s->accepted = s->tenant = s->rejected = 0;
        s->last_start = -1;
        s->first_seen[0] = s->last_seen[0] = 0;
        s->touched = 0;
    }
    PyObject *out = Py_BuildValue("(LLLN)", f->eop, f->relevant, f->partial, list);
    if (out != NULL)
        f->eop = f->relevant = f->partial = 0;
    return out;
}

int folds_try(PyObject *folds, PyObject *conn, int partial, PyObject *rows, PyObject *sigs, Py_ssize_t lines);

/* Fold one finished session (its lite rows and their signatures, as scan.py's _hand_over has them)
 * if a plan for its key exists and folding adds only counts, times and the latest example line:
 * 1 folded, 0 not (the caller hands it to Python), -1 error. */
int folds_try(PyObject *folds, PyObject *conn, int partial, PyObject *rows, PyObject *sigs, Py_ssize_t lines) {
    Folds *f = (Folds *)folds;
    if (f->nplans == 0 || !PyList_Check(rows) || !PyList_Check(sigs))
        return 0;
    Py_ssize_t n = PyList_GET_SIZE(rows);
    if (n == 0 || n > f->max_rows || PyList_GET_SIZE(sigs) != n)
        return 0;
    PyObject *const *sv = ((PyListObject *)sigs)->ob_item;
    for (Py_ssize_t i = 0; i < n; i++)
        if (!PyBytes_CheckExact(sv[i]))
            return 0;
    size_t h;
    if (fold_hash(conn, partial, sv, n, &h) < 0)
        return -1;
    FoldPlan *p = fold_find(f, conn, partial, sv, n, h);
    if (p == NULL)
        return PyErr_Occurred() ? -1 : 0;
    long long last = -1, start = 0;
    for (Py_ssize_t i = 0; i < n; i++) {  /* scan.py folds only lite rows in sequence order */
        Lite hd;
        const char *b;
        if (!lite_read(PyList_GET_ITEM(rows, i), &hd, &b) || hd.seq < last)
            return 0;
        last = hd.seq;
        if (i == 0)
            start = hd.line;
    }
    if (p->nunits == 0) {  /* not relevant: only counted if it went to Exchange Online */
        f->eop += p->to_eop;
        f->folded++;
        return 1;
    }
    for (int i = 0; i < p->nunits; i++) {
        Py_ssize_t slot = p->u[7 * i];
        if (slot >= f->nslots || f->slots[slot].first_start == FOLD_ABSENT || start < f->slots[slot].first_start)
            return 0;
    }
    for (int i = 0; i < p->nsym; i++) {
        Py_ssize_t slot = p->s[2 * i];
        Lite hd;
        const char *b;
        lite_read(PyList_GET_ITEM(rows, p->s[2 * i + 1]), &hd, &b);
        if (slot >= f->nsym || f->sym[slot] == FOLD_ABSENT || f->sym[slot] > hd.line)
            return 0;
    }
    if (lines < n)
        lines = n;
    f->eop += p->to_eop;
    f->relevant++;
    f->partial += p->partial;
    f->folded++;
    for (int i = 0; i < p->nunits; i++) {
        int *u = p->u + 7 * i;
        FoldSlot *s = &f->slots[u[0]];
        s->touched = 1;
        if (u[1]) {
            s->sessions++;
            s->lines += lines;
        }
        s->accepted += u[2];
        s->tenant += u[3];
        s->rejected += u[4];
        Lite hd;
        const char *b;
        char seen[20];
        lite_read(PyList_GET_ITEM(rows, u[5]), &hd, &b);
        if (fold_second(b + LITE_TEXT, hd.toff, seen)) {
            if (!s->first_seen[0] || memcmp(seen, s->first_seen, 20) < 0)
                memcpy(s->first_seen, seen, 20);
            if (!s->last_seen[0] || memcmp(seen, s->last_seen, 20) > 0)
                memcpy(s->last_seen, seen, 20);
        }
        if (start >= s->last_start) {
            lite_read(PyList_GET_ITEM(rows, u[6]), &hd, &b);
            s->last_start = start;
            s->last_line = hd.line;
        }
    }
    return 1;
}

/* fold(conn, partial, rows, sigs, lines) -> bool: folds_try from Python (tests, the Python scanner). */
static PyObject *Folds_fold(Folds *f, PyObject *args) {
    PyObject *conn, *rows, *sigs;
    int partial;
    Py_ssize_t lines;
    if (!PyArg_ParseTuple(args, "OpOOn", &conn, &partial, &rows, &sigs, &lines))
        return NULL;
    int rc = folds_try((PyObject *)f, conn, partial, rows, sigs, lines);
    if (rc < 0)
        return NULL;
    return PyBool_FromLong(rc);
}

static int Folds_init(Folds *f, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"max_rows", NULL};
    Py_ssize_t max_rows = 400;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n", kwlist, &max_rows))
        return -1;
    f->max_rows = max_rows < 0 ? 0 : (max_rows > MAX_REPLAY_ROWS ? MAX_REPLAY_ROWS : max_rows);
    return 0;
}

static void Folds_dealloc(Folds *f) {
    for (Py_ssize_t k = 0; k < f->nplans; k++) {
        Py_XDECREF(f->plans[k].key);
        PyMem_Free(f->plans[k].u);
        PyMem_Free(f->plans[k].s);
    }
    PyMem_Free(f->plans);
    PyMem_Free(f->table);
    PyMem_Free(f->slots);
    PyMem_Free(f->sym);
    Py_TYPE(f)->tp_free((PyObject *)f);
}

static PyObject *Folds_plans(Folds *f, void *Py_UNUSED(closure)) { return PyLong_FromSsize_t(f->nplans); }

static PyObject *Folds_folded(Folds *f, void *Py_UNUSED(closure)) { return PyLong_FromLongLong(f->folded); }

static PyMethodDef Folds_methods[] = {
    {"add", (PyCFunction)Folds_add, METH_VARARGS,
     "add(key, to_eop, partial, units, symptoms) -> bool: remember a fold plan (units: (slot, first in "
     "session, accepted, tenant, rejected, time row, telling row); symptoms: (slot, row))."},
    {"start", (PyCFunction)Folds_start, METH_VARARGS, "start(slot, first_start): the aggregate's earliest start line."},
    {"symptom", (PyCFunction)Folds_symptom, METH_VARARGS, "symptom(slot, line): the symptom's line."},
    {"fold", (PyCFunction)Folds_fold, METH_VARARGS,
     "fold(conn, partial, rows, sigs, lines) -> bool: fold a session as Selector does when it finishes it."},
    {"take", (PyCFunction)Folds_take, METH_NOARGS,
     "take() -> (eop, relevant, partial, [(slot, sessions, lines, accepted, tenant, rejected, first_seen, "
     "last_seen, last_start, last_line)]): what was folded since the last take()."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Folds_getset[] = {
    {"plans", (getter)Folds_plans, NULL, "plans remembered", NULL},
    {"folded", (getter)Folds_folded, NULL, "sessions folded here", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject FoldsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "relaydoctor.engine.evidence.smtplog._sendfilter.Folds",
    .tp_basicsize = sizeof(Folds),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Folds_init,
    .tp_dealloc = (destructor)Folds_dealloc,
    .tp_methods = Folds_methods,
    .tp_getset = Folds_getset,
    .tp_doc = "send.Aggregator's fold plans and what sessions folded here added (see _replay.c).",
};
