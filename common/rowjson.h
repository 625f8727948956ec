/*
 * rowjson: a database row (text cells, as sql/db.c returns them) written as a
 * Medusa entity object, keys in the entity's column order. A column table says
 * each key's JSON kind once; the store that selects the row lists its columns
 * in the same order. Used by the catalogue's plain entities (regions,
 * countries, collections, categories, tags, types, shipping options, return
 * reasons, gift cards), whose JSON is their columns plus relations.
 */
#ifndef ROWJSON_H
#define ROWJSON_H
#include <stddef.h>

#include "common/buf.h"
#include "common/envelope.h"

enum rowj_kind {
	RJ_STR,   /* text, or null */
	RJ_INT,   /* integer text printed as a number (null for NULL) */
	RJ_BOOL,  /* "0"/"1" as false/true */
	RJ_NUM,   /* decimal text (a Postgres real) printed as JavaScript prints the number */
	RJ_TIME,  /* DATETIME(3) text as "YYYY-MM-DDTHH:MM:SS.mmmZ" */
	RJ_JSONB, /* JSON text (a jsonb column): keys in jsonb-read-by-JavaScript order */
};

struct rowj_col {
	const char *name;
	enum rowj_kind kind;
};

/* Appends the value of one cell (NULL cell: null). */
void rowj_value(struct buf *b, enum rowj_kind kind, const char *cell);

/*
 * Appends "{" and the members of cells[0..n) named by cols[0..n); only the
 * columns whose sel[i] is non-zero when sel is non-NULL. Leaves the object
 * open (no "}") so the caller can add relations; returns the number of
 * members written (so the caller knows whether a "," is due).
 */
size_t rowj_open(struct buf *b, const struct rowj_col *cols, size_t n, char *const *cells, const unsigned char *sel);

/*
 * rowj_open, with o pointed at the open object: the caller adds relations with env_key (or
 * env_str, env_key_list, ...) and closes it with env_end(o).
 */
void rowj_begin(struct env *o, struct buf *b, const struct rowj_col *cols, size_t n, char *const *cells,
		const unsigned char *sel);

/* Appends ",\"key\":" or "\"key\":" (*members == 0: no member precedes); counts it. */
void rowj_key(struct buf *b, size_t *members, const char *key);

/* rowj_open + "}". */
void rowj_object(struct buf *b, const struct rowj_col *cols, size_t n, char *const *cells, const unsigned char *sel);
#endif
