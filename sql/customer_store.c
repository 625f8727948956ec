/*
 * customer_store: every statement about customers and their addresses.
 * Reads use one query for the customer with all its live addresses; writes
 * lock the customer row (SELECT ... FOR UPDATE), compute the new state in C,
 * and write only what changed, so updated_at moves only on a real change.
 */
#include "sql/customer_store.h"

#include <stdlib.h>
#include <string.h>

#include "common/envelope.h"
#include "common/json.h"
#include "common/log.h"
#include "common/metadata.h"
#include "common/metadata_limit.h"
#include "common/ulid.h"

#define CUSTOMER_COLS \
	"c.id, c.created_at, c.updated_at, c.deleted_at, c.email, c.first_name, c.last_name, " \
	"c.billing_address_id, c.phone, c.has_account, c.metadata, c.password_hash, c.credentials_at, " \
	"a.id, a.created_at, a.updated_at, a.deleted_at, a.customer_id, a.company, a.first_name, a.last_name, " \
	"a.address_1, a.address_2, a.city, a.country_code, a.province, a.postal_code, a.phone, a.metadata "
#define CUSTOMER_FROM \
	"FROM customer c LEFT JOIN address a ON a.deleted_at IS NULL " \
	"AND (a.customer_id = c.id OR a.id = c.billing_address_id) " \
	"WHERE c.id = ? AND c.deleted_at IS NULL"
/*
 * No ORDER BY: with TEXT columns (metadata) in the select list, sorting needs
 * an on-disk temporary table, which cost ~0.4 ms of server CPU per request.
 * A customer has a handful of addresses: they are sorted in C (addr_cmp).
 */

static const char SQL_LOAD[] = "SELECT " CUSTOMER_COLS CUSTOMER_FROM;
static const char SQL_LOAD_LOCK[] = "SELECT " CUSTOMER_COLS CUSTOMER_FROM " FOR UPDATE";
static const char SQL_UPDATE_CUSTOMER[] =
	"UPDATE customer SET email = ?, first_name = ?, last_name = ?, phone = ?, billing_address_id = ?, "
	"password_hash = ?, credentials_at = ?, metadata = ?, updated_at = ? WHERE id = ?";
static const char SQL_INSERT_ADDRESS[] =
	"INSERT INTO address (id, customer_id, company, first_name, last_name, address_1, address_2, city, "
	"country_code, province, postal_code, phone, metadata, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_UPDATE_ADDRESS[] =
	"UPDATE address SET company = ?, first_name = ?, last_name = ?, address_1 = ?, address_2 = ?, city = ?, "
	"country_code = ?, province = ?, postal_code = ?, phone = ?, metadata = ?, updated_at = ? WHERE id = ?";
static const char SQL_INSERT_CUSTOMER[] =
	"INSERT INTO customer (id, email, first_name, last_name, phone, password_hash, has_account, "
	"created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
/*
 * The fast path of a profile update that only sets plain columns: one UPDATE
 * (and the outbox row, in the same transaction, when the row changed).
 * updated_at is assigned first (MariaDB evaluates SET left to right), from the
 * old values: it moves only if a given value differs, so the affected-rows
 * count says whether anything changed. Each column has a flag parameter
 * "given". The credential check is in the WHERE clause, so a revoked token
 * changes nothing.
 */
static const char SQL_FAST_UPDATE[] =
	"UPDATE customer SET "
	"updated_at = IF((NOT ? OR email <=> ?) AND (NOT ? OR first_name <=> ?) AND (NOT ? OR last_name <=> ?) "
	"AND (NOT ? OR phone <=> ?), updated_at, ?), "
	"email = IF(?, ?, email), first_name = IF(?, ?, first_name), last_name = IF(?, ?, last_name), "
	"phone = IF(?, ?, phone) "
	"WHERE id = ? AND deleted_at IS NULL AND (credentials_at IS NULL OR credentials_at < ?)";
