/*
 * order_json: an order as Medusa 1.20 answers it, in one writer for every route that shows one
 * (cgi/cart_complete.c, cgi/store_orders.c, cgi/orders.c). The routes differ only in which
 * columns and relations they show (transcripts-store README, "Key sets"):
 *   complete (132): "object", every column, claims .. swaps without customer / fulfillments,
 *                   shipping methods without their option;
 *   GET /store/orders/:id, lookup (144, 151): pick-filtered to the default fields and relations;
 *   GET /store/orders/cart/:id (149): the same plus the totals relations (claims, swaps, ...);
 *   /store/customers/me/orders (163): as 149, with the order's raw_discount_total.
 * Key order: "object", the shown columns in entity order, the relations alphabetically, then
 * the totals (common/totals.c, from the persisted tax lines, payments and no refunds yet).
 */
#ifndef ORDER_JSON_H
#define ORDER_JSON_H
#include "common/buf.h"
#include "sql/order_store.h"

/* The Order entity's relations, alphabetically (the order Medusa's answers show them in). */
enum order_rel_id {
	OR_BILLING_ADDRESS, OR_CART, OR_CLAIMS, OR_CURRENCY, OR_CUSTOMER, OR_DISCOUNTS, OR_DRAFT_ORDER, OR_EDITS,
	OR_FULFILLMENTS, OR_GIFT_CARD_TRANSACTIONS, OR_GIFT_CARDS, OR_ITEMS, OR_PAYMENTS, OR_REFUNDS, OR_REGION,
	OR_RETURNS, OR_SALES_CHANNEL, OR_SHIPPING_ADDRESS, OR_SHIPPING_METHODS, OR_SWAPS, OR_COUNT
};

#define ORDER_BIT(x) (1UL << (x))
/* Columns of Medusa's defaultStoreOrdersFields (bits of enum order_col). */
#define ORDER_DEFAULT_COLS \
	(ORDER_BIT(OC_ID) | ORDER_BIT(OC_STATUS) | ORDER_BIT(OC_FULFILLMENT_STATUS) | \
	 ORDER_BIT(OC_PAYMENT_STATUS) | ORDER_BIT(OC_DISPLAY_ID) | ORDER_BIT(OC_CART_ID) | \
	 ORDER_BIT(OC_CUSTOMER_ID) | ORDER_BIT(OC_EMAIL) | ORDER_BIT(OC_REGION_ID) | \
	 ORDER_BIT(OC_CURRENCY_CODE) | ORDER_BIT(OC_TAX_RATE) | ORDER_BIT(OC_CREATED_AT))
#define ORDER_ALL_COLS ((1UL << OC_COUNT) - 1)
/* defaultStoreOrdersRelations (top level) */
#define ORDER_DEFAULT_RELS \
	(ORDER_BIT(OR_SHIPPING_ADDRESS) | ORDER_BIT(OR_FULFILLMENTS) | ORDER_BIT(OR_ITEMS) | \
	 ORDER_BIT(OR_SHIPPING_METHODS) | ORDER_BIT(OR_DISCOUNTS) | ORDER_BIT(OR_CUSTOMER) | \
	 ORDER_BIT(OR_PAYMENTS) | ORDER_BIT(OR_REGION))
/* what OrderService's totals always load beside the route's relations */
#define ORDER_TOTALS_RELS \
	(ORDER_BIT(OR_CLAIMS) | ORDER_BIT(OR_DISCOUNTS) | ORDER_BIT(OR_GIFT_CARD_TRANSACTIONS) | \
	 ORDER_BIT(OR_GIFT_CARDS) | ORDER_BIT(OR_ITEMS) | ORDER_BIT(OR_PAYMENTS) | ORDER_BIT(OR_REFUNDS) | \
	 ORDER_BIT(OR_REGION) | ORDER_BIT(OR_SHIPPING_METHODS) | ORDER_BIT(OR_SWAPS))

struct order_shape {
	int object;               /* "object":"order" first */
	unsigned long cols;       /* bits of enum order_col */
	unsigned long rels;       /* bits of enum order_rel_id */
	int method_option;        /* shipping methods carry "shipping_option" */
	int raw_discount_total;   /* the order's raw_discount_total (customer's order list) */
	/*
	 * Medusa's legacy totals, taken when `fields` names a total (145, 164): the items' variant
	 * carries its product (with profiles, profile, profile_id; rel->products loaded), and the
	 * named totals (bits of order_json_total_bit) come first, in the legacy service's order;
	 * legacy_only: no other order total, no shipping method totals and no items' refundable
	 * unless named (the list route).
	 */
	unsigned long legacy;
	int legacy_only;
	unsigned char legacy_seq[16]; /* the legacy totals in the order fields names them (probe) */
	unsigned nlegacy;
	int cleaned;              /* the route pick-filters (cleanResponseData): plain items lose raw_discount_total */
	int variant_product;      /* expand names items.variant.product: the variant carries its product's columns */
};

/*
 * Notes one `fields` entry: a total that sends Medusa down the legacy path
 * (OrderService.transformQueryForTotals: subtotal, tax_total, shipping_total, discount_total,
 * gift_card_total, total, paid_total, refunded_total, refundable_amount, items.refundable) sets its
 * bit in s->legacy and takes its place in the order the totals are assigned (the select's order).
 */
void order_json_legacy_field(struct order_shape *s, const char *field);

/* The legacy-totals bit of a field name ("total", "items.refundable"...), 0 if it is no total. */
unsigned long order_json_total_bit(const char *field);

/* The relation's name ("billing_address"...); static storage. */
const char *order_rel_name(enum order_rel_id r);
/* Bit of the relation named name[0..n) (its top level: "items.variant" -> items), 0 if none. */
unsigned long order_rel_bit(const char *name, size_t n);

/* Appends the order object (o with rel, loaded by order_store_relations) in shape s. */
void order_json(struct buf *b, const struct order *o, const struct order_rel *rel, const struct order_shape *s);
/* The order's columns and its items as raw rows: one element of the /store/auth customer's "orders". */
void order_json_raw(struct buf *b, const struct order *o, const struct order_rel *rel);
#endif
