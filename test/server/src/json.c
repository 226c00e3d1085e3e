/* Minimal JSON reader and writer for the control channel (one JSON object per line). */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

typedef struct {
    const char *p;
    const char *end;
    char *error;
    int depth;
} Parser;

static void fail(Parser *ps, const char *msg)
{
    if (!ps->error) {
        ps->error = g_strdup(msg);
    }
}

static void skip_ws(Parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
        ps->p++;
    }
}

static JsonValue *new_value(JsonType type)
{
    JsonValue *v = g_new0(JsonValue, 1);
    v->type = type;
    return v;
}

static JsonValue *parse_value(Parser *ps);

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static gboolean parse_hex4(Parser *ps, guint32 *out)
{
    if (ps->end - ps->p < 4) {
        fail(ps, "truncated \\u escape");
        return FALSE;
    }
    guint32 v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(ps->p[i]);
        if (d < 0) {
            fail(ps, "bad \\u escape");
            return FALSE;
        }
        v = (v << 4) | (guint32)d;
    }
    ps->p += 4;
    *out = v;
    return TRUE;
}

static char *parse_string_raw(Parser *ps, gsize *out_len)
{
    /* ps->p is at the opening quote */
    ps->p++;
    GString *s = g_string_new(NULL);
    while (ps->p < ps->end) {
        char c = *ps->p++;
        if (c == '"') {
            *out_len = s->len;
            return g_string_free(s, FALSE);
        }
        if ((unsigned char)c < 0x20) {
            fail(ps, "control character in string");
            break;
        }
        if (c != '\\') {
            g_string_append_c(s, c);
            continue;
        }
        if (ps->p >= ps->end) {
            fail(ps, "truncated escape");
            break;
        }
        char e = *ps->p++;
        switch (e) {
        case '"': g_string_append_c(s, '"'); break;
        case '\\': g_string_append_c(s, '\\'); break;
        case '/': g_string_append_c(s, '/'); break;
        case 'b': g_string_append_c(s, '\b'); break;
        case 'f': g_string_append_c(s, '\f'); break;
        case 'n': g_string_append_c(s, '\n'); break;
        case 'r': g_string_append_c(s, '\r'); break;
        case 't': g_string_append_c(s, '\t'); break;
        case 'u': {
            guint32 cp;
            if (!parse_hex4(ps, &cp)) {
                goto error;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                guint32 lo;
                if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                    fail(ps, "lone high surrogate");
                    goto error;
                }
                ps->p += 2;
                if (!parse_hex4(ps, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    fail(ps, "bad low surrogate");
                    goto error;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(ps, "lone low surrogate");
                goto error;
            }
            g_string_append_unichar(s, (gunichar)cp);
            break;
        }
        default:
            fail(ps, "bad escape");
            goto error;
        }
    }
    fail(ps, "unterminated string");
error:
    g_string_free(s, TRUE);
    return NULL;
}

static JsonValue *parse_number(Parser *ps)
{
    const char *start = ps->p;
    if (ps->p < ps->end && *ps->p == '-') ps->p++;
    gboolean digits = FALSE;
    while (ps->p < ps->end && g_ascii_isdigit(*ps->p)) { ps->p++; digits = TRUE; }
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        while (ps->p < ps->end && g_ascii_isdigit(*ps->p)) ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
        while (ps->p < ps->end && g_ascii_isdigit(*ps->p)) ps->p++;
    }
    if (!digits || ps->p - start > 64) {
        fail(ps, "bad number");
        return NULL;
    }
    char buf[80];
    memcpy(buf, start, (size_t)(ps->p - start));
    buf[ps->p - start] = 0;
    char *endp = NULL;
    double d = g_ascii_strtod(buf, &endp);
    if (!endp || *endp || !isfinite(d)) {
        fail(ps, "bad number");
        return NULL;
    }
    JsonValue *v = new_value(JSON_NUMBER);
    v->number = d;
    return v;
}

static gboolean match_word(Parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
        ps->p += n;
        return TRUE;
    }
    return FALSE;
}

