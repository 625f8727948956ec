/*
 * metadata_limit: the one bound on stored metadata (API.md section 10,
 * "Growth is bounded"). Any entity with a metadata column (customer,
 * address, and the catalogue and carts to come) checks its final stored
 * form here, after a merge, before anything is written: a merge of small
 * patches must not grow a row without limit.
 */
#ifndef METADATA_LIMIT_H
#define METADATA_LIMIT_H
#include <stddef.h>

#include "common/errors.h"

struct req;

/* Largest metadata as stored (its canonical JSON text), in bytes. */
#define METADATA_MAX_BYTES (64 * 1024)

/* 1 if stored (canonical JSON text, NULL = none) is within METADATA_MAX_BYTES. */
int metadata_fits(const char *stored);
/*
 * Records the 400 invalid_data answer for metadata beyond the bound and
 * returns E_INVALID_DATA (for `return metadata_too_large(r)`).
 */
enum api_err metadata_too_large(struct req *r);
#endif
