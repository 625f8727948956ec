/*
 * customers: /store/customers (register), /store/customers/me (read,
 * update). Business rules only: fields are declared here, validated by
 * body.c, and the writes happen in customer_store.c in one transaction.
 */
#include <string.h>

#include "cgi/limits.h"
#include "cgi/router.h"
#include "common/body.h"
#include "common/customer_json.h"
#include "common/fields.h"
#include "common/metadata.h"
#include "common/metadata_limit.h"
#include "common/password.h"
#include "common/respond.h"
#include "sql/customer_store.h"

static enum api_err store_error(struct req *r, enum store_rc rc, const char *id)
{
	switch (rc) {
	case STORE_OK:
		return API_OK;
	case STORE_NO_CUSTOMER:
		return respond_fail(r, E_NOT_FOUND, "Customer with id: %s was not found", id);
	case STORE_UNAVAILABLE:
		return E_DB_UNAVAILABLE;
	default:
		return E_DATABASE;
	}
}

enum api_err customers_load_me(struct req *r, struct customer **out)
{
	enum store_rc rc = customer_store_load(&r->w->db, &r->arena, r->customer_id, out);
	if (rc != STORE_OK)
		return store_error(r, rc, r->customer_id);
	if (customer_revoked(r->auth_issued_ms, (*out)->credentials_at)) {
		r->customer_id[0] = '\0';
		return E_AUTH_REQUIRED;
	}
	return API_OK;
}

enum api_err customers_me_get(struct req *r)
{
	struct customer *c;
	enum api_err e = customers_load_me(r, &c);
	if (e != API_OK)
		return e;
	customer_json_wrapped(r->out, c, CUSTOMER_STORE);
	return API_OK;
}

/*
 * Fills an address patch from a validated AddressPayload / AddressCreatePayload
 * object: a bit per key present, NULL for null, metadata as canonical JSON,
 * country_code lower-cased (ASCII: ISO codes); a code that is not two
 * characters cannot name a country (the column holds ISO 3166-1 alpha-2).
 */
enum api_err address_patch_from(struct req *r, struct json_object *obj, struct address_patch *ap)
{
	memset(ap, 0, sizeof(*ap));
	for (int f = 0; f < AF_COUNT; f++) {
		int present;
		struct json_object *v = body_get(obj, address_field_name((enum address_field)f), &present);
		if (!present)
			continue;
		ap->set |= 1u << f;
		if (!v) {
			ap->v[f] = NULL;
		} else if (f == AF_METADATA) {
			ap->v[f] = metadata_canonical(&r->arena, v);
			if (!metadata_fits(ap->v[f]))
				return metadata_too_large(r);
		} else if (f == AF_COUNTRY_CODE) {
			const char *cc = arena_strdup_lower(&r->arena, json_object_get_string(v));
			if (strlen(cc) != 2)
				return respond_fail(r, E_NOT_FOUND, "Country with country_code %s does not exist.", cc);
			ap->v[f] = cc;
		} else {
			ap->v[f] = json_object_get_string(v);
		}
	}
	return API_OK;
}

enum api_err customers_me_update(struct req *r)
{
	struct json_object *b = r->json;
	enum api_err e = body_validate(r, b, &fields_customer_update);
	if (e != API_OK)
		return e;
	struct customer_patch pt;
	memset(&pt, 0, sizeof(pt));
	struct json_object *v;
	int present;

	v = body_get(b, "email", &present);
	if (present && !v)
		return respond_fail(r, E_INVALID_DATA, "Can't insert null value in field email on insert in table customer");
	if (v) {
		pt.set_email = 1;
		pt.email = arena_strdup_lower(&r->arena, json_object_get_string(v));
	}
	v = body_get(b, "first_name", &pt.set_first_name);
	pt.first_name = v ? json_object_get_string(v) : NULL;
	v = body_get(b, "last_name", &pt.set_last_name);
	pt.last_name = v ? json_object_get_string(v) : NULL;
	v = body_get(b, "phone", &pt.set_phone);
	pt.phone = v ? json_object_get_string(v) : NULL;
	v = body_get(b, "metadata", NULL);
	if (v)
		pt.metadata = v;

