/*
 * req: request lifetime. See req.h for what is copied where and why.
 */
#include "common/req.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

long long req_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

long long req_epoch_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

char *req_param(struct req *r, const char *name)
{
	const char *v = FCGX_GetParam(name, r->envp);
	return v ? arena_strdup(&r->arena, v) : NULL;
}

static long long parse_len(const char *s)
{
	if (!s || !*s)
		return -1;
	long long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -2;
		if (v > (1LL << 50))
			return -2;
		v = v * 10 + (*p - '0');
	}
	return v;
}

void req_begin(struct req *r, char **envp, FCGX_Stream *in, FCGX_Stream *out)
{
	r->envp = envp;
	r->fcgi_in = in;
	r->fcgi_out = out;
	r->start_us = req_now_us();
	r->cleanups = NULL;
	r->json = NULL;
	r->body = NULL;
	r->body_len = 0;
	r->route = NULL;
	r->route_pattern = NULL;
	r->nparams = 0;
	r->customer_id[0] = '\0';
	r->session_id[0] = '\0';
	r->auth_issued_ms = 0;
	r->auth_by_session = 0;
	r->auth_db_down = 0;
	r->status = 200;
	r->err = API_OK;
	r->errmsg = NULL;
	r->retry_after_s = 0;
	r->rendered = 0;
	r->body_type = "application/json; charset=utf-8";
	buf_reset(r->out);
	buf_reset(r->headers);

	r->method = req_param(r, "REQUEST_METHOD");
	if (!r->method)
		r->method = arena_strdup(&r->arena, "GET");
	for (char *p = r->method; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p -= 32;
	char *uri = req_param(r, "REQUEST_URI");
	if (!uri) {
		/* plain CGI under some servers: SCRIPT_NAME + PATH_INFO */
		const char *sn = FCGX_GetParam("SCRIPT_NAME", envp), *pi = FCGX_GetParam("PATH_INFO", envp);
		const char *qs = FCGX_GetParam("QUERY_STRING", envp);
		uri = arena_printf(&r->arena, "%s%s%s%s", sn ? sn : "", pi ? pi : "",
				   qs && *qs ? "?" : "", qs && *qs ? qs : "");
	}
	char *q = strchr(uri, '?');
	if (q) {
		*q = '\0';
		r->query = q + 1;
	} else {
		r->query = arena_strdup(&r->arena, "");
	}
	r->path = uri;
	r->content_type = req_param(r, "CONTENT_TYPE");
	r->content_length = parse_len(FCGX_GetParam("CONTENT_LENGTH", envp));
	r->authorization = req_param(r, "HTTP_AUTHORIZATION");
	r->cookie = req_param(r, "HTTP_COOKIE");
	r->origin = req_param(r, "HTTP_ORIGIN");
	r->acr_headers = req_param(r, "HTTP_ACCESS_CONTROL_REQUEST_HEADERS");
	r->request_id = req_param(r, "REQUEST_ID");
	if (!r->request_id)
		r->request_id = req_param(r, "HTTP_X_REQUEST_ID");
	const char *https = FCGX_GetParam("HTTPS", envp);
	r->https = https && (strcasecmp(https, "on") == 0 || strcmp(https, "1") == 0);
	if (!r->https) {
		const char *xfp = FCGX_GetParam("HTTP_X_FORWARDED_PROTO", envp);
		r->https = xfp && strcasecmp(xfp, "https") == 0 ? 2 : 0; /* 2: only if proxies are trusted */
	}
}

void req_defer(struct req *r, void (*fn)(void *), void *arg)
{
	struct req_cleanup *c = arena_alloc(&r->arena, sizeof(*c));
	c->fn = fn;
	c->arg = arg;
	c->next = r->cleanups;
	r->cleanups = c;
}

void req_end(struct req *r)
{
	for (struct req_cleanup *c = r->cleanups; c; c = c->next)
		c->fn(c->arg);
	r->cleanups = NULL;
	r->json = NULL;
	arena_reset(&r->arena);
}

static int read_some(struct req *r, char *p, size_t n)
{
	if (r->fcgi_in)
		return FCGX_GetStr(p, (int)n, r->fcgi_in);
	return (int)fread(p, 1, n, stdin);
}

enum api_err req_read_body(struct req *r, long max)
{
	if (r->content_length == -2)
		return E_INVALID_DATA;
	if (r->content_length > max)
		return E_TOO_LARGE;
	if (r->content_length <= 0) {
		/*
		 * No length: nginx always sends one for bodies it forwards (it
		 * buffers chunked uploads), so read nothing rather than wait.
		 */
		r->body = arena_strndup(&r->arena, "", 0);
		r->body_len = 0;
		return API_OK;
	}
	size_t want = (size_t)r->content_length, got = 0;
	r->body = arena_alloc(&r->arena, want + 1);
	while (got < want) {
		size_t chunk = want - got > (1u << 30) ? (1u << 30) : want - got;
		int n = read_some(r, r->body + got, chunk);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	r->body[got] = '\0';
	r->body_len = got;
	return got == want ? API_OK : E_INVALID_DATA;
}

int req_write(struct req *r, const void *p, size_t n)
{
	if (r->fcgi_out)
		return FCGX_PutStr(p, (int)n, r->fcgi_out) == (int)n ? 0 : -1;
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}
