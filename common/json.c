/*
 * json: strict body parsing (json-c tokener + our own UTF-8 check and
 * trailing-byte check) and the JSON writer used for every response.
 * Nothing here allocates outside the caller's buf, except the json-c tree the
 * parser returns (owned by the caller) and a small key array while writing
 * canonical objects.
 */
#include "common/json.h"

#include <math.h>
#include <json-c/printbuf.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at s[0..n) (s[0] >= 0x80), or 0 if there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0], cp;
	size_t len;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

int json_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		if (s[i] == 0)
			return 0;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t len = utf8_seq(s + i, n - i);
		if (!len)
			return 0;
		i += len;
	}
	return 1;
}

/*
 * RFC 8259 syntax check, no allocation. json-c's tokener, even in strict
 * mode, accepts single quotes, NaN, comments and raw control characters,
 * which JSON.parse (and so Medusa) rejects; checking here first makes the
 * accepted language exactly JSON, with a depth limit and an error offset.
 */
/*
 * 1 if the number literal s[0..n) is beyond a double (|v| >= 2^1024): JSON.parse
 * reads it as Infinity, which JSON.stringify writes as null, so it would be
 * stored as null without a word. Only an exponent or 309+ digits can get there.
 */
static int number_overflows(const char *s, size_t n)
{
	if (n < 309 && !memchr(s, 'e', n) && !memchr(s, 'E', n))
		return 0;
	char small[64];
	char *c = n < sizeof(small) ? small : malloc(n + 1);
	if (!c)
		abort();
	memcpy(c, s, n);
	c[n] = '\0';
	double v = strtod(c, NULL); /* underflow gives 0 (as in JavaScript): fine */
	if (c != small)
		free(c);
	return isinf(v);
}