static const char SQL_INSERT_EVENT[] = "INSERT INTO event_outbox (event, data, created_at) VALUES (?, ?, ?)";
static const char SQL_FIND_LOGIN[] =
	"SELECT id, password_hash FROM customer WHERE email_live = ? AND has_account = 1";
static const char SQL_ACCOUNT_EXISTS[] =
	"SELECT 1 FROM customer WHERE email_live = ? AND has_account = 1 LIMIT 1";
static const char SQL_FIND_RESET[] =
	"SELECT id, email, first_name, last_name, password_hash FROM customer WHERE email_live = ? AND has_account = 1";
static const char SQL_RESET[] =
	"UPDATE customer SET password_hash = ?, credentials_at = ?, updated_at = ? WHERE id = ? AND password_hash = ? "
	"AND deleted_at IS NULL";
static const char SQL_DELETE_SESSIONS[] = "DELETE FROM session WHERE customer_id = ?";
static const char SQL_REHASH[] = "UPDATE customer SET password_hash = ? WHERE id = ? AND password_hash = ?";

/*
 * The customer.created / customer.updated outbox row, written by the caller
 * inside the transaction of the change it describes. (Migration 004 had
 * triggers do this. On Galera a node once kept a table instance whose trigger
 * had failed to parse, and statements on that instance failed with 1064 until
 * it left the table cache. Migration 005 drops the triggers; see
 * docs/CLUSTER.md.)
 */
static enum db_rc insert_event(struct db *db, struct arena *a, const char *event, const char *id,
			       const char *at)
{
	struct buf d = BUF_INIT;
	struct env o;
	buf_init(&d);
	env_object(&o, &d);
	env_str(&o, "id", id);
	env_end(&o);
	struct db_param p[3] = { db_str(event), db_strn(d.data, d.len), db_str(at) };
	enum db_rc rc = db_exec(db, a, SQL_INSERT_EVENT, p, 3, NULL, NULL);
	buf_release(&d);
	return rc;
}

static const char *const af_names[AF_COUNT] = {
	"company", "first_name", "last_name", "address_1", "address_2", "city",
	"country_code", "province", "postal_code", "phone", "metadata",
};

const char *address_field_name(enum address_field f)
{
	return (unsigned)f < AF_COUNT ? af_names[f] : "";
}

static char **af_slot(struct address *a, enum address_field f)
{
	switch (f) {
	case AF_COMPANY: return &a->company;
	case AF_FIRST_NAME: return &a->first_name;
	case AF_LAST_NAME: return &a->last_name;
	case AF_ADDRESS_1: return &a->address_1;
	case AF_ADDRESS_2: return &a->address_2;
	case AF_CITY: return &a->city;
	case AF_COUNTRY_CODE: return &a->country_code;
	case AF_PROVINCE: return &a->province;
	case AF_POSTAL_CODE: return &a->postal_code;
	case AF_PHONE: return &a->phone;
	default: return &a->metadata;
	}
}

static enum store_rc map_rc(enum db_rc rc)
{
	switch (rc) {
	case DB_OK: return STORE_OK;
	case DB_GONE: return STORE_UNAVAILABLE;
	/* retries exhausted (a conflict that kept coming back, or a Galera node outside the
	 * primary component: 1047, or 1205 from wsrep_sync_wait): nothing was applied, so 503
	 * + Retry-After, which a balancer may resend to another pool, not a 500 */
	case DB_RETRY: return STORE_UNAVAILABLE;
	default: return STORE_ERROR;
	}
}

static void fill_address(struct address *a, const struct db_rows *r, size_t row, unsigned c0)
{
	a->id = db_cell(r, row, c0 + 0);
	a->created_at = db_cell(r, row, c0 + 1);
	a->updated_at = db_cell(r, row, c0 + 2);
	a->deleted_at = db_cell(r, row, c0 + 3);
	a->customer_id = db_cell(r, row, c0 + 4);
	a->company = db_cell(r, row, c0 + 5);
	a->first_name = db_cell(r, row, c0 + 6);
	a->last_name = db_cell(r, row, c0 + 7);
	a->address_1 = db_cell(r, row, c0 + 8);
	a->address_2 = db_cell(r, row, c0 + 9);
	a->city = db_cell(r, row, c0 + 10);
	a->country_code = db_cell(r, row, c0 + 11);
	a->province = db_cell(r, row, c0 + 12);
	a->postal_code = db_cell(r, row, c0 + 13);
	a->phone = db_cell(r, row, c0 + 14);
	a->metadata = db_cell(r, row, c0 + 15);
}

