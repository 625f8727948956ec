/*
 * customer_store: the domain's SQL. Customers with their addresses, logins,
 * registration and the profile update, each write in one transaction
 * (retried on deadlock / Galera certification failure). Returns domain
 * results (enum store_rc), never HTTP statuses.
 *
 * Entities returned are allocated in the arena passed in (borrowed until
 * it is reset).
 */
#ifndef CUSTOMER_STORE_H
#define CUSTOMER_STORE_H
#include <json-c/json.h>

#include "common/arena.h"
#include "common/customer_json.h"
#include "sql/db.h"

enum store_rc {
	STORE_OK = 0,
	STORE_NO_CUSTOMER,   /* customer id unknown or deleted */
	STORE_NO_ADDRESS,    /* billing address id not among the caller's addresses */
	STORE_NO_COUNTRY,    /* country_code not in the country table */
	STORE_DUP_EMAIL,     /* another live account has that email */
	STORE_DUP_BILLING,   /* address already some customer's billing address */
	STORE_DUP_ACCOUNT,   /* registration: an account with that email exists */
	STORE_DUP_GUEST,     /* registration without password: a guest exists */
	STORE_REVOKED,       /* credential older than the last password change */
	STORE_UNAVAILABLE,   /* database unreachable */
	STORE_ERROR,         /* anything else (logged) */
	STORE_METADATA_TOO_LARGE, /* the merged metadata would exceed METADATA_MAX_BYTES */
};

/* Address columns a patch may set, in Medusa's AddressPayload terms. */
enum address_field {
	AF_COMPANY, AF_FIRST_NAME, AF_LAST_NAME, AF_ADDRESS_1, AF_ADDRESS_2, AF_CITY,
	AF_COUNTRY_CODE, AF_PROVINCE, AF_POSTAL_CODE, AF_PHONE, AF_METADATA, AF_COUNT
};

/* JSON key of an address field ("company", ...). */
const char *address_field_name(enum address_field f);

struct address_patch {
	unsigned set;                 /* bit (1 << field) for each key present */
	const char *v[AF_COUNT];      /* new values (NULL = null); metadata as canonical JSON text */
};

enum billing_op { BILL_KEEP, BILL_UNSET, BILL_LINK_ID, BILL_UPSERT };

struct customer_patch {
	int set_email, set_first_name, set_last_name, set_phone;
	const char *email, *first_name, *last_name, *phone;  /* email already lower-cased */
	const char *password_hash;          /* new hash, or NULL to keep */
	struct json_object *metadata;       /* merge patch, or NULL (borrowed) */
	enum billing_op billing;
	const char *billing_id;             /* BILL_LINK_ID */
	struct address_patch billing_addr;  /* BILL_UPSERT */
	long long not_before_ms;            /* when the caller's credential was issued */
};

struct customer_new {
	const char *email;   /* lower-cased */
	const char *first_name, *last_name, *phone;
	const char *password_hash;   /* NULL: guest (has_account false) */
};

struct store_login {
	char *id;
	char *password_hash;
};

/* Loads a live customer with billing and shipping addresses (one query). */
enum store_rc customer_store_load(struct db *db, struct arena *a, const char *id, struct customer **out);
/* Applies patch atomically; on STORE_OK *out is the customer as stored. */
enum store_rc customer_store_update(struct db *db, struct arena *a, const char *id,
				    const struct customer_patch *patch, long long now_ms, struct customer **out);
/* Registers a customer (and the customer.created event) atomically. */
enum store_rc customer_store_create(struct db *db, struct arena *a, const struct customer_new *n,
				    long long now_ms, struct customer **out);
/* The live account with that (lower-cased) email, for login. STORE_NO_CUSTOMER if none. */
enum store_rc customer_store_find_login(struct db *db, struct arena *a, const char *email, struct store_login *out);
/* Replaces a hash only if it is still old_hash (login-time upgrade). */
enum store_rc customer_store_rehash(struct db *db, struct arena *a, const char *id, const char *old_hash,
				    const char *new_hash);

struct store_reset {
	char *id, *email, *first_name, *last_name, *password_hash;
};

/* 1/0 in *exists: a live account with that (lower-cased) email. */
enum store_rc customer_store_account_exists(struct db *db, struct arena *a, const char *email, int *exists);
/* The live account with that email, for password reset. STORE_NO_CUSTOMER if none. */
enum store_rc customer_store_find_reset(struct db *db, struct arena *a, const char *email, struct store_reset *out);
/*
 * Sets a new password only if the stored hash is still old_hash (so a reset
 * token, keyed by that hash, works once), moves credentials_at (revoking
 * earlier tokens) and deletes the customer's sessions, in one transaction.
 * STORE_NO_CUSTOMER when the hash changed meanwhile.
 */
enum store_rc customer_store_reset_password(struct db *db, struct arena *a, const char *id, const char *old_hash,
					    const char *new_hash, long long now_ms);
/* Writes an event to the outbox (data: JSON text). */
enum store_rc customer_store_event(struct db *db, struct arena *a, const char *event, const char *data,
				   long long now_ms);
#endif
