/*
 * body: request body parsing and declared-field validation.
 *
 * Each endpoint declares its fields (name, kind, required, max length) in a
 * struct field_set. body_validate() produces class-validator's messages in
 * class-validator's order, joined with ", ": first "property <k> should not
 * exist" for each undeclared key in body order, then each declared field in
 * declaration order. Handlers therefore only ever see validated values.
 */
#ifndef BODY_H
#define BODY_H
#include <stddef.h>
#include <json-c/json.h>

#include "common/buf.h"
#include "common/errors.h"

struct req;

enum field_kind {
	FK_STRING,       /* IsString */
	FK_EMAIL,        /* IsEmail (validator.js defaults) */
	FK_NOT_EMPTY,    /* IsNotEmpty: any value but "", null, undefined */
	FK_OBJECT,       /* IsObject (not an array) */
	FK_ANY,          /* no type check (stored as given) */
	FK_NESTED,       /* ValidateNested object with its own field set */
	FK_ADDRESS_OR_ID, /* Medusa's IsType([AddressPayload, String]) */
	FK_INT           /* IsInt: a number with no fraction (2.0 counts, "2" does not) */
};

struct field_set;

struct field_spec {
	const char *name;
	enum field_kind kind;
	int required;
	size_t maxlen;                  /* characters; 0 = no limit beyond the body's */
	const struct field_set *nested; /* FK_NESTED and FK_ADDRESS_OR_ID */
};

struct field_set {
	const struct field_spec *fields;
	size_t n;
};

#define FIELD_SET(arr) { arr, sizeof(arr) / sizeof(arr[0]) }

/*
 * Reads and parses the request body as a JSON object (a body whose
 * Content-Type is not JSON is treated as {} as Express does). On success
 * r->json is the root (released by req_end). Errors are recorded on r.
 */
enum api_err body_parse(struct req *r);

/*
 * Validates obj (a JSON object) against set; on failure records an
 * invalid_data error with the joined messages on r and returns E_INVALID_DATA.
 */
enum api_err body_validate(struct req *r, struct json_object *obj, const struct field_set *set);

/* Appends the class-validator messages for obj into msgs; returns how many. */
int body_messages(struct buf *msgs, struct json_object *obj, const struct field_set *set);

/* 1 if v is a JSON number without a fraction (class-validator's IsInt; NULL: 0). */
int body_is_int(struct json_object *v);

/* 1 if s is an email as validator.js isEmail() with default options accepts it. */
int body_is_email(const char *s, size_t n);

/* Borrowed value of key in obj, or NULL when absent. Sets *present. */
struct json_object *body_get(struct json_object *obj, const char *key, int *present);
/* The string value of key, or NULL if absent or null (validated bodies only). */
const char *body_str(struct json_object *obj, const char *key);
/*
 * body_str() of the request body for a secret (a password): the same borrowed
 * string, whose bytes are wiped (OPENSSL_cleanse) when the request ends, before
 * the body's json-c tree is freed. The raw body is wiped then too (body_parse).
 */
const char *body_secret(struct req *r, const char *key);
#endif
