/*
 * cart_complete: POST /store/carts/:id/complete and its deprecated alias /complete-cart
 * (cgi/cart_complete.c). Called by the router only.
 */
#ifndef CART_COMPLETE_H
#define CART_COMPLETE_H
#include "common/errors.h"
#include "common/req.h"

enum api_err cart_complete(struct req *r);
#endif
