/*
 * store_orders: GET /store/orders/:id, /store/orders/cart/:cart_id and the lookup
 * GET /store/orders?display_id=&email=, and the order claim (cgi/store_orders.c). Called by the
 * router only.
 */
#ifndef STORE_ORDERS_H
#define STORE_ORDERS_H
#include "common/errors.h"
#include "common/req.h"

enum api_err store_orders_get(struct req *r);
enum api_err store_orders_by_cart(struct req *r);
enum api_err store_orders_lookup(struct req *r);
/* POST /store/orders/batch/customer/token, POST /store/orders/customer/confirm (167-169) */
enum api_err store_orders_claim_token(struct req *r);
enum api_err store_orders_claim_confirm(struct req *r);
#endif
