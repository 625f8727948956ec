/*
 * envelope: separators and escaped keys around values other writers render.
 * Everything is appended to the caller's buf; nothing is kept or allocated
 * here beyond what buf does.
 */
#include "common/envelope.h"

#include "common/json.h"

void env_object(struct env *e, struct buf *b)
{
	e->b = b;
	e->n = 0;
	e->close = '}';
	buf_addc(b, '{');
}

void env_list(struct env *e, struct buf *b)
{
	e->b = b;
	e->n = 0;
	e->close = ']';
	buf_addc(b, '[');
}

void env_resume(struct env *e, struct buf *b, size_t members)
{
	e->b = b;
	e->n = members;
	e->close = '}';
}

void env_end(struct env *e)
{
	buf_addc(e->b, e->close);
}

void env_key(struct env *e, const char *key)
{
	if (e->n++)
		buf_addc(e->b, ',');
	json_w_strz(e->b, key);
	buf_addc(e->b, ':');
}

void env_item(struct env *e)
{
	if (e->n++)
		buf_addc(e->b, ',');
}

void env_num(struct env *e, const char *key, double v)
{
	env_key(e, key);
	json_w_number(e->b, v);
}

void env_int(struct env *e, const char *key, long long v)
{
	env_key(e, key);
	buf_addll(e->b, v);
}

void env_str(struct env *e, const char *key, const char *v)
{
	env_key(e, key);
	json_w_strz(e->b, v);
}

void env_bool(struct env *e, const char *key, int v)
{
	env_key(e, key);
	buf_adds(e->b, v ? "true" : "false");
}

void env_raw(struct env *e, const char *key, const char *json)
{
	env_key(e, key);
	buf_adds(e->b, json && *json ? json : "null");
}

void env_key_list(struct env *e, const char *key, struct env *l)
{
	env_key(e, key);
	env_list(l, e->b);
}

void env_one(struct env *e, struct buf *b, const char *key)
{
	env_object(e, b);
	env_key(e, key);
}

void env_empty_list(struct buf *b, const char *key)
{
	struct env e, l;
	env_object(&e, b);
	env_key_list(&e, key, &l);
	env_end(&l);
	env_end(&e);
}

void env_page(struct env *e, long long count, double limit, double offset, enum env_page_order order)
{
	env_int(e, "count", count);
	if (order == ENV_COUNT_LIMIT_OFFSET) {
		env_num(e, "limit", limit);
		env_num(e, "offset", offset);
	} else {
		env_num(e, "offset", offset);
		env_num(e, "limit", limit);
	}
}
