/*
 * metadata: Medusa's setMetadata() merge, as a pure function.
 * The stored object is shallow-merged with the patch: a key whose new value
 * is exactly "" is removed, every other value (null, objects, arrays
 * included) replaces the key wholesale. The result is canonical JSON text
 * (jsonb key order, JavaScript numbers), the form stored and answered.
 */
#ifndef METADATA_H
#define METADATA_H
#include <json-c/json.h>

#include "common/arena.h"

/*
 * Merges patch (a JSON object, borrowed) into stored (JSON text or NULL).
 * Returns the canonical result in the arena (*changed 1 when it differs from
 * stored), or NULL when stored is not a JSON object this parser reads (a row
 * written by hand or by another program): the caller must refuse the write,
 * never replace what it cannot read (customer_store answers a 500
 * database_error and logs the row).
 */
char *metadata_merge(struct arena *a, const char *stored, struct json_object *patch, int *changed);
/* Canonical JSON text of any value (for address metadata, which is replaced). */
char *metadata_canonical(struct arena *a, struct json_object *v);
#endif
