/*
 * line_items: a cart's lines (issue 12; reference section 1, CartService.addOrUpdateLineItems,
 * updateLineItem, removeLineItem of Medusa 1.20):
 *   POST   /store/carts/:id/line-items            {variant_id, quantity, metadata?}
 *   POST   /store/carts/:id/line-items/:line_id   {quantity, metadata?}; quantity 0 deletes
 *   DELETE /store/carts/:id/line-items/:line_id   (a line not on the cart: 200 with the cart, 103)
 * and the items of POST /store/carts (line_items_add_to, called by cgi/carts.c).
 *
 * Each write first locks the cart row (cart_model_load with lock) in the request transaction,
 * so concurrent writers of one cart run one after the other and every added quantity counts
 * (Medusa 1.20 loses some: API.md section 9). A new line merges into the cart's line of the
 * same variant with equal metadata (085, 086); its price is the catalogue's for the cart's
 * region, customer and the line's new quantity (extras 085-089); stock is the variant's
 * inventory_quantity as it is now (manage_inventory, allow_backorder). Every change deletes the
 * cart's shipping methods (extras 074) and re-syncs its payment sessions (cart_payment_sync:
 * amounts = the new total with taxes forced; a total of 0 or less deletes them).
 */
#include <limits.h>
#include <string.h>

#include "cgi/cart_checkout.h"
#include "cgi/cart_view.h"
#include "cgi/carts.h"
#include "cgi/catalogue_util.h"
#include "cgi/router.h"
#include "common/body.h"
#include "common/metadata.h"
#include "common/metadata_limit.h"
#include "common/respond.h"
#include "common/ulid.h"
#include "sql/line_item_store.h"

/* StorePostCartsCartLineItemsReq */
static const struct field_spec add_fields[] = {
	{ "variant_id", FK_STRING, 1, 0, NULL },
	{ "quantity", FK_INT, 1, 0, NULL },
	{ "metadata", FK_OBJECT, 0, 0, NULL },
};
static const struct field_set add_set = FIELD_SET(add_fields);

/* StorePostCartsCartLineItemsItemReq */
static const struct field_spec update_fields[] = {
	{ "quantity", FK_INT, 1, 0, NULL },
	{ "metadata", FK_OBJECT, 0, 0, NULL },
};
static const struct field_set update_set = FIELD_SET(update_fields);

/* The line_item.quantity column is an INT: more is refused before it reaches the database. */
#define LINE_QUANTITY_MAX INT_MAX

/* A completed cart's lines belong to its order: Medusa answers 404 "null" (136). */
static enum api_err refuse_completed(struct req *r, const struct cart_model *m)
{
	if (!m->completed_at)
		return API_OK;
	return respond_fail(r, E_NOT_FOUND, "null");
}

