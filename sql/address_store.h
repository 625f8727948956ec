/*
 * address_store: a customer's shipping addresses (reference 4.9-4.11). Each
 * write is one transaction that first locks the customer row (so two writes
 * for one customer serialise, and a password change cannot slip in between
 * the revocation check and the write), retried on deadlock / certification
 * failure. Returns domain results (enum store_rc), never HTTP statuses; the
 * caller re-reads the customer with customer_store_load() to answer.
 *
 * Address values travel as struct address_patch (sql/customer_store.h):
 * a bit per key present in the request, the value NULL for JSON null,
 * country_code already lower-cased, metadata as canonical JSON text.
 */
#ifndef ADDRESS_STORE_H
#define ADDRESS_STORE_H
#include "common/arena.h"
#include "sql/customer_store.h"
#include "sql/db.h"

/* Live shipping addresses one customer may have (Medusa has no limit; every read loads them all). */
#define ADDRESS_STORE_MAX_PER_CUSTOMER 100

enum address_add_outcome {
	ADDRESS_ADDED,    /* a new row */
	ADDRESS_EXISTS,   /* Medusa's de-duplication matched a live address: nothing written */
	ADDRESS_FULL,     /* ADDRESS_STORE_MAX_PER_CUSTOMER reached: nothing written */
};

/*
 * Adds a shipping address (customer_id = the customer) unless one of the
 * customer's live addresses equals it the way Medusa compares them
 * (country_code, address_1, address_2, city, phone, postal_code, province,
 * first_name, last_name with JavaScript's ===, so a key absent from the
 * request never equals anything). not_before_ms: when the caller's
 * credential was issued (STORE_REVOKED if older than the last password
 * change). STORE_OK with *outcome, STORE_NO_CUSTOMER, STORE_NO_COUNTRY,
 * STORE_REVOKED, STORE_UNAVAILABLE, STORE_ERROR.
 */
enum store_rc address_store_add(struct db *db, struct arena *a, const char *customer_id,
				const struct address_patch *ap, long long not_before_ms, long long now_ms,
				enum address_add_outcome *outcome);

/*
 * Applies the keys of ap to the customer's live shipping address address_id
 * (a null country_code is ignored, as Medusa's `country_code?.toLowerCase()`
 * turns it into undefined; metadata is replaced). Writes, and moves
 * updated_at, only if a value changed. STORE_OK, STORE_NO_CUSTOMER,
 * STORE_NO_ADDRESS (not one of the caller's live shipping addresses),
 * STORE_NO_COUNTRY, STORE_REVOKED, STORE_UNAVAILABLE, STORE_ERROR.
 */
enum store_rc address_store_update(struct db *db, struct arena *a, const char *customer_id, const char *address_id,
				   const struct address_patch *ap, long long not_before_ms, long long now_ms);

/*
 * Soft-deletes the customer's shipping address address_id. Idempotent: an
 * unknown, foreign or already deleted id is STORE_OK too. The customer's
 * billing_address_id is left alone, as in Medusa. STORE_OK,
 * STORE_NO_CUSTOMER, STORE_REVOKED, STORE_UNAVAILABLE, STORE_ERROR.
 */
enum store_rc address_store_delete(struct db *db, struct arena *a, const char *customer_id, const char *address_id,
				   long long not_before_ms, long long now_ms);
#endif
