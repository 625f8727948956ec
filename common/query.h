/*
 * query: the request's query string, parsed the way Express + qs parse it
 * for Medusa (reference section 1: qs 6.17, the version Medusa 1.20.11
 * installs, with arrayLimit Infinity; depth 5, 1000 parameters, no dots),
 * plus the JavaScript conversions the validators of query DTOs apply
 * (Number() and Medusa's date transform) and decodeURIComponent() for
 * route parameters.
 *
 * The result is a tree of nodes allocated in the caller's arena (borrowed
 * until arena_reset()). Every string in it is valid UTF-8 without NUL bytes,
 * whatever the client sent, so it can go into JSON messages and SQL
 * parameters as is. Parsing never fails: malformed input degrades the way
 * qs degrades (undecodable percent escapes are kept literally, parameters
 * past the 1000th are ignored, input past QUERY_MAX_LEN bytes is ignored).
 */
#ifndef QUERY_H
#define QUERY_H
#include <stddef.h>

#include "common/arena.h"

#define QUERY_MAX_PARAMS 1000
#define QUERY_MAX_DEPTH 5
#define QUERY_MAX_LEN 65536

enum query_type {
	QUERY_STRING,  /* a decoded value */
	QUERY_ARRAY,   /* dense, in index order (qs compacts sparse arrays) */
	QUERY_OBJECT,  /* keys in JavaScript order: array-index keys ascending, then insertion order */
};

struct query_node;

struct query_member {
	const char *key;           /* object key; NULL for array elements */
	struct query_node *value;
};

struct query_node {
	enum query_type type;
	const char *s;             /* QUERY_STRING: NUL-terminated text (len bytes) */
	size_t len;
	struct query_member *m;    /* QUERY_ARRAY, QUERY_OBJECT: n members */
	size_t n;
};

/*
 * Parses the raw text after '?' (q[0..n), NULL allowed) into a QUERY_OBJECT
 * as qs.parse(q, { arrayLimit: Infinity }) would. Never NULL; arena memory.
 */
struct query_node *query_parse(struct arena *a, const char *q, size_t n);

/* The member of an object named key, or NULL (also for non-objects). Borrowed. */
struct query_node *query_get(const struct query_node *obj, const char *key);

/*
 * Medusa's normalizeQuery middleware, in place: every top-level value that is
 * an array of exactly one string becomes the array of that string's
 * comma-separated parts ("a,b" -> ["a","b"]). Plain strings are left alone.
 */
void query_normalize(struct arena *a, struct query_node *root);

/*
 * decodeURIComponent(s[0..n)) into the arena (Express decodes route
 * parameters this way). NULL when it would throw: a malformed escape, or
 * bytes that are not UTF-8 (a NUL byte included).
 */
char *query_decode_component(struct arena *a, const char *s, size_t n);

/*
 * JavaScript Number(s) for a string: surrounding whitespace ignored, "" is 0,
 * decimal with exponent, 0x/0o/0b integers, Infinity. Returns 1 and sets
 * *out, or 0 when the result would be NaN.
 */
int query_js_number(const char *s, size_t n, double *out);

/*
 * Medusa's DateComparisonOperator transform for a string value:
 * Date.parse() when it accepts the text (the ISO formats; a date-time without
 * an offset is taken as UTC, the server's zone), else Number(s) seconds since
 * the epoch. Returns 1 and sets *ms (epoch milliseconds), or 0 for an
 * invalid date.
 */
int query_js_date(const char *s, size_t n, long long *ms);
#endif
