/*
 * cart_checkout_store: see cart_checkout_store.h. Every statement is a string literal here;
 * writes run under db_transaction, so inside the request transaction they are a savepoint of
 * the request's one COMMIT. "updated_at moves only on a change" is written in SQL: updated_at
 * is assigned first (MariaDB assigns left to right, so it still sees the old values).
 */
#include "sql/cart_checkout_store.h"

#include "sql/region_store.h"

const struct rowj_col shipping_profile_cols[SHIPPING_PROFILE_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "deleted_at", RJ_TIME },
	{ "name", RJ_STR }, { "type", RJ_STR }, { "metadata", RJ_JSONB },
};

static const char SQL_OPTION[] =
	"SELECT id, created_at, updated_at, deleted_at, name, region_id, profile_id, provider_id, price_type, "
	"amount, is_return, admin_only, data, metadata FROM shipping_option WHERE id = ? AND deleted_at IS NULL";
static const char SQL_REQUIREMENTS[] =
	"SELECT type, amount FROM shipping_option_requirement WHERE shipping_option_id = ? AND deleted_at IS NULL "
	"ORDER BY id";
static const char SQL_PROFILES[] =
	"SELECT id, created_at, updated_at, deleted_at, name, type, metadata FROM shipping_profile "
	"WHERE deleted_at IS NULL ORDER BY id";
static const char SQL_PROVIDERS[] =
	"SELECT provider_id FROM region_payment_providers WHERE region_id = ? ORDER BY provider_id";

static const char SQL_METHOD_DELETE[] = "DELETE FROM shipping_method WHERE id = ? AND cart_id = ?";
static const char SQL_METHOD_INSERT[] =
	"INSERT INTO shipping_method (id, shipping_option_id, cart_id, price, data) VALUES (?, ?, ?, ?, ?)";
static const char SQL_ITEM_HAS_SHIPPING[] =
	"UPDATE line_item SET updated_at = IF(has_shipping <=> ?, updated_at, CURRENT_TIMESTAMP(3)), "
	"has_shipping = ? WHERE id = ? AND cart_id = ?";

static const char SQL_PS_INSERT[] =
	"INSERT INTO payment_session (id, cart_id, provider_id, is_selected, is_initiated, status, data, amount) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_PS_SAVE[] =
	"UPDATE payment_session SET updated_at = IF(is_selected <=> ? AND is_initiated <=> ? AND status <=> ? "
	"AND data <=> ? AND amount <=> ?, updated_at, CURRENT_TIMESTAMP(3)), "
	"is_selected = ?, is_initiated = ?, status = ?, data = ?, amount = ? WHERE id = ? AND cart_id = ?";
static const char SQL_PS_AMOUNT[] =
	"UPDATE payment_session SET updated_at = CURRENT_TIMESTAMP(3), amount = ? WHERE id = ? AND cart_id = ?";
static const char SQL_PS_DELETE[] = "DELETE FROM payment_session WHERE id = ? AND cart_id = ?";
static const char SQL_PS_DESELECT_ALL[] =
	"UPDATE payment_session SET updated_at = CURRENT_TIMESTAMP(3), is_selected = NULL, is_initiated = 0 "
	"WHERE cart_id = ?";
static const char SQL_PS_DELETE_ALL[] = "DELETE FROM payment_session WHERE cart_id = ?";

static enum store_rc read1(struct db *db, struct arena *a, const char *sql, const char *p0, struct db_rows *rows)
{
	struct db_param p = db_str(p0);
	return store_rc_of(db_exec(db, a, sql, &p, p0 ? 1 : 0, rows, NULL));
}

enum store_rc checkout_store_option(struct db *db, struct arena *a, const char *id, struct db_rows *rows)
{
	return read1(db, a, SQL_OPTION, id, rows);
}

enum store_rc checkout_store_requirements(struct db *db, struct arena *a, const char *option_id,
					  struct db_rows *rows)
{
	return read1(db, a, SQL_REQUIREMENTS, option_id, rows);
}

enum store_rc checkout_store_profiles(struct db *db, struct arena *a, struct db_rows *rows)
{
	return read1(db, a, SQL_PROFILES, NULL, rows);
}

enum store_rc checkout_store_providers(struct db *db, struct arena *a, const char *region_id, struct db_rows *rows)
{
	return read1(db, a, SQL_PROVIDERS, region_id, rows);
}