/* Insertion order, as Medusa answers: created_at, then id. */
static int addr_cmp(const void *x, const void *y)
{
	const struct address *a = x, *b = y;
	int c = strcmp(a->created_at ? a->created_at : "", b->created_at ? b->created_at : "");
	return c ? c : strcmp(a->id, b->id);
}

/* dbrc (may be NULL) receives the statement's outcome, so a caller in a transaction can tell a
 * conflict (DB_RETRY) from a failure. */
static enum store_rc load(struct db *db, struct arena *a, const char *sql, const char *id, struct customer **out,
			  enum db_rc *dbrc)
{
	struct db_param p[1] = { db_str(id) };
	struct db_rows r;
	enum db_rc rc = db_exec(db, a, sql, p, 1, &r, NULL);
	if (dbrc)
		*dbrc = rc;
	if (rc != DB_OK)
		return map_rc(rc);
	if (r.nrows == 0)
		return STORE_NO_CUSTOMER;
	struct customer *c = arena_alloc(a, sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->id = db_cell(&r, 0, 0);
	c->created_at = db_cell(&r, 0, 1);
	c->updated_at = db_cell(&r, 0, 2);
	c->deleted_at = db_cell(&r, 0, 3);
	c->email = db_cell(&r, 0, 4);
	c->first_name = db_cell(&r, 0, 5);
	c->last_name = db_cell(&r, 0, 6);
	c->billing_address_id = db_cell(&r, 0, 7);
	c->phone = db_cell(&r, 0, 8);
	c->has_account = db_cell(&r, 0, 9) && strcmp(db_cell(&r, 0, 9), "0") != 0;
	c->metadata = db_cell(&r, 0, 10);
	c->password_hash = db_cell(&r, 0, 11);
	c->credentials_at = db_cell(&r, 0, 12);
	c->shipping = arena_alloc(a, sizeof(struct address) * (r.nrows + 1));
	for (size_t i = 0; i < r.nrows; i++) {
		if (!db_cell(&r, i, 13))
			continue; /* LEFT JOIN without address */
		struct address ad;
		fill_address(&ad, &r, i, 13);
		if (c->billing_address_id && strcmp(ad.id, c->billing_address_id) == 0) {
			c->billing = arena_alloc(a, sizeof(*c->billing));
			*c->billing = ad;
		}
		if (ad.customer_id && strcmp(ad.customer_id, c->id) == 0)
			c->shipping[c->nshipping++] = ad;
	}
	if (c->nshipping > 1)
		qsort(c->shipping, c->nshipping, sizeof(*c->shipping), addr_cmp);
	*out = c;
	return STORE_OK;
}

enum store_rc customer_store_load(struct db *db, struct arena *a, const char *id, struct customer **out)
{
	return load(db, a, SQL_LOAD, id, out, NULL);
}

static int same(const char *x, const char *y)
{
	if (!x || !y)
		return x == y;
	return strcmp(x, y) == 0;
}

static struct db_param addr_params_common(const struct address *ad, enum address_field f)
{
	switch (f) {
	case AF_COMPANY: return db_str(ad->company);
	case AF_FIRST_NAME: return db_str(ad->first_name);
	case AF_LAST_NAME: return db_str(ad->last_name);
	case AF_ADDRESS_1: return db_str(ad->address_1);
	case AF_ADDRESS_2: return db_str(ad->address_2);
	case AF_CITY: return db_str(ad->city);
	case AF_COUNTRY_CODE: return db_str(ad->country_code);
	case AF_PROVINCE: return db_str(ad->province);
	case AF_POSTAL_CODE: return db_str(ad->postal_code);
	case AF_PHONE: return db_str(ad->phone);
	default: return db_str(ad->metadata);
	}
}

/* db_transaction's answer as a store outcome: DB_ABORT means the work said why in src. */
static enum store_rc tx_outcome(enum db_rc rc, enum store_rc src)
{
	return rc == DB_ABORT ? src : map_rc(rc);
}

/* The update transaction's input and result, for update_once. */
struct update_tx {
	struct arena *a;
	const char *id;
	const struct customer_patch *pt;
	char now[24];
	struct customer *result;
	enum store_rc src;
};

/* One attempt of the update transaction, run by db_transaction. */
static enum db_rc update_once(struct db *db, void *ctx)
{
	struct update_tx *t = ctx;
	struct arena *a = t->a;
	const struct customer_patch *pt = t->pt;
	const char *now = t->now;
	enum db_rc rc = DB_OK;
	struct customer *c = NULL;
	/* Galera aborts a transaction waiting here for a row a replicated write changed (1213):
	 * that is a conflict to retry like one at COMMIT, not a failure */
	enum store_rc src = load(db, a, SQL_LOAD_LOCK, t->id, &c, &rc);
	if (src != STORE_OK) {
		if (rc == DB_RETRY)
			return DB_RETRY;
		goto fail;
	}
	if (customer_revoked(pt->not_before_ms, c->credentials_at)) {
		src = STORE_REVOKED;
		goto fail;
	}

