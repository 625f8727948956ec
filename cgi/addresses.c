/*
 * addresses: POST /store/customers/me/addresses (add a shipping address),
 * POST and DELETE /store/customers/me/addresses/:id (update, soft-delete).
 * Business rules only: the payloads are declared here and validated by
 * body.c, the writes happen in sql/address_store.c in one transaction each,
 * and every success answers the whole store customer, re-read after the
 * write (reference 4.9-4.11).
 */
#include <string.h>

#include "cgi/router.h"
#include "common/body.h"
#include "common/customer_json.h"
#include "common/fields.h"
#include "common/metadata.h"
#include "common/query.h"
#include "common/respond.h"
#include "sql/address_store.h"
#include "sql/customer_store.h"

/*
 * The validation of { address }: class-validator's messages (transcript 46:
 * unknown keys alone when address is absent), plus our own for what Medusa
 * lets through and then crashes on: an absent address (API.md section 6),
 * an array. Returns API_OK or records E_INVALID_DATA.
 */
static enum api_err validate_create(struct req *r, struct json_object *b, struct json_object **address)
{
	struct buf m = BUF_INIT;
	buf_init(&m);
	int present;
	struct json_object *v = body_get(b, "address", &present);
	int n = body_messages(&m, b, &fields_address_wrapper);
	if (n == 0 && !present) {
		/* Medusa validates this body and then crashes on address.country_code (500) */
		buf_adds(&m, "address should not be empty");
		n++;
	} else if (n == 0 && json_object_is_type(v, json_type_array)) {
		/* ValidateNested checks each element; whatever passes, Medusa then fails on the array */
		size_t len = json_object_array_length(v);
		for (size_t i = 0; i < len; i++) {
			struct json_object *e = json_object_array_get_idx(v, i);
			if (e && json_object_is_type(e, json_type_object)) {
				struct buf em = BUF_INIT;
				buf_init(&em);
				if (body_messages(&em, e, &fields_address_create)) {
					buf_adds(&m, n++ ? ", " : "");
					buf_add(&m, em.data, em.len);
				}
				buf_release(&em);
			} else {
				buf_addf(&m, "%snested property %zu must be either object or array", n++ ? ", " : "", i);
			}
		}
		if (n == 0) {
			buf_adds(&m, "address must be an object");
			n++;
		}
	}
	enum api_err e = API_OK;
	if (n)
		e = respond_fail(r, E_INVALID_DATA, "%s", arena_strndup(&r->arena, m.data, m.len));
	buf_release(&m);
	*address = v;
	return e;
}

/* The answer of every address route: the customer as it is now. */
static enum api_err answer_customer(struct req *r)
{
	struct customer *c;
	enum api_err e = customers_load_me(r, &c);
	if (e != API_OK)
		return e;
	customer_json_wrapped(r->out, c, CUSTOMER_STORE);
	return API_OK;
}

/* The error of a store result shared by the three routes (STORE_OK gives API_OK). */
static enum api_err store_error(struct req *r, enum store_rc rc, const struct address_patch *ap)
{
	switch (rc) {
	case STORE_OK:
		return API_OK;
	case STORE_NO_CUSTOMER:
		return respond_fail(r, E_NOT_FOUND, "Customer with id: %s was not found", r->customer_id);
	case STORE_NO_ADDRESS:
		return respond_fail(r, E_INVALID_DATA, "Could not find address for customer");
	case STORE_NO_COUNTRY:
		return respond_fail(r, E_NOT_FOUND, "Country with country_code %s does not exist.",
				    ap && ap->v[AF_COUNTRY_CODE] ? ap->v[AF_COUNTRY_CODE] : "null");
	case STORE_REVOKED:
		r->customer_id[0] = '\0';
		return E_AUTH_REQUIRED;
	case STORE_UNAVAILABLE:
		return E_DB_UNAVAILABLE;
	default:
		return E_DATABASE;
	}
}

/* The :id segment, decoded as Express decodes route parameters. */
static const char *address_id(struct req *r)
{
	const char *raw = r->nparams > 0 ? r->params[0] : "";
	return query_decode_component(&r->arena, raw, strlen(raw));
}

enum api_err addresses_create(struct req *r)
{
	struct json_object *v;
	enum api_err e = validate_create(r, r->json, &v);
	if (e != API_OK)
		return e;
	struct address_patch ap;
	if ((e = address_patch_from(r, v, &ap)) != API_OK)
		return e;
	enum address_add_outcome outcome;
	enum store_rc rc = address_store_add(&r->w->db, &r->arena, r->customer_id, &ap, r->auth_issued_ms,
					     req_epoch_ms(), &outcome);
	if (rc != STORE_OK)
		return store_error(r, rc, &ap);
	if (outcome == ADDRESS_FULL)
		return respond_fail(r, E_NOT_ALLOWED, "A customer cannot have more than %d shipping addresses",
				    ADDRESS_STORE_MAX_PER_CUSTOMER);
	return answer_customer(r);
}

enum api_err addresses_update(struct req *r)
{
	enum api_err e = body_validate(r, r->json, &fields_address_payload);
	if (e != API_OK)
		return e;
	const char *id = address_id(r);
	if (!id)
		return respond_fail(r, E_INVALID_DATA, "URI malformed");
	struct address_patch ap;
	if ((e = address_patch_from(r, r->json, &ap)) != API_OK)
		return e;
	enum store_rc rc = address_store_update(&r->w->db, &r->arena, r->customer_id, id, &ap, r->auth_issued_ms,
						req_epoch_ms());
	/* Medusa looks the address up by (id, customer) before it ever loads the customer */
	if (rc == STORE_NO_CUSTOMER)
		rc = STORE_NO_ADDRESS;
	if (rc != STORE_OK)
		return store_error(r, rc, &ap);
	return answer_customer(r);
}

enum api_err addresses_delete(struct req *r)
{
	const char *id = address_id(r);
	if (!id)
		return respond_fail(r, E_INVALID_DATA, "URI malformed");
	enum store_rc rc = address_store_delete(&r->w->db, &r->arena, r->customer_id, id, r->auth_issued_ms,
						req_epoch_ms());
	if (rc != STORE_OK)
		return store_error(r, rc, NULL);
	return answer_customer(r);
}
