/*
 * json: strict parsing of request bodies with json-c, and the one JSON writer.
 *
 * json-c ownership, stated once for the whole code base:
 *   - json_object_object_add() / json_object_array_add() TAKE OWNERSHIP of the
 *     value added;
 *   - json_object_object_get_ex() / json_object_array_get_idx() BORROW: the
 *     result lives as long as its parent and must never be json_object_put();
 *   - a root returned by a parser is owned by the caller (json_object_put()).
 *
 * The writer reproduces what Medusa's clients see from Node: JSON.stringify
 * escaping (no "\/"), JavaScript number formatting (1.50 -> 1.5, 1e3 -> 1000,
 * integers beyond 2^53 rounded as doubles), and for metadata the key order of
 * a Postgres jsonb value read back by JavaScript (integer-like keys first,
 * ascending; then shorter keys first, then bytewise).
 */
#ifndef JSON_H
#define JSON_H
#include <stddef.h>
#include <json-c/json.h>

#include "common/buf.h"

enum json_parse_status {
	JSON_PARSE_OK = 0,
	JSON_PARSE_BAD_UTF8,
	JSON_PARSE_SYNTAX,
	JSON_PARSE_TOO_DEEP,
	JSON_PARSE_TRAILING,
	JSON_PARSE_NUL,        /* a \u0000 escape: no string we store may hold a NUL */
	JSON_PARSE_RANGE,      /* a number beyond a double (1e999): it would become null */
};

/*
 * Parses s[0..n) as exactly one JSON value: UTF-8 validated first, nesting
 * limited to max_depth, only whitespace may follow the value, no \u0000
 * escape (C strings, the database and a password would cut at it; Postgres,
 * under Medusa, refuses it too). Numbers are read as JavaScript does:
 * integers too long for exact int64/double handling become doubles, so
 * 99999999999999999999 is 1e20; a number beyond a double (1e999, which
 * JSON.parse makes Infinity and JSON.stringify null) is refused with
 * JSON_PARSE_RANGE, so no value changes silently on its way in. On success
 * *out is a new root owned by the caller; otherwise *out is NULL and
 * *offset (if non-NULL) is the byte position of the problem.
 */
enum json_parse_status json_parse_strict(const char *s, size_t n, int max_depth,
					 struct json_object **out, size_t *offset);

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF, no NUL byte). */
int json_utf8_valid(const char *s, size_t n);

/* Appends s[0..n) as a JSON string literal, escaped as JSON.stringify does. */
void json_w_str(struct buf *b, const char *s, size_t n);
/* Appends a NUL-terminated string as JSON, or null for NULL. */
void json_w_strz(struct buf *b, const char *s);
/* Appends a number formatted as JavaScript's Number.prototype.toString. */
void json_w_number(struct buf *b, double v);
/* Appends any json-c value; object keys in insertion order. NULL -> null. */
void json_w_value(struct buf *b, struct json_object *v);
/* Appends any json-c value with every object's keys in jsonb-read-by-JS order. */
void json_w_canonical(struct buf *b, struct json_object *v);
/* Key comparison used by json_w_canonical (negative, 0, positive). */
int json_key_cmp(const char *a, const char *b);
#endif
