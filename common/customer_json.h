/*
 * customer_json: the customer and address entities as the rest of the code
 * sees them, and their JSON in Medusa's key order (API.md section 2).
 *
 * Entity strings are borrowed from the request arena (or whatever the
 * loader used); NULL means SQL NULL / JSON null. Timestamps are kept in the
 * database's text form "YYYY-MM-DD HH:MM:SS.mmm" (UTC) and printed as
 * ISO-8601 with a Z. metadata is JSON text already in canonical order.
 */
#ifndef CUSTOMER_JSON_H
#define CUSTOMER_JSON_H
#include <stddef.h>

#include "common/buf.h"

struct address {
	char *id, *created_at, *updated_at, *deleted_at, *customer_id, *company, *first_name, *last_name,
	     *address_1, *address_2, *city, *country_code, *province, *postal_code, *phone, *metadata;
};

struct customer {
	char *id, *created_at, *updated_at, *deleted_at, *email, *first_name, *last_name, *billing_address_id,
	     *phone, *metadata;
	int has_account;
	char *password_hash;         /* never serialised */
	char *credentials_at;        /* last password change, NULL if never */
	struct address *billing;     /* NULL when none (or soft-deleted) */
	struct address *shipping;    /* array */
	size_t nshipping;
	const char *orders_json;     /* CUSTOMER_AUTH: the orders array as JSON, NULL = [] */
};

enum customer_shape {
	CUSTOMER_BARE,   /* columns only (password reset) */
	CUSTOMER_STORE,  /* + billing_address, shipping_addresses */
	CUSTOMER_AUTH,   /* + orders, shipping_addresses */
};

/* Appends {"customer":{...}} in the given shape. */
void customer_json_wrapped(struct buf *b, const struct customer *c, enum customer_shape shape);
/* Appends the customer object alone. */
void customer_json(struct buf *b, const struct customer *c, enum customer_shape shape);
/* Appends one address object. */
void address_json(struct buf *b, const struct address *a);
/* Appends a DB timestamp as "YYYY-MM-DDTHH:MM:SS.mmmZ" (null for NULL). */
void customer_json_time(struct buf *b, const char *db_ts);
/* Formats epoch milliseconds as a DB timestamp "YYYY-MM-DD HH:MM:SS.mmm" into out[24]. */
void customer_db_time(long long ms, char out[24]);
/*
 * The DB timestamp of the start of the second after issued_ms (a credential's
 * issue time; tokens carry whole seconds): a credentials_at before it does not
 * revoke. Any issued_ms is safe: the result is clamped to DATETIME's range.
 */
void customer_db_not_before(long long issued_ms, char out[24]);
/* Parses a DB timestamp into epoch milliseconds; -1 if malformed. */
long long customer_db_time_ms(const char *db_ts);
/*
 * 1 if a credential issued at issued_ms was revoked by a password change at
 * credentials_at (DB timestamp, NULL = never changed). Token iat has whole
 * seconds, so the comparison is in seconds: a credential issued in the same
 * second as the change stays valid. An unreadable credentials_at counts as
 * revoked (fail closed) and is logged as an error.
 */
int customer_revoked(long long issued_ms, const char *credentials_at);
#endif