	struct customer nc = *c;
	int customer_changed = 0;
	if (pt->set_email && !same(pt->email, c->email)) {
		nc.email = (char *)pt->email;
		customer_changed = 1;
	}
	if (pt->set_first_name && !same(pt->first_name, c->first_name)) {
		nc.first_name = (char *)pt->first_name;
		customer_changed = 1;
	}
	if (pt->set_last_name && !same(pt->last_name, c->last_name)) {
		nc.last_name = (char *)pt->last_name;
		customer_changed = 1;
	}
	if (pt->set_phone && !same(pt->phone, c->phone)) {
		nc.phone = (char *)pt->phone;
		customer_changed = 1;
	}
	if (pt->password_hash) {
		nc.password_hash = (char *)pt->password_hash;
		nc.credentials_at = arena_strdup(a, now);
		customer_changed = 1;
	}
	if (pt->metadata) {
		int changed = 0;
		char *m = metadata_merge(a, c->metadata, pt->metadata, &changed);
		if (!m) {
			/* refuse rather than replace what we cannot read: the row keeps its metadata */
			log_error("customer \"%s\": stored metadata is not a JSON object we can read; merge refused",
				  c->id);
			src = STORE_ERROR;
			goto fail;
		}
		/* before any write of this transaction (the billing address below comes after) */
		if (changed && !metadata_fits(m)) {
			src = STORE_METADATA_TOO_LARGE;
			goto fail;
		}
		if (changed) {
			nc.metadata = m;
			customer_changed = 1;
		}
	}

