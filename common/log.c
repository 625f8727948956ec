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

void log_request(const struct req *r)
{
	const struct api_error_info *e = api_error_info(r->err);
	long long us = req_now_us() - r->start_us;
	log_info("req %s %s %.200s %d %lld.%03lldms %s %s", r->request_id ? r->request_id : "-", r->method,
		 r->path, r->err ? e->status : r->status, us / 1000, us % 1000,
		 r->customer_id[0] ? r->customer_id : "-", r->err ? (e->type ? e->type : "unauthorized") : "-");
}
