/*
 * respond: status, headers, CORS and the Medusa error shapes, in one place.
 * The response is assembled in a worker-owned buffer and written once.
 */
#include "common/respond.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/config.h"
#include "common/envelope.h"
#include "common/json.h"

enum api_err respond_fail(struct req *r, enum api_err err, const char *fmt, ...)
{
	r->err = err;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(NULL, 0, fmt, ap);
		va_end(ap);
		if (n >= 0) {
			r->errmsg = arena_alloc(&r->arena, (size_t)n + 1);
			va_start(ap, fmt);
			vsnprintf(r->errmsg, (size_t)n + 1, fmt, ap);
			va_end(ap);
		}
	}
	return err;
}

void respond_header(struct req *r, const char *name, const char *value)
{
	/* Header values we emit are ours; strip CR/LF anyway so nothing can split them. */
	buf_adds(r->headers, name);
	buf_add(r->headers, ": ", 2);
	for (const char *p = value; *p; p++)
		if (*p != '\r' && *p != '\n')
			buf_addc(r->headers, *p);
	buf_add(r->headers, "\r\n", 2);
}

/* One compiled regex per /.../ entry, compiled the first time it is needed. */
struct cors_re {
	char *pattern;
	regex_t re;
	int ok;
};
static struct cors_re cors_cache[16];
static size_t cors_cached;

static int cors_regex_match(const char *pat, size_t n, const char *origin)
{
	for (size_t i = 0; i < cors_cached; i++)
		if (strlen(cors_cache[i].pattern) == n && memcmp(cors_cache[i].pattern, pat, n) == 0)
			return cors_cache[i].ok && regexec(&cors_cache[i].re, origin, 0, NULL, 0) == 0;
	if (cors_cached == sizeof(cors_cache) / sizeof(cors_cache[0]))
		return 0;
	struct cors_re *c = &cors_cache[cors_cached++];
	c->pattern = strndup(pat, n);
	if (!c->pattern)
		abort();
	c->ok = regcomp(&c->re, c->pattern, REG_EXTENDED | REG_NOSUB) == 0;
	return c->ok && regexec(&c->re, origin, 0, NULL, 0) == 0;
}

int respond_cors_allowed(const char *list, const char *origin)
{
	if (!list || !origin || !*origin)
		return 0;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		const char *s = p;
		size_t m = n;
		while (m && (*s == ' ' || *s == '\t')) {
			s++;
			m--;
		}
		while (m && (s[m - 1] == ' ' || s[m - 1] == '\t'))
			m--;
		if (m == 1 && *s == '*')
			return 1;
		if (m >= 2 && s[0] == '/' && s[m - 1] == '/') {
			if (cors_regex_match(s + 1, m - 2, origin))
				return 1;
		} else if (m == strlen(origin) && memcmp(s, origin, m) == 0) {
			return 1;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void add_cors(struct req *r, struct buf *h)
{
	if (strncasecmp(r->path, "/store", 6) != 0)
		return;
	if (r->origin && respond_cors_allowed(r->cfg->store_cors, r->origin)) {
		buf_adds(h, "Access-Control-Allow-Origin: ");
		for (const char *p = r->origin; *p; p++)
			if (*p != '\r' && *p != '\n')
				buf_addc(h, *p);
		buf_add(h, "\r\n", 2);
	}
	if (r->status != 204 || strcmp(r->method, "OPTIONS") != 0)
		buf_adds(h, "Vary: Origin\r\n");
	buf_adds(h, "Access-Control-Allow-Credentials: true\r\n");
}

/*
 * Removes the Set-Cookie lines from the handler's headers. An error answer
 * must not log the client in: a login that created its session and then
 * failed (the customer could not be read, the database went away) answers
 * the error without the new session's cookie. Other headers (Retry-After...)
 * stay.
 */
static void drop_set_cookie(struct buf *h)
{
	size_t w = 0, i = 0;
	while (i < h->len) {
		const char *line = h->data + i;
		const char *nl = memchr(line, '\n', h->len - i);
		size_t n = nl ? (size_t)(nl - line) + 1 : h->len - i;
		if (!(n >= 11 && strncasecmp(line, "Set-Cookie:", 11) == 0)) {
			memmove(h->data + w, line, n);
			w += n;
		}
		i += n;
	}
	h->len = w;
	if (h->data)
		h->data[w] = '\0';
}

void respond_render(struct req *r)
{
	if (r->err == API_OK || r->rendered)
		return;
	const struct api_error_info *e = api_error_info(r->err);
	buf_reset(r->out);
	drop_set_cookie(r->headers);
	if (e->plain) {
		r->body_type = "text/plain; charset=utf-8";
		buf_adds(r->out, "Unauthorized");
	} else {
		r->body_type = "application/json; charset=utf-8";
		const char *msg = r->errmsg ? r->errmsg : e->message;
		struct env o;
		env_object(&o, r->out);
		if (e->code)
			env_str(&o, "code", e->code);
		env_str(&o, "type", e->type);
		env_str(&o, "message", msg);
		env_end(&o);
		if (r->err == E_DB_UNAVAILABLE)
			respond_header(r, "Retry-After", "2");
		if (r->err == E_TOO_MANY) {
			char ra[24];
			snprintf(ra, sizeof(ra), "%ld", r->retry_after_s > 0 ? r->retry_after_s : 1);
			respond_header(r, "Retry-After", ra);
		}
	}
	r->status = e->status;
	r->rendered = 1;
}

void respond_send(struct req *r)
{
	/* worker-local and single-threaded: the header buffer is reused, never freed */
	static struct buf head = BUF_INIT;
	buf_reset(&head);
	respond_render(r);
	int status = r->status;
	const char *ctype = r->body_type;

	buf_addf(&head, "Status: %d %s\r\n", status, http_reason(status));
	add_cors(r, &head);
	if (status != 204 || r->out->len) {
		buf_adds(&head, "Content-Type: ");
		buf_adds(&head, ctype);
		buf_adds(&head, "\r\nContent-Length: ");
		buf_addll(&head, (long long)r->out->len);
		buf_add(&head, "\r\n", 2);
	}
	buf_add(&head, r->headers->data, r->headers->len);
	buf_add(&head, "\r\n", 2);
	if (req_write(r, head.data, head.len) == 0 && r->out->len)
		req_write(r, r->out->data, r->out->len);
}
