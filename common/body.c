/*
 * body: JSON body parsing and class-validator compatible validation. The
 * messages and their order are part of the wire contract (API.md section 4),
 * so the rules here follow class-validator 0.14 and validator.js closely.
 */
#include "common/body.h"

#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "common/config.h"
#include "common/envelope.h"
#include "common/json.h"
#include "common/req.h"
#include "common/respond.h"

static void put_json(void *p)
{
	json_object_put(p);
}

static int is_json_type(const char *ct)
{
	if (!ct)
		return 0;
	while (*ct == ' ')
		ct++;
	size_t n = strcspn(ct, "; ");
	return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

/* The raw body may hold a password: its arena bytes must not outlive the request. */
static void wipe_body(void *p)
{
	struct req *r = p;
	if (r->body)
		OPENSSL_cleanse(r->body, r->body_len);
}

static void wipe_string(void *p)
{
	OPENSSL_cleanse(p, strlen(p));
}

const char *body_secret(struct req *r, const char *key)
{
	const char *s = body_str(r->json, key);
	if (s)
		req_defer(r, wipe_string, (void *)s); /* json-c's own buffer: writable, ours until put */
	return s;
}

enum api_err body_parse(struct req *r)
{
	enum api_err e = req_read_body(r, r->cfg->max_body);
	if (r->body)
		req_defer(r, wipe_body, r);
	if (e == E_TOO_LARGE)
		return respond_fail(r, E_TOO_LARGE, "Request body is larger than the limit of %ld bytes",
				    r->cfg->max_body);
	if (e != API_OK)
		return respond_fail(r, E_INVALID_DATA, "Request body is shorter than its Content-Length");
	if (!is_json_type(r->content_type) || r->body_len == 0) {
		/* Express only parses application/json; other bodies leave req.body = {} */
		r->json = json_object_new_object();
		if (!r->json)
			return E_UNKNOWN;
		req_defer(r, put_json, r->json);
		return API_OK;
	}
	struct json_object *root = NULL;
	size_t off = 0;
	switch (json_parse_strict(r->body, r->body_len, (int)r->cfg->json_depth, &root, &off)) {
	case JSON_PARSE_OK:
		break;
	case JSON_PARSE_BAD_UTF8:
		return respond_fail(r, E_INVALID_DATA, "Request body is not valid UTF-8");
	case JSON_PARSE_TOO_DEEP:
		return respond_fail(r, E_INVALID_DATA, "Request body JSON is nested deeper than %ld levels",
				    r->cfg->json_depth);
	case JSON_PARSE_NUL:
		return respond_fail(r, E_INVALID_DATA, "Request body contains a NUL character (\\u0000) at position %zu", off);
	case JSON_PARSE_RANGE:
		return respond_fail(r, E_INVALID_DATA, "Request body contains a number out of range at position %zu", off);
	case JSON_PARSE_TRAILING:
		return respond_fail(r, E_INVALID_DATA, "Unexpected data after the JSON value at position %zu", off);
	default:
		return respond_fail(r, E_INVALID_DATA, "Invalid JSON in request body at position %zu", off);
	}
	req_defer(r, put_json, root);
	if (json_object_get_type(root) == json_type_array)
		return respond_fail(r, E_INVALID_DATA, "an unknown value was passed to the validate function");
	if (json_object_get_type(root) != json_type_object)
		return respond_fail(r, E_INVALID_DATA, "Request body must be a JSON object");
	r->json = root;
	return API_OK;
}

struct json_object *body_get(struct json_object *obj, const char *key, int *present)
{
	struct json_object *v = NULL;
	int has = obj && json_object_object_get_ex(obj, key, &v);
	if (present)
		*present = has;
	return has ? v : NULL;
}

const char *body_str(struct json_object *obj, const char *key)
{
	struct json_object *v = body_get(obj, key, NULL);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* ---- validator.js isEmail() with default options ---- */

/* Next code point of s[*i..n), advancing *i; input is valid UTF-8 (checked at parse). */
static uint32_t next_cp(const unsigned char *s, size_t n, size_t *i)
{
	uint32_t c = s[*i];
	size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	if (*i + len > n) {
		*i = n;
		return 0xFFFD;
	}
	if (len == 1) {
		(*i)++;
		return c;
	}
	c &= (len == 2) ? 0x1F : (len == 3) ? 0x0F : 0x07;
	for (size_t k = 1; k < len; k++)
		c = (c << 6) | (s[*i + k] & 0x3F);
	*i += len;
	return c;
}

static int is_alpha(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

/* emailUserUtf8Part: [a-z\d!#$%&'*+\-/=?^_`{|}~\u00A1-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF]+ */
static int user_part_ok(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	size_t i = 0;
	while (i < n) {
		uint32_t c = next_cp(s, n, &i);
		if (is_alpha(c) || is_digit(c) || (c < 0x80 && strchr("!#$%&'*+-/=?^_`{|}~", (int)c) && c))
			continue;
		if ((c >= 0xA1 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) || (c >= 0xFDF0 && c <= 0xFFEF))
			continue;
		return 0;
	}
	return 1;
}

/* quotedEmailUserUtf8 without the quotes: ([\s\x01-\x08\x0b\x0c\x0e-\x1f\x7f\x21\x23-\x5b\x5d-\x7e\u00A1-...]|(\\[\x01-\x09\x0b\x0c\x0d-\x7f\u00A1-...]))* */
static int quoted_user_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint32_t c = next_cp(s, n, &i);
		int hi = (c >= 0xA1 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) || (c >= 0xFDF0 && c <= 0xFFEF);
		if (c == '\\') {
			if (i >= n)
				return 0;
			uint32_t d = next_cp(s, n, &i);
			if (!((d >= 1 && d <= 9) || d == 0x0b || d == 0x0c || (d >= 0x0d && d <= 0x7f) ||
			      (d >= 0xA1 && d <= 0xD7FF) || (d >= 0xF900 && d <= 0xFDCF) || (d >= 0xFDF0 && d <= 0xFFEF)))
				return 0;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || (c >= 1 && c <= 8) ||
		    (c >= 0x0e && c <= 0x1f) || c == 0x7f || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
		    (c >= 0x5d && c <= 0x7e) || hi)
			continue;
		return 0;
	}
	return 1;
}

/* One label of isFQDN(require_tld, no underscores, no trailing dot). */
static int label_ok(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	size_t i = 0, chars = 0;
	while (i < n) {
		uint32_t c = next_cp(s, n, &i);
		chars += c > 0xFFFF ? 2 : 1;
		if (c >= 0xFF01 && c <= 0xFF5E)
			return 0;
		if (is_alpha(c) || is_digit(c) || c == '-' || c >= 0xA1)
			continue;
		return 0;
	}
	if (chars > 63)
		return 0;
	return s[0] != '-' && s[n - 1] != '-';
}

static int tld_ok(const unsigned char *s, size_t n)
{
	/* ([a-z\u00A1-\u00A8\u00AA-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF]{2,}|xn[a-z0-9-]{2,}) */
	if (n >= 4 && (s[0] == 'x' || s[0] == 'X') && (s[1] == 'n' || s[1] == 'N')) {
		int ok = 1;
		for (size_t k = 2; k < n; k++)
			if (!(is_alpha(s[k]) || is_digit(s[k]) || s[k] == '-'))
				ok = 0;
		if (ok)
			return 1;
	}
	size_t i = 0, count = 0;
	while (i < n) {
		uint32_t c = next_cp(s, n, &i);
		if (is_alpha(c) || (c >= 0xA1 && c <= 0xA8) || (c >= 0xAA && c <= 0xD7FF) ||
		    (c >= 0xF900 && c <= 0xFDCF) || (c >= 0xFDF0 && c <= 0xFFEF))
			count++;
		else
			return 0;
	}
	return count >= 2;
}

int body_is_email(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t units = 0;
	for (size_t i = 0; i < n;) {
		uint32_t c = next_cp(s, n, &i);
		units += c > 0xFFFF ? 2 : 1;
	}
	if (units > 254)
		return 0;
	const unsigned char *at = NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '@')
			at = s + i;
	if (!at)
		return 0;
	size_t ulen = (size_t)(at - s), dlen = n - ulen - 1;
	const unsigned char *dom = at + 1;
	if (ulen > 64 || dlen > 254 || ulen == 0)
		return 0;
	/* domain: isFQDN */
	size_t labels = 0, start = 0;
	for (size_t i = 0; i <= dlen; i++) {
		if (i == dlen || dom[i] == '.') {
			if (!label_ok(dom + start, i - start))
				return 0;
			labels++;
			if (i == dlen && !tld_ok(dom + start, i - start))
				return 0;
			start = i + 1;
		}
	}
	if (labels < 2)
		return 0;
	/* user */
	if (s[0] == '"') {
		if (ulen < 2 || s[ulen - 1] != '"')
			return quoted_user_ok(s + 1, ulen >= 2 ? ulen - 2 : 0) && ulen >= 2;
		return quoted_user_ok(s + 1, ulen - 2);
	}
	start = 0;
	for (size_t i = 0; i <= ulen; i++) {
		if (i == ulen || s[i] == '.') {
			if (!user_part_ok(s + start, i - start))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

/* ---- messages ---- */

static void msg(struct buf *m, int *count, const char *a, const char *b, const char *c)
{
	if ((*count)++)
		buf_add(m, ", ", 2);
	buf_adds(m, a);
	buf_adds(m, b);
	if (c)
		buf_adds(m, c);
}

static size_t utf8_chars(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

static int declared(const struct field_set *set, const char *key)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->fields[i].name, key) == 0)
			return 1;
	return 0;
}

static void check_len(struct buf *m, int *count, const struct field_spec *f, struct json_object *v)
{
	if (!f->maxlen)
		return;
	if (utf8_chars(json_object_get_string(v), (size_t)json_object_get_string_len(v)) > f->maxlen) {
		char tail[96];
		snprintf(tail, sizeof(tail), " must be shorter than or equal to %zu characters", f->maxlen);
		msg(m, count, f->name, tail, NULL);
	}
}

int body_is_int(struct json_object *v)
{
	if (json_object_is_type(v, json_type_int))
		return 1;
	if (!json_object_is_type(v, json_type_double))
		return 0;
	double d = json_object_get_double(v);
	return isfinite(d) && d == floor(d);
}

static void collect(struct buf *m, int *count, struct json_object *obj, const struct field_set *set)
{
	json_object_object_foreach(obj, key, val) {
		(void)val;
		if (!declared(set, key))
			msg(m, count, "property ", key, " should not exist");
	}
	for (size_t i = 0; i < set->n; i++) {
		const struct field_spec *f = &set->fields[i];
		int present;
		struct json_object *v = body_get(obj, f->name, &present);
		if (!v) {
			/* @IsOptional skips null and absent; an absent nested value is never checked */
			if (!f->required || (!present && f->kind == FK_NESTED))
				continue;
		}
		enum json_type t = v ? json_object_get_type(v) : json_type_null;
		switch (f->kind) {
		case FK_STRING:
			if (t != json_type_string)
				msg(m, count, f->name, " must be a string", NULL);
			else
				check_len(m, count, f, v);
			break;
		case FK_EMAIL:
			if (t != json_type_string ||
			    !body_is_email(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
				msg(m, count, f->name, " must be an email", NULL);
			else
				check_len(m, count, f, v);
			break;
		case FK_NOT_EMPTY:
			if (!v || (t == json_type_string && json_object_get_string_len(v) == 0))
				msg(m, count, f->name, " should not be empty", NULL);
			break;
		case FK_OBJECT:
			if (t != json_type_object)
				msg(m, count, f->name, " must be an object", NULL);
			break;
		case FK_NESTED:
			if (t != json_type_object && t != json_type_array)
				msg(m, count, "nested property ", f->name, " must be either object or array");
			break;
		case FK_INT:
			if (!body_is_int(v))
				msg(m, count, f->name, " must be an integer number", NULL);
			break;
		case FK_ANY:
		case FK_ADDRESS_OR_ID:
			break; /* FK_ADDRESS_OR_ID is checked first by body_validate: it short-circuits */
		}
	}
	/* nested children come after every property of the parent, unprefixed */
	for (size_t i = 0; i < set->n; i++) {
		const struct field_spec *f = &set->fields[i];
		struct json_object *v = body_get(obj, f->name, NULL);
		if (f->kind == FK_NESTED && f->nested && v && json_object_is_type(v, json_type_object))
			collect(m, count, v, f->nested);
	}
}

int body_messages(struct buf *m, struct json_object *obj, const struct field_set *set)
{
	int count = 0;
	collect(m, &count, obj, set);
	return count;
}

/* JavaScript's String(v) for the IsType message details. */
static void js_string(struct buf *b, struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		buf_adds(b, "null");
		break;
	case json_type_string:
		buf_add(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		break;
	case json_type_object:
		buf_adds(b, "[object Object]");
		break;
	case json_type_array: {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(v, i);
			if (i)
				buf_addc(b, ',');
			if (e)
				js_string(b, e);
		}
		break;
	}
	default:
		json_w_value(b, v);
	}
}

/*
 * Medusa's IsType([AddressPayload, String]) failure: the message is itself a
 * JSON document (reference 4.8), String details first.
 */
static enum api_err address_or_id_error(struct req *r, const struct field_spec *f, struct json_object *v)
{
	struct buf d = BUF_INIT, inner = BUF_INIT, text = BUF_INIT;
	buf_init(&d);
	buf_init(&inner);
	buf_init(&text);
	buf_adds(&inner, "String validation failed: ");
	js_string(&inner, v);
	buf_adds(&inner, " is not a string");
	struct env doc, details, list;
	buf_adds(&text, f->name);
	buf_adds(&text, " must be one of: AddressPayload,String");
	env_object(&doc, &d);
	env_str(&doc, "message", text.data);
	env_key(&doc, "details");
	env_object(&details, &d);
	env_key_list(&details, "String", &list);
	env_item(&list);
	json_w_str(&d, inner.data, inner.len);
	env_end(&list);
	env_key_list(&details, "AddressPayload", &list);
	if (json_object_is_type(v, json_type_object) && f->nested) {
		struct buf m = BUF_INIT;
		buf_init(&m);
		body_messages(&m, v, f->nested);
		/* Medusa splits the joined message on ",", keeping the leading spaces */
		const char *p = m.data;
		size_t left = m.len;
		for (;;) {
			const char *c = memchr(p, ',', left);
			size_t n = c ? (size_t)(c - p) : left;
			env_item(&list);
			json_w_str(&d, p, n);
			if (!c)
				break;
			left -= n + 1;
			p = c + 1;
		}
		buf_release(&m);
	} else {
		env_item(&list);
		json_w_strz(&d, "an unknown value was passed to the validate function");
	}
	env_end(&list);
	env_end(&details);
	env_end(&doc);
	r->errmsg = arena_strndup(&r->arena, d.data, d.len);
	r->err = E_INVALID_DATA;
	buf_release(&d);
	buf_release(&inner);
	buf_release(&text);
	return E_INVALID_DATA;
}

enum api_err body_validate(struct req *r, struct json_object *obj, const struct field_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct field_spec *f = &set->fields[i];
		if (f->kind != FK_ADDRESS_OR_ID)
			continue;
		struct json_object *v = body_get(obj, f->name, NULL);
		if (!v)
			continue;
		if (json_object_is_type(v, json_type_string)) {
			if (f->maxlen && (size_t)json_object_get_string_len(v) > f->maxlen)
				return respond_fail(r, E_INVALID_DATA, "%s must be shorter than or equal to %zu characters",
						    f->name, f->maxlen);
			continue;
		}
		if (json_object_is_type(v, json_type_object) && f->nested) {
			struct buf m = BUF_INIT;
			buf_init(&m);
			int n = body_messages(&m, v, f->nested);
			buf_release(&m);
			if (n == 0)
				continue;
		}
		return address_or_id_error(r, f, v);
	}
	struct buf m = BUF_INIT;
	buf_init(&m);
	int n = body_messages(&m, obj, set);
	if (n) {
		r->errmsg = arena_strndup(&r->arena, m.data, m.len);
		r->err = E_INVALID_DATA;
	}
	buf_release(&m);
	return n ? E_INVALID_DATA : API_OK;
}
