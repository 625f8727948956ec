/*
 * address_store: the statements behind /store/customers/me/addresses*.
 * Every write runs as: lock the customer row (SELECT ... FOR UPDATE), check
 * the credential against the last password change, read what the rule
 * needs, write, commit; the whole attempt is repeated when MariaDB (or a
 * Galera cluster) reports a deadlock or a certification failure.
 */
#include "sql/address_store.h"

#include <string.h>
#include <strings.h>

#include "common/customer_json.h"
#include "common/log.h"
#include "common/ulid.h"

static const char SQL_LOCK_CUSTOMER[] =
	"SELECT credentials_at FROM customer WHERE id = ? AND deleted_at IS NULL FOR UPDATE";
/* columns in enum address_field order, metadata last */
static const char SQL_LIVE_ADDRESSES[] =
	"SELECT company, first_name, last_name, address_1, address_2, city, country_code, province, "
	"postal_code, phone FROM address WHERE customer_id = ? AND deleted_at IS NULL";
static const char SQL_INSERT[] =
	"INSERT INTO address (id, customer_id, company, first_name, last_name, address_1, address_2, city, "
	"country_code, province, postal_code, phone, metadata, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_GET_OWN[] =
	"SELECT company, first_name, last_name, address_1, address_2, city, country_code, province, "
	"postal_code, phone, metadata FROM address "
	"WHERE id = ? AND customer_id = ? AND deleted_at IS NULL FOR UPDATE";
static const char SQL_UPDATE[] =
	"UPDATE address SET company = ?, first_name = ?, last_name = ?, address_1 = ?, address_2 = ?, city = ?, "
	"country_code = ?, province = ?, postal_code = ?, phone = ?, metadata = ?, updated_at = ? WHERE id = ?";
static const char SQL_DELETE[] =
	"UPDATE address SET deleted_at = ?, updated_at = ? "
	"WHERE id = ? AND customer_id = ? AND deleted_at IS NULL";

/* What one attempt needs and returns; the same struct serves the three writes. */
struct job {
	const char *customer_id, *address_id;
	const struct address_patch *ap;
	long long not_before_ms;
	char now[24];
	enum address_add_outcome outcome;
};

typedef enum store_rc (*job_fn)(struct db *db, struct arena *a, struct job *j, enum db_rc *rc);

static enum store_rc map_rc(enum db_rc rc)
{
	/* DB_RETRY here: retries exhausted, nothing applied: 503, retry later (or on another node) */
	return rc == DB_GONE || rc == DB_RETRY ? STORE_UNAVAILABLE : STORE_ERROR;
}

/* Locks the customer row and checks the credential. */
static enum store_rc lock_customer(struct db *db, struct arena *a, struct job *j, enum db_rc *rc)
{
	struct db_param p[1] = { db_str(j->customer_id) };
	struct db_rows r;
	*rc = db_exec(db, a, SQL_LOCK_CUSTOMER, p, 1, &r, NULL);
	if (*rc != DB_OK)
		return map_rc(*rc);
	if (r.nrows == 0)
		return STORE_NO_CUSTOMER;
	if (customer_revoked(j->not_before_ms, db_cell(&r, 0, 0)))
		return STORE_REVOKED;
	return STORE_OK;
}

struct attempt {
	struct arena *a;
	struct job *j;
	job_fn fn;
	enum store_rc src;
};

/* One attempt inside db_transaction: lock the customer, then the write. */
static enum db_rc attempt(struct db *db, void *ctx)
{
	struct attempt *t = ctx;
	enum db_rc rc = DB_OK;
	t->src = lock_customer(db, t->a, t->j, &rc);
	if (t->src == STORE_OK)
		t->src = t->fn(db, t->a, t->j, &rc);
	if (t->src == STORE_OK)
		return DB_OK;
	/* a conflict runs the attempt again; anything else is answered by t->src */
	return rc == DB_RETRY ? DB_RETRY : DB_ABORT;
}

/* Runs fn in a transaction (db_transaction: again after a deadlock or certification failure). */
static enum store_rc run(struct db *db, struct arena *a, struct job *j, job_fn fn)
{
	struct attempt t = { a, j, fn, STORE_OK };
	enum db_rc rc = db_transaction(db, attempt, &t);
	return rc == DB_ABORT ? t.src : rc == DB_OK ? STORE_OK : map_rc(rc);
}

/* JavaScript's stored === sent for one key: an absent key (undefined) equals nothing. */
static int js_equal(const struct address_patch *ap, enum address_field f, const char *stored)
{
	if (!(ap->set & (1u << f)))
		return 0;
	const char *sent = ap->v[f];
	if (!sent || !stored)
		return sent == stored;
	if (f == AF_COUNTRY_CODE)
		return strcasecmp(stored, sent) == 0; /* a.country_code?.toLowerCase() === sent */
	return strcmp(stored, sent) == 0;
}

/* Medusa's addAddress() de-duplication, against one live address row. */
static int same_address(const struct address_patch *ap, const struct db_rows *r, size_t row)
{
	static const enum address_field compared[] = {
		AF_COUNTRY_CODE, AF_ADDRESS_1, AF_ADDRESS_2, AF_CITY, AF_PHONE, AF_POSTAL_CODE, AF_PROVINCE,
		AF_FIRST_NAME, AF_LAST_NAME,
	};
	for (size_t i = 0; i < sizeof(compared) / sizeof(compared[0]); i++)
		if (!js_equal(ap, compared[i], db_cell(r, row, (unsigned)compared[i])))
			return 0;
	return 1;
}

