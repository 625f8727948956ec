/*
 * line_item_store: the writes behind the line-item routes (cgi/line_items.c): insert, update
 * and delete a cart's lines, drop its shipping methods, and read a variant's stock as it is
 * now (not the catalogue snapshot: stock moves at checkout).
 * Every statement runs in the request transaction, after the cart row was locked.
 */
#ifndef LINE_ITEM_STORE_H
#define LINE_ITEM_STORE_H
#include "common/arena.h"
#include "sql/customer_store.h"
#include "sql/db.h"

/* A line to insert; NULL members are SQL NULL. */
struct line_item_new {
	const char *id, *cart_id, *title, *description, *thumbnail, *variant_id;
	const char *metadata_json;   /* JSON object text */
	int is_giftcard, allow_discounts;
	long long unit_price, quantity;
};
enum store_rc line_item_store_insert(struct db *db, struct arena *a, const struct line_item_new *li);

/* Sets quantity and unit_price (and metadata when metadata_json is not NULL) of line id of cart_id. */
enum store_rc line_item_store_update(struct db *db, struct arena *a, const char *cart_id, const char *id,
				     long long quantity, long long unit_price, const char *metadata_json);

/* Deletes line id of cart_id (nothing when it is not the cart's); the lines left get updated_at now. */
enum store_rc line_item_store_delete(struct db *db, struct arena *a, const char *cart_id, const char *id);

/* Deletes the cart's shipping methods (a line change drops them, transcripts-store-extras 074). */
enum store_rc line_item_store_drop_methods(struct db *db, struct arena *a, const char *cart_id);

/* The live variant's stock: *found, and inventory_quantity, allow_backorder, manage_inventory. */
struct line_item_stock {
	int found, allow_backorder, manage_inventory;
	long long inventory_quantity;
};
enum store_rc line_item_store_stock(struct db *db, struct arena *a, const char *variant_id, struct line_item_stock *s);
#endif