static JsonValue *parse_value(Parser *ps)
{
    skip_ws(ps);
    if (ps->p >= ps->end) {
        fail(ps, "unexpected end of input");
        return NULL;
    }
    if (++ps->depth > JSON_MAX_DEPTH) {
        fail(ps, "nesting too deep");
        return NULL;
    }
    JsonValue *v = NULL;
    char c = *ps->p;
    if (c == '{') {
        ps->p++;
        v = new_value(JSON_OBJECT);
        v->items = g_ptr_array_new_with_free_func((GDestroyNotify)json_free);
        v->keys = g_ptr_array_new_with_free_func(g_free);
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            goto done;
        }
        for (;;) {
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != '"') {
                fail(ps, "expected object key");
                goto bad;
            }
            gsize klen;
            char *key = parse_string_raw(ps, &klen);
            if (!key) goto bad;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                g_free(key);
                fail(ps, "expected ':'");
                goto bad;
            }
            ps->p++;
            JsonValue *item = parse_value(ps);
            if (!item) {
                g_free(key);
                goto bad;
            }
            g_ptr_array_add(v->keys, key);
            g_ptr_array_add(v->items, item);
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
            if (ps->p < ps->end && *ps->p == '}') { ps->p++; break; }
            fail(ps, "expected ',' or '}'");
            goto bad;
        }
    } else if (c == '[') {
        ps->p++;
        v = new_value(JSON_ARRAY);
        v->items = g_ptr_array_new_with_free_func((GDestroyNotify)json_free);
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            goto done;
        }
        for (;;) {
            JsonValue *item = parse_value(ps);
            if (!item) goto bad;
            g_ptr_array_add(v->items, item);
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
            if (ps->p < ps->end && *ps->p == ']') { ps->p++; break; }
            fail(ps, "expected ',' or ']'");
            goto bad;
        }
    } else if (c == '"') {
        gsize len;
        char *s = parse_string_raw(ps, &len);
        if (!s) goto bad;
        v = new_value(JSON_STRING);
        v->string = s;
        v->string_len = len;
    } else if (c == '-' || g_ascii_isdigit(c)) {
        v = parse_number(ps);
        if (!v) goto bad;
    } else if (match_word(ps, "true")) {
        v = new_value(JSON_BOOL);
        v->boolean = TRUE;
    } else if (match_word(ps, "false")) {
        v = new_value(JSON_BOOL);
    } else if (match_word(ps, "null")) {
        v = new_value(JSON_NULL);
    } else {
        fail(ps, "unexpected character");
        goto bad;
    }
done:
    ps->depth--;
    return v;
bad:
    json_free(v);
    return NULL;
}

JsonValue *json_parse(const char *text, gsize len, char **error)
{
    Parser ps = { text, text + len, NULL, 0 };
    JsonValue *v = parse_value(&ps);
    if (v) {
        skip_ws(&ps);
        if (ps.p != ps.end) {
            fail(&ps, "trailing characters");
            json_free(v);
            v = NULL;
        }
    }
    if (!v) {
        *error = ps.error ? ps.error : g_strdup("invalid JSON");
    }
    return v;
}

void json_free(JsonValue *v)
{
    if (!v) return;
    g_free(v->string);
    if (v->items) g_ptr_array_free(v->items, TRUE);
    if (v->keys) g_ptr_array_free(v->keys, TRUE);
    g_free(v);
}

const JsonValue *json_get(const JsonValue *o, const char *key)
{
    if (!o || o->type != JSON_OBJECT) return NULL;
    for (guint i = 0; i < o->keys->len; i++) {
        if (strcmp(g_ptr_array_index(o->keys, i), key) == 0) {
            return g_ptr_array_index(o->items, i);
        }
    }
    return NULL;
}