	switch (pt->billing) {
	case BILL_KEEP:
		break;
	case BILL_UNSET:
		if (c->billing_address_id) {
			nc.billing_address_id = NULL;
			nc.billing = NULL;
			customer_changed = 1;
		}
		break;
	case BILL_LINK_ID: {
		/* only the caller's own live addresses (shipping or current billing) */
		struct address *found = NULL;
		if (c->billing && strcmp(c->billing->id, pt->billing_id) == 0)
			found = c->billing;
		for (size_t i = 0; !found && i < c->nshipping; i++)
			if (strcmp(c->shipping[i].id, pt->billing_id) == 0)
				found = &c->shipping[i];
		if (!found) {
			src = STORE_NO_ADDRESS;
			goto fail;
		}
		if (!same(c->billing_address_id, found->id)) {
			nc.billing_address_id = found->id;
			customer_changed = 1;
		}
		nc.billing = found;
		break;
	}
	case BILL_UPSERT: {
		const struct address_patch *ap = &pt->billing_addr;
		if (c->billing) {
			struct address *na = arena_alloc(a, sizeof(*na));
			*na = *c->billing;
			int changed = 0;
			for (int f = 0; f < AF_COUNT; f++) {
				if (!(ap->set & (1u << f)))
					continue;
				char **slot = af_slot(na, (enum address_field)f);
				if (!same(*slot, ap->v[f])) {
					*slot = (char *)ap->v[f];
					changed = 1;
				}
			}
			if (changed) {
				na->updated_at = arena_strdup(a, now);
				struct db_param p[13];
				for (int f = 0; f < AF_COUNT; f++)
					p[f] = addr_params_common(na, (enum address_field)f);
				p[11] = db_str(now);
				p[12] = db_str(na->id);
				rc = db_exec(db, a, SQL_UPDATE_ADDRESS, p, 13, NULL, NULL);
				if (rc == DB_FK) {
					src = STORE_NO_COUNTRY;
					goto fail;
				}
				if (rc != DB_OK)
					goto fail_rc;
			}
			nc.billing = na;
		} else {
			/* a new billing address: customer_id NULL, so it is not a shipping address */
			struct address *na = arena_alloc(a, sizeof(*na));
			memset(na, 0, sizeof(*na));
			char aid[40];
			if (ulid_id("addr", aid, sizeof(aid)) != 0) {
				src = STORE_ERROR;
				goto fail;
			}
			na->id = arena_strdup(a, aid);
			na->created_at = na->updated_at = arena_strdup(a, now);
			for (int f = 0; f < AF_COUNT; f++)
				if (ap->set & (1u << f))
					*af_slot(na, (enum address_field)f) = (char *)ap->v[f];
			struct db_param p[15];
			p[0] = db_str(na->id);
			p[1] = db_str(NULL);
			for (int f = 0; f < AF_COUNT; f++)
				p[2 + f] = addr_params_common(na, (enum address_field)f);
			p[13] = db_str(now);
			p[14] = db_str(now);
			rc = db_exec(db, a, SQL_INSERT_ADDRESS, p, 15, NULL, NULL);
			if (rc == DB_FK) {
				src = STORE_NO_COUNTRY;
				goto fail;
			}
			if (rc != DB_OK)
				goto fail_rc;
			nc.billing = na;
			nc.billing_address_id = na->id;
			customer_changed = 1;
		}
		break;
	}
	}

