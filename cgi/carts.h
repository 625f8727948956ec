/*
 * carts: the cart routes of issue 12 (cgi/carts.c). Called by the router only.
 */
#ifndef CARTS_H
#define CARTS_H
#include "common/errors.h"
#include "common/req.h"

enum api_err carts_create(struct req *r);
enum api_err carts_get(struct req *r);
#endif
