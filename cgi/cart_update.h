/*
 * cart_update: POST /store/carts/:id and DELETE /store/carts/:id/discounts/:code
 * (cgi/cart_update.c). Called by the router only.
 */
#ifndef CART_UPDATE_H
#define CART_UPDATE_H
#include "common/errors.h"
#include "common/req.h"

enum api_err cart_update(struct req *r);
enum api_err cart_discount_delete(struct req *r);
#endif
