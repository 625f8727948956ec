/* qengine: validation messages and fields/expand/order as the recorded Medusa answers show them. */
#include <string.h>

#include "common/arena.h"
#include "common/qengine.h"
#include "harness.h"

static const char *const product_cols[] = {
	"id", "created_at", "updated_at", "deleted_at", "title", "subtitle", "description", "handle",
	"is_giftcard", "status", "thumbnail", "weight", "length", "height", "width", "hs_code",
	"origin_country", "mid_code", "material", "collection_id", "type_id", "discountable",
	"external_id", "metadata", NULL,
};
static const char *const product_allowed[] = {
	"id", "created_at", "updated_at", "deleted_at", "title", "subtitle", "description", "handle",
	"is_giftcard", "status", "thumbnail", "weight", "length", "height", "width", "hs_code",
	"origin_country", "mid_code", "material", "collection_id", "type_id", "discountable",
	"external_id", "metadata", "profile_id", "variants.title", "variants.prices.amount", NULL,
};
static const char *const product_rels[] = {
	"variants", "variants.prices", "variants.options", "options", "options.values", "images",
	"tags", "collection", "type", "profiles", NULL,
};
static const char *const product_allowed_rels[] = {
	"variants", "variants.prices", "variants.options", "options", "options.values", "images",
	"tags", "collection", "type", "profiles", "variants.inventory_items", "sales_channels", NULL,
};
static const struct qe_param params[] = {
	{ "id", QE_STRING_OR_ARRAY, NULL }, { "q", QE_STRING, NULL }, { "collection_id", QE_ARRAY, NULL },
	{ "is_giftcard", QE_BOOL, NULL }, { "created_at", QE_DATES, NULL },
	{ "region_id", QE_STRING, NULL }, { "fields", QE_STRING, NULL }, { "expand", QE_STRING, NULL },
	{ "offset", QE_NUMBER, NULL }, { "limit", QE_NUMBER, NULL }, { "order", QE_STRING, NULL },
};
static const struct qe_route products = {
	.params = params, .nparams = sizeof(params) / sizeof(params[0]),
	.default_fields = product_cols, .default_relations = product_rels,
	.allowed_fields = product_allowed, .allowed_relations = product_allowed_rels,
	.known_fields = product_allowed, .default_limit = 100, .is_list = 1,
};

static struct arena A;

static const char *err_of(const struct qe_route *rt, const char *q)
{
	struct qe_query out;
	const char *err = NULL;
	if (qe_parse(&A, rt, q, strlen(q), &out, &err))
		return "(ok)";
	return err;
}

static struct qe_query ok_of(const struct qe_route *rt, const char *q)
{
	struct qe_query out;
	const char *err = NULL;
	int ok = qe_parse(&A, rt, q, strlen(q), &out, &err);
	CHECK(ok);
	if (!ok)
		printf("# %s -> %s\n", q, err);
	return out;
}

