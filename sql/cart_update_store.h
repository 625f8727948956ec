/*
 * cart_update_store: the statements behind POST /store/carts/:id (cgi/cart_update.c).
 *
 * The route decides everything first, with the look-ups below and no write; then
 * cart_update_store_apply() writes the whole decision (struct cart_update) in one
 * db_transaction, a savepoint of the request transaction. So a request that fails its checks
 * has written nothing, and a failed write leaves nothing behind either.
 * Rows come back as text cells; everything is arena memory, borrowed until the arena is reset.
 */
#ifndef CART_UPDATE_STORE_H
#define CART_UPDATE_STORE_H
#include "common/arena.h"
#include "sql/customer_store.h"
#include "sql/db.h"

/* What happens to one of the cart's addresses. */
enum cu_addr_kind {
	CU_ADDR_KEEP,   /* the cart keeps the address it has */
	CU_ADDR_UNLINK, /* the cart has none afterwards */
	CU_ADDR_LINK,   /* the cart points at an existing row (id), unchanged */
	CU_ADDR_UPDATE, /* the keys of patch are written to row id (a row the cart owns) */
	CU_ADDR_INSERT, /* a new row id (customer_id NULL) with the keys of patch, the others NULL */
};

struct cu_addr {
	enum cu_addr_kind kind;
	const char *id;
	struct address_patch patch;  /* country_code lower-cased, metadata canonical JSON */
};

/* A line item to re-price (unit_price, has_shipping false) or to remove. */
struct cu_item {
	const char *id;
	long long unit_price;
	int remove;
};

/* The cart after the update: every column the route may change, and what goes with it. */
struct cart_update {
	const char *cart_id;
	const char *now;             /* DATETIME(3) text of the request: every updated_at it moves */
	/* the guest customer of email (lower-cased): found (has_account 0), else created as new_id */
	const char *guest_email, *guest_new_id;
	const char *guest_found_id;  /* the guest cart_update_store_guest found for guest_email, NULL: none */
	/* the cart row's new values; customer_id is replaced by the guest's when guest_email is set */
	const char *email, *customer_id, *region_id, *sales_channel_id, *context_json;
	const char *billing_id, *shipping_id;  /* the row's current address ids (CU_ADDR_KEEP keeps them) */
	struct cu_addr billing, shipping;
	struct cu_item *items;
	size_t n_items;
	int drop_methods, drop_sessions;
};

/*
 * Writes u in one transaction: the guest customer (and its customer.created outbox row), the
 * addresses, the items, shipping methods and payment sessions dropped, then the cart row,
 * whose updated_at moves only when one of its columns changed. STORE_OK, STORE_NO_COUNTRY (an
 * address's country is not in the country table), STORE_UNAVAILABLE, STORE_ERROR.
 */
enum store_rc cart_update_store_apply(struct db *db, struct arena *a, const struct cart_update *u);

/* A live address: id, customer_id, country_code (no row when unknown or deleted). */
enum store_rc cart_update_store_address(struct db *db, struct arena *a, const char *id, struct db_rows *rows);
/* *exists = 1 when iso_2 (lower case) is in the country table. */
enum store_rc cart_update_store_country(struct db *db, struct arena *a, const char *iso_2, int *exists);
/* The live guest customer (has_account 0) of a lower-cased email: *id NULL when none. */
enum store_rc cart_update_store_guest(struct db *db, struct arena *a, const char *email, const char **id);
/*
 * Line items of cart_id whose variant's product is not in sales channel channel_id: rows of
 * item id (items without a live variant are left alone).
 */
enum store_rc cart_update_store_items_outside(struct db *db, struct arena *a, const char *cart_id,
					      const char *channel_id, struct db_rows *rows);
/*
 * A live discount by (upper-cased) code, checked at now (DATETIME(3) text) for region_id:
 * code, is_disabled, not_started, expired, used_up, in_region (each "0"/"1"); no row if unknown.
 */
enum store_rc cart_update_store_discount(struct db *db, struct arena *a, const char *code, const char *now,
					 const char *region_id, struct db_rows *rows);
/* A live gift card by code (case-sensitive): id, is_disabled, region_id; no row if unknown. */
enum store_rc cart_update_store_gift_card(struct db *db, struct arena *a, const char *code, struct db_rows *rows);
#endif