void json_append_string(GString *s, const char *value, gsize len)
{
    g_string_append_c(s, '"');
    const char *end = value + len;
    const char *p = value;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') { g_string_append(s, "\\\""); p++; continue; }
        if (c == '\\') { g_string_append(s, "\\\\"); p++; continue; }
        if (c == '\n') { g_string_append(s, "\\n"); p++; continue; }
        if (c == '\r') { g_string_append(s, "\\r"); p++; continue; }
        if (c == '\t') { g_string_append(s, "\\t"); p++; continue; }
        if (c < 0x20 || c == 0x7f) { g_string_append_printf(s, "\\u%04x", c); p++; continue; }
        if (c < 0x80) { g_string_append_c(s, (char)c); p++; continue; }
        /* multi-byte: copy a valid UTF-8 sequence, escape invalid bytes as U+00XX */
        const gchar *next = NULL;
        gunichar uc = g_utf8_get_char_validated(p, end - p);
        if (uc == (gunichar)-1 || uc == (gunichar)-2) {
            g_string_append_printf(s, "\\u%04x", c);
            p++;
            continue;
        }
        next = g_utf8_next_char(p);
        g_string_append_len(s, p, next - p);
        p = next;
    }
    g_string_append_c(s, '"');
}

static void serialize_into(GString *s, const JsonValue *v)
{
    switch (v->type) {
    case JSON_NULL: g_string_append(s, "null"); break;
    case JSON_BOOL: g_string_append(s, v->boolean ? "true" : "false"); break;
    case JSON_NUMBER: {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        if (v->number == floor(v->number) && fabs(v->number) < 9.0e15) {
            g_string_append_printf(s, "%" G_GINT64_FORMAT, (gint64)v->number);
        } else {
            g_string_append(s, g_ascii_dtostr(buf, sizeof(buf), v->number));
        }
        break;
    }
    case JSON_STRING: json_append_string(s, v->string, v->string_len); break;
    case JSON_ARRAY:
        g_string_append_c(s, '[');
        for (guint i = 0; i < v->items->len; i++) {
            if (i) g_string_append_c(s, ',');
            serialize_into(s, g_ptr_array_index(v->items, i));
        }
        g_string_append_c(s, ']');
        break;
    case JSON_OBJECT:
        g_string_append_c(s, '{');
        for (guint i = 0; i < v->items->len; i++) {
            if (i) g_string_append_c(s, ',');
            const char *k = g_ptr_array_index(v->keys, i);
            json_append_string(s, k, strlen(k));
            g_string_append_c(s, ':');
            serialize_into(s, g_ptr_array_index(v->items, i));
        }
        g_string_append_c(s, '}');
        break;
    }
}

char *json_serialize(const JsonValue *v)
{
    GString *s = g_string_new(NULL);
    serialize_into(s, v);
    return g_string_free(s, FALSE);
}

void jo_init(JOut *o)
{
    o->s = g_string_new("{");
    o->first = TRUE;
}

void jo_key(JOut *o, const char *key)
{
    if (!o->first) g_string_append_c(o->s, ',');
    o->first = FALSE;
    json_append_string(o->s, key, strlen(key));
    g_string_append_c(o->s, ':');
}

void jo_str(JOut *o, const char *key, const char *value)
{
    jo_strn(o, key, value, strlen(value));
}

void jo_strn(JOut *o, const char *key, const char *value, gsize len)
{
    jo_key(o, key);
    json_append_string(o->s, value, len);
}

void jo_int(JOut *o, const char *key, gint64 value)
{
    jo_key(o, key);
    g_string_append_printf(o->s, "%" G_GINT64_FORMAT, value);
}

void jo_double(JOut *o, const char *key, double value)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    jo_key(o, key);
    if (!isfinite(value)) {
        g_string_append(o->s, "null");
        return;
    }
    g_string_append(o->s, g_ascii_formatd(buf, sizeof(buf), "%.6g", value));
}

void jo_bool(JOut *o, const char *key, gboolean value)
{
    jo_key(o, key);
    g_string_append(o->s, value ? "true" : "false");
}

void jo_raw(JOut *o, const char *key, const char *raw)
{
    jo_key(o, key);
    g_string_append(o->s, raw);
}

char *jo_finish(JOut *o)
{
    g_string_append_c(o->s, '}');
    char *r = g_string_free(o->s, FALSE);
    o->s = NULL;
    return r;
}

void jo_clear(JOut *o)
{
    if (o->s) g_string_free(o->s, TRUE);
    o->s = NULL;
}
