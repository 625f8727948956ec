/*
 * import: the catalogue import (docs/IMPORT.md). One file is one transaction (db_transaction);
 * every entity is found by its natural key, and written only when a value differs, so a
 * second import of the same file writes nothing and moves no updated_at. A value the entry
 * does not give keeps what the row has (an entry naming an existing product by handle can add
 * tags to it and change nothing else); a new row gets Medusa's default. Lists of links that an
 * entry gives (tags, categories, images, countries, ...) become exactly that list.
 *
 * Problems do not stop the run: each one appends a line "FILE: path: what" and the work goes
 * on, so one run names every problem; then the transaction is rolled back. Lines are printed
 * only after the last attempt (db_transaction may run the work again after a conflict).
 *
 * Memory: one arena per file, released at the end; json-c root owned here.
 */
#include "sql/import.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/config.h"
#include "common/envelope.h"
#include "common/json.h"
#include "common/password.h"
#include "common/ulid.h"
#include "sql/db.h"

#define IMPORT_MAX_FILE (64L << 20)
#define IMPORT_JSON_DEPTH 64

struct idpair {
	const char *file_id, *id;
};

struct idmap {
	struct idpair *v;
	size_t n, cap;
};

struct imp {
	struct db *db;
	struct arena *a;
	const char *file;
	struct json_object *root;
	struct buf errs;
	struct buf notes;         /* printed after the commit: what a user needs to know (key ids) */
	int nerr;
	long changes;
	char now[64];             /* "YYYY-MM-DD HH:MM:SS.mmm" UTC, every row of this import */
	long long now_ms;
	char last[ULID_LEN + 1];  /* the previous ULID: ids ascend in file order */
	struct password_params pw;
	struct idmap regions, collections, categories;
	struct idmap seen;        /* "kind\x1fkey" -> path of the entry that gave it */
	const char *channel, *profile_default, *profile_gift;
};

/* ------------------------------------------------------------------------------------------ */
/* problems, paths, ids */

static void problem(struct imp *im, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(struct imp *im, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_addf(&im->errs, "%s: %s: %s\n", im->file, *path ? path : "(top level)", msg);
	im->nerr++;
}

static void db_problem(struct imp *im, const char *path, enum db_rc rc)
{
	if (rc == DB_DUPLICATE)
		problem(im, path, "duplicate value for the unique key %s", im->db->dup_key);
	else if (rc == DB_FK)
		problem(im, path, "refers to a row that does not exist");
	else
		problem(im, path, "database error %u", im->db->last_errno);
}

static const char *at(struct imp *im, const char *path, const char *key)
{
	return *path ? arena_printf(im->a, "%s.%s", path, key) : arena_strdup(im->a, key);
}

static const char *idx(struct imp *im, const char *path, size_t i)
{
	return arena_printf(im->a, "%s[%zu]", path, i);
}

/*
 * prefix_ + a ULID greater than the previous one of this import (one time part, then
 * ulid_next), so ORDER BY id is file order.
 */
static const char *new_id(struct imp *im, const char *prefix)
{
	if (!im->last[0] ? ulid_at(im->now_ms, im->last) != 0 : ulid_next(im->last) != 0)
		abort();   /* the RNG failed, or 2^80 ids in one import */
	return arena_printf(im->a, "%s_%s", prefix, im->last);
}

static void idmap_put(struct imp *im, struct idmap *m, const char *file_id, const char *id)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct idpair *v = arena_alloc(im->a, cap * sizeof(*v));
		if (m->n)
			memcpy(v, m->v, m->n * sizeof(*v));
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].file_id = file_id;
	m->v[m->n].id = id;
	m->n++;
}

static const char *idmap_get(const struct idmap *m, const char *file_id)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].file_id, file_id) == 0)
			return m->v[i].id;
	return NULL;
}

/*
 * 1 the first time this file names (kind, key); else a problem (two entries with one natural
 * key would silently merge into one row) and 0: the caller skips the entry.
 */
static int once_as(struct imp *im, const char *path, const char *kind, const char *key, const char *shown)
{
	if (!key)
		return 0;
	const char *k = arena_printf(im->a, "%s\x1f%s", kind, key);
	const char *first = idmap_get(&im->seen, k);
	if (first) {
		problem(im, path, "%s \"%s\" is also given at %s", kind, shown, first);
		return 0;
	}
	idmap_put(im, &im->seen, k, path);
	return 1;
}

static int once(struct imp *im, const char *path, const char *kind, const char *key)
{
	return once_as(im, path, kind, key, key);
}

/* ------------------------------------------------------------------------------------------ */
/* JSON access */

static struct json_object *get(struct json_object *o, const char *key, int *present)
{
	struct json_object *v = NULL;
	int has = json_object_object_get_ex(o, key, &v);
	if (present)
		*present = has;
	return has ? v : NULL;
}

/* Reports every key of o that is not in allowed (NULL-terminated). */
static void check_keys(struct imp *im, const char *path, struct json_object *o, const char *const *allowed)
{
	json_object_object_foreach(o, k, v) {
		(void)v;
		size_t i = 0;
		while (allowed[i] && strcmp(allowed[i], k) != 0)
			i++;
		if (!allowed[i])
			problem(im, at(im, path, k), "unknown key");
	}
}

static int is_obj(struct imp *im, const char *path, struct json_object *o)
{
	if (json_object_is_type(o, json_type_object))
		return 1;
	problem(im, path, "must be an object");
	return 0;
}

/* The array at key (NULL when absent or null); a problem if it is something else. */
static struct json_object *arr(struct imp *im, const char *path, struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key, NULL);
	if (!v)
		return NULL;
	if (!json_object_is_type(v, json_type_array)) {
		problem(im, at(im, path, key), "must be an array");
		return NULL;
	}
	return v;
}

/* A non-empty string at key, or NULL (absent: a problem only when required). */
static const char *str(struct imp *im, const char *path, struct json_object *o, const char *key, int required)
{
	struct json_object *v = get(o, key, NULL);
	if (!v) {
		if (required)
			problem(im, at(im, path, key), "required");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0) {
		problem(im, at(im, path, key), "must be a non-empty string");
		return NULL;
	}
	return json_object_get_string(v);
}

/* A non-empty string element of an array (path is the element's). */
static const char *elem_str(struct imp *im, const char *path, struct json_object *v)
{
	if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0) {
		problem(im, path, "must be a non-empty string");
		return NULL;
	}
	return json_object_get_string(v);
}

/* ------------------------------------------------------------------------------------------ */
/* columns: JSON value -> SQL text, with "absent keeps the row's value" */

enum kind { K_STR, K_INT, K_BOOL, K_JSON, K_DATE, K_RATE, K_LOWER, K_FIX };

struct col {
	const char *key;
	enum kind kind;
	int nullable;
	int required;       /* for a new row */
	const char *def;    /* for a new row; NULL = SQL NULL */
};

static int parse_date(const char *s, char out[96])
{
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, n = 0;
	size_t len = strlen(s);
	if (len == 10 && sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10) {
		/* date only */
	} else if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) == 6 && n == 19) {
		const char *r = s + 19;
		if (*r == '.') {
			int digits = 0;
			r++;
			while (*r >= '0' && *r <= '9') {
				if (digits < 3)
					ms = ms * 10 + (*r - '0');
				digits++;
				r++;
			}
			if (digits == 0)
				return -1;
			for (; digits < 3; digits++)
				ms *= 10;
		}
		if (strcmp(r, "Z") != 0)
			return -1;
	} else {
		return -1;
	}
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59)
		return -1;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	snprintf(out, 96, "%04d-%02d-%02d %02d:%02d:%02d.%03d", y, mo, d, h, mi, sec, ms);
	return 0;
}

/* Decimal text of a JSON number as JavaScript prints it ("7.5", "20"). */
static const char *rate_text(struct imp *im, struct json_object *v)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	json_w_number(&b, json_object_get_double(v));
	const char *s = arena_strndup(im->a, b.data, b.len);
	buf_release(&b);
	return s;
}

static const char *json_text(struct imp *im, struct json_object *v)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	json_w_canonical(&b, v);
	const char *s = arena_strndup(im->a, b.data, b.len);
	buf_release(&b);
	return s;
}

/* SQL text of one value, or NULL for SQL NULL; *bad set on a problem. */
static const char *value_text(struct imp *im, const char *path, const struct col *c, struct json_object *v, int *bad)
{
	if (!v) {
		if (!c->nullable) {
			problem(im, path, "must not be null");
			*bad = 1;
		}
		return NULL;
	}
	switch (c->kind) {
	case K_STR:
	case K_LOWER:
		if (!json_object_is_type(v, json_type_string))
			break;
		return c->kind == K_LOWER ? arena_strdup_lower(im->a, json_object_get_string(v))
					  : arena_strdup(im->a, json_object_get_string(v));
	case K_INT:
		if (!json_object_is_type(v, json_type_int))
			break;
		errno = 0;
		long long n = json_object_get_int64(v);
		if (errno || n < INT_MIN || n > INT_MAX) {
			problem(im, path, "out of range");
			*bad = 1;
			return NULL;
		}
		return arena_printf(im->a, "%lld", n);
	case K_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			break;
		return json_object_get_boolean(v) ? "1" : "0";
	case K_JSON:
		if (!json_object_is_type(v, json_type_object))
			break;
		return json_text(im, v);
	case K_DATE:
		if (!json_object_is_type(v, json_type_string))
			break;
		char d[96];
		if (parse_date(json_object_get_string(v), d) != 0) {
			problem(im, path, "must be a date like 2020-12-31T00:00:00.000Z");
			*bad = 1;
			return NULL;
		}
		return arena_strdup(im->a, d);
	case K_RATE:
		if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
			break;
		if (!isfinite(json_object_get_double(v))) {
			problem(im, path, "must be a finite number");
			*bad = 1;
			return NULL;
		}
		return rate_text(im, v);
	case K_FIX:
		return NULL;
	}
	static const char *const names[] = { "a string", "an integer", "true or false", "an object",
					     "a date string", "a number", "a string", "" };
	problem(im, path, "must be %s%s", names[c->kind], c->nullable ? " or null" : "");
	*bad = 1;
	return NULL;
}

/*
 * Fills p[0..n) from o by cols: a key the entry gives wins, else the row's value (row is
 * "id, col0, col1, ..." as the entity's find statement returns it), else the default. K_FIX
 * columns are left for the caller. Returns 0, or -1 after reporting problems.
 */
static int fill(struct imp *im, const char *path, struct json_object *o, const struct col *cols, unsigned n,
		char **row, const char **p)
{
	int bad = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct col *c = &cols[i];
		if (c->kind == K_FIX)
			continue;
		int present = 0;
		struct json_object *v = o ? get(o, c->key, &present) : NULL;
		if (present)
			p[i] = value_text(im, at(im, path, c->key), c, v, &bad);
		else if (row)
			p[i] = row[i + 1];
		else if (c->required) {
			problem(im, at(im, path, c->key), "required");
			bad = 1;
		} else
			p[i] = c->def;
	}
	return bad ? -1 : 0;
}

/* ------------------------------------------------------------------------------------------ */
/* entities: find by natural key, insert, or update when a value differs */

struct ent {
	const char *prefix;
	const char *find;     /* SELECT id, <cols> ... WHERE <natural key> */
	const char *insert;   /* (id, <cols>, created_at, updated_at) */
	const char *update;   /* SET <cols>, updated_at WHERE id */
	const struct col *cols;
	unsigned ncols;
	int timestamps;       /* 0: insert (id, <cols>), update SET <cols> WHERE id */
};

#define MAX_COLS 24

