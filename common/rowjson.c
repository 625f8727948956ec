/*
 * rowjson: entity rows to JSON. Cells are borrowed; nothing is kept.
 */
#include "common/rowjson.h"

#include <stdlib.h>
#include <string.h>

#include "common/customer_json.h"
#include "common/envelope.h"
#include "common/json.h"

void rowj_value(struct buf *b, enum rowj_kind kind, const char *cell)
{
	if (!cell) {
		buf_add(b, "null", 4);
		return;
	}
	switch (kind) {
	case RJ_STR:
		json_w_strz(b, cell);
		return;
	case RJ_INT:
	case RJ_NUM: {
		char *end;
		double v = strtod(cell, &end);
		if (end == cell || *end)
			json_w_strz(b, cell); /* not a number: never expected, but never invalid JSON */
		else
			json_w_number(b, v);
		return;
	}
	case RJ_BOOL:
		buf_adds(b, strcmp(cell, "0") == 0 ? "false" : "true");
		return;
	case RJ_TIME:
		customer_json_time(b, cell);
		return;
	case RJ_JSONB: {
		struct json_object *v = NULL;
		/* the stored text is ours (the import wrote it), so depth is not a client's choice */
		if (json_parse_strict(cell, strlen(cell), 512, &v, NULL) != JSON_PARSE_OK) {
			buf_add(b, "null", 4);
			return;
		}
		json_w_canonical(b, v);
		json_object_put(v);
		return;
	}
	}
}

void rowj_key(struct buf *b, size_t *members, const char *key)
{
	struct env o;
	env_resume(&o, b, *members);
	env_key(&o, key);
	*members = o.n;
}

size_t rowj_open(struct buf *b, const struct rowj_col *cols, size_t n, char *const *cells, const unsigned char *sel)
{
	struct env o;
	env_object(&o, b);
	for (size_t i = 0; i < n; i++) {
		if (sel && !sel[i])
			continue;
		env_key(&o, cols[i].name);
		rowj_value(b, cols[i].kind, cells[i]);
	}
	return o.n;
}

void rowj_begin(struct env *o, struct buf *b, const struct rowj_col *cols, size_t n, char *const *cells,
		const unsigned char *sel)
{
	env_resume(o, b, rowj_open(b, cols, n, cells, sel));
}

void rowj_object(struct buf *b, const struct rowj_col *cols, size_t n, char *const *cells, const unsigned char *sel)
{
	rowj_open(b, cols, n, cells, sel);
	buf_addc(b, '}');
}
