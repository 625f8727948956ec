/*
 * cart_checkout: shipping and payment of a cart (issue 12). cgi/cart_shipping.c owns
 * GET /store/shipping-options/:cart_id and POST /store/carts/:id/shipping-methods;
 * cgi/cart_payment.c the payment sessions (create all, select, update, refresh, delete, the
 * `manual` provider) and POST /store/carts/:id/taxes. r->params[0] is the cart id,
 * r->params[1] the provider id where the path has one. Handlers are called by the router only.
 */
#ifndef CART_CHECKOUT_H
#define CART_CHECKOUT_H
#include "common/errors.h"
#include "common/req.h"

enum api_err cart_shipping_options(struct req *r);
enum api_err cart_add_shipping_method(struct req *r);
enum api_err cart_payment_sessions_create(struct req *r);
enum api_err cart_payment_session_select(struct req *r);
enum api_err cart_payment_session_update(struct req *r);
enum api_err cart_payment_session_refresh(struct req *r);
enum api_err cart_payment_session_delete(struct req *r);
enum api_err cart_taxes(struct req *r);

/*
 * Medusa's CartService.setPaymentSessions for cart id, after a change of the cart's total
 * (a shipping method, line items, the region): when the cart has payment sessions, brings
 * their amounts to the total computed with taxes forced; a total of 0 or less deletes them.
 * Call it in the request transaction after the change, with the cart row already locked
 * (cart_model_load lock=1). Errors are recorded on r.
 */
enum api_err cart_payment_sync(struct req *r, const char *id);
#endif
