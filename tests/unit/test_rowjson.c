/*
 * Unit tests of common/rowjson.c: database cells written as Medusa writes the
 * entity (cases from the recorded catalogue answers: tax_rate 20 and 7.5,
 * timestamps with milliseconds, jsonb metadata in Postgres' key order,
 * country ids as numbers, selected columns only, relations appended).
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/rowjson.h"
#include "tests/unit/harness.h"

static char *value(enum rowj_kind kind, const char *cell)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	rowj_value(&b, kind, cell);
	char *r = strdup(b.data ? b.data : "");
	buf_release(&b);
	return r;
}

#define CHECK_VALUE(kind, cell, want) do { char *v_ = value(kind, cell); CHECK_STR(v_, want); free(v_); } while (0)

int main(void)
{
	/* a Postgres real as JavaScript prints it (transcripts-store 007, extras 014) */
	CHECK_VALUE(RJ_NUM, "20", "20");
	CHECK_VALUE(RJ_NUM, "7.5", "7.5");
	CHECK_VALUE(RJ_NUM, "0", "0");
	CHECK_VALUE(RJ_NUM, "20.0", "20");
	CHECK_VALUE(RJ_NUM, NULL, "null");
	/* never invalid JSON, whatever the cell holds */
	CHECK_VALUE(RJ_NUM, "abc", "\"abc\"");
	CHECK_VALUE(RJ_INT, "236", "236");
	CHECK_VALUE(RJ_INT, "-1", "-1");
	CHECK_VALUE(RJ_BOOL, "1", "true");
	CHECK_VALUE(RJ_BOOL, "0", "false");
	CHECK_VALUE(RJ_STR, "Caf\xc3\xa9 \"x\"", "\"Caf\xc3\xa9 \\\"x\\\"\"");
	CHECK_VALUE(RJ_STR, NULL, "null");
	/* DATETIME(3) text -> toISOString() */
	CHECK_VALUE(RJ_TIME, "2026-11-27 15:07:16.160", "\"2026-11-27T15:07:16.160Z\"");
	CHECK_VALUE(RJ_TIME, "2026-11-27 15:07:16", "\"2026-11-27T15:07:16.000Z\"");
	CHECK_VALUE(RJ_TIME, NULL, "null");
	/* jsonb: shorter keys first, then bytewise; nested objects too */
	CHECK_VALUE(RJ_JSONB, "{\"ref\":\"gc_eu\",\"a\":{\"bb\":1,\"c\":2}}", "{\"a\":{\"c\":2,\"bb\":1},\"ref\":\"gc_eu\"}");
	CHECK_VALUE(RJ_JSONB, "{\"id\":\"manual-fulfillment\"}", "{\"id\":\"manual-fulfillment\"}");
	CHECK_VALUE(RJ_JSONB, "not json", "null");

	/* an object of selected columns, left open for relations */
	static const struct rowj_col cols[] = { { "id", RJ_INT }, { "iso_2", RJ_STR }, { "region_id", RJ_STR } };
	char *cells[] = { "39", "ca", NULL };
	struct buf b = BUF_INIT;
	buf_init(&b);
	rowj_object(&b, cols, 3, cells, NULL);
	CHECK_STR(b.data, "{\"id\":39,\"iso_2\":\"ca\",\"region_id\":null}");
	buf_reset(&b);
	static const unsigned char sel[] = { 0, 1, 0 };
	size_t m = rowj_open(&b, cols, 3, cells, sel);
	CHECK(m == 1);
	rowj_key(&b, &m, "countries");
	buf_adds(&b, "[]}");
	CHECK_STR(b.data, "{\"iso_2\":\"ca\",\"countries\":[]}");
	buf_reset(&b);
	static const unsigned char none[] = { 0, 0, 0 };
	m = rowj_open(&b, cols, 3, cells, none);
	CHECK(m == 0);
	rowj_key(&b, &m, "x");
	buf_adds(&b, "1}");
	CHECK_STR(b.data, "{\"x\":1}");
	/* rowj_begin: the row's object with relations added through the envelope writer */
	buf_reset(&b);
	struct env o;
	rowj_begin(&o, &b, cols, 3, cells, sel);
	env_key(&o, "countries");
	buf_adds(&b, "[]");
	env_str(&o, "x\"", NULL);
	env_end(&o);
	CHECK_STR(b.data, "{\"iso_2\":\"ca\",\"countries\":[],\"x\\\"\":null}");
	buf_reset(&b);
	rowj_begin(&o, &b, cols, 3, cells, none);
	env_int(&o, "n", 1);
	env_end(&o);
	CHECK_STR(b.data, "{\"n\":1}");
	buf_release(&b);
	HARNESS_EXIT();
}
