/* Minimal JSON reader and writer for the control channel (one JSON object per line). */
#pragma once
#include <glib.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct JsonValue JsonValue;
struct JsonValue {
    JsonType type;
    gboolean boolean;
    double number;
    char *string;      /* NUL-terminated; may contain NULs from \u0000 (see string_len) */
    gsize string_len;
    GPtrArray *items;  /* JSON_ARRAY: JsonValue*; JSON_OBJECT: values parallel to keys */
    GPtrArray *keys;   /* JSON_OBJECT: char* */
};

/* Parses exactly one JSON value (surrounding whitespace allowed). NULL + *error on failure. */
JsonValue *json_parse(const char *text, gsize len, char **error);
void json_free(JsonValue *value);
const JsonValue *json_get(const JsonValue *object, const char *key);
/* Serializes a value back to compact JSON (used to echo request ids). */
char *json_serialize(const JsonValue *value);

/* Writer: an object being built. */
typedef struct {
    GString *s;
    gboolean first;
} JOut;

void jo_init(JOut *o);             /* starts "{" */
void jo_key(JOut *o, const char *key);
void jo_str(JOut *o, const char *key, const char *value);
void jo_strn(JOut *o, const char *key, const char *value, gsize len);
void jo_int(JOut *o, const char *key, gint64 value);
void jo_double(JOut *o, const char *key, double value);
void jo_bool(JOut *o, const char *key, gboolean value);
void jo_raw(JOut *o, const char *key, const char *raw_json);
char *jo_finish(JOut *o);          /* closes "}" and returns the text (caller frees) */
void jo_clear(JOut *o);

/* Appends a JSON string literal (with quotes) for arbitrary bytes. */
void json_append_string(GString *s, const char *value, gsize len);
