/*
 * log: lines to stderr (the pool master sends them to its log file).
 * Format: "<iso time> <pid> <level> <message>". Messages are lowercase with
 * no final period, the subject quoted (Git). Never pass secrets, passwords,
 * tokens or Authorization headers here.
 */
#ifndef LOG_H
#define LOG_H

struct req;

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The one line per request: id, method, path, status, ms, customer id, error type. */
void log_request(const struct req *r);
#endif
