/*
 * catalogue_util: see the header. No state.
 */
#include "cgi/catalogue_util.h"

#include <string.h>

#include "common/customer_json.h"
#include "common/envelope.h"
#include "common/json.h"
#include "common/query.h"
#include "common/respond.h"

void catq_dates(struct req *r, const struct qe_query *q, const char *name, struct store_dates *out)
{
	long long ms[4];
	int has[4];
	memset(out, 0, sizeof(*out));
	if (!qe_dates(q, name, ms, has))
		return;
	for (int i = 0; i < 4; i++) {
		if (!has[i])
			continue;
		/* DATETIME(3) holds years up to 9999 */
		long long v = ms[i] > 253402300799999LL ? 253402300799999LL : ms[i] < 0 ? 0 : ms[i];
		char *t = arena_alloc(&r->arena, 24);
		customer_db_time(v, t);
		t[23] = '\0';
		out->op[i] = t;
	}
}

const char *catq_json_list(struct req *r, const struct qe_query *q, const char *name)
{
	const char **v = NULL;
	size_t n = qe_strings(&r->arena, q, name, &v);
	if (!v)
		return NULL;
	struct buf b;
	struct env list;
	buf_init(&b);
	env_list(&list, &b);
	for (size_t i = 0; i < n; i++) {
		env_item(&list);
		json_w_strz(&b, v[i]);
	}
	env_end(&list);
	char *s = arena_strndup(&r->arena, b.data, b.len);
	buf_release(&b);
	return s;
}

enum api_err catq_get(struct req *r, const struct qe_route *route, const char **id, struct qe_query *q)
{
	*id = catq_param(r, 0);
	if (!*id)
		return r->err;
	return qe_parse_req(r, route, q);
}

const char *catq_param(struct req *r, int i)
{
	const char *raw = r->params[i];
	char *s = query_decode_component(&r->arena, raw, strlen(raw));
	if (!s)
		respond_fail(r, E_INVALID_DATA, "URI malformed");
	return s;
}

unsigned char *catq_select(struct req *r, const struct qe_query *q, const struct rowj_col *cols, size_t n)
{
	unsigned char *sel = arena_alloc(&r->arena, n ? n : 1);
	for (size_t i = 0; i < n; i++)
		sel[i] = (unsigned char)qe_field(q, cols[i].name);
	return sel;
}

/* Appends the rows whose column key_col equals key (all with NULL), as objects of cols from column c0. */
void catq_linked(struct buf *b, const struct db_rows *rows, unsigned key_col, const char *key,
		 const struct rowj_col *cols, size_t ncols, unsigned c0)
{
	struct env l;
	env_list(&l, b);
	for (size_t i = 0; i < rows->nrows; i++) {
		const char *k = key ? db_cell(rows, i, key_col) : NULL;
		if (key && (!k || strcmp(k, key) != 0))
			continue;
		env_item(&l);
		rowj_object(b, cols, ncols, &rows->cells[i * rows->ncols + c0], NULL);
	}
	env_end(&l);
}
