/*
 * cart_read_sql: the one statement of a cart read (sql/cart_store.c splits its rows), here so that
 * the bench's yardstick (tests/bench/ceiling.c) runs the very same SQL for its cart cases.
 * Rows: column 0 the kind (0 the cart, 1 its line items, 2 its shipping methods with their
 * options, 3 its payment sessions), then the row's columns padded with NULLs to the widest, the
 * cart's: cart, billing and shipping address, sales channel, payment, customer, then the versions
 * of the catalogue and of its stock (cgi/product_view.c's snapshot checks).
 * Parameters: the cart id, four times.
 */
#ifndef CART_READ_SQL_H
#define CART_READ_SQL_H
#define CART_READ_ADDRESS_COLS(t) \
	t ".id, " t ".created_at, " t ".updated_at, " t ".deleted_at, " t ".customer_id, " t ".company, " \
	t ".first_name, " t ".last_name, " t ".address_1, " t ".address_2, " t ".city, " t ".country_code, " \
	t ".province, " t ".postal_code, " t ".phone, " t ".metadata"
#define CART_READ_N1 ", NULL"
#define CART_READ_N4 CART_READ_N1 CART_READ_N1 CART_READ_N1 CART_READ_N1
#define CART_READ_N12 CART_READ_N4 CART_READ_N4 CART_READ_N4
#define CART_READ_N60 CART_READ_N12 CART_READ_N12 CART_READ_N12 CART_READ_N12 CART_READ_N12
#define CART_READ_SQL \
	"SELECT 0, c.id, c.created_at, c.updated_at, c.deleted_at, c.email, c.billing_address_id, " \
	"c.shipping_address_id, c.region_id, c.customer_id, c.payment_id, c.type, c.completed_at, " \
	"c.payment_authorized_at, c.idempotency_key, c.context, c.metadata, c.sales_channel_id, " \
	CART_READ_ADDRESS_COLS("b") ", " CART_READ_ADDRESS_COLS("s") ", " \
	"sc.id, sc.created_at, sc.updated_at, sc.deleted_at, sc.name, sc.description, sc.is_disabled, sc.metadata, " \
	"p.id, p.created_at, p.updated_at, p.swap_id, p.cart_id, p.order_id, p.amount, p.currency_code, " \
	"p.amount_refunded, p.provider_id, p.data, p.captured_at, p.canceled_at, p.metadata, p.idempotency_key, " \
	"u.id, u.created_at, u.updated_at, u.deleted_at, u.email, u.first_name, u.last_name, u.billing_address_id, " \
	"u.phone, u.has_account, u.metadata, cv.version, sv.version " \
	"FROM cart c LEFT JOIN address b ON b.id = c.billing_address_id " \
	"LEFT JOIN address s ON s.id = c.shipping_address_id " \
	"LEFT JOIN sales_channel sc ON sc.id = c.sales_channel_id " \
	"LEFT JOIN payment p ON p.id = c.payment_id LEFT JOIN customer u ON u.id = c.customer_id " \
	"LEFT JOIN catalogue_version cv ON cv.id = 1 LEFT JOIN stock_version sv ON sv.id = 1 " \
	"WHERE c.id = ? AND c.deleted_at IS NULL " \
	/* 24 columns + 61 */ \
	"UNION ALL SELECT 1, id, created_at, updated_at, cart_id, order_id, swap_id, claim_order_id, original_item_id, " \
	"order_edit_id, title, description, thumbnail, is_return, is_giftcard, should_merge, allow_discounts, " \
	"has_shipping, unit_price, variant_id, quantity, fulfilled_quantity, returned_quantity, shipped_quantity, " \
	"metadata" CART_READ_N60 CART_READ_N1 " FROM line_item WHERE cart_id = ? " \
	/* 9 + 14 columns + 62 */ \
	"UNION ALL SELECT 2, m.id, m.shipping_option_id, m.order_id, m.claim_order_id, m.cart_id, m.swap_id, " \
	"m.return_id, m.price, m.data, o.id, o.created_at, o.updated_at, o.deleted_at, o.name, o.region_id, " \
	"o.profile_id, o.provider_id, o.price_type, o.amount, o.is_return, o.admin_only, o.data, o.metadata" CART_READ_N60 CART_READ_N1 CART_READ_N1 \
	" FROM shipping_method m LEFT JOIN shipping_option o ON o.id = m.shipping_option_id WHERE m.cart_id = ? " \
	/* 12 columns + 73 */ \
	"UNION ALL SELECT 3, id, created_at, updated_at, cart_id, provider_id, is_selected, is_initiated, status, " \
	"data, idempotency_key, amount, payment_authorized_at" CART_READ_N60 CART_READ_N12 CART_READ_N1 " FROM payment_session WHERE cart_id = ?"
#endif
