/*
 * line_item_store: see line_item_store.h. Every statement is a string literal here.
 */
#include <stdlib.h>
#include <string.h>

#include "sql/line_item_store.h"
#include "sql/region_store.h"

/*
 * Lines are listed by created_at: a line made in the same millisecond as the cart's last one
 * (items of one POST /store/carts) gets the next millisecond, so the list keeps the order they
 * were added in (the id, a ULID, is random within a millisecond). The cart row is locked.
 */
static const char SQL_INSERT[] =
	"INSERT INTO line_item (id, created_at, updated_at, cart_id, title, description, thumbnail, is_giftcard, "
	"should_merge, allow_discounts, has_shipping, unit_price, variant_id, quantity, metadata) "
	"SELECT ?, x.t, x.t, ?, ?, ?, ?, ?, 1, ?, 0, ?, ?, ?, ? FROM (SELECT GREATEST(CURRENT_TIMESTAMP(3), "
	"COALESCE(MAX(created_at) + INTERVAL 1000 MICROSECOND, CURRENT_TIMESTAMP(3))) AS t "
	"FROM line_item WHERE cart_id = ?) x";
static const char SQL_UPDATE[] =
	"UPDATE line_item SET quantity = ?, unit_price = ?, metadata = COALESCE(?, metadata), "
	"updated_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND cart_id = ?";
static const char SQL_DELETE[] = "DELETE FROM line_item WHERE id = ? AND cart_id = ?";
/* Medusa's removeLineItem then sets has_shipping false on every line left: their updated_at moves (098, 102) */
static const char SQL_TOUCH[] =
	"UPDATE line_item SET has_shipping = 0, updated_at = CURRENT_TIMESTAMP(3) WHERE cart_id = ?";
static const char SQL_DROP_METHODS[] = "DELETE FROM shipping_method WHERE cart_id = ?";
/* Medusa's deleteShippingMethods also sets has_shipping false on every line (extras 074) */
static const char SQL_NO_SHIPPING[] =
	"UPDATE line_item SET updated_at = IF(has_shipping <=> 0, updated_at, CURRENT_TIMESTAMP(3)), has_shipping = 0 "
	"WHERE cart_id = ?";
static const char SQL_STOCK[] =
	"SELECT inventory_quantity, allow_backorder, manage_inventory FROM product_variant "
	"WHERE id = ? AND deleted_at IS NULL";

enum store_rc line_item_store_insert(struct db *db, struct arena *a, const struct line_item_new *li)
{
	struct db_param p[12] = {
		db_str(li->id), db_str(li->cart_id), db_str(li->title), db_str(li->description),
		db_str(li->thumbnail), db_int(li->is_giftcard), db_int(li->allow_discounts), db_int(li->unit_price),
		db_str(li->variant_id), db_int(li->quantity), db_str(li->metadata_json), db_str(li->cart_id),
	};
	return store_rc_of(db_exec(db, a, SQL_INSERT, p, 12, NULL, NULL));
}

enum store_rc line_item_store_update(struct db *db, struct arena *a, const char *cart_id, const char *id,
				     long long quantity, long long unit_price, const char *metadata_json)
{
	struct db_param p[5] = { db_int(quantity), db_int(unit_price), db_str(metadata_json), db_str(id),
				 db_str(cart_id) };
	return store_rc_of(db_exec(db, a, SQL_UPDATE, p, 5, NULL, NULL));
}

enum store_rc line_item_store_delete(struct db *db, struct arena *a, const char *cart_id, const char *id)
{
	struct db_param p[2] = { db_str(id), db_str(cart_id) };
	enum store_rc rc = store_rc_of(db_exec(db, a, SQL_DELETE, p, 2, NULL, NULL));
	return rc == STORE_OK ? store_rc_of(db_exec(db, a, SQL_TOUCH, &p[1], 1, NULL, NULL)) : rc;
}

enum store_rc line_item_store_drop_methods(struct db *db, struct arena *a, const char *cart_id)
{
	struct db_param p = db_str(cart_id);
	enum db_rc rc = db_exec(db, a, SQL_DROP_METHODS, &p, 1, NULL, NULL);
	if (rc == DB_OK)
		rc = db_exec(db, a, SQL_NO_SHIPPING, &p, 1, NULL, NULL);
	return store_rc_of(rc);
}

enum store_rc line_item_store_stock(struct db *db, struct arena *a, const char *variant_id, struct line_item_stock *s)
{
	struct db_rows rows;
	struct db_param p = db_str(variant_id);
	memset(s, 0, sizeof(*s));
	enum store_rc rc = store_rc_of(db_exec(db, a, SQL_STOCK, &p, 1, &rows, NULL));
	if (rc != STORE_OK || !rows.nrows)
		return rc;
	s->found = 1;
	s->inventory_quantity = db_cell(&rows, 0, 0) ? strtoll(db_cell(&rows, 0, 0), NULL, 10) : 0;
	s->allow_backorder = db_cell(&rows, 0, 1) && strcmp(db_cell(&rows, 0, 1), "0") != 0;
	s->manage_inventory = db_cell(&rows, 0, 2) && strcmp(db_cell(&rows, 0, 2), "0") != 0;
	return STORE_OK;
}
