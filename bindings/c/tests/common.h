/* What the C tests share: checks, a small JSON reader (enough to pick members out of a step),
 * JSON string escaping, and RFC 6238 TOTP (SHA-1, HMAC, base32). */
#ifndef COGNITO_SIGNIN_TEST_COMMON_H
#define COGNITO_SIGNIN_TEST_COMMON_H


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cognito_signin.h"

static int failures = 0;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
            failures++;                                                                 \
        }                                                                               \
    } while (0)

#define CHECK_RC(expr, want)                                                            \
    do {                                                                                \
        cognito_signin_result rc_ = (expr);                                             \
        if (rc_ != (cognito_signin_result)(want)) {                                     \
            fprintf(stderr, "%s:%d: %s returned %u, expected %u (%s)\n", __FILE__,      \
                    __LINE__, #expr, (unsigned)rc_, (unsigned)(want), #want);           \
            failures++;                                                                 \
        }                                                                               \
    } while (0)

static inline void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* Frees memory that held a secret, wiping it first. */
static inline void free_secret(char *p) {
    if (p) {
        explicit_bzero(p, strlen(p));
        free(p);
    }
}

/* ---- JSON reading ---------------------------------------------------------------------- */

typedef struct {
    const char *p;
    size_t n;
} span;

static inline const char *ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

static inline const char *skip_string(const char *p, const char *e) {
    if (p >= e || *p != '"') return NULL;
    for (p++; p < e; p++) {
        if (*p == '\\') {
            p++;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return NULL;
}

static inline const char *skip_value(const char *p, const char *e, int depth) {
    p = ws(p, e);
    if (p >= e || depth > 64) return NULL;
    if (*p == '"') return skip_string(p, e);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = ws(p + 1, e);
        if (p < e && *p == close) return p + 1;
        for (;;) {
            if (close == '}') {
                p = skip_string(ws(p, e), e);
                if (!p) return NULL;
                p = ws(p, e);
                if (p >= e || *p != ':') return NULL;
                p++;
            }
            p = skip_value(p, e, depth + 1);
            if (!p) return NULL;
            p = ws(p, e);
            if (p < e && *p == ',') {
                p++;
                continue;
            }
            if (p < e && *p == close) return p + 1;
            return NULL;
        }
    }
    /* a number, true, false or null */
    const char *s = p;
    while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n') p++;
    return p > s ? p : NULL;
}

/* The value of member `key` of the object `obj`. */
static inline int json_member(span obj, const char *key, span *out) {
    const char *p = ws(obj.p, obj.p + obj.n), *e = obj.p + obj.n;
    size_t klen = strlen(key);
    if (p >= e || *p != '{') return 0;
    p = ws(p + 1, e);
    while (p < e && *p == '"') {
        const char *k = p + 1, *kend = skip_string(p, e);
        if (!kend) return 0;
        p = ws(kend, e);
        if (p >= e || *p != ':') return 0;
        const char *v = ws(p + 1, e), *vend = skip_value(v, e, 0);
        if (!vend) return 0;
        if ((size_t)(kend - 1 - k) == klen && memcmp(k, key, klen) == 0) {
            out->p = v;
            out->n = (size_t)(vend - v);
            return 1;
        }
        p = ws(vend, e);
        if (p < e && *p == ',') p = ws(p + 1, e);
    }
    return 0;
}

/* The value at a dotted path such as "request.body". */
static inline int json_path(span doc, const char *path, span *out) {
    char key[64];
    span cur = doc;
    while (*path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof key) return 0;
        memcpy(key, path, n);
        key[n] = 0;
        if (!json_member(cur, key, &cur)) return 0;
        path += n;
        if (*path == '.') path++;
    }
    *out = cur;
    return 1;
}

static inline int json_is_null(span v) { return v.n == 4 && memcmp(v.p, "null", 4) == 0; }

static inline void put_utf8(char **o, unsigned cp) {
    char *q = *o;
    if (cp < 0x80) {
        *q++ = (char)cp;
    } else if (cp < 0x800) {
        *q++ = (char)(0xC0 | (cp >> 6));
        *q++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *q++ = (char)(0xE0 | (cp >> 12));
        *q++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *q++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *q++ = (char)(0xF0 | (cp >> 18));
        *q++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *q++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *q++ = (char)(0x80 | (cp & 0x3F));
    }
    *o = q;
}

static inline int hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

/* A string value, unescaped, in new memory (NUL-terminated); NULL if it is not a string. */
static inline char *json_str(span v) {
    if (v.n < 2 || v.p[0] != '"' || v.p[v.n - 1] != '"') return NULL;
    char *out = xmalloc(v.n), *o = out;
    const char *p = v.p + 1, *e = v.p + v.n - 1;
    while (p < e) {
        if (*p != '\\') {
            *o++ = *p++;
            continue;
        }
        if (++p >= e) break;
        char c = *p++;
        switch (c) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
            unsigned cp, lo;
            if (e - p < 4 || !hex4(p, &cp)) goto bad;
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && e - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
                hex4(p + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            put_utf8(&o, cp);
            break;
        }
        default: *o++ = c; break;
        }
    }
    *o = 0;
    return out;
bad:
    free(out);
    return NULL;
}