/* Row of the entity with these key values, or NULL (also on error: reported). */
static char **find(struct imp *im, const char *path, const struct ent *e, const char *const *keys, unsigned nkeys)
{
	struct db_param kp[8];
	for (unsigned i = 0; i < nkeys; i++)
		kp[i] = db_str(keys[i]);
	struct db_rows r;
	enum db_rc rc = db_exec(im->db, im->a, e->find, kp, nkeys, &r, NULL);
	if (rc != DB_OK) {
		db_problem(im, path, rc);
		return NULL;
	}
	return r.nrows ? &r.cells[0] : NULL;
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/*
 * Writes p as the entity's row: an insert (id = given_id or a new one) when row is NULL,
 * an update when a value differs from row. Returns the id, or NULL on a database problem.
 */
static const char *write_row(struct imp *im, const char *path, const struct ent *e, char **row, const char **p,
			     const char *given_id)
{
	struct db_param q[MAX_COLS + 3];
	unsigned n = 0;
	const char *id;
	const char *sql;
	if (row) {
		id = row[0];
		unsigned i = 0;
		while (i < e->ncols && same(row[i + 1], p[i]))
			i++;
		if (i == e->ncols)
			return id;
		for (i = 0; i < e->ncols; i++)
			q[n++] = db_str(p[i]);
		if (e->timestamps)
			q[n++] = db_str(im->now);
		q[n++] = db_str(id);
		sql = e->update;
	} else {
		id = given_id ? given_id : new_id(im, e->prefix);
		q[n++] = db_str(id);
		for (unsigned i = 0; i < e->ncols; i++)
			q[n++] = db_str(p[i]);
		if (e->timestamps) {
			q[n++] = db_str(im->now);
			q[n++] = db_str(im->now);
		}
		sql = e->insert;
	}
	enum db_rc rc = db_exec(im->db, im->a, sql, q, n, NULL, NULL);
	if (rc != DB_OK) {
		db_problem(im, path, rc);
		return NULL;
	}
	im->changes++;
	return id;
}

/* A statement that changes rows; counts the change. */
static int exec_change(struct imp *im, const char *path, const char *sql, const struct db_param *p, unsigned np)
{
	unsigned long long affected = 0;
	enum db_rc rc = db_exec(im->db, im->a, sql, p, np, NULL, &affected);
	if (rc != DB_OK) {
		db_problem(im, path, rc);
		return -1;
	}
	if (affected)
		im->changes++;
	return 0;
}

/* First column of the first row of a one-key lookup, or NULL. */
static const char *lookup(struct imp *im, const char *path, const char *sql, const char *key)
{
	struct db_param p = db_str(key);
	struct db_rows r;
	enum db_rc rc = db_exec(im->db, im->a, sql, &p, 1, &r, NULL);
	if (rc != DB_OK) {
		db_problem(im, path, rc);
		return NULL;
	}
	return r.nrows ? db_cell(&r, 0, 0) : NULL;
}

/*
 * Link rows of one owner become exactly want[0..n): missing ones are added, others deleted.
 * list: SELECT other WHERE owner = ?; add: (owner, other[, created_at, updated_at]);
 * del: WHERE owner = ? AND other = ?.
 */
struct link {
	const char *list, *add, *del;
	int timed;
};

static void link_set(struct imp *im, const char *path, const struct link *l, const char *owner,
		     const char *const *want, size_t n)
{
	struct db_param p[4] = { db_str(owner) };
	struct db_rows r;
	enum db_rc rc = db_exec(im->db, im->a, l->list, p, 1, &r, NULL);
	if (rc != DB_OK) {
		db_problem(im, path, rc);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!want[i])
			continue;
		size_t j = 0;
		while (j < r.nrows && strcmp(db_cell(&r, j, 0), want[i]) != 0)
			j++;
		size_t k = 0;
		while (k < i && !same(want[k], want[i]))
			k++;
		if (j < r.nrows || k < i)
			continue;
		p[1] = db_str(want[i]);
		p[2] = db_str(im->now);
		p[3] = db_str(im->now);
		exec_change(im, path, l->add, p, l->timed ? 4 : 2);
	}
	for (size_t j = 0; j < r.nrows; j++) {
		size_t i = 0;
		while (i < n && !same(want[i], db_cell(&r, j, 0)))
			i++;
		if (i < n)
			continue;
		p[1] = db_str(db_cell(&r, j, 0));
		exec_change(im, path, l->del, p, 2);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* references to rows of this file or of the database */

static const char SQL_REGION_BY_NAME[] = "SELECT id FROM region WHERE name_live = ?";
static const char SQL_REGION_BY_ID[] = "SELECT id FROM region WHERE id = ? AND deleted_at IS NULL";
static const char SQL_REGION_CURRENCY[] = "SELECT currency_code, tax_rate, gift_cards_taxable FROM region WHERE id = ?";
static const char SQL_PRODUCT_BY_HANDLE[] = "SELECT id FROM product WHERE handle_live = ?";
static const char SQL_TYPE_BY_VALUE[] = "SELECT id FROM product_type WHERE value_live = ?";
static const char SQL_TAG_BY_VALUE[] = "SELECT id FROM product_tag WHERE value_live = ?";
static const char SQL_COLLECTION_BY_HANDLE[] = "SELECT id FROM product_collection WHERE handle_live = ?";
static const char SQL_COLLECTION_BY_ID[] = "SELECT id FROM product_collection WHERE id = ? AND deleted_at IS NULL";
static const char SQL_CATEGORY_BY_ID[] = "SELECT id FROM product_category WHERE id = ?";
static const char SQL_CATEGORY_BY_HANDLE[] = "SELECT id FROM product_category WHERE handle = ?";
static const char SQL_GROUP_BY_NAME[] = "SELECT id FROM customer_group WHERE name_live = ?";
static const char SQL_CUSTOMER_BY_EMAIL[] =
	"SELECT id FROM customer WHERE email_live = ? ORDER BY has_account DESC LIMIT 1";
static const char SQL_CURRENCY[] = "SELECT code FROM currency WHERE code = ?";

/* A region by file id, name or id. */
static const char *region_ref(struct imp *im, const char *path, const char *s)
{
	if (!s)
		return NULL;
	const char *id = idmap_get(&im->regions, s);
	if (!id)
		id = lookup(im, path, SQL_REGION_BY_NAME, s);
	if (!id)
		id = lookup(im, path, SQL_REGION_BY_ID, s);
	if (!id)
		problem(im, path, "no region \"%s\" (give a region id of this file, a region name or id)", s);
	return id;
}

static const char *ref(struct imp *im, const char *path, const char *sql, const char *s, const char *what)
{
	if (!s)
		return NULL;
	const char *id = lookup(im, path, sql, s);
	if (!id)
		problem(im, path, "no %s \"%s\"", what, s);
	return id;
}

/* Each string of an array resolved by ref(); NULL entries for problems. */
static const char **refs(struct imp *im, const char *path, struct json_object *a, const char *sql, const char *what,
			 size_t *n)
{
	*n = a ? json_object_array_length(a) : 0;
	const char **v = arena_alloc(im->a, (*n + 1) * sizeof(*v));
	for (size_t i = 0; i < *n; i++) {
		const char *pi = idx(im, path, i);
		v[i] = ref(im, pi, sql, elem_str(im, pi, json_object_array_get_idx(a, i)), what);
	}
	return v;
}

static const char *currency_ref(struct imp *im, const char *path, const char *code)
{
	if (!code)
		return NULL;
	const char *lower = arena_strdup_lower(im->a, code);
	if (!lookup(im, path, SQL_CURRENCY, lower)) {
		problem(im, path, "unknown currency \"%s\"", code);
		return NULL;
	}
	return lower;
}

/* ------------------------------------------------------------------------------------------ */
/* store */

static const char SQL_STORE[] = "SELECT id, name, default_currency_code, metadata FROM store LIMIT 1";
static const char SQL_STORE_UPDATE[] =
	"UPDATE store SET name = ?, default_currency_code = ?, metadata = ?, updated_at = ? WHERE id = ?";
static const struct col store_cols[] = {
	{ "name", K_STR, 0, 0, "Medusa Store" },
	{ "default_currency_code", K_LOWER, 0, 0, "usd" },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent store_ent = { "store", SQL_STORE, NULL, SQL_STORE_UPDATE, store_cols, 3, 1 };
static const struct link store_currencies = {
	"SELECT currency_code FROM store_currencies WHERE store_id = ?",
	"INSERT INTO store_currencies (store_id, currency_code) VALUES (?, ?)",
	"DELETE FROM store_currencies WHERE store_id = ? AND currency_code = ?", 0,
};

static void do_store(struct imp *im, struct json_object *o)
{
	const char *path = "store";
	if (!is_obj(im, path, o))
		return;
	static const char *const keys[] = { "name", "default_currency_code", "currencies", "metadata", NULL };
	check_keys(im, path, o, keys);
	char **row = find(im, path, &store_ent, NULL, 0);
	if (!row)
		return;
	const char *p[3];
	if (fill(im, path, o, store_cols, 3, row, p) != 0)
		return;
	currency_ref(im, at(im, path, "default_currency_code"), p[1]);
	write_row(im, path, &store_ent, row, p, NULL);
	struct json_object *cur = arr(im, path, o, "currencies");
	if (cur) {
		size_t n = json_object_array_length(cur);
		const char **want = arena_alloc(im->a, (n + 1) * sizeof(*want));
		for (size_t i = 0; i < n; i++) {
			const char *pi = idx(im, at(im, path, "currencies"), i);
			want[i] = currency_ref(im, pi, elem_str(im, pi, json_object_array_get_idx(cur, i)));
		}
		link_set(im, path, &store_currencies, row[0], want, n);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* regions */

#define REGION_COLS "name, currency_code, tax_rate, tax_code, gift_cards_taxable, automatic_taxes, tax_provider_id, metadata"
static const struct col region_cols[] = {
	{ "name", K_STR, 0, 1, NULL },
	{ "currency_code", K_LOWER, 0, 1, NULL },
	{ "tax_rate", K_RATE, 0, 0, "0" },
	{ "tax_code", K_STR, 1, 0, NULL },
	{ "gift_cards_taxable", K_BOOL, 0, 0, "1" },
	{ "automatic_taxes", K_BOOL, 0, 0, "1" },
	{ "tax_provider_id", K_STR, 1, 0, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent region_ent = {
	"reg",
	"SELECT id, " REGION_COLS " FROM region WHERE name_live = ?",
	"INSERT INTO region (id, " REGION_COLS ", created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	"UPDATE region SET name = ?, currency_code = ?, tax_rate = ?, tax_code = ?, gift_cards_taxable = ?, "
	"automatic_taxes = ?, tax_provider_id = ?, metadata = ?, updated_at = ? WHERE id = ?",
	region_cols, 8, 1,
};
static const struct link region_payment = {
	"SELECT provider_id FROM region_payment_providers WHERE region_id = ?",
	"INSERT INTO region_payment_providers (region_id, provider_id) VALUES (?, ?)",
	"DELETE FROM region_payment_providers WHERE region_id = ? AND provider_id = ?", 0,
};
static const struct link region_fulfillment = {
	"SELECT provider_id FROM region_fulfillment_providers WHERE region_id = ?",
	"INSERT INTO region_fulfillment_providers (region_id, provider_id) VALUES (?, ?)",
	"DELETE FROM region_fulfillment_providers WHERE region_id = ? AND provider_id = ?", 0,
};
static const char SQL_PAYMENT_PROVIDER[] = "SELECT id FROM payment_provider WHERE id = ?";
static const char SQL_FULFILLMENT_PROVIDER[] = "SELECT id FROM fulfillment_provider WHERE id = ?";
static const char SQL_COUNTRY[] = "SELECT iso_2, region_id FROM country WHERE iso_2 = ?";
static const char SQL_COUNTRY_SET[] = "UPDATE country SET region_id = ? WHERE iso_2 = ?";
static const char SQL_REGION_COUNTRIES[] = "SELECT iso_2 FROM country WHERE region_id = ?";
static const char SQL_COUNTRY_CLEAR[] = "UPDATE country SET region_id = NULL WHERE iso_2 = ? AND region_id = ?";

static void region_countries(struct imp *im, const char *path, const char *region_id, struct json_object *a)
{
	size_t n = json_object_array_length(a);
	const char **want = arena_alloc(im->a, (n + 1) * sizeof(*want));
	for (size_t i = 0; i < n; i++) {
		const char *pi = idx(im, path, i);
		const char *c = elem_str(im, pi, json_object_array_get_idx(a, i));
		want[i] = NULL;
		if (!c)
			continue;
		c = arena_strdup_lower(im->a, c);
		struct db_param p = db_str(c);
		struct db_rows r;
		enum db_rc rc = db_exec(im->db, im->a, SQL_COUNTRY, &p, 1, &r, NULL);
		if (rc != DB_OK) {
			db_problem(im, pi, rc);
			continue;
		}
		if (!r.nrows) {
			problem(im, pi, "unknown country \"%s\"", c);
			continue;
		}
		const char *owner = db_cell(&r, 0, 1);
		if (owner && strcmp(owner, region_id) != 0) {
			problem(im, pi, "country \"%s\" already belongs to region %s", c, owner);
			continue;
		}
		want[i] = c;
		if (!owner) {
			struct db_param q[2] = { db_str(region_id), db_str(c) };
			exec_change(im, pi, SQL_COUNTRY_SET, q, 2);
		}
	}
	struct db_param p = db_str(region_id);
	struct db_rows r;
	if (db_exec(im->db, im->a, SQL_REGION_COUNTRIES, &p, 1, &r, NULL) != DB_OK)
		return;
	for (size_t j = 0; j < r.nrows; j++) {
		size_t i = 0;
		while (i < n && !same(want[i], db_cell(&r, j, 0)))
			i++;
		if (i < n)
			continue;
		struct db_param q[2] = { db_str(db_cell(&r, j, 0)), db_str(region_id) };
		exec_change(im, path, SQL_COUNTRY_CLEAR, q, 2);
	}
}

static void region_providers(struct imp *im, const char *path, struct json_object *o, const char *key,
			     const char *sql, const struct link *l, const char *region_id)
{
	struct json_object *a = arr(im, path, o, key);
	if (!a)
		return;
	size_t n;
	const char **want = refs(im, at(im, path, key), a, sql, "provider", &n);
	link_set(im, path, l, region_id, want, n);
}

static void do_regions(struct imp *im, struct json_object *a)
{
	static const char *const keys[] = { "id", "name", "currency_code", "tax_rate", "tax_code",
					    "gift_cards_taxable", "automatic_taxes", "tax_provider_id", "metadata",
					    "countries", "payment_providers", "fulfillment_providers", NULL };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *path = idx(im, "regions", i);
		if (!is_obj(im, path, o))
			continue;
		check_keys(im, path, o, keys);
		const char *name = str(im, path, o, "name", 1);
		const char *file_id = str(im, path, o, "id", 0);
		if (!once(im, path, "region", name))
			continue;
		char **row = find(im, path, &region_ent, &name, 1);
		const char *p[8];
		if (fill(im, path, o, region_cols, 8, row, p) != 0)
			continue;
		if (!currency_ref(im, at(im, path, "currency_code"), p[1]))
			continue;
		/* Medusa's seed keeps an id only when it already looks like one of its own */
		const char *given = file_id && strncmp(file_id, "reg_", 4) == 0 ? file_id : NULL;
		const char *id = write_row(im, path, &region_ent, row, p, given);
		if (!id)
			continue;
		if (file_id)
			idmap_put(im, &im->regions, file_id, id);
		struct json_object *c = arr(im, path, o, "countries");
		if (c)
			region_countries(im, at(im, path, "countries"), id, c);
		region_providers(im, path, o, "payment_providers", SQL_PAYMENT_PROVIDER, &region_payment, id);
		region_providers(im, path, o, "fulfillment_providers", SQL_FULFILLMENT_PROVIDER, &region_fulfillment, id);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* shipping options */

#define SO_COLS "name, region_id, profile_id, provider_id, price_type, amount, is_return, admin_only, data, metadata"
static const struct col so_cols[] = {
	{ "name", K_STR, 0, 1, NULL },
	{ "region_id", K_FIX, 0, 0, NULL },
	{ "profile_id", K_FIX, 0, 0, NULL },
	{ "provider_id", K_STR, 0, 1, NULL },
	{ "price_type", K_STR, 0, 1, NULL },
	{ "amount", K_INT, 1, 0, NULL },
	{ "is_return", K_BOOL, 0, 0, "0" },
	{ "admin_only", K_BOOL, 0, 0, "0" },
	{ "data", K_JSON, 0, 0, "{}" },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent so_ent = {
	"so",
	"SELECT id, " SO_COLS " FROM shipping_option WHERE region_id = ? AND name_live = ? AND is_return = ?",
	"INSERT INTO shipping_option (id, " SO_COLS ", created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	"UPDATE shipping_option SET name = ?, region_id = ?, profile_id = ?, provider_id = ?, price_type = ?, amount = ?, "
	"is_return = ?, admin_only = ?, data = ?, metadata = ?, updated_at = ? WHERE id = ?",
	so_cols, 10, 1,
};
static const struct col sor_cols[] = {
	{ "shipping_option_id", K_FIX, 0, 0, NULL },
	{ "type", K_STR, 0, 1, NULL },
	{ "amount", K_INT, 0, 1, NULL },
};
static const struct ent sor_ent = {
	"sor",
	"SELECT id, shipping_option_id, type, amount FROM shipping_option_requirement "
	"WHERE shipping_option_id = ? AND type = ? AND deleted_at IS NULL",
	"INSERT INTO shipping_option_requirement (id, shipping_option_id, type, amount) VALUES (?, ?, ?, ?)",
	"UPDATE shipping_option_requirement SET shipping_option_id = ?, type = ?, amount = ? WHERE id = ?",
	sor_cols, 3, 0,
};

static void do_shipping_options(struct imp *im, struct json_object *a)
{
	static const char *const keys[] = { "name", "region_id", "profile_id", "provider_id", "price_type", "amount",
					    "is_return", "admin_only", "data", "metadata", "is_giftcard",
					    "requirements", NULL };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *path = idx(im, "shipping_options", i);
		if (!is_obj(im, path, o))
			continue;
		check_keys(im, path, o, keys);
		const char *name = str(im, path, o, "name", 1);
		const char *region = region_ref(im, at(im, path, "region_id"), str(im, path, o, "region_id", 1));
		struct json_object *ret = get(o, "is_return", NULL), *gc = get(o, "is_giftcard", NULL);
		const char *is_return = ret && json_object_get_boolean(ret) ? "1" : "0";
		if (!name || !region)
			continue;
		if (!once_as(im, path, "shipping option", arena_printf(im->a, "%s %s %s", region, is_return, name), name))
			continue;
		const char *key[3] = { region, name, is_return };
		char **row = find(im, path, &so_ent, key, 3);
		const char *p[10];
		if (fill(im, path, o, so_cols, 10, row, p) != 0)
			continue;
		p[1] = region;
		p[2] = gc && json_object_get_boolean(gc) ? im->profile_gift : im->profile_default;
		if (!lookup(im, path, SQL_FULFILLMENT_PROVIDER, p[3])) {
			problem(im, at(im, path, "provider_id"), "no fulfillment provider \"%s\"", p[3]);
			continue;
		}
		if (strcmp(p[4], "flat_rate") != 0 && strcmp(p[4], "calculated") != 0) {
			problem(im, at(im, path, "price_type"), "must be flat_rate or calculated");
			continue;
		}
		if (strcmp(p[4], "flat_rate") == 0 && !p[5]) {
			problem(im, at(im, path, "amount"), "required for a flat_rate option");
			continue;
		}
		const char *id = write_row(im, path, &so_ent, row, p, NULL);
		struct json_object *req = arr(im, path, o, "requirements");
		for (size_t j = 0; id && req && j < json_object_array_length(req); j++) {
			struct json_object *r = json_object_array_get_idx(req, j);
			const char *rp = idx(im, at(im, path, "requirements"), j);
			if (!is_obj(im, rp, r))
				continue;
			static const char *const rkeys[] = { "type", "amount", NULL };
			check_keys(im, rp, r, rkeys);
			const char *type = str(im, rp, r, "type", 1);
			if (!type)
				continue;
			if (strcmp(type, "min_subtotal") != 0 && strcmp(type, "max_subtotal") != 0) {
				problem(im, at(im, rp, "type"), "must be min_subtotal or max_subtotal");
				continue;
			}
			const char *rk[2] = { id, type };
			char **rrow = find(im, rp, &sor_ent, rk, 2);
			const char *q[3];
			if (fill(im, rp, r, sor_cols, 3, rrow, q) != 0)
				continue;
			q[0] = id;
			write_row(im, rp, &sor_ent, rrow, q, NULL);
		}
	}
}

/* ------------------------------------------------------------------------------------------ */
/* categories (a tree), collections, types, tags */

#define PCAT_COLS "name, description, handle, mpath, is_active, is_internal, parent_category_id, `rank`, metadata"
static const struct col pcat_cols[] = {
	{ "name", K_STR, 0, 1, NULL },
	{ "description", K_STR, 0, 0, "" },
	{ "handle", K_STR, 0, 1, NULL },
	{ "mpath", K_FIX, 0, 0, NULL },
	{ "is_active", K_BOOL, 0, 0, "1" },
	{ "is_internal", K_BOOL, 0, 0, "0" },
	{ "parent_category_id", K_FIX, 0, 0, NULL },
	{ "rank", K_FIX, 0, 0, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent pcat_ent = {
	"pcat",
	"SELECT id, " PCAT_COLS " FROM product_category WHERE id = ?",
	"INSERT INTO product_category (id, " PCAT_COLS ", created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	"UPDATE product_category SET name = ?, description = ?, handle = ?, mpath = ?, is_active = ?, is_internal = ?, "
	"parent_category_id = ?, `rank` = ?, metadata = ?, updated_at = ? WHERE id = ?",
	pcat_cols, 9, 1,
};

static void do_categories(struct imp *im, const char *path, struct json_object *a, const char *parent,
			  const char *parent_mpath, int depth)
{
	static const char *const keys[] = { "id", "name", "description", "handle", "is_active", "is_internal",
					    "rank", "metadata", "category_children", NULL };
	if (depth > 32) {
		problem(im, path, "categories nested deeper than 32 levels");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *pi = idx(im, path, i);
		if (!is_obj(im, pi, o))
			continue;
		check_keys(im, pi, o, keys);
		const char *file_id = str(im, pi, o, "id", 0);
		const char *handle = str(im, pi, o, "handle", 1);
		if (!once(im, pi, "category", handle) || (file_id && !once(im, pi, "category id", file_id)))
			continue;
		/* the file's id when it gives one; else the category of that handle */
		const char *id = file_id;
		if (!id)
			id = lookup(im, pi, SQL_CATEGORY_BY_HANDLE, handle);
		char **row = id ? find(im, pi, &pcat_ent, &id, 1) : NULL;
		const char *p[9];
		if (fill(im, pi, o, pcat_cols, 9, row, p) != 0)
			continue;
		if (!id)
			id = new_id(im, "pcat");
		p[3] = arena_printf(im->a, "%s%s.", parent_mpath ? parent_mpath : "", id);
		p[6] = parent;
		/* rank = position among the siblings of this file, as Medusa stores the seed's */
		p[7] = arena_printf(im->a, "%zu", i);
		if (!write_row(im, pi, &pcat_ent, row, p, id))
			continue;
		if (file_id)
			idmap_put(im, &im->categories, file_id, id);
		struct json_object *kids = arr(im, pi, o, "category_children");
		if (kids)
			do_categories(im, at(im, pi, "category_children"), kids, id, p[3], depth + 1);
	}
}

static const struct col pcol_cols[] = {
	{ "title", K_STR, 0, 1, NULL },
	{ "handle", K_STR, 0, 1, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent pcol_ent = {
	"pcol",
	"SELECT id, title, handle, metadata FROM product_collection WHERE handle_live = ?",
	"INSERT INTO product_collection (id, title, handle, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
	"UPDATE product_collection SET title = ?, handle = ?, metadata = ?, updated_at = ? WHERE id = ?",
	pcol_cols, 3, 1,
};

static void do_collections(struct imp *im, struct json_object *a)
{
	static const char *const keys[] = { "id", "title", "handle", "metadata", NULL };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *path = idx(im, "product_collections", i);
		if (!is_obj(im, path, o))
			continue;
		check_keys(im, path, o, keys);
		const char *handle = str(im, path, o, "handle", 1);
		const char *file_id = str(im, path, o, "id", 0);
		if (!handle)
			continue;
		char **row = find(im, path, &pcol_ent, &handle, 1);
		const char *p[3];
		if (fill(im, path, o, pcol_cols, 3, row, p) != 0)
			continue;
		const char *given = file_id && strncmp(file_id, "pcol_", 5) == 0 ? file_id : NULL;
		const char *id = write_row(im, path, &pcol_ent, row, p, given);
		if (id && file_id)
			idmap_put(im, &im->collections, file_id, id);
	}
}

static const struct col value_cols[] = {
	{ "value", K_STR, 0, 1, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent ptyp_ent = {
	"ptyp",
	"SELECT id, value, metadata FROM product_type WHERE value_live = ?",
	"INSERT INTO product_type (id, value, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
	"UPDATE product_type SET value = ?, metadata = ?, updated_at = ? WHERE id = ?",
	value_cols, 2, 1,
};
static const struct ent ptag_ent = {
	"ptag",
	"SELECT id, value, metadata FROM product_tag WHERE value_live = ?",
	"INSERT INTO product_tag (id, value, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
	"UPDATE product_tag SET value = ?, metadata = ?, updated_at = ? WHERE id = ?",
	value_cols, 2, 1,
};

/* A {value[, metadata]} object upserted by value (Medusa upserts tags and types by value). */
static const char *upsert_value(struct imp *im, const char *path, const struct ent *e, struct json_object *o)
{
	if (!is_obj(im, path, o))
		return NULL;
	static const char *const keys[] = { "id", "value", "metadata", NULL };
	check_keys(im, path, o, keys);
	const char *value = str(im, path, o, "value", 1);
	if (!value)
		return NULL;
	char **row = find(im, path, e, &value, 1);
	const char *p[2];
	if (fill(im, path, o, value_cols, 2, row, p) != 0)
		return NULL;
	return write_row(im, path, e, row, p, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* products: options, variants, option values, prices, images, tags, categories */

#define PROD_COLS "title, subtitle, description, handle, is_giftcard, status, thumbnail, weight, length, height, " \
	"width, hs_code, origin_country, mid_code, material, collection_id, type_id, discountable, external_id, metadata"
static const struct col prod_cols[] = {
	{ "title", K_STR, 0, 1, NULL },
	{ "subtitle", K_STR, 1, 0, NULL },
	{ "description", K_STR, 1, 0, NULL },
	{ "handle", K_STR, 0, 1, NULL },
	{ "is_giftcard", K_BOOL, 0, 0, "0" },
	{ "status", K_STR, 0, 0, "published" },
	{ "thumbnail", K_STR, 1, 0, NULL },
	{ "weight", K_INT, 1, 0, NULL },
	{ "length", K_INT, 1, 0, NULL },
	{ "height", K_INT, 1, 0, NULL },
	{ "width", K_INT, 1, 0, NULL },
	{ "hs_code", K_STR, 1, 0, NULL },
	{ "origin_country", K_STR, 1, 0, NULL },
	{ "mid_code", K_STR, 1, 0, NULL },
	{ "material", K_STR, 1, 0, NULL },
	{ "collection_id", K_FIX, 1, 0, NULL },
	{ "type_id", K_FIX, 1, 0, NULL },
	{ "discountable", K_BOOL, 0, 0, "1" },
	{ "external_id", K_STR, 1, 0, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
enum { P_THUMB = 6, P_COLLECTION = 15, P_TYPE = 16, P_NCOLS = 20 };
static const struct ent prod_ent = {
	"prod",
	"SELECT id, " PROD_COLS " FROM product WHERE handle_live = ?",
	"INSERT INTO product (id, " PROD_COLS ", created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	"UPDATE product SET title = ?, subtitle = ?, description = ?, handle = ?, is_giftcard = ?, status = ?, "
	"thumbnail = ?, weight = ?, length = ?, height = ?, width = ?, hs_code = ?, origin_country = ?, mid_code = ?, "
	"material = ?, collection_id = ?, type_id = ?, discountable = ?, external_id = ?, metadata = ?, updated_at = ? "
	"WHERE id = ?",
	prod_cols, P_NCOLS, 1,
};

static const struct col opt_cols[] = {
	{ "title", K_STR, 0, 1, NULL },
	{ "product_id", K_FIX, 0, 0, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent opt_ent = {
	"opt",
	"SELECT id, title, product_id, metadata FROM product_option WHERE product_id = ? AND title = ? "
	"AND deleted_at IS NULL",
	"INSERT INTO product_option (id, title, product_id, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
	"UPDATE product_option SET title = ?, product_id = ?, metadata = ?, updated_at = ? WHERE id = ?",
	opt_cols, 3, 1,
};
static const char SQL_PRODUCT_OPTIONS[] =
	"SELECT id FROM product_option WHERE product_id = ? AND deleted_at IS NULL ORDER BY created_at, id";

#define VAR_COLS "title, product_id, sku, barcode, ean, upc, variant_rank, inventory_quantity, allow_backorder, " \
	"manage_inventory, hs_code, origin_country, mid_code, material, weight, length, height, width, metadata"
static const struct col var_cols[] = {
	{ "title", K_STR, 0, 1, NULL },
	{ "product_id", K_FIX, 0, 0, NULL },
	{ "sku", K_STR, 1, 0, NULL },
	{ "barcode", K_STR, 1, 0, NULL },
	{ "ean", K_STR, 1, 0, NULL },
	{ "upc", K_STR, 1, 0, NULL },
	{ "variant_rank", K_FIX, 0, 0, NULL },
	{ "inventory_quantity", K_INT, 0, 0, "0" },
	{ "allow_backorder", K_BOOL, 0, 0, "0" },
	{ "manage_inventory", K_BOOL, 0, 0, "1" },
	{ "hs_code", K_STR, 1, 0, NULL },
	{ "origin_country", K_STR, 1, 0, NULL },
	{ "mid_code", K_STR, 1, 0, NULL },
	{ "material", K_STR, 1, 0, NULL },
	{ "weight", K_INT, 1, 0, NULL },
	{ "length", K_INT, 1, 0, NULL },
	{ "height", K_INT, 1, 0, NULL },
	{ "width", K_INT, 1, 0, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent var_ent = {
	"variant",
	"SELECT id, " VAR_COLS " FROM product_variant WHERE product_id = ? AND title = ? AND deleted_at IS NULL",
	"INSERT INTO product_variant (id, " VAR_COLS ", created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	"UPDATE product_variant SET title = ?, product_id = ?, sku = ?, barcode = ?, ean = ?, upc = ?, variant_rank = ?, "
	"inventory_quantity = ?, allow_backorder = ?, manage_inventory = ?, hs_code = ?, origin_country = ?, "
	"mid_code = ?, material = ?, weight = ?, length = ?, height = ?, width = ?, metadata = ?, updated_at = ? "
	"WHERE id = ?",
	var_cols, 19, 1,
};

static const struct col optval_cols[] = {
	{ "value", K_STR, 0, 1, NULL },
	{ "option_id", K_FIX, 0, 0, NULL },
	{ "variant_id", K_FIX, 0, 0, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent optval_ent = {
	"optval",
	"SELECT id, value, option_id, variant_id, metadata FROM product_option_value "
	"WHERE variant_id = ? AND option_id = ?",
	"INSERT INTO product_option_value (id, value, option_id, variant_id, metadata, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?)",
	"UPDATE product_option_value SET value = ?, option_id = ?, variant_id = ?, metadata = ?, updated_at = ? "
	"WHERE id = ?",
	optval_cols, 4, 1,
};

#define MA_COLS "variant_id, currency_code, amount, min_quantity, max_quantity, price_list_id, region_id"
static const struct col ma_cols[] = {
	{ "variant_id", K_FIX, 0, 0, NULL },
	{ "currency_code", K_FIX, 0, 0, NULL },
	{ "amount", K_INT, 0, 1, NULL },
	{ "min_quantity", K_INT, 1, 0, NULL },
	{ "max_quantity", K_INT, 1, 0, NULL },
	{ "price_list_id", K_FIX, 1, 0, NULL },
	{ "region_id", K_FIX, 1, 0, NULL },
};
static const struct ent ma_ent = {
	"ma",
	"SELECT id, " MA_COLS " FROM money_amount WHERE variant_id = ? AND price_list_id <=> ? AND currency_code = ? "
	"AND region_id <=> ? AND min_quantity <=> ? AND max_quantity <=> ? AND deleted_at IS NULL",
	"INSERT INTO money_amount (id, " MA_COLS ", created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	"UPDATE money_amount SET variant_id = ?, currency_code = ?, amount = ?, min_quantity = ?, max_quantity = ?, "
	"price_list_id = ?, region_id = ?, updated_at = ? WHERE id = ?",
	ma_cols, 7, 1,
};
static const char SQL_VARIANT_PRICES[] =
	"SELECT id FROM money_amount WHERE variant_id = ? AND price_list_id IS NULL AND deleted_at IS NULL";
static const char SQL_LIST_PRICES[] =
	"SELECT id FROM money_amount WHERE price_list_id = ? AND deleted_at IS NULL";
static const char SQL_PRICE_DELETE[] = "DELETE FROM money_amount WHERE id = ?";

/*
 * One price {currency_code | region_id, amount, min_quantity, max_quantity} of a variant
 * (list NULL: the variant's own prices). Returns its id or NULL.
 */
static const char *upsert_price(struct imp *im, const char *path, struct json_object *o, const char *variant,
				const char *list, int in_list)
{
	static const char *const keys[] = { "currency_code", "region_id", "amount", "min_quantity", "max_quantity", NULL };
	static const char *const list_keys[] = { "product", "variant", "sku", "variant_id", "currency_code", "region_id",
						 "region", "amount", "min_quantity", "max_quantity", NULL };
	if (!is_obj(im, path, o))
		return NULL;
	check_keys(im, path, o, in_list ? list_keys : keys);
	const char *region_s = str(im, path, o, "region_id", 0);
	if (!region_s && in_list)
		region_s = str(im, path, o, "region", 0);
	const char *cur_s = str(im, path, o, "currency_code", 0);
	const char *region = region_s ? region_ref(im, at(im, path, "region_id"), region_s) : NULL;
	const char *cur = NULL;
	if (region) {
		struct db_param rp = db_str(region);
		struct db_rows r;
		if (db_exec(im->db, im->a, SQL_REGION_CURRENCY, &rp, 1, &r, NULL) == DB_OK && r.nrows)
			cur = db_cell(&r, 0, 0);
	} else if (cur_s) {
		cur = currency_ref(im, at(im, path, "currency_code"), cur_s);
	} else if (!region_s) {
		problem(im, path, "needs currency_code or region_id");
	}
	const char *p[7];
	if (fill(im, path, o, ma_cols, 7, NULL, p) != 0 || !cur || !variant)
		return NULL;
	const char *key[6] = { variant, list, cur, region, p[3], p[4] };
	char **row = find(im, path, &ma_ent, key, 6);
	p[0] = variant;
	p[1] = cur;
	p[5] = list;
	p[6] = region;
	return write_row(im, path, &ma_ent, row, p, NULL);
}

/* Deletes the prices from sql(owner) whose id is not in keep[0..n). */
static void prune_prices(struct imp *im, const char *path, const char *sql, const char *owner, const char **keep,
			 size_t n)
{
	struct db_param p = db_str(owner);
	struct db_rows r;
	if (db_exec(im->db, im->a, sql, &p, 1, &r, NULL) != DB_OK)
		return;
	for (size_t j = 0; j < r.nrows; j++) {
		size_t i = 0;
		while (i < n && !same(keep[i], db_cell(&r, j, 0)))
			i++;
		if (i < n)
			continue;
		struct db_param q = db_str(db_cell(&r, j, 0));
		exec_change(im, path, SQL_PRICE_DELETE, &q, 1);
	}
}

static void do_variant(struct imp *im, const char *path, struct json_object *o, const char *product, size_t rank,
		       const char **opt_ids, size_t nopts)
{
	static const char *const keys[] = { "id", "title", "sku", "barcode", "ean", "upc", "inventory_quantity",
					    "allow_backorder", "manage_inventory", "hs_code", "origin_country",
					    "mid_code", "material", "weight", "length", "height", "width", "metadata",
					    "prices", "options", "variant_rank", NULL };
	if (!is_obj(im, path, o))
		return;
	check_keys(im, path, o, keys);
	const char *title = str(im, path, o, "title", 1);
	if (!once_as(im, path, "variant", title ? arena_printf(im->a, "%s %s", product, title) : NULL, title))
		return;
	const char *key[2] = { product, title };
	char **row = find(im, path, &var_ent, key, 2);
	const char *p[19];
	if (fill(im, path, o, var_cols, 19, row, p) != 0)
		return;
	p[1] = product;
	p[6] = arena_printf(im->a, "%zu", rank);
	const char *id = write_row(im, path, &var_ent, row, p, NULL);
	if (!id)
		return;
	struct json_object *opts = arr(im, path, o, "options");
	if (opts) {
		size_t n = json_object_array_length(opts);
		if (n != nopts)
			problem(im, at(im, path, "options"), "has %zu values, the product has %zu options", n, nopts);
		for (size_t i = 0; i < n && i < nopts; i++) {
			const char *vp = idx(im, at(im, path, "options"), i);
			struct json_object *v = json_object_array_get_idx(opts, i);
			if (!is_obj(im, vp, v) || !opt_ids[i])
				continue;
			static const char *const vkeys[] = { "value", "option_id", "metadata", NULL };
			check_keys(im, vp, v, vkeys);
			const char *vk[2] = { id, opt_ids[i] };
			char **vrow = find(im, vp, &optval_ent, vk, 2);
			const char *q[4];
			if (fill(im, vp, v, optval_cols, 4, vrow, q) != 0)
				continue;
			q[1] = opt_ids[i];
			q[2] = id;
			write_row(im, vp, &optval_ent, vrow, q, NULL);
		}
	}
	struct json_object *prices = arr(im, path, o, "prices");
	if (prices) {
		size_t n = json_object_array_length(prices);
		const char **keep = arena_alloc(im->a, (n + 1) * sizeof(*keep));
		for (size_t i = 0; i < n; i++)
			keep[i] = upsert_price(im, idx(im, at(im, path, "prices"), i),
					       json_object_array_get_idx(prices, i), id, NULL, 0);
		prune_prices(im, at(im, path, "prices"), SQL_VARIANT_PRICES, id, keep, n);
	}
}

static const struct link product_tags = {
	"SELECT product_tag_id FROM product_tags WHERE product_id = ?",
	"INSERT INTO product_tags (product_id, product_tag_id) VALUES (?, ?)",
	"DELETE FROM product_tags WHERE product_id = ? AND product_tag_id = ?", 0,
};
static const struct link product_categories = {
	"SELECT product_category_id FROM product_category_product WHERE product_id = ?",
	"INSERT INTO product_category_product (product_id, product_category_id) VALUES (?, ?)",
	"DELETE FROM product_category_product WHERE product_id = ? AND product_category_id = ?", 0,
};
static const struct link product_profiles = {
	"SELECT profile_id FROM product_shipping_profile WHERE product_id = ?",
	"INSERT INTO product_shipping_profile (product_id, profile_id) VALUES (?, ?)",
	"DELETE FROM product_shipping_profile WHERE product_id = ? AND profile_id = ?", 0,
};
static const char SQL_CHANNEL_ADD[] =
	"INSERT IGNORE INTO product_sales_channel (product_id, sales_channel_id) VALUES (?, ?)";
static const char SQL_PRODUCT_IMAGES[] =
	"SELECT i.id, i.url, pi.`rank` FROM product_images pi JOIN image i ON i.id = pi.image_id WHERE pi.product_id = ?";
static const char SQL_IMAGE_INSERT[] =
	"INSERT INTO image (id, url, created_at, updated_at) VALUES (?, ?, ?, ?)";
static const char SQL_PRODUCT_IMAGE_INSERT[] =
	"INSERT INTO product_images (product_id, image_id, `rank`) VALUES (?, ?, ?)";
static const char SQL_PRODUCT_IMAGE_RANK[] =
	"UPDATE product_images SET `rank` = ? WHERE product_id = ? AND image_id = ?";
static const char SQL_PRODUCT_IMAGE_DELETE[] = "DELETE FROM image WHERE id = ?";

static void product_images(struct imp *im, const char *path, const char *product, struct json_object *a)
{
	struct db_param pp = db_str(product);
	struct db_rows r;
	enum db_rc rc = db_exec(im->db, im->a, SQL_PRODUCT_IMAGES, &pp, 1, &r, NULL);
	if (rc != DB_OK) {
		db_problem(im, path, rc);
		return;
	}
	size_t n = json_object_array_length(a);
	const char **urls = arena_alloc(im->a, (n + 1) * sizeof(*urls));
	for (size_t i = 0; i < n; i++) {
		const char *pi = idx(im, path, i);
		struct json_object *v = json_object_array_get_idx(a, i);
		/* Medusa's seed gives URLs; {"url": ...} objects are accepted too */
		if (json_object_is_type(v, json_type_object))
			urls[i] = str(im, pi, v, "url", 1);
		else
			urls[i] = elem_str(im, pi, v);
		if (!urls[i])
			continue;
		const char *rank = arena_printf(im->a, "%zu", i);
		size_t j = 0;
		while (j < r.nrows && strcmp(db_cell(&r, j, 1), urls[i]) != 0)
			j++;
		if (j < r.nrows) {
			if (strcmp(db_cell(&r, j, 2), rank) != 0) {
				struct db_param q[3] = { db_str(rank), db_str(product), db_str(db_cell(&r, j, 0)) };
				exec_change(im, pi, SQL_PRODUCT_IMAGE_RANK, q, 3);
			}
			continue;
		}
		const char *img = new_id(im, "img");
		struct db_param q[4] = { db_str(img), db_str(urls[i]), db_str(im->now), db_str(im->now) };
		if (exec_change(im, pi, SQL_IMAGE_INSERT, q, 4) == 0) {
			struct db_param l[3] = { db_str(product), db_str(img), db_str(rank) };
			exec_change(im, pi, SQL_PRODUCT_IMAGE_INSERT, l, 3);
		}
	}
	for (size_t j = 0; j < r.nrows; j++) {
		size_t i = 0;
		while (i < n && !same(urls[i], db_cell(&r, j, 1)))
			i++;
		if (i == n) {
			struct db_param q = db_str(db_cell(&r, j, 0));
			exec_change(im, path, SQL_PRODUCT_IMAGE_DELETE, &q, 1);
		}
	}
}

static const char *collection_ref(struct imp *im, const char *path, const char *s)
{
	if (!s)
		return NULL;
	const char *id = idmap_get(&im->collections, s);
	if (!id)
		id = lookup(im, path, SQL_COLLECTION_BY_ID, s);
	if (!id)
		id = lookup(im, path, SQL_COLLECTION_BY_HANDLE, s);
	if (!id)
		problem(im, path, "no collection \"%s\" (give a collection id of this file, an id or a handle)", s);
	return id;
}

static const char *category_ref(struct imp *im, const char *path, struct json_object *v)
{
	const char *s = NULL;
	if (json_object_is_type(v, json_type_object)) {
		static const char *const keys[] = { "id", "handle", NULL };
		check_keys(im, path, v, keys);
		s = str(im, path, v, "id", 0);
		if (!s)
			s = str(im, path, v, "handle", 1);
	} else {
		s = elem_str(im, path, v);
	}
	if (!s)
		return NULL;
	const char *id = idmap_get(&im->categories, s);
	if (!id)
		id = lookup(im, path, SQL_CATEGORY_BY_ID, s);
	if (!id)
		id = lookup(im, path, SQL_CATEGORY_BY_HANDLE, s);
	if (!id)
		problem(im, path, "no category \"%s\"", s);
	return id;
}

static void do_products(struct imp *im, struct json_object *a)
{
	static const char *const keys[] = { "id", "title", "subtitle", "description", "handle", "is_giftcard", "status",
					    "thumbnail", "weight", "length", "height", "width", "hs_code",
					    "origin_country", "mid_code", "material", "collection_id", "type", "type_id",
					    "discountable", "external_id", "metadata", "images", "options", "variants",
					    "tags", "categories", NULL };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *path = idx(im, "products", i);
		if (!is_obj(im, path, o))
			continue;
		check_keys(im, path, o, keys);
		const char *handle = str(im, path, o, "handle", 1);
		if (!once(im, path, "product", handle))
			continue;
		char **row = find(im, path, &prod_ent, &handle, 1);
		const char *p[P_NCOLS];
		if (fill(im, path, o, prod_cols, P_NCOLS, row, p) != 0)
			continue;
		static const char *const statuses[] = { "draft", "proposed", "published", "rejected", NULL };
		size_t s = 0;
		while (statuses[s] && strcmp(statuses[s], p[5]) != 0)
			s++;
		if (!statuses[s]) {
			problem(im, at(im, path, "status"), "must be draft, proposed, published or rejected");
			continue;
		}
		struct json_object *images = arr(im, path, o, "images");
		int has_thumb = 0;
		get(o, "thumbnail", &has_thumb);
		if (!has_thumb && images && json_object_array_length(images) &&
		    json_object_is_type(json_object_array_get_idx(images, 0), json_type_string))
			p[P_THUMB] = json_object_get_string(json_object_array_get_idx(images, 0));
		int present;
		struct json_object *cv = get(o, "collection_id", &present);
		p[P_COLLECTION] = row ? row[P_COLLECTION + 1] : NULL;
		if (present)
			p[P_COLLECTION] = cv ? collection_ref(im, at(im, path, "collection_id"),
							      elem_str(im, at(im, path, "collection_id"), cv)) : NULL;
		p[P_TYPE] = row ? row[P_TYPE + 1] : NULL;
		struct json_object *tv = get(o, "type", &present);
		if (present)
			p[P_TYPE] = tv ? upsert_value(im, at(im, path, "type"), &ptyp_ent, tv) : NULL;
		struct json_object *tid = get(o, "type_id", &present);
		if (present)
			p[P_TYPE] = tid ? ref(im, at(im, path, "type_id"), SQL_TYPE_BY_VALUE,
					      elem_str(im, at(im, path, "type_id"), tid), "product type") : NULL;
		const char *id = write_row(im, path, &prod_ent, row, p, NULL);
		if (!id)
			continue;
		/* Medusa's seed: every product in the default channel, gift cards in the gift card profile */
		const char *profile = strcmp(p[4], "1") == 0 ? im->profile_gift : im->profile_default;
		link_set(im, path, &product_profiles, id, &profile, 1);
		struct db_param cp[2] = { db_str(id), db_str(im->channel) };
		exec_change(im, path, SQL_CHANNEL_ADD, cp, 2);
		if (images)
			product_images(im, at(im, path, "images"), id, images);
		struct json_object *tags = arr(im, path, o, "tags");
		if (tags) {
			size_t n = json_object_array_length(tags);
			const char **want = arena_alloc(im->a, (n + 1) * sizeof(*want));
			for (size_t j = 0; j < n; j++)
				want[j] = upsert_value(im, idx(im, at(im, path, "tags"), j), &ptag_ent,
						       json_object_array_get_idx(tags, j));
			link_set(im, path, &product_tags, id, want, n);
		}
		struct json_object *cats = arr(im, path, o, "categories");
		if (cats) {
			size_t n = json_object_array_length(cats);
			const char **want = arena_alloc(im->a, (n + 1) * sizeof(*want));
			for (size_t j = 0; j < n; j++)
				want[j] = category_ref(im, idx(im, at(im, path, "categories"), j),
						       json_object_array_get_idx(cats, j));
			link_set(im, path, &product_categories, id, want, n);
		}
		/* options: those of the entry, in its order; else the product's existing ones */
		struct json_object *opts = arr(im, path, o, "options");
		const char **opt_ids = NULL;
		size_t nopts = 0;
		if (opts) {
			nopts = json_object_array_length(opts);
			opt_ids = arena_alloc(im->a, (nopts + 1) * sizeof(*opt_ids));
			for (size_t j = 0; j < nopts; j++) {
				const char *op = idx(im, at(im, path, "options"), j);
				struct json_object *ov = json_object_array_get_idx(opts, j);
				opt_ids[j] = NULL;
				if (!is_obj(im, op, ov))
					continue;
				static const char *const okeys[] = { "title", "values", "metadata", NULL };
				check_keys(im, op, ov, okeys);
				const char *title = str(im, op, ov, "title", 1);
				if (!title)
					continue;
				const char *ok[2] = { id, title };
				char **orow = find(im, op, &opt_ent, ok, 2);
				const char *q[3];
				if (fill(im, op, ov, opt_cols, 3, orow, q) != 0)
					continue;
				q[1] = id;
				opt_ids[j] = write_row(im, op, &opt_ent, orow, q, NULL);
			}
		} else {
			struct db_param q = db_str(id);
			struct db_rows r;
			if (db_exec(im->db, im->a, SQL_PRODUCT_OPTIONS, &q, 1, &r, NULL) == DB_OK) {
				nopts = r.nrows;
				opt_ids = arena_alloc(im->a, (nopts + 1) * sizeof(*opt_ids));
				for (size_t j = 0; j < nopts; j++)
					opt_ids[j] = db_cell(&r, j, 0);
			}
		}
		struct json_object *vars = arr(im, path, o, "variants");
		for (size_t j = 0; vars && j < json_object_array_length(vars); j++)
			do_variant(im, idx(im, at(im, path, "variants"), j), json_object_array_get_idx(vars, j), id, j,
				   opt_ids, nopts);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* publishable API keys */

static const struct col pk_cols[] = {
	{ "title", K_STR, 0, 1, NULL },
};
static const struct ent pk_ent = {
	"pk",
	"SELECT id, title FROM publishable_api_key WHERE title = ?",
	"INSERT INTO publishable_api_key (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)",
	"UPDATE publishable_api_key SET title = ?, updated_at = ? WHERE id = ?",
	pk_cols, 1, 1,
};
static const char SQL_PKSC_FIND[] =
	"SELECT id FROM publishable_api_key_sales_channel WHERE publishable_api_key_id = ? AND sales_channel_id = ?";
static const char SQL_PKSC_ADD[] =
	"INSERT INTO publishable_api_key_sales_channel (id, publishable_api_key_id, sales_channel_id) VALUES (?, ?, ?)";

static void do_keys(struct imp *im, struct json_object *a)
{
	static const char *const keys[] = { "title", NULL };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *path = idx(im, "publishable_api_keys", i);
		if (!is_obj(im, path, o))
			continue;
		check_keys(im, path, o, keys);
		const char *title = str(im, path, o, "title", 1);
		if (!title)
			continue;
		char **row = find(im, path, &pk_ent, &title, 1);
		const char *p[1] = { title };
		const char *id = write_row(im, path, &pk_ent, row, p, NULL);
		if (id)
			buf_addf(&im->notes, "%s: publishable API key \"%s\": %s\n", im->file, title, id);
		if (!id)
			continue;
		struct db_param q[3] = { db_str(id), db_str(im->channel) };
		struct db_rows r;
		if (db_exec(im->db, im->a, SQL_PKSC_FIND, q, 2, &r, NULL) != DB_OK || r.nrows)
			continue;
		q[0] = db_str(new_id(im, "pksc"));
		q[1] = db_str(id);
		q[2] = db_str(im->channel);
		exec_change(im, path, SQL_PKSC_ADD, q, 3);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* customers and customer groups */

static const char SQL_CUSTOMER_FIND[] =
	"SELECT id, first_name, last_name, phone, metadata, password_hash FROM customer "
	"WHERE email_live = ? AND has_account = 1";
static const char SQL_CUSTOMER_INSERT[] =
	"INSERT INTO customer (id, email, first_name, last_name, phone, metadata, password_hash, has_account, "
	"created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)";
static const char SQL_CUSTOMER_UPDATE[] =
	"UPDATE customer SET first_name = ?, last_name = ?, phone = ?, metadata = ?, password_hash = ?, "
	"updated_at = ? WHERE id = ?";
static const char SQL_EVENT[] = "INSERT INTO event_outbox (event, data, created_at) VALUES (?, ?, ?)";
static const struct col cus_cols[] = {
	{ "first_name", K_STR, 1, 0, NULL },
	{ "last_name", K_STR, 1, 0, NULL },
	{ "phone", K_STR, 1, 0, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};

static void customer_event(struct imp *im, const char *path, const char *event, const char *id)
{
	struct buf d = BUF_INIT;
	struct env o;
	buf_init(&d);
	env_object(&o, &d);
	env_str(&o, "id", id);
	env_end(&o);
	struct db_param p[3] = { db_str(event), db_strn(d.data, d.len), db_str(im->now) };
	enum db_rc rc = db_exec(im->db, im->a, SQL_EVENT, p, 3, NULL, NULL);
	buf_release(&d);
	if (rc != DB_OK)
		db_problem(im, path, rc);
}

static void do_customers(struct imp *im, struct json_object *a)
{
	static const char *const keys[] = { "email", "password", "first_name", "last_name", "phone", "metadata", NULL };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *path = idx(im, "customers", i);
		if (!is_obj(im, path, o))
			continue;
		check_keys(im, path, o, keys);
		const char *email = str(im, path, o, "email", 1);
		const char *pw = str(im, path, o, "password", 0);
		if (!email)
			continue;
		email = arena_strdup_lower(im->a, email);   /* Medusa lower-cases emails */
		if (!once(im, path, "customer", email))
			continue;
		struct db_param ep = db_str(email);
		struct db_rows r;
		enum db_rc rc = db_exec(im->db, im->a, SQL_CUSTOMER_FIND, &ep, 1, &r, NULL);
		if (rc != DB_OK) {
			db_problem(im, path, rc);
			continue;
		}
		char **row = r.nrows ? &r.cells[0] : NULL;
		const char *p[5];
		if (fill(im, path, o, cus_cols, 4, row, p) != 0)
			continue;
		p[4] = row ? row[5] : NULL;
		/* a password that still verifies keeps its hash (and the row unchanged) */
		if (pw && !(p[4] && password_verify(pw, strlen(pw), p[4]) == 1)) {
			char hash[PASSWORD_RECORD_B64_LEN + 1];
			if (password_hash(pw, strlen(pw), &im->pw, hash) != 0) {
				problem(im, at(im, path, "password"), "cannot hash");
				continue;
			}
			p[4] = arena_strdup(im->a, hash);
		}
		if (!row) {
			const char *id = new_id(im, "cus");
			struct db_param q[9] = { db_str(id), db_str(email), db_str(p[0]), db_str(p[1]), db_str(p[2]),
						 db_str(p[3]), db_str(p[4]), db_str(im->now), db_str(im->now) };
			if (exec_change(im, path, SQL_CUSTOMER_INSERT, q, 9) == 0)
				customer_event(im, path, "customer.created", id);
			continue;
		}
		unsigned k = 0;
		while (k < 5 && same(row[k + 1], p[k]))
			k++;
		if (k == 5)
			continue;
		struct db_param q[7] = { db_str(p[0]), db_str(p[1]), db_str(p[2]), db_str(p[3]), db_str(p[4]),
					 db_str(im->now), db_str(row[0]) };
		if (exec_change(im, path, SQL_CUSTOMER_UPDATE, q, 7) == 0)
			customer_event(im, path, "customer.updated", row[0]);
	}
}

static const struct col cgrp_cols[] = {
	{ "name", K_STR, 0, 1, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent cgrp_ent = {
	"cgrp",
	"SELECT id, name, metadata FROM customer_group WHERE name_live = ?",
	"INSERT INTO customer_group (id, name, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
	"UPDATE customer_group SET name = ?, metadata = ?, updated_at = ? WHERE id = ?",
	cgrp_cols, 2, 1,
};
static const struct link group_customers = {
	"SELECT customer_id FROM customer_group_customers WHERE customer_group_id = ?",
	"INSERT INTO customer_group_customers (customer_group_id, customer_id) VALUES (?, ?)",
	"DELETE FROM customer_group_customers WHERE customer_group_id = ? AND customer_id = ?", 0,
};

static void do_groups(struct imp *im, struct json_object *a)
{
	static const char *const keys[] = { "name", "metadata", "customers", NULL };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *path = idx(im, "customer_groups", i);
		if (!is_obj(im, path, o))
			continue;
		check_keys(im, path, o, keys);
		const char *name = str(im, path, o, "name", 1);
		if (!name)
			continue;
		if (!once(im, path, "customer group", name))
			continue;
		char **row = find(im, path, &cgrp_ent, &name, 1);
		const char *p[2];
		if (fill(im, path, o, cgrp_cols, 2, row, p) != 0)
			continue;
		const char *id = write_row(im, path, &cgrp_ent, row, p, NULL);
		struct json_object *cs = arr(im, path, o, "customers");
		if (!id || !cs)
			continue;
		size_t n = json_object_array_length(cs);
		const char **want = arena_alloc(im->a, (n + 1) * sizeof(*want));
		for (size_t j = 0; j < n; j++) {
			const char *cp = idx(im, at(im, path, "customers"), j);
			const char *e = elem_str(im, cp, json_object_array_get_idx(cs, j));
			want[j] = e ? ref(im, cp, SQL_CUSTOMER_BY_EMAIL, arena_strdup_lower(im->a, e), "customer") : NULL;
		}
		link_set(im, path, &group_customers, id, want, n);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* price lists */

static const struct col pl_cols[] = {
	{ "name", K_STR, 0, 1, NULL },
	{ "description", K_STR, 0, 0, "" },
	{ "type", K_STR, 0, 0, "sale" },
	{ "status", K_STR, 0, 0, "draft" },
	{ "starts_at", K_DATE, 1, 0, NULL },
	{ "ends_at", K_DATE, 1, 0, NULL },
};
static const struct ent pl_ent = {
	"pl",
	"SELECT id, name, description, type, status, starts_at, ends_at FROM price_list WHERE name_live = ?",
	"INSERT INTO price_list (id, name, description, type, status, starts_at, ends_at, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	"UPDATE price_list SET name = ?, description = ?, type = ?, status = ?, starts_at = ?, ends_at = ?, "
	"updated_at = ? WHERE id = ?",
	pl_cols, 6, 1,
};
static const struct link pl_groups = {
	"SELECT customer_group_id FROM price_list_customer_groups WHERE price_list_id = ?",
	"INSERT INTO price_list_customer_groups (price_list_id, customer_group_id) VALUES (?, ?)",
	"DELETE FROM price_list_customer_groups WHERE price_list_id = ? AND customer_group_id = ?", 0,
};
static const char SQL_VARIANT_BY_TITLE[] =
	"SELECT v.id FROM product_variant v JOIN product p ON p.id = v.product_id "
	"WHERE p.handle_live = ? AND v.title = ? AND v.deleted_at IS NULL";
static const char SQL_VARIANT_BY_SKU[] = "SELECT id FROM product_variant WHERE sku_live = ?";

/* {product: handle, variant: title} or {sku} or {variant_id}. */
static const char *variant_ref(struct imp *im, const char *path, struct json_object *o)
{
	const char *sku = str(im, path, o, "sku", 0);
	if (sku)
		return ref(im, at(im, path, "sku"), SQL_VARIANT_BY_SKU, sku, "variant with sku");
	const char *handle = str(im, path, o, "product", 1);
	const char *title = str(im, path, o, "variant", 1);
	if (!handle || !title)
		return NULL;
	struct db_param p[2] = { db_str(handle), db_str(title) };
	struct db_rows r;
	enum db_rc rc = db_exec(im->db, im->a, SQL_VARIANT_BY_TITLE, p, 2, &r, NULL);
	if (rc != DB_OK) {
		db_problem(im, path, rc);
		return NULL;
	}
	if (!r.nrows) {
		problem(im, path, "no variant \"%s\" of a product \"%s\"", title, handle);
		return NULL;
	}
	return db_cell(&r, 0, 0);
}

static int one_of(struct imp *im, const char *path, const char *v, const char *a, const char *b)
{
	if (v && (strcmp(v, a) == 0 || strcmp(v, b) == 0))
		return 1;
	problem(im, path, "must be %s or %s", a, b);
	return 0;
}

static void do_price_lists(struct imp *im, struct json_object *a)
{
	static const char *const keys[] = { "name", "description", "type", "status", "starts_at", "ends_at",
					    "customer_groups", "prices", NULL };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *path = idx(im, "price_lists", i);
		if (!is_obj(im, path, o))
			continue;
		check_keys(im, path, o, keys);
		const char *name = str(im, path, o, "name", 1);
		if (!name)
			continue;
		if (!once(im, path, "price list", name))
			continue;
		char **row = find(im, path, &pl_ent, &name, 1);
		const char *p[6];
		if (fill(im, path, o, pl_cols, 6, row, p) != 0)
			continue;
		if (!one_of(im, at(im, path, "type"), p[2], "sale", "override") ||
		    !one_of(im, at(im, path, "status"), p[3], "active", "draft"))
			continue;
		const char *id = write_row(im, path, &pl_ent, row, p, NULL);
		if (!id)
			continue;
		struct json_object *gs = arr(im, path, o, "customer_groups");
		if (gs) {
			size_t n;
			const char **want = refs(im, at(im, path, "customer_groups"), gs, SQL_GROUP_BY_NAME,
						 "customer group", &n);
			link_set(im, path, &pl_groups, id, want, n);
		}
		struct json_object *prices = arr(im, path, o, "prices");
		if (prices) {
			size_t n = json_object_array_length(prices);
			const char **keep = arena_alloc(im->a, (n + 1) * sizeof(*keep));
			for (size_t j = 0; j < n; j++) {
				const char *pp = idx(im, at(im, path, "prices"), j);
				struct json_object *po = json_object_array_get_idx(prices, j);
				keep[j] = NULL;
				if (!is_obj(im, pp, po))
					continue;
				keep[j] = upsert_price(im, pp, po, variant_ref(im, pp, po), id, 1);
			}
			prune_prices(im, at(im, path, "prices"), SQL_LIST_PRICES, id, keep, n);
		}
	}
}

/* ------------------------------------------------------------------------------------------ */
/* tax rates */

static const struct col txr_cols[] = {
	{ "rate", K_RATE, 1, 0, NULL },
	{ "code", K_STR, 1, 0, NULL },
	{ "name", K_STR, 0, 1, NULL },
	{ "region_id", K_FIX, 0, 0, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent txr_ent = {
	"txr",
	"SELECT id, rate, code, name, region_id, metadata FROM tax_rate WHERE region_id = ? AND name = ?",
	"INSERT INTO tax_rate (id, rate, code, name, region_id, metadata, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	"UPDATE tax_rate SET rate = ?, code = ?, name = ?, region_id = ?, metadata = ?, updated_at = ? WHERE id = ?",
	txr_cols, 5, 1,
};
static const struct link txr_products = {
	"SELECT product_id FROM product_tax_rate WHERE rate_id = ?",
	"INSERT INTO product_tax_rate (rate_id, product_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
	"DELETE FROM product_tax_rate WHERE rate_id = ? AND product_id = ?", 1,
};
static const struct link txr_types = {
	"SELECT product_type_id FROM product_type_tax_rate WHERE rate_id = ?",
	"INSERT INTO product_type_tax_rate (rate_id, product_type_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
	"DELETE FROM product_type_tax_rate WHERE rate_id = ? AND product_type_id = ?", 1,
};
static const struct link txr_options = {
	"SELECT shipping_option_id FROM shipping_tax_rate WHERE rate_id = ?",
	"INSERT INTO shipping_tax_rate (rate_id, shipping_option_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
	"DELETE FROM shipping_tax_rate WHERE rate_id = ? AND shipping_option_id = ?", 1,
};
static const char SQL_OPTION_BY_NAME[] =
	"SELECT id FROM shipping_option WHERE region_id = ? AND name_live = ? ORDER BY is_return";

static void do_tax_rates(struct imp *im, struct json_object *a)
{
	static const char *const keys[] = { "region_id", "region", "name", "code", "rate", "metadata", "products",
					    "product_types", "shipping_options", NULL };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *path = idx(im, "tax_rates", i);
		if (!is_obj(im, path, o))
			continue;
		check_keys(im, path, o, keys);
		const char *rs = str(im, path, o, "region_id", 0);
		if (!rs)
			rs = str(im, path, o, "region", 1);
		const char *region = region_ref(im, at(im, path, "region"), rs);
		const char *name = str(im, path, o, "name", 1);
		if (!region || !name)
			continue;
		if (!once_as(im, path, "tax rate", arena_printf(im->a, "%s %s", region, name), name))
			continue;
		const char *key[2] = { region, name };
		char **row = find(im, path, &txr_ent, key, 2);
		const char *p[5];
		if (fill(im, path, o, txr_cols, 5, row, p) != 0)
			continue;
		p[3] = region;
		const char *id = write_row(im, path, &txr_ent, row, p, NULL);
		if (!id)
			continue;
		struct json_object *l;
		size_t n;
		const char **want;
		if ((l = arr(im, path, o, "products"))) {
			want = refs(im, at(im, path, "products"), l, SQL_PRODUCT_BY_HANDLE, "product", &n);
			link_set(im, path, &txr_products, id, want, n);
		}
		if ((l = arr(im, path, o, "product_types"))) {
			want = refs(im, at(im, path, "product_types"), l, SQL_TYPE_BY_VALUE, "product type", &n);
			link_set(im, path, &txr_types, id, want, n);
		}
		if ((l = arr(im, path, o, "shipping_options"))) {
			n = json_object_array_length(l);
			want = arena_alloc(im->a, (n + 1) * sizeof(*want));
			for (size_t j = 0; j < n; j++) {
				const char *sp = idx(im, at(im, path, "shipping_options"), j);
				const char *so = elem_str(im, sp, json_object_array_get_idx(l, j));
				want[j] = NULL;
				if (!so)
					continue;
				struct db_param q[2] = { db_str(region), db_str(so) };
				struct db_rows r;
				if (db_exec(im->db, im->a, SQL_OPTION_BY_NAME, q, 2, &r, NULL) != DB_OK)
					continue;
				if (r.nrows == 1)
					want[j] = db_cell(&r, 0, 0);
				else
					problem(im, sp, r.nrows ? "several shipping options \"%s\" in the region"
								: "no shipping option \"%s\" in the region", so);
			}
			link_set(im, path, &txr_options, id, want, n);
		}
	}
}

/* ------------------------------------------------------------------------------------------ */
/* return reasons, gift cards */

static const struct col rr_cols[] = {
	{ "value", K_STR, 0, 1, NULL },
	{ "label", K_STR, 0, 1, NULL },
	{ "description", K_STR, 1, 0, NULL },
	{ "parent_return_reason_id", K_FIX, 1, 0, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent rr_ent = {
	"rr",
	"SELECT id, value, label, description, parent_return_reason_id, metadata FROM return_reason WHERE value_live = ?",
	"INSERT INTO return_reason (id, value, label, description, parent_return_reason_id, metadata, created_at, "
	"updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	"UPDATE return_reason SET value = ?, label = ?, description = ?, parent_return_reason_id = ?, metadata = ?, "
	"updated_at = ? WHERE id = ?",
	rr_cols, 5, 1,
};
static const char SQL_REASON_BY_VALUE[] = "SELECT id FROM return_reason WHERE value_live = ?";

static void do_return_reasons(struct imp *im, struct json_object *a)
{
	static const char *const keys[] = { "value", "label", "description", "parent", "metadata", NULL };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *path = idx(im, "return_reasons", i);
		if (!is_obj(im, path, o))
			continue;
		check_keys(im, path, o, keys);
		const char *value = str(im, path, o, "value", 1);
		if (!value)
			continue;
		if (!once(im, path, "return reason", value))
			continue;
		char **row = find(im, path, &rr_ent, &value, 1);
		const char *p[5];
		if (fill(im, path, o, rr_cols, 5, row, p) != 0)
			continue;
		int present;
		struct json_object *pv = get(o, "parent", &present);
		p[3] = row ? row[4] : NULL;
		if (present)
			p[3] = pv ? ref(im, at(im, path, "parent"), SQL_REASON_BY_VALUE,
					elem_str(im, at(im, path, "parent"), pv), "return reason (list parents first)")
				  : NULL;
		write_row(im, path, &rr_ent, row, p, NULL);
	}
}

static const struct col gc_cols[] = {
	{ "code", K_STR, 0, 1, NULL },
	{ "value", K_INT, 0, 1, NULL },
	{ "balance", K_INT, 0, 0, NULL },
	{ "region_id", K_FIX, 0, 0, NULL },
	{ "is_disabled", K_BOOL, 0, 0, "0" },
	{ "ends_at", K_DATE, 1, 0, NULL },
	{ "tax_rate", K_RATE, 1, 0, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent gc_ent = {
	"gift",
	"SELECT id, code, value, balance, region_id, is_disabled, ends_at, tax_rate, metadata FROM gift_card "
	"WHERE code_live = ?",
	"INSERT INTO gift_card (id, code, value, balance, region_id, is_disabled, ends_at, tax_rate, metadata, created_at, "
	"updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	"UPDATE gift_card SET code = ?, value = ?, balance = ?, region_id = ?, is_disabled = ?, ends_at = ?, "
	"tax_rate = ?, metadata = ?, updated_at = ? WHERE id = ?",
	gc_cols, 8, 1,
};

static void do_gift_cards(struct imp *im, struct json_object *a)
{
	static const char *const keys[] = { "code", "value", "balance", "region_id", "region", "is_disabled", "ends_at",
					    "tax_rate", "metadata", NULL };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *path = idx(im, "gift_cards", i);
		if (!is_obj(im, path, o))
			continue;
		check_keys(im, path, o, keys);
		const char *code = str(im, path, o, "code", 1);
		const char *rs = str(im, path, o, "region_id", 0);
		if (!rs)
			rs = str(im, path, o, "region", 1);
		const char *region = region_ref(im, at(im, path, "region"), rs);
		if (!code || !region)
			continue;
		if (!once(im, path, "gift card", code))
			continue;
		char **row = find(im, path, &gc_ent, &code, 1);
		const char *p[8];
		if (fill(im, path, o, gc_cols, 8, row, p) != 0)
			continue;
		p[3] = region;
		if (!p[2])
			p[2] = p[1];   /* a new card: balance = value */
		int present;
		get(o, "tax_rate", &present);
		if (!present && !row) {
			/* Medusa: the region's rate when its gift cards are taxable, else none */
			struct db_param rp = db_str(region);
			struct db_rows r;
			if (db_exec(im->db, im->a, SQL_REGION_CURRENCY, &rp, 1, &r, NULL) == DB_OK && r.nrows &&
			    strcmp(db_cell(&r, 0, 2), "1") == 0)
				p[6] = db_cell(&r, 0, 1);
		}
		write_row(im, path, &gc_ent, row, p, NULL);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* discounts */

static const struct col disc_cols[] = {
	{ "code", K_FIX, 0, 0, NULL },
	{ "is_dynamic", K_BOOL, 0, 0, "0" },
	{ "rule_id", K_FIX, 0, 0, NULL },
	{ "is_disabled", K_BOOL, 0, 0, "0" },
	{ "starts_at", K_DATE, 0, 0, NULL },
	{ "ends_at", K_DATE, 1, 0, NULL },
	{ "valid_duration", K_STR, 1, 0, NULL },
	{ "usage_limit", K_INT, 1, 0, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent disc_ent = {
	"disc",
	"SELECT id, code, is_dynamic, rule_id, is_disabled, starts_at, ends_at, valid_duration, usage_limit, metadata "
	"FROM discount WHERE code_live = ?",
	"INSERT INTO discount (id, code, is_dynamic, rule_id, is_disabled, starts_at, ends_at, valid_duration, "
	"usage_limit, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	"UPDATE discount SET code = ?, is_dynamic = ?, rule_id = ?, is_disabled = ?, starts_at = ?, ends_at = ?, "
	"valid_duration = ?, usage_limit = ?, metadata = ?, updated_at = ? WHERE id = ?",
	disc_cols, 9, 1,
};
static const struct col dru_cols[] = {
	{ "description", K_STR, 1, 0, NULL },
	{ "type", K_STR, 0, 1, NULL },
	{ "value", K_INT, 0, 1, NULL },
	{ "allocation", K_STR, 1, 0, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent dru_ent = {
	"dru",
	"SELECT id, description, type, value, allocation, metadata FROM discount_rule WHERE id = ?",
	"INSERT INTO discount_rule (id, description, type, value, allocation, metadata, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	"UPDATE discount_rule SET description = ?, type = ?, value = ?, allocation = ?, metadata = ?, updated_at = ? "
	"WHERE id = ?",
	dru_cols, 5, 1,
};
static const struct col discon_cols[] = {
	{ "type", K_FIX, 0, 0, NULL },
	{ "operator", K_STR, 0, 1, NULL },
	{ "discount_rule_id", K_FIX, 0, 0, NULL },
	{ "metadata", K_JSON, 1, 0, NULL },
};
static const struct ent discon_ent = {
	"discon",
	"SELECT id, type, operator, discount_rule_id, metadata FROM discount_condition "
	"WHERE discount_rule_id = ? AND type = ? AND operator = ?",
	"INSERT INTO discount_condition (id, type, operator, discount_rule_id, metadata, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?)",
	"UPDATE discount_condition SET type = ?, operator = ?, discount_rule_id = ?, metadata = ?, updated_at = ? "
	"WHERE id = ?",
	discon_cols, 4, 1,
};
static const struct link disc_regions = {
	"SELECT region_id FROM discount_regions WHERE discount_id = ?",
	"INSERT INTO discount_regions (discount_id, region_id) VALUES (?, ?)",
	"DELETE FROM discount_regions WHERE discount_id = ? AND region_id = ?", 0,
};

/* The condition kinds: JSON key (= condition type), link table, how an element is named. */
static const struct cond_kind {
	const char *type;
	struct link link;
	const char *ref_sql, *what;
} cond_kinds[] = {
	{ "products",
	  { "SELECT product_id FROM discount_condition_product WHERE condition_id = ?",
	    "INSERT INTO discount_condition_product (condition_id, product_id) VALUES (?, ?)",
	    "DELETE FROM discount_condition_product WHERE condition_id = ? AND product_id = ?", 0 },
	  SQL_PRODUCT_BY_HANDLE, "product" },
	{ "product_types",
	  { "SELECT product_type_id FROM discount_condition_product_type WHERE condition_id = ?",
	    "INSERT INTO discount_condition_product_type (condition_id, product_type_id) VALUES (?, ?)",
	    "DELETE FROM discount_condition_product_type WHERE condition_id = ? AND product_type_id = ?", 0 },
	  SQL_TYPE_BY_VALUE, "product type" },
	{ "product_collections",
	  { "SELECT product_collection_id FROM discount_condition_product_collection WHERE condition_id = ?",
	    "INSERT INTO discount_condition_product_collection (condition_id, product_collection_id) VALUES (?, ?)",
	    "DELETE FROM discount_condition_product_collection WHERE condition_id = ? AND product_collection_id = ?", 0 },
	  SQL_COLLECTION_BY_HANDLE, "collection" },
	{ "product_tags",
	  { "SELECT product_tag_id FROM discount_condition_product_tag WHERE condition_id = ?",
	    "INSERT INTO discount_condition_product_tag (condition_id, product_tag_id) VALUES (?, ?)",
	    "DELETE FROM discount_condition_product_tag WHERE condition_id = ? AND product_tag_id = ?", 0 },
	  SQL_TAG_BY_VALUE, "product tag" },
	{ "customer_groups",
	  { "SELECT customer_group_id FROM discount_condition_customer_group WHERE condition_id = ?",
	    "INSERT INTO discount_condition_customer_group (condition_id, customer_group_id) VALUES (?, ?)",
	    "DELETE FROM discount_condition_customer_group WHERE condition_id = ? AND customer_group_id = ?", 0 },
	  SQL_GROUP_BY_NAME, "customer group" },
};

static void discount_conditions(struct imp *im, const char *path, const char *rule, struct json_object *a)
{
	static const char *const keys[] = { "operator", "metadata", "products", "product_types", "product_collections",
					    "product_tags", "customer_groups", NULL };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *cp = idx(im, path, i);
		if (!is_obj(im, cp, o))
			continue;
		check_keys(im, cp, o, keys);
		const struct cond_kind *k = NULL;
		struct json_object *list = NULL;
		for (size_t j = 0; j < sizeof(cond_kinds) / sizeof(cond_kinds[0]); j++) {
			struct json_object *l = arr(im, cp, o, cond_kinds[j].type);
			if (l && k) {
				problem(im, cp, "one condition names one kind (%s or %s)", k->type, cond_kinds[j].type);
				k = NULL;
				break;
			}
			if (l) {
				k = &cond_kinds[j];
				list = l;
			}
		}
		if (!k) {
			problem(im, cp, "needs one of products, product_types, product_collections, product_tags, "
					"customer_groups");
			continue;
		}
		const char *op = str(im, cp, o, "operator", 1);
		if (!op || !one_of(im, at(im, cp, "operator"), op, "in", "not_in"))
			continue;
		const char *key[3] = { rule, k->type, op };
		char **row = find(im, cp, &discon_ent, key, 3);
		const char *p[4];
		if (fill(im, cp, o, discon_cols, 4, row, p) != 0)
			continue;
		p[0] = k->type;
		p[2] = rule;
		const char *id = write_row(im, cp, &discon_ent, row, p, NULL);
		if (!id)
			continue;
		size_t n;
		const char **want = refs(im, at(im, cp, k->type), list, k->ref_sql, k->what, &n);
		link_set(im, cp, &k->link, id, want, n);
	}
}

static void do_discounts(struct imp *im, struct json_object *a)
{
	static const char *const keys[] = { "code", "is_dynamic", "is_disabled", "starts_at", "ends_at",
					    "valid_duration", "usage_limit", "metadata", "regions", "rule", NULL };
	static const char *const rkeys[] = { "description", "type", "value", "allocation", "metadata", "conditions",
					     NULL };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *path = idx(im, "discounts", i);
		if (!is_obj(im, path, o))
			continue;
		check_keys(im, path, o, keys);
		const char *code = str(im, path, o, "code", 1);
		struct json_object *rule = get(o, "rule", NULL);
		const char *rp = at(im, path, "rule");
		if (!code)
			continue;
		if (!rule) {
			problem(im, rp, "required");
			continue;
		}
		if (!is_obj(im, rp, rule))
			continue;
		check_keys(im, rp, rule, rkeys);
		/* Medusa stores discount codes upper-case and matches them so */
		char *upper = arena_strdup(im->a, code);
		for (char *c = upper; *c; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
		if (!once(im, path, "discount", upper))
			continue;
		const char *ukey = upper;
		char **row = find(im, path, &disc_ent, &ukey, 1);
		const char *p[9];
		if (fill(im, path, o, disc_cols, 9, row, p) != 0)
			continue;
		p[0] = upper;
		if (!p[4])
			p[4] = im->now;   /* a new discount starts now, as in Medusa */
		const char *rule_id = row ? row[3] : NULL;
		char **rrow = rule_id ? find(im, rp, &dru_ent, &rule_id, 1) : NULL;
		const char *q[5];
		if (fill(im, rp, rule, dru_cols, 5, rrow, q) != 0)
			continue;
		static const char *const types[] = { "fixed", "percentage", "free_shipping", NULL };
		size_t t = 0;
		while (types[t] && strcmp(types[t], q[1]) != 0)
			t++;
		if (!types[t]) {
			problem(im, at(im, rp, "type"), "must be fixed, percentage or free_shipping");
			continue;
		}
		if (q[3] && !one_of(im, at(im, rp, "allocation"), q[3], "total", "item"))
			continue;
		rule_id = write_row(im, rp, &dru_ent, rrow, q, rule_id);
		if (!rule_id)
			continue;
		p[2] = rule_id;
		const char *id = write_row(im, path, &disc_ent, row, p, NULL);
		if (!id)
			continue;
		struct json_object *conds = arr(im, rp, rule, "conditions");
		if (conds)
			discount_conditions(im, at(im, rp, "conditions"), rule_id, conds);
		struct json_object *regs = arr(im, path, o, "regions");
		if (regs) {
			size_t n = json_object_array_length(regs);
			const char **want = arena_alloc(im->a, (n + 1) * sizeof(*want));
			for (size_t j = 0; j < n; j++) {
				const char *gp = idx(im, at(im, path, "regions"), j);
				want[j] = region_ref(im, gp, elem_str(im, gp, json_object_array_get_idx(regs, j)));
			}
			link_set(im, path, &disc_regions, id, want, n);
		}
	}
}

/* ------------------------------------------------------------------------------------------ */
/* one file */

static const char SQL_BOOT[] =
	"SELECT s.default_sales_channel_id, "
	"(SELECT id FROM shipping_profile WHERE type = 'default' AND deleted_at IS NULL ORDER BY created_at LIMIT 1), "
	"(SELECT id FROM shipping_profile WHERE type = 'gift_card' AND deleted_at IS NULL ORDER BY created_at LIMIT 1) "
	"FROM store s LIMIT 1";
static const char SQL_VERSION_BUMP[] =
	"UPDATE catalogue_version SET version = version + 1, imported_at = ? WHERE id = 1";

static enum db_rc import_work(struct db *db, void *ctx)
{
	struct imp *im = ctx;
	(void)db;
	/* a retried attempt starts over: no problems, no ids, no file ids of the last one */
	buf_reset(&im->errs);
	buf_reset(&im->notes);
	im->nerr = 0;
	im->changes = 0;
	im->last[0] = '\0';
	memset(&im->regions, 0, sizeof(im->regions));
	memset(&im->collections, 0, sizeof(im->collections));
	memset(&im->categories, 0, sizeof(im->categories));
	memset(&im->seen, 0, sizeof(im->seen));

	struct db_rows r;
	enum db_rc rc = db_exec(im->db, im->a, SQL_BOOT, NULL, 0, &r, NULL);
	if (rc != DB_OK)
		return rc;
	if (!r.nrows || !db_cell(&r, 0, 0) || !db_cell(&r, 0, 1) || !db_cell(&r, 0, 2)) {
		problem(im, "", "the database lacks the boot rows (store, default sales channel, shipping profiles): "
				"run the migrations");
		return DB_ABORT;
	}
	im->channel = db_cell(&r, 0, 0);
	im->profile_default = db_cell(&r, 0, 1);
	im->profile_gift = db_cell(&r, 0, 2);

	static const char *const top[] = { "_comment", "users", "rule_types", "store", "regions", "shipping_options", "categories",
					   "product_collections", "products", "publishable_api_keys", "customers",
					   "customer_groups", "price_lists", "tax_rates", "return_reasons",
					   "gift_cards", "discounts", NULL };
	check_keys(im, "", im->root, top);
	struct json_object *v;
	if ((v = get(im->root, "store", NULL)))
		do_store(im, v);
	if ((v = arr(im, "", im->root, "regions")))
		do_regions(im, v);
	if ((v = arr(im, "", im->root, "shipping_options")))
		do_shipping_options(im, v);
	if ((v = arr(im, "", im->root, "categories")))
		do_categories(im, "categories", v, NULL, NULL, 0);
	if ((v = arr(im, "", im->root, "product_collections")))
		do_collections(im, v);
	if ((v = arr(im, "", im->root, "products")))
		do_products(im, v);
	if ((v = arr(im, "", im->root, "publishable_api_keys")))
		do_keys(im, v);
	if ((v = arr(im, "", im->root, "customers")))
		do_customers(im, v);
	if ((v = arr(im, "", im->root, "customer_groups")))
		do_groups(im, v);
	if ((v = arr(im, "", im->root, "price_lists")))
		do_price_lists(im, v);
	if ((v = arr(im, "", im->root, "tax_rates")))
		do_tax_rates(im, v);
	if ((v = arr(im, "", im->root, "return_reasons")))
		do_return_reasons(im, v);
	if ((v = arr(im, "", im->root, "gift_cards")))
		do_gift_cards(im, v);
	if ((v = arr(im, "", im->root, "discounts")))
		do_discounts(im, v);
	if (im->nerr)
		return DB_ABORT;
	if (im->changes) {
		struct db_param p = db_str(im->now);
		rc = db_exec(im->db, im->a, SQL_VERSION_BUMP, &p, 1, NULL, NULL);
		if (rc != DB_OK)
			return rc;
	}
	return DB_OK;
}

static char *read_file(const char *name, size_t *len, char *err, size_t errsz)
{
	FILE *f = fopen(name, "rb");
	if (!f) {
		snprintf(err, errsz, "cannot open: %s", strerror(errno));
		return NULL;
	}
	struct buf b = BUF_INIT;
	buf_init(&b);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_add(&b, chunk, n);
		if ((long)b.len > IMPORT_MAX_FILE) {
			snprintf(err, errsz, "larger than %ld bytes", IMPORT_MAX_FILE);
			fclose(f);
			buf_release(&b);
			return NULL;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		snprintf(err, errsz, "cannot read");
		buf_release(&b);
		return NULL;
	}
	*len = b.len;
	if (!b.data)
		buf_add(&b, "", 0);
	return b.data;
}

static void format_now(struct imp *im)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	im->now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	time_t secs = (time_t)(im->now_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(im->now, sizeof(im->now), "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(im->now_ms % 1000));
}

/* 0 imported, 1 refused. */
static int import_file(struct db *db, const struct config *cfg, const char *name)
{
	char err[256];
	size_t len = 0;
	char *text = read_file(name, &len, err, sizeof(err));
	if (!text) {
		fprintf(stderr, "%s: %s\n", name, err);
		return 1;
	}
	struct json_object *root = NULL;
	size_t off = 0;
	enum json_parse_status st = json_parse_strict(text, len, IMPORT_JSON_DEPTH, &root, &off);
	free(text);
	if (st != JSON_PARSE_OK) {
		fprintf(stderr, "%s: not valid JSON (byte %zu)\n", name, off);
		return 1;
	}
	if (!json_object_is_type(root, json_type_object)) {
		fprintf(stderr, "%s: the file must hold one JSON object\n", name);
		json_object_put(root);
		return 1;
	}
	struct arena a;
	arena_init(&a, 1 << 16);
	struct imp im;
	memset(&im, 0, sizeof(im));
	im.db = db;
	im.a = &a;
	im.file = name;
	im.root = root;
	buf_init(&im.errs);
	buf_init(&im.notes);
	im.pw.logN = (unsigned)cfg->scrypt_logn;
	im.pw.r = (uint32_t)cfg->scrypt_r;
	im.pw.p = (uint32_t)cfg->scrypt_p;
	format_now(&im);

	db_request_start(db);
	enum db_rc rc = db_transaction(db, import_work, &im);
	int ret = 1;
	if (rc == DB_OK) {
		printf("%s: imported, %ld row change(s)\n", name, im.changes);
		fputs(im.notes.data ? im.notes.data : "", stdout);
		ret = 0;
	} else if (rc == DB_ABORT) {
		fputs(im.errs.data ? im.errs.data : "", stderr);
		fprintf(stderr, "%s: %d problem(s); nothing was imported\n", name, im.nerr);
	} else {
		fputs(im.errs.data ? im.errs.data : "", stderr);
		fprintf(stderr, "%s: database %s (error %u); nothing was imported\n", name,
			rc == DB_GONE ? "unreachable" : "error", db->last_errno);
	}
	buf_release(&im.errs);
	buf_release(&im.notes);
	arena_release(&a);
	json_object_put(root);
	return ret;
}

int import_main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s import FILE...\n(DATABASE_URL names the database; docs/IMPORT.md)\n",
			argv[0]);
		return 2;
	}
	/*
	 * config_load wants the server's secrets, which an import never uses: stand-ins when
	 * they are not set (they are not kept, logged or used for anything).
	 */
	static const char stand_in[] = "unused-by-the-import-0123456789abcdef0123456789abcdef";
	setenv("JWT_SECRET", stand_in, 0);
	setenv("COOKIE_SECRET", stand_in, 0);
	static struct config cfg;
	char err[4096];
	if (config_load(&cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "medusa-c import: bad configuration:\n%s", err);
		return 2;
	}
	if (mysql_library_init(0, NULL, NULL)) {
		fprintf(stderr, "medusa-c import: cannot initialise the MariaDB client library\n");
		config_release(&cfg);
		return 2;
	}
	struct db db;
	db_init(&db, &cfg);
	int ret = 0;
	if (db_ensure(&db) != DB_OK) {
		fprintf(stderr, "medusa-c import: cannot connect to the database named by DATABASE_URL\n");
		ret = 2;
	}
	for (int i = 2; !ret && i < argc; i++)
		if (import_file(&db, &cfg, argv[i]) != 0)
			ret = 1;
	db_close(&db);
	mysql_library_end();
	config_release(&cfg);
	return ret;
}
