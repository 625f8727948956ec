/*
 * carts: the cart routes of issue 12 (cgi/carts.c). Called by the router only.
 */
#ifndef CARTS_H
#define CARTS_H
#include "common/errors.h"
#include "common/req.h"

enum api_err carts_create(struct req *r);
enum api_err carts_get(struct req *r);
/* cgi/line_items.c: r->params[0] the cart id, r->params[1] the line id */
enum api_err line_items_create(struct req *r);
enum api_err line_items_update(struct req *r);
enum api_err line_items_delete(struct req *r);
/* The items of POST /store/carts (an array): checked before the cart is written (region, customer
 * and channel of the cart to be), then added to the written cart. Errors are recorded on r. */
enum api_err line_items_check(struct req *r, const char *region_id, const char *customer_id,
			      const char *sales_channel_id, struct json_object *items);
enum api_err line_items_add_to(struct req *r, const char *cart_id, struct json_object *items);
#endif
