/* errors: the table behind errors.h and the HTTP reason phrases. */
#include "common/errors.h"

#include <stddef.h>

static const struct api_error_info rows[API_ERR_COUNT] = {
	[API_OK] = { 200, NULL, NULL, NULL, 0 },
#define X(name, status, type, code, msg, plain) [name] = { status, type, code, msg, plain },
	API_ERRORS(X)
#undef X
};

const struct api_error_info *api_error_info(enum api_err err)
{
	if ((unsigned)err >= API_ERR_COUNT)
		err = E_UNKNOWN;
	return &rows[err];
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}