	if (customer_changed) {
		nc.updated_at = arena_strdup(a, now);
		struct db_param p[10] = {
			db_str(nc.email), db_str(nc.first_name), db_str(nc.last_name), db_str(nc.phone),
			db_str(nc.billing_address_id), db_str(nc.password_hash), db_str(nc.credentials_at),
			db_str(nc.metadata), db_str(now), db_str(nc.id),
		};
		rc = db_exec(db, a, SQL_UPDATE_CUSTOMER, p, 10, NULL, NULL);
		if (rc == DB_DUPLICATE) {
			src = strstr(db->dup_key, "billing") ? STORE_DUP_BILLING : STORE_DUP_EMAIL;
			goto fail;
		}
		if (rc != DB_OK)
			goto fail_rc;
		rc = insert_event(db, a, "customer.updated", nc.id, now);
		if (rc != DB_OK)
			goto fail_rc;
	}
	t->result = arena_alloc(a, sizeof(*t->result));
	*t->result = nc;
	return DB_OK;

fail_rc:
	return rc; /* a conflict runs the attempt again, anything else is answered by map_rc */
fail:
	t->src = src;
	return DB_ABORT;
}

/* What the one-statement transactions below need: the customer, the time, the parameters. */
struct stmt_tx {
	struct arena *a;
	const char *id, *now;
	const struct db_param *p;
};

static enum db_rc fast_update_once(struct db *db, void *ctx)
{
	const struct stmt_tx *t = ctx;
	unsigned long long changed = 0;
	enum db_rc rc = db_exec(db, t->a, SQL_FAST_UPDATE, t->p, 19, NULL, &changed);
	if (rc == DB_OK && changed)
		rc = insert_event(db, t->a, "customer.updated", t->id, t->now);
	return rc;
}

static enum store_rc fast_update(struct db *db, struct arena *a, const char *id, const struct customer_patch *pt,
				 long long now_ms, struct customer **out)
{
	char now[24], nb[24];
	customer_db_time(now_ms, now);
	/* tokens carry whole seconds: a change in the same second does not revoke (customer_revoked) */
	customer_db_not_before(pt->not_before_ms, nb);
	struct db_param p[19] = {
		db_int(pt->set_email), db_str(pt->email), db_int(pt->set_first_name), db_str(pt->first_name),
		db_int(pt->set_last_name), db_str(pt->last_name), db_int(pt->set_phone), db_str(pt->phone),
		db_str(now),
		db_int(pt->set_email), db_str(pt->email), db_int(pt->set_first_name), db_str(pt->first_name),
		db_int(pt->set_last_name), db_str(pt->last_name), db_int(pt->set_phone), db_str(pt->phone),
		db_str(id), db_str(nb),
	};
	struct stmt_tx t = { a, id, now, p };
	enum db_rc rc = db_transaction(db, fast_update_once, &t);
	if (rc == DB_DUPLICATE)
		return STORE_DUP_EMAIL;
	if (rc != DB_OK)
		return map_rc(rc);
	/* the answer, and the tell between "no change", "gone" and "revoked" */
	enum store_rc src = load(db, a, SQL_LOAD, id, out, NULL);
	if (src == STORE_OK && customer_revoked(pt->not_before_ms, (*out)->credentials_at))
		return STORE_REVOKED;
	return src;
}

enum store_rc customer_store_update(struct db *db, struct arena *a, const char *id,
				    const struct customer_patch *patch, long long now_ms, struct customer **out)
{
	if (!patch->password_hash && !patch->metadata && patch->billing == BILL_KEEP)
		return fast_update(db, a, id, patch, now_ms, out);
	struct update_tx t = { .a = a, .id = id, .pt = patch, .src = STORE_OK };
	customer_db_time(now_ms, t.now);
	enum db_rc rc = db_transaction(db, update_once, &t);
	if (rc == DB_OK)
		*out = t.result;
	return tx_outcome(rc, t.src);
}

static enum db_rc create_once(struct db *db, void *ctx)
{
	const struct stmt_tx *t = ctx;
	enum db_rc rc = db_exec(db, t->a, SQL_INSERT_CUSTOMER, t->p, 9, NULL, NULL);
	if (rc == DB_OK)
		rc = insert_event(db, t->a, "customer.created", t->id, t->now);
	return rc;
}

/*
 * Registration is one INSERT and its customer.created outbox row, in one
 * transaction: the unique key (email_live, has_account) is Medusa's duplicate
 * rule (an account blocks an account, a guest blocks a guest).
 */
enum store_rc customer_store_create(struct db *db, struct arena *a, const struct customer_new *n,
				    long long now_ms, struct customer **out)
{
	char now[24], id[40];
	customer_db_time(now_ms, now);
	if (ulid_id("cus", id, sizeof(id)) != 0)
		return STORE_ERROR;
	struct db_param p[9] = {
		db_str(id), db_str(n->email), db_str(n->first_name), db_str(n->last_name), db_str(n->phone),
		db_str(n->password_hash), db_int(n->password_hash ? 1 : 0), db_str(now), db_str(now),
	};
	struct stmt_tx t = { a, id, now, p };
	enum db_rc rc = db_transaction(db, create_once, &t);
	if (rc == DB_DUPLICATE)
		return n->password_hash ? STORE_DUP_ACCOUNT : STORE_DUP_GUEST;
	if (rc != DB_OK)
		return map_rc(rc);
	struct customer *c = arena_alloc(a, sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->id = arena_strdup(a, id);
	c->created_at = c->updated_at = arena_strdup(a, now);
	c->email = (char *)n->email;
	c->first_name = (char *)n->first_name;
	c->last_name = (char *)n->last_name;
	c->phone = (char *)n->phone;
	c->has_account = n->password_hash != NULL;
	*out = c;
	return STORE_OK;
}

enum store_rc customer_store_find_login(struct db *db, struct arena *a, const char *email, struct store_login *out)
{
	struct db_param p[1] = { db_str(email) };
	struct db_rows r;
	enum db_rc rc = db_exec(db, a, SQL_FIND_LOGIN, p, 1, &r, NULL);
	if (rc != DB_OK)
		return map_rc(rc);
	if (r.nrows == 0)
		return STORE_NO_CUSTOMER;
	out->id = db_cell(&r, 0, 0);
	out->password_hash = db_cell(&r, 0, 1);
	return STORE_OK;
}

enum store_rc customer_store_rehash(struct db *db, struct arena *a, const char *id, const char *old_hash,
				    const char *new_hash)
{
	struct db_param p[3] = { db_str(new_hash), db_str(id), db_str(old_hash) };
	return map_rc(db_exec(db, a, SQL_REHASH, p, 3, NULL, NULL));
}

enum store_rc customer_store_account_exists(struct db *db, struct arena *a, const char *email, int *exists)
{
	struct db_param p[1] = { db_str(email) };
	struct db_rows r;
	enum db_rc rc = db_exec(db, a, SQL_ACCOUNT_EXISTS, p, 1, &r, NULL);
	if (rc != DB_OK)
		return map_rc(rc);
	*exists = r.nrows > 0;
	return STORE_OK;
}

enum store_rc customer_store_find_reset(struct db *db, struct arena *a, const char *email, struct store_reset *out)
{
	struct db_param p[1] = { db_str(email) };
	struct db_rows r;
	enum db_rc rc = db_exec(db, a, SQL_FIND_RESET, p, 1, &r, NULL);
	if (rc != DB_OK)
		return map_rc(rc);
	if (r.nrows == 0)
		return STORE_NO_CUSTOMER;
	out->id = db_cell(&r, 0, 0);
	out->email = db_cell(&r, 0, 1);
	out->first_name = db_cell(&r, 0, 2);
	out->last_name = db_cell(&r, 0, 3);
	out->password_hash = db_cell(&r, 0, 4);
	return STORE_OK;
}

static enum db_rc reset_once(struct db *db, void *ctx)
{
	const struct stmt_tx *t = ctx;
	unsigned long long n = 0;
	enum db_rc rc = db_exec(db, t->a, SQL_RESET, t->p, 5, NULL, &n);
	if (rc == DB_OK && n == 0)
		return DB_ABORT; /* gone, or the hash changed since the token was made */
	if (rc == DB_OK)
		rc = insert_event(db, t->a, "customer.updated", t->id, t->now);
	if (rc == DB_OK) {
		struct db_param q[1] = { db_str(t->id) };
		rc = db_exec(db, t->a, SQL_DELETE_SESSIONS, q, 1, NULL, NULL);
	}
	return rc;
}

enum store_rc customer_store_reset_password(struct db *db, struct arena *a, const char *id, const char *old_hash,
					    const char *new_hash, long long now_ms)
{
	char now[24];
	customer_db_time(now_ms, now);
	struct db_param p[5] = { db_str(new_hash), db_str(now), db_str(now), db_str(id), db_str(old_hash) };
	struct stmt_tx t = { a, id, now, p };
	return tx_outcome(db_transaction(db, reset_once, &t), STORE_NO_CUSTOMER);
}

enum store_rc customer_store_event(struct db *db, struct arena *a, const char *event_name, const char *data,
				   long long now_ms)
{
	char now[24];
	customer_db_time(now_ms, now);
	struct db_param p[3] = { db_str(event_name), db_str(data), db_str(now) };
	return map_rc(db_exec(db, a, SQL_INSERT_EVENT, p, 3, NULL, NULL));
}