static enum json_parse_status syntax_check(const char *s, size_t n, int max_depth, size_t *where, size_t *long_ints)
{
	char stack[1024];
	int depth = 0;
	size_t i = 0;
	enum { VALUE, AFTER_VALUE, KEY_OR_END, KEY, ELEM_OR_END } st = VALUE;
	if (max_depth > (int)sizeof(stack))
		max_depth = (int)sizeof(stack);
#define WS() while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++
#define FAIL(code) do { *where = i; return code; } while (0)
	for (;;) {
		WS();
		if (st == AFTER_VALUE) {
			if (depth == 0)
				return i == n ? JSON_PARSE_OK : (*where = i, JSON_PARSE_TRAILING);
			if (i >= n)
				FAIL(JSON_PARSE_SYNTAX);
			if (s[i] == ',') {
				i++;
				st = stack[depth - 1] == '{' ? KEY : VALUE;
				continue;
			}
			if ((s[i] == '}' && stack[depth - 1] == '{') || (s[i] == ']' && stack[depth - 1] == '[')) {
				i++;
				depth--;
				continue;
			}
			FAIL(JSON_PARSE_SYNTAX);
		}
		if (i >= n)
			FAIL(JSON_PARSE_SYNTAX);
		if (st == KEY_OR_END && s[i] == '}') {
			i++;
			depth--;
			st = AFTER_VALUE;
			continue;
		}
		if (st == ELEM_OR_END && s[i] == ']') {
			i++;
			depth--;
			st = AFTER_VALUE;
			continue;
		}
		if (st == KEY || st == KEY_OR_END) {
			if (s[i] != '"')
				FAIL(JSON_PARSE_SYNTAX);
		}
		char c = s[i];
		if (c == '{' || c == '[') {
			if (depth >= max_depth)
				FAIL(JSON_PARSE_TOO_DEEP);
			stack[depth++] = c;
			i++;
			st = c == '{' ? KEY_OR_END : ELEM_OR_END;
			continue;
		}
		if (c == '"') {
			i++;
			for (;;) {
				if (i >= n)
					FAIL(JSON_PARSE_SYNTAX);
				unsigned char ch = (unsigned char)s[i];
				if (ch == '"')
					break;
				if (ch < 0x20)
					FAIL(JSON_PARSE_SYNTAX);
				if (ch == '\\') {
					i++;
					if (i >= n)
						FAIL(JSON_PARSE_SYNTAX);
					ch = (unsigned char)s[i];
					if (ch == 'u') {
						for (int k = 1; k <= 4; k++) {
							if (i + (size_t)k >= n || !strchr("0123456789abcdefABCDEF", s[i + (size_t)k]) ||
							    !s[i + (size_t)k])
								FAIL(JSON_PARSE_SYNTAX);
						}
						if (memcmp(s + i + 1, "0000", 4) == 0)
							FAIL(JSON_PARSE_NUL);
						i += 4;
					} else if (!strchr("\"\\/bfnrt", ch) || !ch) {
						FAIL(JSON_PARSE_SYNTAX);
					}
				}
				i++;
			}
			i++;
			if (st == KEY || st == KEY_OR_END) {
				WS();
				if (i >= n || s[i] != ':')
					FAIL(JSON_PARSE_SYNTAX);
				i++;
				st = VALUE;
				continue;
			}
			st = AFTER_VALUE;
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			size_t num_start = i;
			if (c == '-')
				i++;
			if (i >= n || s[i] < '0' || s[i] > '9')
				FAIL(JSON_PARSE_SYNTAX);
			if (s[i] == '0')
				i++;
			else
				while (i < n && s[i] >= '0' && s[i] <= '9')
					i++;
			if (i < n && s[i] == '.') {
				i++;
				if (i >= n || s[i] < '0' || s[i] > '9')
					FAIL(JSON_PARSE_SYNTAX);
				while (i < n && s[i] >= '0' && s[i] <= '9')
					i++;
			}
			if (i < n && (s[i] == 'e' || s[i] == 'E')) {
				i++;
				if (i < n && (s[i] == '+' || s[i] == '-'))
					i++;
				if (i >= n || s[i] < '0' || s[i] > '9')
					FAIL(JSON_PARSE_SYNTAX);
				while (i < n && s[i] >= '0' && s[i] <= '9')
					i++;
			}
			if (number_overflows(s + num_start, i - num_start)) {
				i = num_start;
				FAIL(JSON_PARSE_RANGE);
			}
			/* an integer of 16+ digits: past 2^53 JavaScript only has a double for it */
			if (i - num_start >= 16 + (c == '-') && !memchr(s + num_start, '.', i - num_start) &&
			    !memchr(s + num_start, 'e', i - num_start) && !memchr(s + num_start, 'E', i - num_start))
				(*long_ints)++;
			st = AFTER_VALUE;
			continue;
		}
		if (n - i >= 4 && memcmp(s + i, "true", 4) == 0)
			i += 4;
		else if (n - i >= 5 && memcmp(s + i, "false", 5) == 0)
			i += 5;
		else if (n - i >= 4 && memcmp(s + i, "null", 4) == 0)
			i += 4;
		else
			FAIL(JSON_PARSE_SYNTAX);
		st = AFTER_VALUE;
	}
#undef WS
#undef FAIL
}

/*
 * A copy of valid JSON s[0..n) where each integer literal of 16+ digits
 * gets ".0" appended (outside strings). Caller frees.
 */
static char *with_double_ints(const char *s, size_t n, size_t count, size_t *outn)
{
	(void)count;
	char *d = malloc(n + 2 * (n / 16 + 1) + 1); /* each ".0" follows 16+ digits */
	if (!d)
		abort();
	size_t o = 0, i = 0;
	int in_str = 0;
	while (i < n) {
		char c = s[i];
		if (in_str) {
			d[o++] = c;
			if (c == '\\' && i + 1 < n) {
				d[o++] = s[i + 1];
				i += 2;
				continue;
			}
			if (c == '"')
				in_str = 0;
			i++;
			continue;
		}
		if (c == '"') {
			in_str = 1;
			d[o++] = c;
			i++;
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			size_t st = i, digits = 0;
			int frac = 0;
			while (i < n && (strchr("0123456789+-.eE", s[i]) && s[i])) {
				if (s[i] >= '0' && s[i] <= '9')
					digits++;
				else if (s[i] != '-')
					frac = 1;
				i++;
			}
			memcpy(d + o, s + st, i - st);
			o += i - st;
			if (!frac && digits >= 16) {
				d[o++] = '.';
				d[o++] = '0';
			}
			continue;
		}
		d[o++] = c;
		i++;
	}
	d[o] = '\0';
	*outn = o;
	return d;
}

