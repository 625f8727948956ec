/*
 * return_reasons: GET /store/return-reasons and /store/return-reasons/:id.
 *
 * The list holds the top-level reasons (parent_return_reason_id IS NULL),
 * each with parent_return_reason and return_reason_children; retrieve
 * answers any reason the same way. The reason itself is written without its
 * metadata (Medusa's store select), its parent and children with every
 * column. Neither route validates its query. The table is small and read
 * whole (one statement), then joined here.
 */
#include <string.h>

#include "cgi/catalogue.h"
#include "cgi/catalogue_util.h"
#include "cgi/router.h"
#include "common/envelope.h"
#include "common/respond.h"
#include "sql/taxonomy_store.h"

/* The store's select: every column but metadata. */
static const unsigned char reason_sel[RETURN_REASON_NCOLS] = { 1, 1, 1, 1, 1, 1, 1, 1, 0 };
#define RR_PARENT 7

static char **row(const struct db_rows *rows, size_t i)
{
	return &rows->cells[i * rows->ncols];
}

static void reason_json(struct buf *b, const struct db_rows *rows, size_t i)
{
	char **cells = row(rows, i);
	struct env o;
	rowj_begin(&o, b, return_reason_cols, RETURN_REASON_NCOLS, cells, reason_sel);
	env_key(&o, "parent_return_reason");
	size_t parent = rows->nrows;
	for (size_t k = 0; cells[RR_PARENT] && k < rows->nrows; k++)
		if (strcmp(row(rows, k)[0], cells[RR_PARENT]) == 0)
			parent = k;
	if (parent < rows->nrows)
		rowj_object(b, return_reason_cols, RETURN_REASON_NCOLS, row(rows, parent), NULL);
	else
		buf_adds(b, "null");
	env_key(&o, "return_reason_children");
	catq_linked(b, rows, RR_PARENT, cells[0], return_reason_cols, RETURN_REASON_NCOLS, 0);
	env_end(&o);
}

enum api_err return_reasons_list(struct req *r)
{
	struct db_rows rows;
	enum store_rc rc = return_reason_store_all(&r->w->db, &r->arena, &rows);
	if (rc != STORE_OK)
		return store_fail(rc);
	struct env ans, list;
	env_object(&ans, r->out);
	env_key_list(&ans, "return_reasons", &list);
	for (size_t i = 0; i < rows.nrows; i++) {
		if (row(&rows, i)[RR_PARENT])
			continue;
		env_item(&list);
		reason_json(r->out, &rows, i);
	}
	env_end(&list);
	env_end(&ans);
	return API_OK;
}

enum api_err return_reasons_get(struct req *r)
{
	const char *id = catq_param(r, 0);
	if (!id)
		return r->err;
	struct db_rows rows;
	enum store_rc rc = return_reason_store_all(&r->w->db, &r->arena, &rows);
	if (rc != STORE_OK)
		return store_fail(rc);
	for (size_t i = 0; i < rows.nrows; i++) {
		if (strcmp(row(&rows, i)[0], id) != 0)
			continue;
		struct env ans;
		env_one(&ans, r->out, "return_reason");
		reason_json(r->out, &rows, i);
		env_end(&ans);
		return API_OK;
	}
	return respond_fail(r, E_NOT_FOUND, "Return Reason with id: %s was not found.", id);
}
