/*
 * Unit tests for the time helpers of common/customer_json: DB timestamps at
 * the edges of DATETIME, the "not before" bound of a credential (any 64-bit
 * iat a signer wrote, without overflow), and revocation failing closed on a
 * credentials_at it cannot read.
 */
#include "tests/unit/harness.h"

#include <limits.h>
#include <string.h>

#include "common/customer_json.h"

static const char *db_time(long long ms)
{
	static char out[25];
	customer_db_time(ms, out);
	out[23] = '\0';
	return out;
}

static const char *not_before(long long ms)
{
	static char out[25];
	customer_db_not_before(ms, out);
	out[23] = '\0';
	return out;
}

int main(void)
{
	CHECK_STR(db_time(0), "1970-01-01 00:00:00.000");
	CHECK_STR(db_time(1764201600123LL), "2025-11-27 00:00:00.123");
	CHECK_STR(db_time(-5), "1970-01-01 00:00:00.000");
	/* beyond year 9999 gmtime_r fails or DATETIME cannot hold it: clamped, never garbage */
	CHECK_STR(db_time(253402300799999LL), "9999-12-31 23:59:59.999");
	CHECK_STR(db_time(253402300800000LL), "9999-12-31 23:59:59.999");
	CHECK_STR(db_time(LLONG_MAX), "9999-12-31 23:59:59.999");

	/* the start of the next second */
	CHECK_STR(not_before(1764201600123LL), "2025-11-27 00:00:01.000");
	CHECK_STR(not_before(1764201600000LL), "2025-11-27 00:00:01.000");
	CHECK_STR(not_before(0), "1970-01-01 00:00:01.000");
	/* iat * 1000 as auth.c clamps it, and anything else: no signed overflow (UBSan) */
	CHECK_STR(not_before(LLONG_MAX / 1000 * 1000), "9999-12-31 23:59:59.000");
	CHECK_STR(not_before(LLONG_MAX), "9999-12-31 23:59:59.000");
	CHECK_STR(not_before(LLONG_MIN), "1970-01-01 00:00:00.000");

	/* revocation: seconds compare; NULL never revokes; unreadable fails closed */
	CHECK(customer_revoked(1764201600999LL, NULL) == 0);
	CHECK(customer_revoked(1764201600999LL, "2025-11-27 00:00:00.500") == 0);
	CHECK(customer_revoked(1764201599999LL, "2025-11-27 00:00:00.500") == 1);
	CHECK(customer_revoked(1764201600999LL, "garbage") == 1);
	CHECK(customer_revoked(1764201600999LL, "") == 1);
	HARNESS_EXIT();
}
