/*
 * qengine: the query conventions of Medusa's store routes, once for every
 * route (reference medusa-v1-store-api.md section 4): class-validator on the
 * route's query DTO (whitelist + forbidNonWhitelisted), then Medusa's
 * prepareListQuery / prepareRetrieveQuery (fields, expand, order, limit,
 * offset with the route's defaults and allow-lists).
 *
 * How a route uses it:
 *
 *   static const struct qe_param params[] = {       // the DTO, in class-validator order:
 *       { "q", QE_STRING }, { "handle", QE_ARRAY },  // own properties first, then the
 *       { "fields", QE_STRING }, ...                 // inherited ones (fields, expand,
 *   };                                               // offset, limit, order)
 *   static const char *const fields[] = { "id", "created_at", ..., NULL };
 *   static const struct qe_route route = {
 *       .params = params, .nparams = 5,
 *       .default_fields = fields, .default_relations = rels,
 *       .allowed_fields = fields, .allowed_relations = rels,   // NULL = unrestricted
 *       .known_fields = fields, .known_relations = rels,       // what exists (400 beyond)
 *       .default_limit = 100, .is_list = 1,
 *   };
 *   struct qe_query q;
 *   enum api_err e = qe_parse_req(r, &route, &q);   // 400 recorded on r when invalid
 *   if (e) return e;
 *   ... qe_string(&q, "handle"), qe_field(&q, "title"), qe_relation(&q, "variants") ...
 *   ... q.limit, q.offset, q.order (NULL: created_at DESC), q.order_desc ...
 *
 * Differences from Medusa, all 400 invalid_data where Medusa answers 500
 * (API.md section 9): a negative or fractional limit/offset ("limit must be a
 * number conforming to the specified constraints"), a field or relation the
 * entity does not have on a route without allow-lists ("Requested fields [x]
 * are not valid"), an order column the entity does not have ("Order field x
 * is not valid"). limit=0 (TypeORM: no limit) is capped at QE_LIMIT_MAX, as
 * is every larger limit; the envelope still echoes what was asked.
 *
 * Everything returned is arena memory, borrowed until arena_reset().
 */
#ifndef QENGINE_H
#define QENGINE_H
#include <stddef.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/errors.h"
#include "common/query.h"

struct req;

/* Rows a list answer holds at most, whatever limit asks for. */
#define QE_LIMIT_MAX 1000

/* A DTO property and its class-validator decorators (the message each one gives). */
enum qe_kind {
	QE_STRING,      /* @IsString: "<p> must be a string" */
	QE_ARRAY,       /* @IsArray (string[] after normalizeQuery): "<p> must be an array" */
	QE_STRING_OR_ARRAY, /* @IsType([String, [String]]): "<p> must be one of String or String[]" */
	QE_NUMBER,      /* @Type(Number) @IsNumber: "<p> must be a number conforming to the specified constraints";
			   here also non-negative and integral (TypeORM fails on anything else) */
	QE_BOOL,        /* optionalBooleanMapper + @IsBoolean: "<p> must be a boolean value" */
	QE_DATES,       /* DateComparisonOperator {lt, gt, gte, lte}: nested messages */
	QE_ENUM,        /* @IsEnum({each: true}): "each value in <p> must be one of the following values: a, b" */
	QE_ANY,         /* declared, not checked */
	QE_INT,         /* @Type(Number) @IsInt: "<p> must be an integer number"; non-negative here too */
};

struct qe_param {
	const char *name;
	enum qe_kind kind;
	const char *const *values;  /* QE_ENUM: NULL-terminated */
};

struct qe_route {
	const struct qe_param *params;
	size_t nparams;
	/* NULL-terminated lists; NULL = none */
	const char *const *default_fields;    /* the select when fields is absent */
	const char *const *default_relations; /* the relations when expand is absent */
	const char *const *allowed_fields;    /* NULL: unrestricted */
	const char *const *allowed_relations; /* NULL: unrestricted */
	const char *const *known_fields;      /* columns that exist (unrestricted routes); NULL: no check */
	const char *const *known_relations;   /* relations that exist (unrestricted routes); NULL: no check */
	long long default_limit;
	int is_list;                          /* adds created_at to a fields list, as Medusa does */
};

struct qe_query {
	struct query_node *q;       /* the normalized qs tree (QUERY_OBJECT) */
	long long limit, offset;    /* limit capped at QE_LIMIT_MAX (0 asked = QE_LIMIT_MAX) */
	double limit_echo, offset_echo; /* what the envelope echoes (the validated numbers) */
	const char **fields;        /* the select, after fields/+/-; nfields entries */
	size_t nfields;
	int fields_replaced;        /* fields named the select (not absent, not only +x/-x) */
	const char **relations;     /* expand, or the defaults (+ relations of dotted fields) */
	size_t nrelations;
	const char *order;          /* order column, or NULL for the default created_at DESC */
	int order_desc;
};

/*
 * Parses, normalizes and validates raw[0..n) for rt. Returns 1 and fills
 * *out, or 0 and sets *err to the message of the 400 (arena memory).
 */
int qe_parse(struct arena *a, const struct qe_route *rt, const char *raw, size_t n,
	     struct qe_query *out, const char **err);

/*
 * class-validator alone, for a handler that reads the tree itself: appends the
 * messages for q (a normalized qs tree) against params to m, joined with ", ";
 * returns how many.
 */
int qe_validate(struct buf *m, const struct qe_param *params, size_t n, const struct query_node *q);
/* A QE_NUMBER value as validation accepts it (a non-negative integral Number()); 0 if not. */
int qe_number_value(const struct query_node *v, double *out);
/* A DateComparisonOperator value as epoch ms (Medusa's transformDate); 0 if not a date. */
int qe_date_value(const struct query_node *v, long long *ms);

/* qe_parse on r->query; on failure records 400 invalid_data on r and returns it. */
enum api_err qe_parse_req(struct req *r, const struct qe_route *rt, struct qe_query *out);

/* 1 if the select holds name (exact). */
int qe_field(const struct qe_query *q, const char *name);
/* 1 if the relations hold name (exact, e.g. "variants.prices"). */
int qe_relation(const struct qe_query *q, const char *name);
/* Adds a relation a handler loads on top of the query's (no-op if present). */
void qe_add_relation(struct arena *a, struct qe_query *q, const char *name);
/* A string parameter's value, or NULL (absent or not a string). */
const char *qe_string(const struct qe_query *q, const char *name);
/*
 * A string-or-array parameter as a list of strings (a string is a list of
 * one). Returns the count (0 when absent; *out NULL) -- [] gives 0 with
 * *out non-NULL, so "absent" and "empty list" stay apart.
 */
size_t qe_strings(struct arena *a, const struct qe_query *q, const char *name, const char ***out);
/* A QE_BOOL parameter: 1 true, 0 false, -1 absent or neither "true" nor "false". */
int qe_bool(const struct qe_query *q, const char *name);
/*
 * A QE_DATES parameter's bounds as epoch milliseconds; each of lt, gt, gte,
 * lte is set when given (has[i] = 1), in that order. Returns 1 if any is set.
 */
int qe_dates(const struct qe_query *q, const char *name, long long ms[4], int has[4]);

#endif