/*
 * The column holds ISO 3166-1 alpha-2 codes: a longer value cannot name a
 * country, and MariaDB would reject it as too long rather than as unknown.
 */
static int country_fits(const char *cc)
{
	return !cc || strlen(cc) == 2;
}

static enum store_rc add_job(struct db *db, struct arena *a, struct job *j, enum db_rc *rc)
{
	struct db_param p[15] = { db_str(j->customer_id) };
	struct db_rows r;
	*rc = db_exec(db, a, SQL_LIVE_ADDRESSES, p, 1, &r, NULL);
	if (*rc != DB_OK)
		return map_rc(*rc);
	for (size_t i = 0; i < r.nrows; i++) {
		if (same_address(j->ap, &r, i)) {
			j->outcome = ADDRESS_EXISTS;
			return STORE_OK;
		}
	}
	if (r.nrows >= ADDRESS_STORE_MAX_PER_CUSTOMER) {
		j->outcome = ADDRESS_FULL;
		return STORE_OK;
	}
	if (!country_fits(j->ap->v[AF_COUNTRY_CODE]))
		return STORE_NO_COUNTRY;
	char id[40];
	if (ulid_id("addr", id, sizeof(id)) != 0)
		return STORE_ERROR;
	p[0] = db_str(id);
	p[1] = db_str(j->customer_id);
	for (int f = 0; f < AF_COUNT; f++)
		p[2 + f] = db_str(j->ap->set & (1u << f) ? j->ap->v[f] : NULL);
	p[13] = db_str(j->now);
	p[14] = db_str(j->now);
	*rc = db_exec(db, a, SQL_INSERT, p, 15, NULL, NULL);
	if (*rc == DB_FK)
		return STORE_NO_COUNTRY;
	if (*rc != DB_OK)
		return map_rc(*rc);
	j->outcome = ADDRESS_ADDED;
	return STORE_OK;
}

static int same(const char *x, const char *y)
{
	if (!x || !y)
		return x == y;
	return strcmp(x, y) == 0;
}

static enum store_rc update_job(struct db *db, struct arena *a, struct job *j, enum db_rc *rc)
{
	struct db_param p[13] = { db_str(j->address_id), db_str(j->customer_id) };
	struct db_rows r;
	*rc = db_exec(db, a, SQL_GET_OWN, p, 2, &r, NULL);
	if (*rc != DB_OK)
		return map_rc(*rc);
	if (r.nrows == 0)
		return STORE_NO_ADDRESS;
	const char *v[AF_COUNT];
	int changed = 0;
	for (int f = 0; f < AF_COUNT; f++) {
		v[f] = db_cell(&r, 0, (unsigned)f);
		if (!(j->ap->set & (1u << f)))
			continue;
		/* Medusa: address.country_code = address.country_code?.toLowerCase(): null becomes "leave it" */
		if (f == AF_COUNTRY_CODE && !j->ap->v[f])
			continue;
		if (!same(v[f], j->ap->v[f])) {
			if (f == AF_COUNTRY_CODE && !country_fits(j->ap->v[f]))
				return STORE_NO_COUNTRY;
			v[f] = j->ap->v[f];
			changed = 1;
		}
	}
	if (!changed)
		return STORE_OK; /* TypeORM's save() issues no UPDATE: updated_at stays */
	for (int f = 0; f < AF_COUNT; f++)
		p[f] = db_str(v[f]);
	p[11] = db_str(j->now);
	p[12] = db_str(j->address_id);
	*rc = db_exec(db, a, SQL_UPDATE, p, 13, NULL, NULL);
	if (*rc == DB_FK)
		return STORE_NO_COUNTRY;
	return *rc == DB_OK ? STORE_OK : map_rc(*rc);
}

static enum store_rc delete_job(struct db *db, struct arena *a, struct job *j, enum db_rc *rc)
{
	struct db_param p[4] = { db_str(j->now), db_str(j->now), db_str(j->address_id), db_str(j->customer_id) };
	*rc = db_exec(db, a, SQL_DELETE, p, 4, NULL, NULL);
	return *rc == DB_OK ? STORE_OK : map_rc(*rc);
}

static void job_init(struct job *j, const char *customer_id, const char *address_id, const struct address_patch *ap,
		     long long not_before_ms, long long now_ms)
{
	memset(j, 0, sizeof(*j));
	j->customer_id = customer_id;
	j->address_id = address_id;
	j->ap = ap;
	j->not_before_ms = not_before_ms;
	customer_db_time(now_ms, j->now);
	j->now[23] = '\0';
}

enum store_rc address_store_add(struct db *db, struct arena *a, const char *customer_id,
				const struct address_patch *ap, long long not_before_ms, long long now_ms,
				enum address_add_outcome *outcome)
{
	struct job j;
	job_init(&j, customer_id, NULL, ap, not_before_ms, now_ms);
	enum store_rc rc = run(db, a, &j, add_job);
	*outcome = j.outcome;
	return rc;
}

enum store_rc address_store_update(struct db *db, struct arena *a, const char *customer_id, const char *address_id,
				   const struct address_patch *ap, long long not_before_ms, long long now_ms)
{
	struct job j;
	job_init(&j, customer_id, address_id, ap, not_before_ms, now_ms);
	return run(db, a, &j, update_job);
}

enum store_rc address_store_delete(struct db *db, struct arena *a, const char *customer_id, const char *address_id,
				   long long not_before_ms, long long now_ms)
{
	struct job j;
	job_init(&j, customer_id, address_id, NULL, not_before_ms, now_ms);
	return run(db, a, &j, delete_job);
}
