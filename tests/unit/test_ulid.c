/*
 * Unit tests for common/ulid: length, Crockford alphabet, the time encoding
 * (ULID spec example), sort order across milliseconds, randomness, the
 * Medusa "prefix_" entity id form and the monotonic next id.
 */
#include "tests/unit/harness.h"

#include <string.h>
#include <time.h>

#include "common/ulid.h"

static int crockford_only(const char *s)
{
	for (; *s; s++)
		if (!strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", *s) || *s == '\0')
			return 0;
	return 1;
}

static void test_format(void)
{
	char a[ULID_LEN + 1], b[ULID_LEN + 1];
	int i, ok = 1;

	CHECK(ulid_new(a) == 0);
	CHECK(strlen(a) == ULID_LEN);
	CHECK(crockford_only(a));
	CHECK(strpbrk(a, "ILOUilou") == NULL);
	/* first char carries only 3 of the 48 time bits: 0..7 */
	CHECK(a[0] >= '0' && a[0] <= '7');
	for (i = 0; i < 1000 && ok; i++) {
		ok = ulid_new(b) == 0 && strlen(b) == ULID_LEN && crockford_only(b) && strcmp(a, b) != 0;
	}
	CHECK(ok);
}

static void test_time_part(void)
{
	char a[ULID_LEN + 1];

	CHECK(ulid_at(0, a) == 0);
	CHECK(strncmp(a, "0000000000", 10) == 0 && strlen(a) == ULID_LEN);
	CHECK(ulid_at(1469918176385LL, a) == 0);
	CHECK(strncmp(a, "01ARYZ6S41", 10) == 0);
	CHECK(ulid_at(0xFFFFFFFFFFFFLL, a) == 0);
	CHECK(strncmp(a, "7ZZZZZZZZZ", 10) == 0);
	CHECK(ulid_at(1, a) == 0 && strncmp(a, "0000000001", 10) == 0);
	CHECK(ulid_at(32, a) == 0 && strncmp(a, "0000000010", 10) == 0);
	/* out of range */
	CHECK(ulid_at(-1, a) == -1 && a[0] == '\0');
	CHECK(ulid_at(0x1000000000000LL, a) == -1);
	/* ulid_new uses the current time */
	{
		long long now = (long long)time(NULL) * 1000;
		char lo[ULID_LEN + 1], hi[ULID_LEN + 1];
		CHECK(ulid_at(now - 5000, lo) == 0 && ulid_new(a) == 0 && ulid_at(now + 5000, hi) == 0);
		CHECK(strncmp(lo, a, 10) < 0 && strncmp(a, hi, 10) < 0);
	}
}

static void test_sort(void)
{
	char prev[ULID_LEN + 1], cur[ULID_LEN + 1];
	long long ms;
	int ok = 1;

	/* strictly increasing ms give strictly increasing strings, whatever the random part */
	CHECK(ulid_at(1700000000000LL, prev) == 0);
	for (ms = 1700000000001LL; ms < 1700000002000LL && ok; ms++) {
		ok = ulid_at(ms, cur) == 0 && strcmp(prev, cur) < 0;
		memcpy(prev, cur, sizeof(cur));
	}
	CHECK(ok);
	/* across carries of every time digit */
	ok = 1;
	CHECK(ulid_at(0, prev) == 0);
	for (ms = 1; ms < 0xFFFFFFFFFFFFLL && ok; ms = ms * 2 + 1) {
		ok = ulid_at(ms, cur) == 0 && strcmp(prev, cur) < 0;
		memcpy(prev, cur, sizeof(cur));
	}
	CHECK(ok);
}

static void test_ids(void)
{
	char id[64];
	char small[30];

	CHECK(ulid_id("cus", id, sizeof(id)) == 0);
	CHECK(strncmp(id, "cus_", 4) == 0 && strlen(id) == 4 + ULID_LEN && crockford_only(id + 4));
	CHECK(ulid_id("addr", id, sizeof(id)) == 0 && strncmp(id, "addr_", 5) == 0 && strlen(id) == 31);
	/* exact fit: 4 + 26 + NUL = 31 */
	CHECK(ulid_id("cus", id, 31) == 0 && strlen(id) == 30);
	CHECK(ulid_id("cus", small, sizeof(small)) == -1 && small[0] == '\0');
	CHECK(ulid_id("cus", id, 0) == -1);
	/* no prefix: bare ULID */
	CHECK(ulid_id("", id, sizeof(id)) == 0 && strlen(id) == ULID_LEN && crockford_only(id));
	CHECK(ulid_id(NULL, id, sizeof(id)) == 0 && strlen(id) == ULID_LEN);
}

static void test_next(void)
{
	char a[ULID_LEN + 1] = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
	CHECK(ulid_next(a) == 0 && strcmp(a, "01ARZ3NDEKTSV4RRFFQ69G5FAW") == 0);
	strcpy(a, "01ARZ3NDEKTSV4RRFFQ69G5FAZ");   /* carry into the next character */
	CHECK(ulid_next(a) == 0 && strcmp(a, "01ARZ3NDEKTSV4RRFFQ69G5FB0") == 0);
	strcpy(a, "01ARZ3NDEK0000000000ZZZZZZ");   /* a carry over several characters */
	CHECK(ulid_next(a) == 0 && strcmp(a, "01ARZ3NDEK0000000001000000") == 0);
	strcpy(a, "01ARZ3NDEK000000000000000H");   /* H is followed by J: Crockford has no I */
	CHECK(ulid_next(a) == 0 && strcmp(a, "01ARZ3NDEK000000000000000J") == 0);
	strcpy(a, "01ARZ3NDEKZZZZZZZZZZZZZZZZ");   /* random part exhausted: the time part is not touched */
	CHECK(ulid_next(a) == -1 && strcmp(a, "01ARZ3NDEKZZZZZZZZZZZZZZZZ") == 0);
	strcpy(a, "01ARZ3NDEKTSV4RRFFQ69G5FAU");   /* U is not Crockford */
	CHECK(ulid_next(a) == -1 && strcmp(a, "01ARZ3NDEKTSV4RRFFQ69G5FAU") == 0);
	strcpy(a, "01ARZ3NDEK");                  /* too short */
	CHECK(ulid_next(a) == -1);
	/* a run of next ids sorts in the order made, and stays Crockford */
	char prev[ULID_LEN + 1];
	int ok = ulid_new(a) == 0;
	for (int i = 0; i < 5000 && ok; i++) {
		memcpy(prev, a, sizeof(prev));
		ok = ulid_next(a) == 0 && strcmp(prev, a) < 0 && crockford_only(a) && memcmp(prev, a, 10) == 0;
	}
	CHECK(ok);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_format();
	test_time_part();
	test_sort();
	test_ids();
	test_next();
	HARNESS_EXIT();
}
