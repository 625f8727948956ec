/*
 * Tiny unit-test harness. Each check prints one TAP-style line:
 *   "ok - <file>:<line> <expr>"  or  "not ok - <file>:<line> <expr>"
 * tests/run.sh counts those lines over every program it runs and prints the
 * final "N passed, M failed". A test program exits 1 if any check failed.
 */
#ifndef HARNESS_H
#define HARNESS_H
#include <stdio.h>
#include <string.h>

static int harness_failed;

#define CHECK(expr) do { \
	if (expr) printf("ok - %s:%d %s\n", __FILE__, __LINE__, #expr); \
	else { printf("not ok - %s:%d %s\n", __FILE__, __LINE__, #expr); harness_failed++; } \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ && w_ && strcmp(g_, w_) == 0) printf("ok - %s:%d %s == \"%s\"\n", __FILE__, __LINE__, #got, w_); \
	else { printf("not ok - %s:%d %s: got \"%s\" want \"%s\"\n", __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); harness_failed++; } \
} while (0)

#define HARNESS_EXIT() return harness_failed ? 1 : 0
#endif
