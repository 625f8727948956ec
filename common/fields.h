/*
 * fields: the declared body fields of every endpoint, in the declaration
 * order of Medusa's DTO classes (class-validator reports in that order).
 * One definition serves the handlers in cgi/ and the fuzz targets in tests/.
 */
#ifndef FIELDS_H
#define FIELDS_H
#include "common/body.h"

/* Longest string a VARCHAR(255) column takes, in characters. */
#define FIELDS_NAME_MAX 255

extern const struct field_set fields_address_payload;   /* AddressPayload: all optional */
extern const struct field_set fields_address_create;    /* AddressCreatePayload (transcript 43) */
extern const struct field_set fields_address_wrapper;   /* POST /me/addresses: {"address": {...}} */
extern const struct field_set fields_customer_create;   /* POST /store/customers */
extern const struct field_set fields_customer_update;   /* POST /store/customers/me */
extern const struct field_set fields_login;             /* POST /store/auth, /store/auth/token */
extern const struct field_set fields_password_token;    /* POST /store/customers/password-token */
extern const struct field_set fields_password_reset;    /* POST /store/customers/password-reset */
#endif
