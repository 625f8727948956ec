/* fields: the tables behind fields.h. */
#include "common/fields.h"

#define N FIELDS_NAME_MAX

static const struct field_spec address_payload[] = {
	{ "first_name", FK_STRING, 0, N, NULL },
	{ "last_name", FK_STRING, 0, N, NULL },
	{ "phone", FK_STRING, 0, N, NULL },
	{ "metadata", FK_OBJECT, 0, 0, NULL },
	{ "company", FK_STRING, 0, N, NULL },
	{ "address_1", FK_STRING, 0, N, NULL },
	{ "address_2", FK_STRING, 0, N, NULL },
	{ "city", FK_STRING, 0, N, NULL },
	{ "country_code", FK_STRING, 0, N, NULL },
	{ "province", FK_STRING, 0, N, NULL },
	{ "postal_code", FK_STRING, 0, N, NULL },
};
const struct field_set fields_address_payload = FIELD_SET(address_payload);

/* metadata has no type check here in Medusa: whatever is given is stored */
static const struct field_spec address_create[] = {
	{ "first_name", FK_STRING, 1, N, NULL },
	{ "last_name", FK_STRING, 1, N, NULL },
	{ "phone", FK_STRING, 0, N, NULL },
	{ "metadata", FK_ANY, 0, 0, NULL },
	{ "company", FK_STRING, 0, N, NULL },
	{ "address_1", FK_STRING, 1, N, NULL },
	{ "address_2", FK_STRING, 0, N, NULL },
	{ "city", FK_STRING, 1, N, NULL },
	{ "country_code", FK_STRING, 1, N, NULL },
	{ "province", FK_STRING, 0, N, NULL },
	{ "postal_code", FK_STRING, 1, N, NULL },
};
const struct field_set fields_address_create = FIELD_SET(address_create);

static const struct field_spec address_wrapper[] = {
	{ "address", FK_NESTED, 1, 0, &fields_address_create },
};
const struct field_set fields_address_wrapper = FIELD_SET(address_wrapper);

static const struct field_spec customer_create[] = {
	{ "first_name", FK_STRING, 0, N, NULL },
	{ "last_name", FK_STRING, 0, N, NULL },
	{ "email", FK_EMAIL, 1, N, NULL },
	{ "password", FK_STRING, 1, 1024, NULL },
	{ "phone", FK_STRING, 0, N, NULL },
};
const struct field_set fields_customer_create = FIELD_SET(customer_create);

static const struct field_spec customer_update[] = {
	{ "billing_address", FK_ADDRESS_OR_ID, 0, 64, &fields_address_payload },
	{ "first_name", FK_STRING, 0, N, NULL },
	{ "last_name", FK_STRING, 0, N, NULL },
	{ "password", FK_STRING, 0, 1024, NULL },
	{ "phone", FK_STRING, 0, N, NULL },
	{ "email", FK_EMAIL, 0, N, NULL },
	{ "metadata", FK_OBJECT, 0, 0, NULL },
};
const struct field_set fields_customer_update = FIELD_SET(customer_update);

static const struct field_spec login[] = {
	{ "email", FK_EMAIL, 1, 0, NULL },
	{ "password", FK_NOT_EMPTY, 1, 0, NULL },
};
const struct field_set fields_login = FIELD_SET(login);

static const struct field_spec password_token[] = {
	{ "email", FK_EMAIL, 1, 0, NULL },
};
const struct field_set fields_password_token = FIELD_SET(password_token);

static const struct field_spec password_reset[] = {
	{ "email", FK_EMAIL, 1, 0, NULL },
	{ "token", FK_STRING, 1, 0, NULL },
	{ "password", FK_STRING, 1, 1024, NULL },
};
const struct field_set fields_password_reset = FIELD_SET(password_reset);
