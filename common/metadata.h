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
 * Returns the canonical result in the arena, or NULL if stored is not a JSON
 * object (corrupt row: the caller treats it as {}; *bad set). *changed is 1
 * when the result differs from stored.
 */
char *metadata_merge(struct arena *a, const char *stored, struct json_object *patch, int *changed);
/* Canonical JSON text of any value (for address metadata, which is replaced). */
char *metadata_canonical(struct arena *a, struct json_object *v);
#endif