/* Stock for quantity of variant_id (ConfirmInventory without the inventory module). */
static enum api_err check_stock(struct req *r, const char *variant_id, long long quantity, int adding)
{
	struct line_item_stock s;
	enum store_rc rc = line_item_store_stock(&r->w->db, &r->arena, variant_id, &s);
	if (rc != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	if (!s.found || !s.manage_inventory || s.allow_backorder || s.inventory_quantity >= quantity)
		return API_OK;
	if (adding)
		return respond_fail(r, E_INSUFFICIENT_INVENTORY,
				    "Variant with id: %s does not have the required inventory", variant_id);
	return respond_fail(r, E_INSUFFICIENT_INVENTORY, "Inventory doesn't cover the desired quantity");
}

/* A quantity as the validated body holds it: 1..INT_MAX, else a 400 (Medusa: 0 -> 089, negative -> 500). */
static enum api_err quantity_of(struct req *r, struct json_object *v, long long *out)
{
	double d = json_object_get_double(v);
	if (d < 1)
		return respond_fail(r, E_INVALID_DATA, "Unable to generate the line item because one or more required "
				    "argument(s) are missing. Ensure quantity, regionId, and variantId are passed");
	if (d > LINE_QUANTITY_MAX)
		return respond_fail(r, E_INVALID_DATA, "quantity must not be greater than %d", LINE_QUANTITY_MAX);
	*out = json_object_get_int64(v);
	return API_OK;
}

/* 1 when stored (metadata JSON text, NULL = {}) equals want (lodash isEqual of the objects). */
static int same_metadata(const char *stored, struct json_object *want)
{
	struct json_object *s = stored ? json_tokener_parse(stored) : NULL;
	struct json_object *empty = NULL;
	if (!s)
		s = json_object_new_object();
	if (!want)
		want = empty = json_object_new_object();
	int eq = json_object_equal(s, want);
	json_object_put(s);
	json_object_put(empty);
	return eq;
}

enum api_err line_items_reprice(struct req *r, const struct cart_model *m)
{
	for (size_t i = 0; i < m->n_items; i++) {
		const struct cart_item *it = &m->items[i];
		if (!it->variant_id)
			continue;
		long price;
		int found;
		enum api_err e = cart_price_lookup(r, m, it->variant_id, (long)it->quantity, &price, &found);
		if (e != API_OK)
			return e;
		enum store_rc rc = STORE_OK;
		/* Medusa's updateUnitPrices_: a line without a price in the cart's region goes */
		if (!found)
			rc = line_item_store_delete(&r->w->db, &r->arena, m->id, it->id);
		else if (price != it->unit_price)
			rc = line_item_store_update(&r->w->db, &r->arena, m->id, it->id, it->quantity, price, NULL);
		if (rc != STORE_OK)
			return respond_fail(r, store_fail(rc), NULL);
	}
	return m->sessions.nrows ? cart_payment_sync(r, m->id) : API_OK;
}

/*
 * After a change of the lines: drop the shipping methods, then re-sync the sessions' amount with
 * the new total. *reload gets the parts of the cart this changed (cart_answer_model).
 */
static enum api_err after_change(struct req *r, const struct cart_model *before, unsigned *reload)
{
	const char *cart_id = before->id;
	*reload |= CART_RELOAD_ITEMS;
	if (before->n_methods) {
		enum store_rc rc = line_item_store_drop_methods(&r->w->db, &r->arena, cart_id);
		if (rc != STORE_OK)
			return respond_fail(r, store_fail(rc), NULL);
		*reload |= CART_RELOAD_METHODS;
	}
	if (!before->sessions.nrows)
		return API_OK;
	*reload |= CART_RELOAD_SESSIONS;
	return cart_payment_sync(r, cart_id);
}

/* line_item_cols' updated_at (its third column): "YYYY-MM-DD HH:MM:SS.mmm", ordered as text */
#define LI_UPDATED_AT 2

/* a was written after b (updated_at; the later of two equal ones in m's created_at order) */
static int written_after(const struct cart_item *a, const struct cart_item *b)
{
	const char *ta = a->cells ? a->cells[LI_UPDATED_AT] : NULL, *tb = b->cells ? b->cells[LI_UPDATED_AT] : NULL;
	return !ta || !tb || strcmp(ta, tb) >= 0;
}

/*
 * Adds quantity of variant_id (metadata may be NULL) to the locked cart m: merged or a new line
 * (fresh: always a new line, the items of POST /store/carts).
 * dry: only the checks, and m's items change as the write would change them (the items of
 * POST /store/carts are checked before the cart is written: a 4xx answer commits its writes).
 */
static enum api_err add_line(struct req *r, struct cart_model *m, const char *variant_id, long long quantity,
			     struct json_object *metadata, int dry, int fresh)
{
	struct db *db = &r->w->db;
	enum store_rc rc;
	const struct pc_variant *v;
	enum api_err e = cart_find_variant(r, variant_id, &v);
	if (e != API_OK)
		return e;
	if (!v)
		return respond_fail(r, E_INVALID_DATA,
				    "Unable to generate the line items, some variant has not been found: %s", variant_id);
	const struct pc_product *p = v->product;
	/* the cart's sales channel must sell the product (Medusa's validateLineItem) */
	if (m->sales_channel_id) {
		int sold = 0;
		for (size_t i = 0; i < p->nchannels && !sold; i++)
			sold = strcmp(p->channel_ids[i], m->sales_channel_id) == 0;
		if (!sold)
			return respond_fail(r, E_INVALID_DATA,
					    "The products [%s] must belong to the sales channel on which the cart has been "
					    "created.", p->title ? p->title : "");
	}
	/*
	 * Medusa's addOrUpdateLineItems lists the cart's should_merge lines of the variant without
	 * ORDER BY into a Map by variant_id: only the last one, the row written last, is a candidate,
	 * and it merges only with equal metadata (metadata A, B, then A again is a third line; real
	 * Medusa 1.20.11, probe). The items of a new cart never merge: that list is read before them.
	 */
	struct cart_item *merge = NULL;
	for (size_t i = 0; i < m->n_items && !fresh; i++) {
		struct cart_item *it = &m->items[i];
		if (it->should_merge && it->variant_id && strcmp(it->variant_id, variant_id) == 0 &&
		    (!merge || written_after(it, merge)))
			merge = it;
	}
	if (merge && !same_metadata(merge->metadata, metadata))
		merge = NULL;
	long long total_qty = quantity + (merge ? merge->quantity : 0);
	if (total_qty > LINE_QUANTITY_MAX)
		return respond_fail(r, E_INVALID_DATA, "quantity must not be greater than %d", LINE_QUANTITY_MAX);
	if ((e = check_stock(r, variant_id, total_qty, 1)) != API_OK)
		return e;
	long unit_price = 0;
	if ((e = cart_price_variant(r, m, variant_id, (long)total_qty, &unit_price)) != API_OK)
		return e;
	const char *meta = metadata ? metadata_canonical(&r->arena, metadata) : "{}";
	if (!metadata_fits(meta))
		return metadata_too_large(r);
	if (dry) {
		if (!merge) {
			struct cart_item *items = arena_alloc(&r->arena, sizeof(*items) * (m->n_items + 1));
			if (m->n_items)
				memcpy(items, m->items, sizeof(*items) * m->n_items);
			merge = &items[m->n_items++];
			m->items = items;
			*merge = (struct cart_item){ .variant_id = variant_id, .metadata = meta, .should_merge = 1 };
		}
		merge->quantity = total_qty;
		return API_OK;
	}
	if (merge) {
		rc = line_item_store_update(db, &r->arena, m->id, merge->id, total_qty, unit_price, NULL);
	} else {
		char id[64];
		if (ulid_id("item", id, sizeof(id)) != 0)
			return respond_fail(r, E_UNKNOWN, NULL);
		struct line_item_new li = {
			.id = id, .cart_id = m->id, .title = p->title, .description = cart_frag_text(r, v->col[4]),
			.thumbnail = cart_frag_text(r, p->col[PP_THUMBNAIL]), .variant_id = variant_id,
			.metadata_json = meta, .is_giftcard = p->is_giftcard,
			.allow_discounts = strcmp(p->col[PP_DISCOUNTABLE], "false") != 0, .unit_price = unit_price,
			.quantity = quantity,
		};
		rc = line_item_store_insert(db, &r->arena, &li);
	}
	if (rc != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	return API_OK;
}

/* The items of POST /store/carts: checked (dry, against a cart_model of the new cart) or added. */
static enum api_err add_items(struct req *r, struct cart_model *dry_model, const char *cart_id,
			      struct json_object *items)
{
	size_t n = json_object_array_length(items);
	for (size_t i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(items, i);
		enum api_err e;
		if (!json_object_is_type(it, json_type_object))
			return respond_fail(r, E_INVALID_DATA, "nested property items must be either object or array");
		if ((e = body_validate(r, it, &add_set)) != API_OK)
			return e;
		long long q;
		if ((e = quantity_of(r, json_object_object_get(it, "quantity"), &q)) != API_OK)
			return e;
		struct json_object *meta = json_object_object_get(it, "metadata");
		if (dry_model) {
			e = add_line(r, dry_model, body_str(it, "variant_id"), q, meta, 1, 1);
		} else {
			/* every item is a line of its own: the same variant twice is two lines (Medusa) */
			struct cart_model m;
			if ((e = cart_model_load(r, cart_id, 1, 0, &m)) == API_OK)
				e = add_line(r, &m, body_str(it, "variant_id"), q, meta, 0, 1);
		}
		if (e != API_OK)
			return e;
	}
	return API_OK;
}

enum api_err line_items_check(struct req *r, const char *region_id, const char *customer_id,
			      const char *sales_channel_id, struct json_object *items)
{
	struct cart_model m;
	memset(&m, 0, sizeof(m));
	m.region_id = region_id;
	m.customer_id = customer_id;
	m.sales_channel_id = sales_channel_id;
	m.selected_session = -1;
	return add_items(r, &m, NULL, items);
}

enum api_err line_items_add_to(struct req *r, const char *cart_id, struct json_object *items)
{
	return add_items(r, NULL, cart_id, items);
}

enum api_err line_items_create(struct req *r)
{
	const char *cart_id = catq_param(r, 0);
	if (!cart_id)
		return r->err;
	enum api_err e = body_validate(r, r->json, &add_set);
	if (e != API_OK)
		return e;
	long long q;
	if ((e = quantity_of(r, json_object_object_get(r->json, "quantity"), &q)) != API_OK)
		return e;
	struct cart_model m;
	if ((e = cart_model_load(r, cart_id, 1, 0, &m)) != API_OK || (e = refuse_completed(r, &m)) != API_OK)
		return e;
	if ((e = add_line(r, &m, body_str(r->json, "variant_id"), q, json_object_object_get(r->json, "metadata"), 0, 0)) !=
	    API_OK)
		return e;
	unsigned reload = 0;
	if ((e = after_change(r, &m, &reload)) != API_OK)
		return e;
	return cart_answer_model(r, &m, CART_LINE_ITEMS, reload);
}

static const struct cart_item *find_line(const struct cart_model *m, const char *line_id)
{
	for (size_t i = 0; i < m->n_items; i++)
		if (strcmp(m->items[i].id, line_id) == 0)
			return &m->items[i];
	return NULL;
}

enum api_err line_items_update(struct req *r)
{
	const char *cart_id = catq_param(r, 0), *line_id = cart_id ? catq_param(r, 1) : NULL;
	if (!line_id)
		return r->err;
	enum api_err e = body_validate(r, r->json, &update_set);
	if (e != API_OK)
		return e;
	struct json_object *qv = json_object_object_get(r->json, "quantity");
	struct cart_model m;
	if ((e = cart_model_load(r, cart_id, 1, 0, &m)) != API_OK || (e = refuse_completed(r, &m)) != API_OK)
		return e;
	struct db *db = &r->w->db;
	enum store_rc rc;
	const struct cart_item *it = find_line(&m, line_id);
	if (json_object_get_double(qv) == 0) {
		/* quantity 0: removeLineItem (an unknown line: nothing to do, 200) */
		if (it && ((rc = line_item_store_delete(db, &r->arena, m.id, it->id)) != STORE_OK))
			return respond_fail(r, store_fail(rc), NULL);
	} else {
		if (!it)
			return respond_fail(r, E_INVALID_DATA, "Could not find the line item");
		long long q;
		if ((e = quantity_of(r, qv, &q)) != API_OK)
			return e;
		/*
		 * the route passes `metadata || {}` to LineItemService.update, whose setMetadata merges
		 * the keys into the line's ("" removes one): no metadata (or null) keeps it (probe,
		 * real Medusa 1.20.11); NULL leaves the column as it is
		 */
		struct json_object *meta = json_object_object_get(r->json, "metadata");
		const char *meta_json = NULL;
		if (meta) {
			int changed;
			if (!(meta_json = metadata_merge(&r->arena, it->metadata, meta, &changed)))
				return respond_fail(r, E_DATABASE, NULL);
			if (!metadata_fits(meta_json))
				return metadata_too_large(r);
		}
		long long unit_price = it->unit_price;
		if (it->variant_id) {
			long price;
			if ((e = check_stock(r, it->variant_id, q, 0)) != API_OK ||
			    (e = cart_price_variant(r, &m, it->variant_id, (long)q, &price)) != API_OK)
				return e;
			unit_price = price;
		}
		if ((rc = line_item_store_update(db, &r->arena, m.id, it->id, q, unit_price, meta_json)) != STORE_OK)
			return respond_fail(r, store_fail(rc), NULL);
	}
	unsigned reload = 0; /* quantity 0 of a line not on the cart changed nothing */
	if (it && (e = after_change(r, &m, &reload)) != API_OK)
		return e;
	return cart_answer_model(r, &m, CART_GET, reload);
}

enum api_err line_items_delete(struct req *r)
{
	const char *cart_id = catq_param(r, 0), *line_id = cart_id ? catq_param(r, 1) : NULL;
	if (!line_id)
		return r->err;
	struct cart_model m;
	enum api_err e;
	if ((e = cart_model_load(r, cart_id, 1, 0, &m)) != API_OK || (e = refuse_completed(r, &m)) != API_OK)
		return e;
	const struct cart_item *it = find_line(&m, line_id);
	unsigned reload = 0;
	if (it) {
		enum store_rc rc = line_item_store_delete(&r->w->db, &r->arena, m.id, it->id);
		if (rc != STORE_OK)
			return respond_fail(r, store_fail(rc), NULL);
		if ((e = after_change(r, &m, &reload)) != API_OK)
			return e;
	}
	return cart_answer_model(r, &m, CART_GET, reload);
}