/* The string at `path`, in new memory, or NULL. */
static inline char *json_path_str(span doc, const char *path) {
    span v;
    return json_path(doc, path, &v) ? json_str(v) : NULL;
}

/* ---- JSON writing ---------------------------------------------------------------------- */

/* `s` (n bytes) as a quoted JSON string, in new memory. */
static inline char *json_quote(const char *s, size_t n) {
    char *out = xmalloc(n * 6 + 3), *o = out;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20) {
            o += sprintf(o, "\\u%04x", c);
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = 0;
    return out;
}

/* ---- TOTP (RFC 6238: HMAC-SHA-1, 30 s, 6 digits) ----------------------------------------- */

typedef struct {
    uint32_t h[5];
    uint64_t len;
    uint8_t block[64];
    size_t used;
} sha1_ctx;

static inline uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static inline void sha1_block(sha1_ctx *c, const uint8_t *b) {
    uint32_t w[80], a = c->h[0], bb = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
               (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
    for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) f = (bb & cc) | (~bb & d), k = 0x5A827999;
        else if (i < 40) f = bb ^ cc ^ d, k = 0x6ED9EBA1;
        else if (i < 60) f = (bb & cc) | (bb & d) | (cc & d), k = 0x8F1BBCDC;
        else f = bb ^ cc ^ d, k = 0xCA62C1D6;
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d, d = cc, cc = rol(bb, 30), bb = a, a = t;
    }
    c->h[0] += a, c->h[1] += bb, c->h[2] += cc, c->h[3] += d, c->h[4] += e;
}

static inline void sha1_init(sha1_ctx *c) {
    static const uint32_t h0[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    memcpy(c->h, h0, sizeof h0);
    c->len = 0;
    c->used = 0;
}

static inline void sha1_update(sha1_ctx *c, const uint8_t *p, size_t n) {
    c->len += n;
    while (n--) {
        c->block[c->used++] = *p++;
        if (c->used == 64) {
            sha1_block(c, c->block);
            c->used = 0;
        }
    }
}

static inline void sha1_final(sha1_ctx *c, uint8_t out[20]) {
    uint64_t bits = c->len * 8;
    uint8_t pad = 0x80, zero = 0, lenb[8];
    sha1_update(c, &pad, 1);
    while (c->used != 56) sha1_update(c, &zero, 1);
    for (int i = 0; i < 8; i++) lenb[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha1_update(c, lenb, 8);
    for (int i = 0; i < 20; i++) out[i] = (uint8_t)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}

static inline void hmac_sha1(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
                      uint8_t out[20]) {
    uint8_t k[64] = {0}, ipad[64], opad[64], inner[20];
    sha1_ctx c;
    if (klen > 64) {
        sha1_init(&c);
        sha1_update(&c, key, klen);
        sha1_final(&c, k);
    } else {
        memcpy(k, key, klen);
    }
    for (int i = 0; i < 64; i++) ipad[i] = k[i] ^ 0x36, opad[i] = k[i] ^ 0x5c;
    sha1_init(&c);
    sha1_update(&c, ipad, 64);
    sha1_update(&c, msg, mlen);
    sha1_final(&c, inner);
    sha1_init(&c);
    sha1_update(&c, opad, 64);
    sha1_update(&c, inner, 20);
    sha1_final(&c, out);
}

/* Base32 (RFC 4648, no padding needed) to bytes; returns the length, or -1. */
static inline int base32_decode(const char *s, uint8_t *out, size_t cap) {
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (; *s && *s != '='; s++) {
        const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const char *hit = strchr(alphabet, *s);
        if (!hit) return -1;
        acc = (acc << 5) | (uint32_t)(hit - alphabet);
        bits += 5;
        if (bits >= 8) {
            if (n == cap) return -1;
            out[n++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
    }
    return (int)n;
}

/* The six-digit TOTP code of the base32 `secret` at Unix time `now`, into `code` (7 bytes). */
static inline void totp(const char *secret, uint64_t now, char code[7]) {
    uint8_t key[64], msg[8], mac[20];
    int klen = base32_decode(secret, key, sizeof key);
    uint64_t counter = now / 30;
    for (int i = 0; i < 8; i++) msg[i] = (uint8_t)(counter >> (56 - 8 * i));
    hmac_sha1(key, klen < 0 ? 0 : (size_t)klen, msg, 8, mac);
    int off = mac[19] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | (uint32_t)mac[off + 1] << 16 |
                   (uint32_t)mac[off + 2] << 8 | mac[off + 3];
    snprintf(code, 7, "%06u", (unsigned)(bin % 1000000));
}

#endif