	v = body_get(b, "billing_address", &present);
	if (present && !v) {
		pt.billing = BILL_UNSET;
	} else if (v && json_object_is_type(v, json_type_string)) {
		pt.billing = BILL_LINK_ID;
		pt.billing_id = json_object_get_string(v);
	} else if (v) {
		pt.billing = BILL_UPSERT;
		if ((e = address_patch_from(r, v, &pt.billing_addr)) != API_OK)
			return e;
	}

	/* hash before the transaction: scrypt time must not hold row locks */
	const char *pw = body_secret(r, "password");
	char hash[PASSWORD_RECORD_B64_LEN + 1];
	if (pw && *pw) {
		if ((e = limits_password_hash(r, pw, hash)) != API_OK)
			return e;
		pt.password_hash = hash;
	}
	pt.not_before_ms = r->auth_issued_ms;

	struct customer *c = NULL;
	enum store_rc rc = customer_store_update(&r->w->db, &r->arena, r->customer_id, &pt, req_epoch_ms(), &c);
	switch (rc) {
	case STORE_OK:
		break;
	case STORE_REVOKED:
		r->customer_id[0] = '\0';
		return E_AUTH_REQUIRED;
	case STORE_NO_ADDRESS:
		return respond_fail(r, E_NOT_FOUND, "Address with id %s was not found", pt.billing_id);
	case STORE_NO_COUNTRY:
		return respond_fail(r, E_NOT_FOUND, "Country with country_code %s does not exist.",
				    pt.billing_addr.v[AF_COUNTRY_CODE] ? pt.billing_addr.v[AF_COUNTRY_CODE] : "null");
	case STORE_DUP_EMAIL:
		return respond_fail(r, E_DUPLICATE, "Customer with email, has_account %s, t already exists.", pt.email);
	case STORE_DUP_BILLING:
		return respond_fail(r, E_DUPLICATE, "Customer with billing_address_id %s already exists.", pt.billing_id);
	case STORE_METADATA_TOO_LARGE:
		return metadata_too_large(r);
	default:
		return store_error(r, rc, r->customer_id);
	}
	customer_json_wrapped(r->out, c, CUSTOMER_STORE);
	return API_OK;
}

enum api_err customers_create(struct req *r)
{
	struct json_object *b = r->json;
	enum api_err e = body_validate(r, b, &fields_customer_create);
	if (e != API_OK)
		return e;
	struct customer_new n;
	memset(&n, 0, sizeof(n));
	n.email = arena_strdup_lower(&r->arena, body_str(b, "email"));
	n.first_name = body_str(b, "first_name");
	n.last_name = body_str(b, "last_name");
	n.phone = body_str(b, "phone");
	const char *pw = body_secret(r, "password");
	char hash[PASSWORD_RECORD_B64_LEN + 1];
	if (pw && *pw) {
		if ((e = limits_password_hash(r, pw, hash)) != API_OK)
			return e;
		n.password_hash = hash;
	}
	struct customer *c = NULL;
	enum store_rc rc = customer_store_create(&r->w->db, &r->arena, &n, req_epoch_ms(), &c);
	switch (rc) {
	case STORE_OK:
		break;
	case STORE_DUP_ACCOUNT:
		return respond_fail(r, E_DUPLICATE, "A customer with the given email already has an account. Log in instead");
	case STORE_DUP_GUEST:
		return respond_fail(r, E_DUPLICATE, "Guest customer with email already exists");
	default:
		return store_error(r, rc, "");
	}
	/* registration logs the new customer in (Medusa sets session.customer_id) */
	if ((e = auth_start_session(r, c->id)) != API_OK)
		return e;
	customer_json_wrapped(r->out, c, CUSTOMER_STORE);
	return API_OK;
}
