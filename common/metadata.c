/*
 * metadata: merge and canonical form. The stored text is parsed with json-c,
 * merged, and written back with json_w_canonical(); temporary json-c trees
 * are released before returning.
 */
#include "common/metadata.h"

#include <string.h>

#include "common/buf.h"
#include "common/json.h"

char *metadata_canonical(struct arena *a, struct json_object *v)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	json_w_canonical(&b, v);
	char *s = arena_strndup(a, b.data, b.len);
	buf_release(&b);
	return s;
}

char *metadata_merge(struct arena *a, const char *stored, struct json_object *patch, int *changed)
{
	struct json_object *base = NULL;
	*changed = 0;
	if (stored) {
		if (json_parse_strict(stored, strlen(stored), 512, &base, NULL) != JSON_PARSE_OK ||
		    !json_object_is_type(base, json_type_object)) {
			json_object_put(base);
			return NULL;
		}
	} else {
		base = json_object_new_object();
	}
	json_object_object_foreach(patch, k, v) {
		if (v && json_object_is_type(v, json_type_string) && json_object_get_string_len(v) == 0)
			json_object_object_del(base, k);
		else
			json_object_object_add(base, k, json_object_get(v));
	}
	char *out = metadata_canonical(a, base);
	json_object_put(base);
	*changed = !stored || strcmp(stored, out) != 0;
	return out;
}
