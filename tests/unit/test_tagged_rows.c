/*
 * Unit tests of common/tagged_rows.c: the rows of a tagged UNION ALL (the cart read) split per
 * kind and put in each kind's ORDER BY order, whatever order the server sent them in.
 */
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/tagged_rows.h"
#include "tests/unit/harness.h"

/* rows of width 1 + 3: kind, then up to 3 cells ("-" for NULL) */
static struct db_rows rows_of(struct arena *a, const char *const spec[][4], size_t n)
{
	struct db_rows r = { 4, n, arena_alloc(a, sizeof(char *) * 4 * (n ? n : 1)) };
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < 4; c++)
			r.cells[i * 4 + c] = strcmp(spec[i][c], "-") == 0 ? NULL : (char *)spec[i][c];
	return r;
}

int main(void)
{
	struct arena a;
	arena_init(&a, 4096);
	/* kind 0: one row of 3; kind 1 (items): 2 cells ordered by created_at (1), then id (0);
	 * kind 2 (tax lines): 3 cells ordered by owner (0), then created_at (2) */
	const struct tagged_kind kinds[3] = { { 3, 0, { 0 } }, { 2, 2, { 1, 0 } }, { 3, 2, { 0, 2 } } };
	const char *const spec[][4] = {
		{ "2", "item_b", "20", "2026-01-01 00:00:00.001" },
		{ "1", "item_z", "2026-01-01 00:00:00.002", "-" },
		{ "1", "item_y", "2026-01-01 00:00:00.001", "-" },
		{ "0", "cart_1", "-", "x" },
		{ "1", "item_x", "2026-01-01 00:00:00.001", "-" },
		{ "2", "item_a", "7.5", "2026-01-01 00:00:00.002" },
		{ "2", "item_a", "20", "2026-01-01 00:00:00.001" },
		{ "1", "item_w", "-", "-" },
	};
	struct db_rows all = rows_of(&a, spec, 8), out[3];
	CHECK(tagged_split(&a, &all, kinds, 3, out) == 0);
	CHECK(out[0].nrows == 1 && out[0].ncols == 3);
	CHECK_STR(db_cell(&out[0], 0, 0), "cart_1");
	CHECK(db_cell(&out[0], 0, 1) == NULL);
	CHECK_STR(db_cell(&out[0], 0, 2), "x");
	/* by created_at (NULL first, as MariaDB's ascending order), equal ones by id */
	CHECK(out[1].nrows == 4 && out[1].ncols == 2);
	CHECK_STR(db_cell(&out[1], 0, 0), "item_w");
	CHECK_STR(db_cell(&out[1], 1, 0), "item_x");
	CHECK_STR(db_cell(&out[1], 2, 0), "item_y");
	CHECK_STR(db_cell(&out[1], 3, 0), "item_z");
	/* grouped by owner, each owner's by creation */
	CHECK(out[2].nrows == 3 && out[2].ncols == 3);
	CHECK_STR(db_cell(&out[2], 0, 0), "item_a");
	CHECK_STR(db_cell(&out[2], 0, 1), "20");
	CHECK_STR(db_cell(&out[2], 1, 1), "7.5");
	CHECK_STR(db_cell(&out[2], 2, 0), "item_b");

	/* no rows: every kind empty */
	struct db_rows none = { 4, 0, NULL };
	CHECK(tagged_split(&a, &none, kinds, 3, out) == 0);
	CHECK(out[0].nrows == 0 && out[1].nrows == 0 && out[2].nrows == 0);

	/* not the expected shape: refused, nothing guessed */
	const char *const bad_kind[][4] = { { "3", "a", "b", "c" } };
	struct db_rows bad = rows_of(&a, bad_kind, 1);
	CHECK(tagged_split(&a, &bad, kinds, 3, out) == -1);
	const char *const null_kind[][4] = { { "-", "a", "b", "c" } };
	bad = rows_of(&a, null_kind, 1);
	CHECK(tagged_split(&a, &bad, kinds, 3, out) == -1);
	const char *const text_kind[][4] = { { "1x", "a", "b", "c" } };
	bad = rows_of(&a, text_kind, 1);
	CHECK(tagged_split(&a, &bad, kinds, 3, out) == -1);
	struct db_rows narrow = { 3, 0, NULL };
	CHECK(tagged_split(&a, &narrow, kinds, 3, out) == -1);
	arena_release(&a);
	HARNESS_EXIT();
}
