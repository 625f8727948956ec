/*
 * errors: every answer that is not a success, in one X-macro table (lwan's
 * lwan-http-status.h). A row is: enum name, HTTP status, Medusa "type",
 * Medusa "code" (NULL when the type has none), default message, and whether
 * the body is the plain-text "Unauthorized" form instead of JSON.
 * Handlers return one of these; respond_error() is the only writer.
 */
#ifndef ERRORS_H
#define ERRORS_H

#define API_ERRORS(X) \
	X(E_INVALID_DATA,    400, "invalid_data",  NULL, "Invalid request data", 0) \
	X(E_NOT_ALLOWED,     400, "not_allowed",   NULL, "Not allowed", 0) \
	X(E_INSUFFICIENT_INVENTORY, 400, "not_allowed", "insufficient_inventory", "Insufficient inventory", 0) \
	X(E_UNAUTHORIZED,    401, "unauthorized",  NULL, "Unauthorized", 0) \
	X(E_AUTH_REQUIRED,   401, NULL,            NULL, "Unauthorized", 1) \
	X(E_LOGIN_FAILED,    401, NULL,            NULL, "Unauthorized", 1) \
	X(E_NOT_FOUND,       404, "not_found",     NULL, "Not found", 0) \
	X(E_CONFLICT,        409, "conflict",      "invalid_state_error", \
	  "The request conflicted with another request. You may retry the request with the provided Idempotency-Key.", 0) \
	X(E_OUT_OF_STOCK,    409, "not_allowed",   "insufficient_inventory", \
	  "Variant does not have the required inventory", 0) \
	X(E_TOO_LARGE,       413, "invalid_data",  NULL, "Request body is too large", 0) \
	X(E_DUPLICATE,       422, "duplicate_error", "invalid_request_error", "Duplicate", 0) \
	X(E_TOO_MANY,        429, "too_many_requests", NULL, "Too many requests, retry later", 0) \
	X(E_DATABASE,        500, "database_error", "api_error", "A database error occurred", 0) \
	X(E_DB_UNAVAILABLE,  503, "database_error", "api_error", "The database is unavailable, retry later", 0) \
	X(E_OUTCOME_UNKNOWN, 500, "database_error", "api_error", \
	  "The database connection was lost while this request was being committed, so it may or may not have " \
	  "been applied. Send it again with the same Idempotency-Key to get its outcome; without one, check " \
	  "before sending it again.", 0) \
	X(E_UNKNOWN,         500, "unknown_error", "unknown_error", "An unknown error occurred.", 0)

enum api_err {
	API_OK = 0,
#define X(name, status, type, code, msg, plain) name,
	API_ERRORS(X)
#undef X
	API_ERR_COUNT
};

struct api_error_info {
	int status;
	const char *type, *code, *message;
	int plain;
};

/* The row of err (never NULL for a valid enum value). Static storage. */
const struct api_error_info *api_error_info(enum api_err err);
/* "OK", "Bad Request", ... for a status code. Static storage. */
const char *http_reason(int status);
#endif
