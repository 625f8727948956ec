/*
 * region_store: prepared statements only; optional filters are written
 * "(? IS NULL OR ...)" with the value passed twice, so one statement serves
 * every combination (as sql/order_store.c does). Relations are read in one
 * statement each for all regions at once and matched in C: a region list
 * costs three statements whatever its length.
 */
#include "sql/region_store.h"

#include <stdlib.h>

const struct rowj_col region_cols[REGION_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "deleted_at", RJ_TIME },
	{ "name", RJ_STR }, { "currency_code", RJ_STR }, { "tax_rate", RJ_NUM }, { "tax_code", RJ_STR },
	{ "gift_cards_taxable", RJ_BOOL }, { "automatic_taxes", RJ_BOOL }, { "tax_provider_id", RJ_STR },
	{ "metadata", RJ_JSONB },
};
const struct rowj_col currency_cols[CURRENCY_NCOLS] = {
	{ "code", RJ_STR }, { "symbol", RJ_STR }, { "symbol_native", RJ_STR }, { "name", RJ_STR },
};
const struct rowj_col country_cols[COUNTRY_NCOLS] = {
	{ "id", RJ_INT }, { "iso_2", RJ_STR }, { "iso_3", RJ_STR }, { "num_code", RJ_INT },
	{ "name", RJ_STR }, { "display_name", RJ_STR }, { "region_id", RJ_STR },
};
const struct rowj_col provider_cols[PROVIDER_NCOLS] = { { "id", RJ_STR }, { "is_installed", RJ_BOOL } };
const struct rowj_col shipping_option_cols[SHIPPING_OPTION_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "deleted_at", RJ_TIME },
	{ "name", RJ_STR }, { "region_id", RJ_STR }, { "profile_id", RJ_STR }, { "provider_id", RJ_STR },
	{ "price_type", RJ_STR }, { "amount", RJ_INT }, { "is_return", RJ_BOOL }, { "admin_only", RJ_BOOL },
	{ "data", RJ_JSONB }, { "metadata", RJ_JSONB },
};
const struct rowj_col requirement_cols[REQUIREMENT_NCOLS] = {
	{ "id", RJ_STR }, { "shipping_option_id", RJ_STR }, { "type", RJ_STR }, { "amount", RJ_INT },
	{ "deleted_at", RJ_TIME },
};

#define REGION_SELECT \
	"r.id, r.created_at, r.updated_at, r.deleted_at, r.name, r.currency_code, r.tax_rate, r.tax_code, " \
	"r.gift_cards_taxable, r.automatic_taxes, r.tax_provider_id, r.metadata"

#define DATE_FILTERS(col) \
	"AND (? IS NULL OR " col " < ?) AND (? IS NULL OR " col " > ?) " \
	"AND (? IS NULL OR " col " >= ?) AND (? IS NULL OR " col " <= ?) "

#define REGION_WHERE \
	"WHERE r.deleted_at IS NULL AND (? IS NULL OR r.id = ?) " \
	DATE_FILTERS("r.created_at") DATE_FILTERS("r.updated_at")
#define REGION_WHERE_PARAMS 18

static const char SQL_REGIONS[] =
	"SELECT " REGION_SELECT ", c.code, c.symbol, c.symbol_native, c.name "
	"FROM region r LEFT JOIN currency c ON c.code = r.currency_code "
	REGION_WHERE
	"ORDER BY IF(? = 0, CASE ? WHEN 1 THEN r.id WHEN 2 THEN r.name WHEN 3 THEN r.currency_code "
	"WHEN 4 THEN r.created_at WHEN 5 THEN r.updated_at END, NULL) ASC, "
	"IF(? = 1, CASE ? WHEN 1 THEN r.id WHEN 2 THEN r.name WHEN 3 THEN r.currency_code "
	"WHEN 4 THEN r.created_at WHEN 5 THEN r.updated_at END, NULL) DESC, "
	"r.created_at DESC, r.id LIMIT ? OFFSET ?";
static const char SQL_REGIONS_COUNT[] = "SELECT COUNT(*) FROM region r " REGION_WHERE;
static const char SQL_REGION_COUNTRIES[] =
	"SELECT id, iso_2, iso_3, num_code, name, display_name, region_id FROM country "
	"WHERE region_id IS NOT NULL ORDER BY region_id, id";
static const char SQL_REGION_PAYMENT[] =
	"SELECT l.region_id, p.id, p.is_installed FROM region_payment_providers l "
	"JOIN payment_provider p ON p.id = l.provider_id ORDER BY l.region_id, p.id";
static const char SQL_REGION_FULFILLMENT[] =
	"SELECT l.region_id, p.id, p.is_installed FROM region_fulfillment_providers l "
	"JOIN fulfillment_provider p ON p.id = l.provider_id ORDER BY l.region_id, p.id";