struct method_ctx {
	struct arena *a;
	const struct checkout_method_new *m;
};

static enum db_rc method_work(struct db *db, void *vctx)
{
	struct method_ctx *x = vctx;
	const struct checkout_method_new *m = x->m;
	enum db_rc rc = DB_OK;
	for (size_t i = 0; rc == DB_OK && i < m->n_replaced; i++) {
		struct db_param p[2] = { db_str(m->replaced[i]), db_str(m->cart_id) };
		rc = db_exec(db, x->a, SQL_METHOD_DELETE, p, 2, NULL, NULL);
	}
	if (rc == DB_OK) {
		struct db_param p[5] = { db_str(m->id), db_str(m->option_id), db_str(m->cart_id), db_int(m->price),
					 db_str(m->data_json) };
		rc = db_exec(db, x->a, SQL_METHOD_INSERT, p, 5, NULL, NULL);
	}
	for (size_t i = 0; rc == DB_OK && i < m->n_items; i++) {
		int v = m->items[i].has_shipping ? 1 : 0;
		struct db_param p[4] = { db_int(v), db_int(v), db_str(m->items[i].id), db_str(m->cart_id) };
		rc = db_exec(db, x->a, SQL_ITEM_HAS_SHIPPING, p, 4, NULL, NULL);
	}
	return rc;
}

enum store_rc checkout_store_add_method(struct db *db, struct arena *a, const struct checkout_method_new *m)
{
	struct method_ctx x = { a, m };
	return store_rc_of(db_transaction(db, method_work, &x));
}

struct ps_ctx {
	struct arena *a;
	const char *cart_id;
	const struct checkout_ps_op *ops;
	size_t n;
};

static struct db_param selected_param(int is_selected)
{
	return is_selected < 0 ? db_str(NULL) : db_int(is_selected);
}

static enum db_rc ps_one(struct db *db, struct arena *a, const char *cart, const struct checkout_ps_op *o)
{
	switch (o->kind) {
	case PS_INSERT: {
		struct db_param p[8] = {
			db_str(o->id), db_str(cart), db_str(o->provider_id), selected_param(o->is_selected),
			db_int(o->is_initiated), db_str(o->status), db_str(o->data_json), db_int(o->amount),
		};
		return db_exec(db, a, SQL_PS_INSERT, p, 8, NULL, NULL);
	}
	case PS_SAVE: {
		struct db_param p[12] = {
			selected_param(o->is_selected), db_int(o->is_initiated), db_str(o->status), db_str(o->data_json),
			db_int(o->amount),
			selected_param(o->is_selected), db_int(o->is_initiated), db_str(o->status), db_str(o->data_json),
			db_int(o->amount), db_str(o->id), db_str(cart),
		};
		return db_exec(db, a, SQL_PS_SAVE, p, 12, NULL, NULL);
	}
	case PS_AMOUNT: {
		struct db_param p[3] = { db_int(o->amount), db_str(o->id), db_str(cart) };
		return db_exec(db, a, SQL_PS_AMOUNT, p, 3, NULL, NULL);
	}
	case PS_DELETE: {
		struct db_param p[2] = { db_str(o->id), db_str(cart) };
		return db_exec(db, a, SQL_PS_DELETE, p, 2, NULL, NULL);
	}
	case PS_DESELECT_ALL: {
		struct db_param p = db_str(cart);
		return db_exec(db, a, SQL_PS_DESELECT_ALL, &p, 1, NULL, NULL);
	}
	case PS_DELETE_ALL: {
		struct db_param p = db_str(cart);
		return db_exec(db, a, SQL_PS_DELETE_ALL, &p, 1, NULL, NULL);
	}
	}
	return DB_ERROR;
}

static enum db_rc ps_work(struct db *db, void *vctx)
{
	struct ps_ctx *x = vctx;
	enum db_rc rc = DB_OK;
	for (size_t i = 0; rc == DB_OK && i < x->n; i++)
		rc = ps_one(db, x->a, x->cart_id, &x->ops[i]);
	return rc;
}

enum store_rc checkout_store_sessions_apply(struct db *db, struct arena *a, const char *cart_id,
					    const struct checkout_ps_op *ops, size_t n)
{
	if (!n)
		return STORE_OK;
	struct ps_ctx x = { a, cart_id, ops, n };
	return store_rc_of(db_transaction(db, ps_work, &x));
}
