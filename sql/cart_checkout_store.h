/*
 * cart_checkout_store: the statements behind a cart's shipping methods and payment sessions
 * (issue 12: cgi/cart_shipping.c, cgi/cart_payment.c). Reads: a shipping option with its
 * requirements, the shipping profiles, a region's payment providers. Writes: one call per
 * change of a route, each in one db_transaction (a savepoint of the request transaction), so a
 * change is applied whole or not at all. Every write names the cart, so a row of another cart
 * is never touched. Rows are text cells in arena memory, borrowed until the arena is reset.
 */
#ifndef CART_CHECKOUT_STORE_H
#define CART_CHECKOUT_STORE_H
#include <stddef.h>

#include "common/arena.h"
#include "common/rowjson.h"
#include "sql/customer_store.h"
#include "sql/db.h"

/* ShippingProfile: id, created_at, updated_at, deleted_at, name, type, metadata. */
#define SHIPPING_PROFILE_NCOLS 7
extern const struct rowj_col shipping_profile_cols[SHIPPING_PROFILE_NCOLS];

/*
 * A live shipping option by id: SHIPPING_OPTION_NCOLS cells (sql/region_store.h); no row when
 * unknown or deleted.
 */
enum store_rc checkout_store_option(struct db *db, struct arena *a, const char *id, struct db_rows *rows);
/* The live requirements of an option: type, amount. */
enum store_rc checkout_store_requirements(struct db *db, struct arena *a, const char *option_id,
					  struct db_rows *rows);
/* The live shipping profiles (SHIPPING_PROFILE_NCOLS cells), by id. */
enum store_rc checkout_store_profiles(struct db *db, struct arena *a, struct db_rows *rows);
/* The payment provider ids of a region, by id. */
enum store_rc checkout_store_providers(struct db *db, struct arena *a, const char *region_id, struct db_rows *rows);

/* A line item's has_shipping as the new method set makes it. */
struct checkout_item_shipping {
	const char *id;
	int has_shipping;
};

/* A new shipping method of cart_id and what it replaces. */
struct checkout_method_new {
	const char *cart_id;
	const char *id, *option_id, *data_json; /* data_json: JSON text */
	long long price;
	const char *const *replaced;             /* method ids of the cart to delete first */
	size_t n_replaced;
	const struct checkout_item_shipping *items; /* has_shipping of the cart's items */
	size_t n_items;
};
/*
 * Deletes the replaced methods, inserts the new one and sets the items' has_shipping (an item's
 * updated_at moves only when its value changes, as TypeORM's save), in one transaction.
 */
enum store_rc checkout_store_add_method(struct db *db, struct arena *a, const struct checkout_method_new *m);

/* One change of a cart's payment sessions. */
enum checkout_ps_kind {
	PS_INSERT,       /* a new session: every field below */
	PS_SAVE,         /* set is_selected, is_initiated, status, data, amount; updated_at moves when one changed */
	PS_AMOUNT,       /* set amount; updated_at always moves (TypeORM's update) */
	PS_DELETE,       /* delete session id */
	PS_DESELECT_ALL, /* every session of the cart: is_selected NULL, is_initiated 0, updated_at moves */
	PS_DELETE_ALL,   /* delete every session of the cart */
};
struct checkout_ps_op {
	enum checkout_ps_kind kind;
	const char *id;           /* the session (PS_INSERT: the new id) */
	const char *provider_id;  /* PS_INSERT */
	int is_selected;          /* -1: NULL */
	int is_initiated;
	const char *status;       /* "pending" ... */
	const char *data_json;    /* JSON text */
	long long amount;
};
/* Applies ops in order to the sessions of cart_id, in one transaction. */
enum store_rc checkout_store_sessions_apply(struct db *db, struct arena *a, const char *cart_id,
					    const struct checkout_ps_op *ops, size_t n);
#endif
