/*
 * region_store: the statements behind regions, shipping options and gift
 * cards (issue 11): regions with their currency, the countries and providers
 * linked to them, shipping options with their requirements and tax rates,
 * a gift card by code with its region. Rows come back as text cells in the
 * column order of the *_cols tables below (common/rowjson.h writes them);
 * everything is arena memory, borrowed until the arena is reset.
 */
#ifndef REGION_STORE_H
#define REGION_STORE_H
#include "common/arena.h"
#include "common/rowjson.h"
#include "sql/customer_store.h"
#include "sql/db.h"

/* The Region entity's columns, in Medusa's key order. */
#define REGION_NCOLS 12
extern const struct rowj_col region_cols[REGION_NCOLS];
/* Currency: code, symbol, symbol_native, name. */
#define CURRENCY_NCOLS 4
extern const struct rowj_col currency_cols[CURRENCY_NCOLS];
/* Country: id, iso_2, iso_3, num_code, name, display_name, region_id. */
#define COUNTRY_NCOLS 7
extern const struct rowj_col country_cols[COUNTRY_NCOLS];
/* Payment / fulfillment provider: id, is_installed. */
#define PROVIDER_NCOLS 2
extern const struct rowj_col provider_cols[PROVIDER_NCOLS];

/* Bounds of a DateComparisonOperator (lt, gt, gte, lte): DB timestamps or NULL. */
struct store_dates {
	const char *op[4];
};

/* The columns `order` may name, in the order of the ORDER BY switch in region_store.c. */
enum region_order { RO_DEFAULT = 0, RO_ID, RO_NAME, RO_CURRENCY_CODE, RO_CREATED_AT, RO_UPDATED_AT };

struct region_filter {
	const char *id;               /* NULL: any */
	struct store_dates created_at, updated_at;
	enum region_order order;      /* RO_DEFAULT: newest first, then import order */
	int desc;
};

/* The mapping every store of the catalogue uses for a failed statement. */
enum store_rc store_rc_of(enum db_rc rc);

/*
 * Live regions matching f, newest first (rows of one import in import order: id), paged; each row is
 * REGION_NCOLS region cells then CURRENCY_NCOLS currency cells. *count (when
 * count is non-NULL) is the number of matches before paging.
 */
enum store_rc region_store_list(struct db *db, struct arena *a, const struct region_filter *f, long long limit,
				long long offset, struct db_rows *rows, long long *count);

/*
 * Every country that belongs to a region (COUNTRY_NCOLS cells, by region then
 * id), and the payment and fulfillment providers of every region (region_id,
 * then PROVIDER_NCOLS cells, by region then provider id).
 */
struct region_links {
	struct db_rows countries, payment, fulfillment;
};
enum store_rc region_store_links(struct db *db, struct arena *a, struct region_links *out);

/* The ShippingOption entity's columns (id ... metadata), in Medusa's key order. */
#define SHIPPING_OPTION_NCOLS 14
extern const struct rowj_col shipping_option_cols[SHIPPING_OPTION_NCOLS];
/* ShippingOptionRequirement: id, shipping_option_id, type, amount, deleted_at. */
#define REQUIREMENT_NCOLS 5
extern const struct rowj_col requirement_cols[REQUIREMENT_NCOLS];

/*
 * Live options that are not admin_only, of region_id (NULL: any) and with
 * is_return (-1: either); each row is SHIPPING_OPTION_NCOLS cells then the
 * option's region tax_rate (decimal text) and automatic_taxes. Ordered by creation.
 */
enum store_rc shipping_store_list(struct db *db, struct arena *a, const char *region_id, int is_return,
				  struct db_rows *rows);
/* Live requirements of live options (REQUIREMENT_NCOLS cells), by option. */
enum store_rc shipping_store_requirements(struct db *db, struct arena *a, struct db_rows *rows);
/*
 * The tax rates assigned to shipping options (Medusa's listByShippingOption:
 * whatever their region): shipping_option_id, rate (decimal text or NULL),
 * name, code; by option, then the rate's creation.
 */
enum store_rc shipping_store_tax_rates(struct db *db, struct arena *a, struct db_rows *rows);

/*
 * The live gift card with exactly this code (case-sensitive): id, code,
 * value, balance, then REGION_NCOLS cells of its region; no row if none.
 */
enum store_rc gift_card_store_by_code(struct db *db, struct arena *a, const char *code, struct db_rows *rows);
#endif
