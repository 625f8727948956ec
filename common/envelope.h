/*
 * envelope: the JSON around entities that other writers render (rowjson,
 * order_json, customer_json, ...): the one-entity answer {"key":<entity>},
 * the list answer {"key":[<item>,...],"count":n,"limit":l,"offset":o}, and
 * small objects of a few members. A handler names the keys and writes the
 * values; this module writes the braces, the brackets and the commas, and
 * every key goes through the JSON string writer, so no handler writes JSON
 * punctuation or a quoted key by hand (STYLE.md: one JSON writer).
 *
 * A struct env is a cursor on one open object or list in a buf it borrows;
 * it holds no memory and needs no release. Nested values get a cursor each:
 *
 *	struct env e, l;
 *	env_object(&e, out);
 *	env_key_list(&e, "regions", &l);
 *	for (...) { env_item(&l); region_json(out, ...); }
 *	env_end(&l);
 *	env_page(&e, count, limit, offset, ENV_COUNT_LIMIT_OFFSET);
 *	env_end(&e);
 */
#ifndef ENVELOPE_H
#define ENVELOPE_H
#include <stddef.h>

#include "common/buf.h"

struct env {
	struct buf *b; /* borrowed */
	size_t n;      /* members (object) or items (list) written so far */
	char close;    /* '}' or ']' */
};

/* Appends "{" and points e at the new object. */
void env_object(struct env *e, struct buf *b);
/* Appends "[" and points e at the new list. */
void env_list(struct env *e, struct buf *b);
/*
 * Points e at an object whose "{" and first members another writer already
 * appended to b (members > 0), so the next key gets its ",".
 */
void env_resume(struct env *e, struct buf *b, size_t members);
/* Closes what e points at: "}" or "]". */
void env_end(struct env *e);

/* Appends the member's key: ",\"key\":" ("," only after a member); the caller writes the value. */
void env_key(struct env *e, const char *key);
/* Before each item of a list: "," after the first; the caller writes the item. */
void env_item(struct env *e);

/* A member whose value is a number written as JavaScript writes it. */
void env_num(struct env *e, const char *key, double v);
/* A member whose value is an integer. */
void env_int(struct env *e, const char *key, long long v);
/* A member whose value is a string (NULL: null). */
void env_str(struct env *e, const char *key, const char *v);
/* A member whose value is true or false. */
void env_bool(struct env *e, const char *key, int v);
/* A member whose value is JSON text already rendered (NULL or empty: null). */
void env_raw(struct env *e, const char *key, const char *json);
/* A member whose value is a list: appends the key and "[", points l at the list. */
void env_key_list(struct env *e, const char *key, struct env *l);

/* {"key": : the envelope of one entity; the caller writes the entity, then env_end(e). */
void env_one(struct env *e, struct buf *b, const char *key);
/* The whole answer {"key":[]} (a list that is empty whatever was asked). */
void env_empty_list(struct buf *b, const char *key);

/* The paging members of a list envelope, in the order the route's Medusa answer has them. */
enum env_page_order {
	ENV_COUNT_LIMIT_OFFSET, /* regions, collections */
	ENV_COUNT_OFFSET_LIMIT, /* products, categories, tags, types, orders */
};
/* Appends "count" (an integer), then "limit" and "offset" (numbers) in the given order. */
void env_page(struct env *e, long long count, double limit, double offset, enum env_page_order order);
#endif