static const char SQL_SHIPPING_OPTIONS[] =
	"SELECT so.id, so.created_at, so.updated_at, so.deleted_at, so.name, so.region_id, so.profile_id, "
	"so.provider_id, so.price_type, so.amount, so.is_return, so.admin_only, so.data, so.metadata, r.tax_rate, "
	"r.automatic_taxes "
	"FROM shipping_option so JOIN region r ON r.id = so.region_id "
	"WHERE so.deleted_at IS NULL AND so.admin_only = 0 AND (? IS NULL OR so.region_id = ?) "
	"AND (? IS NULL OR so.is_return = ?) ORDER BY so.created_at, so.id";
static const char SQL_SHIPPING_REQUIREMENTS[] =
	"SELECT q.id, q.shipping_option_id, q.type, q.amount, q.deleted_at FROM shipping_option_requirement q "
	"JOIN shipping_option so ON so.id = q.shipping_option_id "
	"WHERE q.deleted_at IS NULL AND so.deleted_at IS NULL ORDER BY q.shipping_option_id, q.id";
static const char SQL_SHIPPING_TAX_RATES[] =
	"SELECT s.shipping_option_id, t.rate, t.name, t.code FROM shipping_tax_rate s "
	"JOIN tax_rate t ON t.id = s.rate_id ORDER BY s.shipping_option_id, t.created_at, t.id";

static const char SQL_GIFT_CARD[] =
	"SELECT g.id, g.code, g.value, g.balance, " REGION_SELECT " "
	"FROM gift_card g JOIN region r ON r.id = g.region_id WHERE g.code = ? AND g.deleted_at IS NULL";

enum store_rc store_rc_of(enum db_rc rc)
{
	/* DB_RETRY here: retries exhausted, nothing applied: 503, retry later (or on another node) */
	return rc == DB_OK ? STORE_OK : rc == DB_GONE || rc == DB_RETRY ? STORE_UNAVAILABLE : STORE_ERROR;
}

static void opt(struct db_param *p, unsigned *k, const char *v)
{
	p[(*k)++] = db_str(v);
	p[(*k)++] = db_str(v);
}

static void dates(struct db_param *p, unsigned *k, const struct store_dates *d)
{
	for (int i = 0; i < 4; i++)
		opt(p, k, d->op[i]);
}

enum store_rc region_store_list(struct db *db, struct arena *a, const struct region_filter *f, long long limit,
				long long offset, struct db_rows *rows, long long *count)
{
	struct db_param p[REGION_WHERE_PARAMS + 6];
	unsigned k = 0;
	opt(p, &k, f->id);
	dates(p, &k, &f->created_at);
	dates(p, &k, &f->updated_at);
	enum db_rc rc;
	if (count) {
		struct db_rows c;
		if ((rc = db_exec(db, a, SQL_REGIONS_COUNT, p, k, &c, NULL)) != DB_OK)
			return store_rc_of(rc);
		*count = c.nrows && db_cell(&c, 0, 0) ? strtoll(db_cell(&c, 0, 0), NULL, 10) : 0;
	}
	p[k++] = db_int(f->desc);
	p[k++] = db_int(f->order);
	p[k++] = db_int(f->desc);
	p[k++] = db_int(f->order);
	p[k++] = db_int(limit);
	p[k++] = db_int(offset);
	return store_rc_of(db_exec(db, a, SQL_REGIONS, p, k, rows, NULL));
}

enum store_rc region_store_links(struct db *db, struct arena *a, struct region_links *out)
{
	enum db_rc rc = db_exec(db, a, SQL_REGION_COUNTRIES, NULL, 0, &out->countries, NULL);
	if (rc == DB_OK)
		rc = db_exec(db, a, SQL_REGION_PAYMENT, NULL, 0, &out->payment, NULL);
	if (rc == DB_OK)
		rc = db_exec(db, a, SQL_REGION_FULFILLMENT, NULL, 0, &out->fulfillment, NULL);
	return store_rc_of(rc);
}

enum store_rc shipping_store_list(struct db *db, struct arena *a, const char *region_id, int is_return,
				  struct db_rows *rows)
{
	struct db_param p[4];
	unsigned k = 0;
	opt(p, &k, region_id);
	if (is_return < 0) {
		opt(p, &k, NULL);
	} else {
		p[k++] = db_int(is_return);
		p[k++] = db_int(is_return);
	}
	return store_rc_of(db_exec(db, a, SQL_SHIPPING_OPTIONS, p, k, rows, NULL));
}

enum store_rc shipping_store_requirements(struct db *db, struct arena *a, struct db_rows *rows)
{
	return store_rc_of(db_exec(db, a, SQL_SHIPPING_REQUIREMENTS, NULL, 0, rows, NULL));
}

enum store_rc shipping_store_tax_rates(struct db *db, struct arena *a, struct db_rows *rows)
{
	return store_rc_of(db_exec(db, a, SQL_SHIPPING_TAX_RATES, NULL, 0, rows, NULL));
}

enum store_rc gift_card_store_by_code(struct db *db, struct arena *a, const char *code, struct db_rows *rows)
{
	struct db_param p[1] = { db_str(code) };
	return store_rc_of(db_exec(db, a, SQL_GIFT_CARD, p, 1, rows, NULL));
}