enum json_parse_status json_parse_strict(const char *s, size_t n, int max_depth,
					 struct json_object **out, size_t *offset)
{
	size_t where = 0;
	*out = NULL;
	if (offset)
		*offset = 0;
	if (!json_utf8_valid(s, n))
		return JSON_PARSE_BAD_UTF8;
	if (n > INT32_MAX)
		return JSON_PARSE_SYNTAX;
	size_t long_ints = 0;
	enum json_parse_status st = syntax_check(s, n, max_depth, &where, &long_ints);
	if (st != JSON_PARSE_OK) {
		if (offset)
			*offset = where;
		return st;
	}
	char *copy = NULL;
	if (long_ints) {
		/* json-c saturates integers beyond 64 bits: hand it "<digits>.0" so it reads a double */
		copy = with_double_ints(s, n, long_ints, &n);
		s = copy;
	}
	struct json_tokener *tok = json_tokener_new_ex(max_depth + 1);
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *root = json_tokener_parse_ex(tok, s, (int)n);
	if (!root && json_tokener_get_error(tok) == json_tokener_continue)
		root = json_tokener_parse_ex(tok, "", 1); /* a bare number ends only at end of input */
	/* the tokener's string buffer and our copy held the body's text (a password, say) */
	if (tok->pb && tok->pb->buf)
		OPENSSL_cleanse(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
	if (copy) {
		OPENSSL_cleanse(copy, n);
		free(copy);
	}
	if (!root) {
		/* valid JSON that json-c could not build: a "null" document */
		return JSON_PARSE_SYNTAX;
	}
	*out = root;
	return JSON_PARSE_OK;
}

void json_w_str(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	buf_grow(b, n + 2);
	buf_addc(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			/* the answer is UTF-8: a byte that starts no well-formed sequence (a raw
			 * request path, a stored value from elsewhere) is written as U+FFFD (raw, as
			 * JSON.stringify would after a WHATWG decoder) */
			size_t len = utf8_seq((const unsigned char *)s + i, n - i);
			if (len) {
				i += len - 1;
				continue;
			}
			buf_add(b, s + run, i - run);
			run = i + 1;
			buf_add(b, "\xef\xbf\xbd", 3);
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\b': buf_add(b, "\\b", 2); break;
		case '\f': buf_add(b, "\\f", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		default: {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			buf_add(b, e, 6);
		}
		}
	}
	buf_add(b, s + run, n - run);
	buf_addc(b, '"');
}

void json_w_strz(struct buf *b, const char *s)
{
	if (s)
		json_w_str(b, s, strlen(s));
	else
		buf_add(b, "null", 4);
}

void json_w_number(struct buf *b, double v)
{
	if (!isfinite(v)) {
		buf_add(b, "null", 4); /* what JSON.stringify does */
		return;
	}
	if (v == 0) {
		buf_addc(b, '0');
		return;
	}
	if (v < 0) {
		buf_addc(b, '-');
		v = -v;
	}
	/* Shortest digit string that reads back as the same double. */
	char tmp[40];
	int prec;
	for (prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(tmp, sizeof(tmp), "%.*e", 16, v);
	char digits[20];
	int k = 0;
	char *p = tmp;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[k++] = *p;
	int e10 = *p ? (int)strtol(p + 1, NULL, 10) : 0; /* %e output: e+NN or e-NNN */
	while (k > 1 && digits[k - 1] == '0')
		k--;
	int nexp = e10 + 1; /* value = 0.d1..dk * 10^nexp */
	if (k <= nexp && nexp <= 21) {
		buf_add(b, digits, (size_t)k);
		for (int i = 0; i < nexp - k; i++)
			buf_addc(b, '0');
	} else if (0 < nexp && nexp <= 21) {
		buf_add(b, digits, (size_t)nexp);
		buf_addc(b, '.');
		buf_add(b, digits + nexp, (size_t)(k - nexp));
	} else if (-6 < nexp && nexp <= 0) {
		buf_add(b, "0.", 2);
		for (int i = 0; i < -nexp; i++)
			buf_addc(b, '0');
		buf_add(b, digits, (size_t)k);
	} else {
		buf_addc(b, digits[0]);
		if (k > 1) {
			buf_addc(b, '.');
			buf_add(b, digits + 1, (size_t)(k - 1));
		}
		buf_addf(b, "e%c%d", nexp - 1 < 0 ? '-' : '+', abs(nexp - 1));
	}
}

static void w_int(struct buf *b, struct json_object *v)
{
	/* JavaScript numbers are doubles: exact below 2^53, rounded beyond. */
	const int64_t lim = (int64_t)1 << 53;
	if (json_object_get_int64(v) == INT64_MAX) {
		uint64_t u = json_object_get_uint64(v);
		json_w_number(b, (double)u);
		return;
	}
	int64_t i = json_object_get_int64(v);
	if (i > -lim && i < lim)
		buf_addll(b, (long long)i);
	else
		json_w_number(b, (double)i);
}

static int key_is_index(const char *k, uint32_t *out)
{
	/* A JavaScript array index: "0" or [1-9][0-9]*, below 2^32 - 1. */
	if (!k[0] || (k[0] == '0' && k[1]))
		return 0;
	uint64_t v = 0;
	for (const char *p = k; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v >= 4294967295u)
			return 0;
	}
	*out = (uint32_t)v;
	return 1;
}

int json_key_cmp(const char *a, const char *b)
{
	uint32_t ia, ib;
	int xa = key_is_index(a, &ia), xb = key_is_index(b, &ib);
	if (xa && xb)
		return ia < ib ? -1 : ia > ib;
	if (xa != xb)
		return xa ? -1 : 1;
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(a, b, la);
}

static int key_qsort_cmp(const void *x, const void *y)
{
	return json_key_cmp(*(const char *const *)x, *(const char *const *)y);
}

static void w_any(struct buf *b, struct json_object *v, int canonical, int depth)
{
	if (depth > 200) { /* parser depth limits make this unreachable; never recurse unbounded */
		buf_add(b, "null", 4);
		return;
	}
	switch (json_object_get_type(v)) {
	case json_type_null:
		buf_add(b, "null", 4);
		break;
	case json_type_boolean:
		if (json_object_get_boolean(v))
			buf_add(b, "true", 4);
		else
			buf_add(b, "false", 5);
		break;
	case json_type_int:
		w_int(b, v);
		break;
	case json_type_double:
		json_w_number(b, json_object_get_double(v));
		break;
	case json_type_string:
		json_w_str(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		break;
	case json_type_array: {
		size_t n = json_object_array_length(v);
		buf_addc(b, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_addc(b, ',');
			w_any(b, json_object_array_get_idx(v, i), canonical, depth + 1);
		}
		buf_addc(b, ']');
		break;
	}
	case json_type_object: {
		buf_addc(b, '{');
		if (!canonical) {
			int first = 1;
			json_object_object_foreach(v, key, val) {
				if (!first)
					buf_addc(b, ',');
				first = 0;
				json_w_str(b, key, strlen(key));
				buf_addc(b, ':');
				w_any(b, val, canonical, depth + 1);
			}
		} else {
			size_t n = (size_t)json_object_object_length(v), i = 0;
			const char *stackkeys[32];
			const char **keys = n <= 32 ? stackkeys : malloc(n * sizeof(*keys));
			if (!keys)
				abort();
			json_object_object_foreach(v, ck, cval) {
				(void)cval;
				keys[i++] = ck;
			}
			qsort(keys, n, sizeof(*keys), key_qsort_cmp);
			for (i = 0; i < n; i++) {
				struct json_object *kv = NULL;
				json_object_object_get_ex(v, keys[i], &kv);
				if (i)
					buf_addc(b, ',');
				json_w_str(b, keys[i], strlen(keys[i]));
				buf_addc(b, ':');
				w_any(b, kv, canonical, depth + 1);
			}
			if (keys != stackkeys)
				free(keys);
		}
		buf_addc(b, '}');
		break;
	}
	}
}

void json_w_value(struct buf *b, struct json_object *v)
{
	w_any(b, v, 0, 0);
}

void json_w_canonical(struct buf *b, struct json_object *v)
{
	w_any(b, v, 1, 0);
}
