/*
 * metadata_limit: the size bound of stored metadata and its answer. Kept
 * apart from metadata.c (the merge) so that every entity calls the same
 * check on the text it is about to store.
 */
#include "common/metadata_limit.h"

#include <string.h>

#include "common/respond.h"

int metadata_fits(const char *stored)
{
	return !stored || strlen(stored) <= METADATA_MAX_BYTES;
}

enum api_err metadata_too_large(struct req *r)
{
	return respond_fail(r, E_INVALID_DATA, "metadata must be at most %d bytes as stored (after the merge)",
			    METADATA_MAX_BYTES);
}
