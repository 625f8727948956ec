/*
 * tagged_rows: the rows of one UNION ALL of tagged rows split back into one result per relation
 * (the cart read, sql/cart_store.c: one statement, one round trip, instead of one per relation).
 * Cell 0 of every row is the kind (0 .. nkinds-1 as text), then the kind's own columns, padded
 * with NULLs to the widest kind. MariaDB streams a UNION ALL without ORDER BY and ignores the
 * ORDER BY of its branches, so each kind is ordered here by its key columns, as an ascending
 * ORDER BY on those columns of a utf8mb4_bin table orders them (bytes; NULL first; timestamps
 * as their fixed-width text "YYYY-MM-DD HH:MM:SS.mmm").
 */
#ifndef TAGGED_ROWS_H
#define TAGGED_ROWS_H
#include <stddef.h>

#include "common/arena.h"
#include "sql/db.h"

/* A kind of row: its width and the columns (of its own, 0-based) it is ordered by. */
struct tagged_kind {
	unsigned ncols, nkeys, key[3];
};

/*
 * out[k] = the rows of kind k (ncols of kinds[k]), in their order; cells are all's, the arrays
 * arena memory. -1 (out undefined) when all is not of that shape: a width other than 1 + the
 * widest kind, or a kind cell that is not one of the kinds.
 */
int tagged_split(struct arena *a, const struct db_rows *all, const struct tagged_kind *kinds, size_t nkinds,
		 struct db_rows *out);
#endif
