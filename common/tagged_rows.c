/*
 * tagged_rows: see tagged_rows.h.
 */
#include "common/tagged_rows.h"

#include <stdlib.h>
#include <string.h>

/* a before b in an ascending ORDER BY of utf8mb4_bin text: by bytes, NULL first */
static int cell_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return !!a - !!b;
	return strcmp(a, b);
}

struct sort_row {
	char **cells; /* the row's cells after its kind */
	size_t kind, pos;
};

static int row_cmp(const void *pa, const void *pb, void *vkinds)
{
	const struct sort_row *a = pa, *b = pb;
	const struct tagged_kind *kinds = vkinds;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	const struct tagged_kind *k = &kinds[a->kind];
	for (unsigned i = 0; i < k->nkeys; i++) {
		int c = cell_cmp(a->cells[k->key[i]], b->cells[k->key[i]]);
		if (c)
			return c;
	}
	/* equal keys keep the order they came in (qsort is not stable) */
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

int tagged_split(struct arena *a, const struct db_rows *all, const struct tagged_kind *kinds, size_t nkinds,
		 struct db_rows *out)
{
	unsigned width = 0;
	for (size_t k = 0; k < nkinds; k++) {
		out[k] = (struct db_rows){ kinds[k].ncols, 0, NULL };
		if (kinds[k].ncols > width)
			width = kinds[k].ncols;
	}
	if (all->ncols != 1 + width)
		return -1;
	struct sort_row *rows = arena_alloc(a, sizeof(*rows) * (all->nrows ? all->nrows : 1));
	for (size_t i = 0; i < all->nrows; i++) {
		char **cells = &all->cells[i * all->ncols];
		char *end = NULL;
		long k = cells[0] ? strtol(cells[0], &end, 10) : -1;
		if (k < 0 || (size_t)k >= nkinds || end == cells[0] || *end)
			return -1;
		rows[i] = (struct sort_row){ cells + 1, (size_t)k, i };
		out[k].nrows++;
	}
	qsort_r(rows, all->nrows, sizeof(*rows), row_cmp, (void *)kinds);
	size_t i = 0;
	for (size_t k = 0; k < nkinds; k++) {
		unsigned w = kinds[k].ncols;
		out[k].cells = arena_alloc(a, sizeof(char *) * w * (out[k].nrows ? out[k].nrows : 1));
		for (size_t r = 0; r < out[k].nrows; r++, i++)
			memcpy(&out[k].cells[r * w], rows[i].cells, sizeof(char *) * w);
	}
	return 0;
}