int main(void)
{
	arena_init(&A, 0);
	/* 029-033, 006, 065: the recorded messages */
	CHECK_STR(err_of(&products, "order=nope"), "Order field nope is not valid");
	CHECK_STR(err_of(&products, "expand=nope"), "Requested fields [nope] are not valid");
	CHECK_STR(err_of(&products, "fields=nope"), "Requested fields [nope] are not valid");
	CHECK_STR(err_of(&products, "foo=bar"), "property foo should not exist");
	CHECK_STR(err_of(&products, "limit=abc"), "limit must be a number conforming to the specified constraints");
	CHECK_STR(err_of(&products, "foo=1&bar=2&limit=x"),
		  "property foo should not exist, property bar should not exist, limit must be a number conforming to the specified constraints");
	CHECK_STR(err_of(&products, "expand=nope,tax,variants"), "Requested fields [nope, tax] are not valid");
	CHECK_STR(err_of(&products, "limit=-1"), "limit must be a number conforming to the specified constraints");
	CHECK_STR(err_of(&products, "offset=1.5"), "offset must be a number conforming to the specified constraints");
	CHECK_STR(err_of(&products, "fields[]=title"), "fields must be a string");
	CHECK_STR(err_of(&products, "collection_id=a"), "collection_id must be an array");
	CHECK_STR(err_of(&products, "id[a]=b"), "id must be one of String or String[]");
	CHECK_STR(err_of(&products, "is_giftcard[]=true"), "is_giftcard must be a boolean value");
	CHECK_STR(err_of(&products, "created_at=x"), "nested property created_at must be either object or array");
	CHECK_STR(err_of(&products, "created_at[lt]=nope&created_at[eq]=1"),
		  "property eq should not exist, lt must be a Date instance");
	/* prefix of an allowed name passes Medusa's allow-list, but the column does not exist */
	CHECK_STR(err_of(&products, "fields=titlex"), "Requested fields [titlex] are not valid");
	CHECK_STR(err_of(&products, "order=-nope"), "Order field nope is not valid");

	/* defaults */
	struct qe_query q = ok_of(&products, "");
	CHECK(q.limit == 100 && q.offset == 0 && q.limit_echo == 100);
	CHECK(!q.fields_replaced && q.nfields == 24 && qe_field(&q, "collection_id"));
	CHECK(q.nrelations == 10 && qe_relation(&q, "variants.prices") && qe_relation(&q, "profiles"));
	CHECK(q.order == NULL);

	/* 022: fields replace the select, id and created_at added */
	q = ok_of(&products, "fields=title,handle&expand=variants&limit=1");
	CHECK(q.fields_replaced && q.nfields == 4 && qe_field(&q, "title") && qe_field(&q, "handle") &&
	      qe_field(&q, "id") && qe_field(&q, "created_at") && !qe_field(&q, "status"));
	CHECK(q.nrelations == 1 && qe_relation(&q, "variants") && q.limit == 1);
	/* 023: +material modifies the defaults */
	q = ok_of(&products, "fields=%2Bmaterial&expand=");
	CHECK(!q.fields_replaced && q.nfields == 24 && q.nrelations == 0);
	/* 024 */
	q = ok_of(&products, "expand=&fields=&limit=2");
	CHECK(q.fields_replaced && q.nfields == 2 && qe_field(&q, "id") && qe_field(&q, "created_at"));
	CHECK(q.nrelations == 0);
	/* -x removes a default */
	q = ok_of(&products, "fields=-material,-title");
	CHECK(!q.fields_replaced && q.nfields == 22 && !qe_field(&q, "title"));
	/* dotted fields load their relation on top of the defaults */
	q = ok_of(&products, "fields=variants.title");
	CHECK(qe_relation(&q, "variants") && qe_field(&q, "variants.title") && q.nrelations == 10);
	/* order */
	q = ok_of(&products, "order=-title");
	CHECK_STR(q.order, "title");
	CHECK(q.order_desc == 1);
	q = ok_of(&products, "order=title&limit=0");
	CHECK(q.order_desc == 0 && q.limit == QE_LIMIT_MAX && q.limit_echo == 0);
	q = ok_of(&products, "limit=5000&offset=7");
	CHECK(q.limit == QE_LIMIT_MAX && q.limit_echo == 5000 && q.offset == 7);

	/* a handler's own relation */
	q = ok_of(&products, "expand=variants");
	qe_add_relation(&A, &q, "sales_channels");
	qe_add_relation(&A, &q, "variants");
	CHECK(q.nrelations == 2 && qe_relation(&q, "sales_channels"));

	/* accessors */
	q = ok_of(&products, "id[]=a&id[]=b&collection_id[]=x,y&is_giftcard=TRUE&created_at[gt]=2020-01-01");
	const char **ids;
	CHECK(qe_strings(&A, &q, "id", &ids) == 2 && strcmp(ids[1], "b") == 0);
	CHECK(qe_strings(&A, &q, "collection_id", &ids) == 2 && strcmp(ids[1], "y") == 0);
	CHECK(qe_strings(&A, &q, "handle", &ids) == 0 && ids == NULL);
	CHECK(qe_bool(&q, "is_giftcard") == 1);
	long long ms[4];
	int has[4];
	CHECK(qe_dates(&q, "created_at", ms, has) == 1 && has[1] && !has[0] && ms[1] == 1577836800000LL);
	/* id=a,b is not split (018): a plain string stays one */
	q = ok_of(&products, "id=a,b");
	CHECK(qe_strings(&A, &q, "id", &ids) == 1 && strcmp(ids[0], "a,b") == 0);

	/* an unrestricted route checks relations against what exists */
	static const char *const known_rels[] = { "customer", "items", NULL };
	static const struct qe_param p2[] = { { "expand", QE_STRING, NULL }, { "fields", QE_STRING, NULL } };
	static const struct qe_route open = { .params = p2, .nparams = 2, .known_relations = known_rels };
	CHECK_STR(err_of(&open, "expand=items,nope"), "Requested fields [nope] are not valid");

	/* @IsInt (StoreGetCollectionsParams' limit and offset): its own message; the number still counts */
	static const struct qe_param p_int[] = { { "limit", QE_INT, NULL }, { "offset", QE_INT, NULL } };
	static const struct qe_route ints = { .params = p_int, .nparams = 2, .default_limit = 10, .is_list = 1 };
	CHECK_STR(err_of(&ints, "limit=abc"), "limit must be an integer number");
	CHECK_STR(err_of(&ints, "offset=1.5&limit=-1"), "limit must be an integer number, offset must be an integer number");
	struct qe_query iq = ok_of(&ints, "limit=5&offset=2");
	CHECK(iq.limit == 5 && iq.offset == 2 && iq.limit_echo == 5 && iq.offset_echo == 2);
	CHECK_STR(err_of(&open, "expand=items&fields=anything"), "(ok)");
	/* enum */
	static const char *const st[] = { "a", "b", NULL };
	static const struct qe_param p3[] = { { "status", QE_ENUM, st } };
	static const struct qe_route en = { .params = p3, .nparams = 1 };
	CHECK_STR(err_of(&en, "status[]=a&status[]=c"), "each value in status must be one of the following values: a, b");
	CHECK_STR(err_of(&en, "status=b"), "(ok)");
	arena_release(&A);
	HARNESS_EXIT();
}
