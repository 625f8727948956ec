/*
 * log: timestamped lines on stderr, written with one write() each so lines
 * from several workers sharing the file do not interleave.
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/req.h"

static void vlog(const char *level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void vlog(const char *level, const char *fmt, va_list ap)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %d %s ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 ts.tv_nsec / 1000000, (int)getpid(), level);
	if (n < 0)
		return;
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	/* strip control characters a client may have put in a logged value */
	for (size_t i = (size_t)n; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[len++] = '\n';
	ssize_t w = write(2, line, len);
	(void)w;
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("info", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("warn", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("error", fmt, ap);
	va_end(ap);
}

/* 1 if s[0..n) holds an '@', raw or percent-encoded (%40) */
static int holds_at(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '@' || (s[i] == '%' && i + 2 < n && s[i + 1] == '4' && s[i + 2] == '0'))
			return 1;
	return 0;
}

/*
 * The path as the request log shows it: the route's pattern when one matched
 * (":email" rather than the address of GET /store/auth/:email, ":id" rather
 * than ids), else the raw path with every segment holding an '@' (or %40) masked, so
 * no email reaches the log even on a 404.
 */
static void log_path(const struct req *r, char *out, size_t cap)
{
	if (r->route_pattern) {
		snprintf(out, cap, "%s", r->route_pattern);
		return;
	}
	size_t o = 0;
	const char *p = r->path ? r->path : "";
	while (*p && o + 1 < cap) {
		size_t n = strcspn(p + 1, "/") + 1; /* one "/segment" */
		if (holds_at(p, n)) {
			snprintf(out + o, cap - o, "/(redacted)");
		} else {
			size_t k = n < cap - o - 1 ? n : cap - o - 1;
			memcpy(out + o, p, k);
			out[o + k] = '\0';
		}
		o += strlen(out + o);
		p += n;
	}
	out[o < cap ? o : cap - 1] = '\0';
}

void log_request(const struct req *r)
{
	const struct api_error_info *e = api_error_info(r->err);
	long long us = req_now_us() - r->start_us;
	char path[204];
	path[0] = '\0';
	log_path(r, path, sizeof(path));
	log_info("req %s %s %s %d %lld.%03lldms %s %s", r->request_id ? r->request_id : "-", r->method,
		 path, r->err ? e->status : r->status, us / 1000, us % 1000,
		 r->customer_id[0] ? r->customer_id : "-", r->err ? (e->type ? e->type : "unauthorized") : "-");
}
