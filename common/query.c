/*
 * query: a small qs.parse() (qs 6.17, the version Medusa 1.20.11 installs,
 * with the option Medusa passes: arrayLimit Infinity) and the JavaScript
 * conversions its query validators rely on.
 *
 * qs works in two passes, and so does this file: the text is split on '&'
 * into "flat" key/value pairs (a repeated key collects its values into an
 * array), then each flat key is cut into its balanced bracket groups
 * ("a[b][]" -> a, [b], []) and turned into a nested value that is merged
 * into the result with qs's utils.merge rules (strictMerge: a plain value
 * meeting an object makes a [object, value] "conflict" pair). The quirks of
 * those rules are reproduced on purpose, because they decide which
 * validation message a client gets (e.g. "status=a&status[]=b" is the array
 * ["a","b"]).
 *
 * While building, nodes are mutable linked lists (arrays remember each
 * element's index, since qs arrays may be sparse until compacted); the
 * finished tree is converted into the read-only struct query_node form.
 * Everything lives in the caller's arena; recursion is bounded by
 * MERGE_DEPTH_MAX so a hostile query cannot exhaust the stack.
 */
#include "common/query.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json.h"

#define MERGE_DEPTH_MAX 32
/* JavaScript's largest array index (2^32 - 2): larger "indices" are plain properties. */
#define JS_MAX_INDEX 4294967294ULL

struct bnode;

struct bmember {
	char *key;                  /* objects */
	unsigned long long idx;     /* arrays */
	struct bnode *v;
	struct bmember *next;
};

struct bnode {
	enum query_type type;
	char *s;
	size_t len;
	struct bmember *head, *tail;   /* arrays: ascending idx */
	size_t n;
	unsigned long long length;     /* arrays: JavaScript length (last index + 1) */
	int conflict;                  /* qs's markConflict(): a strictMerge pair (or its object form) */
	long long conflict_idx;        /* ... and its highest numeric key */
};

/* ---- nodes ---- */

static struct bnode *bnew(struct arena *a, enum query_type t)
{
	struct bnode *b = arena_alloc(a, sizeof(*b));
	memset(b, 0, sizeof(*b));
	b->type = t;
	return b;
}

static struct bnode *bstring(struct arena *a, const char *s, size_t len)
{
	struct bnode *b = bnew(a, QUERY_STRING);
	b->s = arena_strndup(a, s, len);
	b->len = len;
	return b;
}

static int objlike(const struct bnode *b)
{
	return b->type == QUERY_ARRAY || b->type == QUERY_OBJECT;
}

static struct bmember *arr_get(struct bnode *arr, unsigned long long idx)
{
	for (struct bmember *m = arr->head; m; m = m->next)
		if (m->idx == idx)
			return m;
	return NULL;
}

/* arr[idx] = v, keeping members sorted by index. */
static void arr_set(struct arena *a, struct bnode *arr, unsigned long long idx, struct bnode *v)
{
	struct bmember *prev = NULL, *m = arr->head;
	while (m && m->idx < idx) {
		prev = m;
		m = m->next;
	}
	if (m && m->idx == idx) {
		m->v = v;
		return;
	}
	struct bmember *nm = arena_alloc(a, sizeof(*nm));
	nm->key = NULL;
	nm->idx = idx;
	nm->v = v;
	nm->next = m;
	if (prev)
		prev->next = nm;
	else
		arr->head = nm;
	if (!m)
		arr->tail = nm;
	arr->n++;
	if (idx + 1 > arr->length)
		arr->length = idx + 1;
}

static void arr_push(struct arena *a, struct bnode *arr, struct bnode *v)
{
	if (arr->length > JS_MAX_INDEX)
		return; /* cannot happen with QUERY_MAX_PARAMS, but never wrap */
	arr_set(a, arr, arr->length, v);
}

static struct bmember *obj_get(struct bnode *obj, const char *key)
{
	for (struct bmember *m = obj->head; m; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

static void obj_set(struct arena *a, struct bnode *obj, const char *key, struct bnode *v)
{
	struct bmember *m = obj_get(obj, key);
	if (m) {
		m->v = v;
		return;
	}
	m = arena_alloc(a, sizeof(*m));
	m->key = arena_strdup(a, key);
	m->idx = 0;
	m->v = v;
	m->next = NULL;
	if (obj->tail)
		obj->tail->next = m;
	else
		obj->head = m;
	obj->tail = m;
	obj->n++;
}

/* The names Object.prototype owns: qs drops parameters that would shadow them. */
static int proto_name(const char *k)
{
	static const char *const names[] = {
		"constructor", "__defineGetter__", "__defineSetter__", "hasOwnProperty", "__lookupGetter__",
		"__lookupSetter__", "isPrototypeOf", "propertyIsEnumerable", "toString", "valueOf",
		"__proto__", "toLocaleString",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(k, names[i]) == 0)
			return 1;
	return 0;
}

/* String(index) as JavaScript writes it for idx (always plain digits here). */
static char *idx_key(struct arena *a, unsigned long long idx)
{
	return arena_printf(a, "%llu", idx);
}

/*
 * qs's parseObject test for "[5]": a segment is an array index when
 * String(parseInt(x)) === x and it is >= 0. Returns 1 for an index (with
 * *idx; *dropped = 1 when it is too large to be a JavaScript array index, in
 * which case qs's compact() loses the element), 0 for an object key.
 */
static int segment_index(const char *s, unsigned long long *idx, int *dropped)
{
	size_t n = strlen(s);
	*dropped = 0;
	if (n == 0 || n > 21)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	if (n > 1 && s[0] == '0')
		return 0;
	if (n <= 10) {
		unsigned long long v = strtoull(s, NULL, 10);
		if (v <= JS_MAX_INDEX) {
			*idx = v;
			return 1;
		}
	}
	/* beyond 2^32 - 2: still "an index" to qs if the double prints back the same */
	struct buf b = BUF_INIT;
	buf_init(&b);
	json_w_number(&b, strtod(s, NULL));
	int same = b.len == n && memcmp(b.data, s, n) == 0;
	buf_release(&b);
	if (!same)
		return 0;
	*dropped = 1;
	return 1;
}

/* ---- decoding ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) into out (n + 1 bytes); 0 on a malformed escape. */
static int percent_decode(const char *s, size_t n, char *out, size_t *outlen)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			out[k++] = s[i];
			continue;
		}
		int h = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
		int l = h >= 0 ? hexval((unsigned char)s[i + 2]) : -1;
		if (h < 0 || l < 0)
			return 0;
		out[k++] = (char)(h * 16 + l);
		i += 2;
	}
	out[k] = '\0';
	*outlen = k;
	return 1;
}

char *query_decode_component(struct arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);
	size_t k;
	if (!percent_decode(s, n, d, &k) || !json_utf8_valid(d, k))
		return NULL;
	return d;
}

/*
 * qs's decoder: '+' becomes a space, then decodeURIComponent(); when that
 * throws (a bad escape, or escapes that are not UTF-8) the text is kept with
 * only the '+' replaced. Raw bytes that are not UTF-8 are read as Latin-1,
 * as Node reads a request line, so the result is always valid UTF-8.
 */
static char *decode(struct arena *a, const char *s, size_t n, size_t *outlen)
{
	char *raw = arena_alloc(a, n + 1);
	for (size_t i = 0; i < n; i++)
		raw[i] = s[i] == '+' ? ' ' : s[i];
	raw[n] = '\0';

	char *dec = arena_alloc(a, n + 1);
	size_t k = 0;
	if (percent_decode(raw, n, dec, &k) && json_utf8_valid(dec, k)) {
		*outlen = k;
		return dec;
	}
	if (json_utf8_valid(raw, n)) {
		*outlen = n;
		return raw;
	}
	char *lat = arena_alloc(a, n * 3 + 1);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (c == 0) {
			memcpy(lat + k, "\xEF\xBF\xBD", 3);
			k += 3;
		} else if (c < 0x80) {
			lat[k++] = (char)c;
		} else {
			lat[k++] = (char)(0xC0 | (c >> 6));
			lat[k++] = (char)(0x80 | (c & 0x3F));
		}
	}
	lat[k] = '\0';
	*outlen = k;
	return lat;
}

/* ---- qs utils.merge ---- */

static struct bnode *merge(struct arena *a, struct bnode *t, struct bnode *src, int depth);

/* [target].concat(source) */
static struct bnode *concat_after(struct arena *a, struct bnode *t, struct bnode *src)
{
	struct bnode *arr = bnew(a, QUERY_ARRAY);
	arr_push(a, arr, t);
	if (src->type == QUERY_ARRAY) {
		unsigned long long base = arr->length;
		for (struct bmember *m = src->head; m; m = m->next)
			if (base + m->idx <= JS_MAX_INDEX)
				arr_set(a, arr, base + m->idx, m->v);
		if (base + src->length > arr->length && base + src->length <= JS_MAX_INDEX + 1)
			arr->length = base + src->length;
	} else {
		arr_push(a, arr, src);
	}
	return arr;
}

/* qs's arrayToObject: defined elements under their index as key. */
static struct bnode *array_to_object(struct arena *a, struct bnode *arr)
{
	struct bnode *o = bnew(a, QUERY_OBJECT);
	for (struct bmember *m = arr->head; m; m = m->next)
		obj_set(a, o, idx_key(a, m->idx), m->v);
	return o;
}

/* parseInt(k) as a canonical integer key ("7", "-2"; not "07"), for the conflict index. */
static int int_key(const char *k, long long *v)
{
	size_t n = strlen(k), i = k[0] == '-';
	if (n == i || n - i > 15 || (n - i > 1 && k[i] == '0') || (i && n == 2 && k[1] == '0'))
		return 0;
	for (size_t j = i; j < n; j++)
		if (k[j] < '0' || k[j] > '9')
			return 0;
	*v = strtoll(k, NULL, 10);
	return 1;
}

/* [first, second] (qs's limitedPair with an infinite arrayLimit) */
static struct bnode *pair(struct arena *a, struct bnode *first, struct bnode *second)
{
	struct bnode *arr = bnew(a, QUERY_ARRAY);
	arr_push(a, arr, first);
	arr_push(a, arr, second);
	return arr;
}

static struct bnode *merge(struct arena *a, struct bnode *t, struct bnode *src, int depth)
{
	/* `if (!source) return target` also skips the empty string */
	if (!src || (src->type == QUERY_STRING && src->len == 0))
		return t;
	if (depth > MERGE_DEPTH_MAX)
		return t;
	if (!objlike(src)) {
		if (t->type == QUERY_ARRAY) {
			arr_push(a, t, src);
			return t;
		}
		if (t->type == QUERY_OBJECT) {
			if (t->conflict) {
				/* a conflict container in object form takes the value at its next index */
				t->conflict_idx++;
				obj_set(a, t, arena_printf(a, "%lld", t->conflict_idx), src);
				return t;
			}
			struct bnode *p = pair(a, t, src);
			p->conflict = 1;
			p->conflict_idx = 1;
			return p;
		}
		return pair(a, t, src);
	}
	if (!objlike(t))
		return concat_after(a, t, src);
	if (t->type == QUERY_ARRAY && src->type != QUERY_ARRAY) {
		struct bnode *o = array_to_object(a, t);
		if (t->conflict) {
			o->conflict = 1;
			o->conflict_idx = (long long)t->length - 1;
		}
		t = o;
	}
	if (t->type == QUERY_ARRAY) {
		/* both arrays: merge element-wise, or append when the slot holds a plain value */
		for (struct bmember *m = src->head; m; m = m->next) {
			struct bmember *tm = arr_get(t, m->idx);
			if (!tm)
				arr_set(a, t, m->idx, m->v);
			else if (objlike(tm->v) && objlike(m->v))
				tm->v = merge(a, tm->v, m->v, depth + 1);
			else
				arr_push(a, t, m->v);
		}
		return t;
	}
	for (struct bmember *m = src->head; m; m = m->next) {
		const char *k = src->type == QUERY_ARRAY ? idx_key(a, m->idx) : m->key;
		struct bmember *tm = obj_get(t, k);
		if (tm)
			tm->v = merge(a, tm->v, m->v, depth + 1);
		else
			obj_set(a, t, k, m->v);
		long long kv;
		if (t->conflict && int_key(k, &kv) && kv > t->conflict_idx)
			t->conflict_idx = kv;
	}
	return t;
}

/* ---- qs parseKeys / parseObject ---- */

/*
 * Cuts key into qs's chain (splitKeyIntoSegments): the parent before the
 * first '[', then up to QUERY_MAX_DEPTH balanced "[...]" groups (text
 * between groups is skipped), then the rest as one "[rest]" segment; an
 * unterminated group also ends the chain as "[rest]". Returns the number of
 * segments, 0 when qs drops the parameter (a prototype name).
 */
static size_t key_chain(struct arena *a, const char *key, char **chain)
{
	size_t n = 0, klen = strlen(key);
	const char *first = strchr(key, '[');
	size_t parent_len = first ? (size_t)(first - key) : klen;
	if (parent_len) {
		char *parent = arena_strndup(a, key, parent_len);
		if (proto_name(parent))
			return 0;
		chain[n++] = parent;
	}
	const char *open = first;
	int collected = 0;
	while (open && collected < QUERY_MAX_DEPTH) {
		int level = 1;
		const char *close = NULL;
		for (const char *p = open + 1; *p && !close; p++) {
			if (*p == '[')
				level++;
			else if (*p == ']' && --level == 0)
				close = p;
		}
		if (!close) {
			chain[n++] = arena_printf(a, "[%s]", open);
			return n;
		}
		size_t seglen = (size_t)(close - open) + 1;
		if (proto_name(arena_strndup(a, open + 1, seglen - 2)))
			return 0;
		chain[n++] = arena_strndup(a, open, seglen);
		collected++;
		open = strchr(close + 1, '[');
	}
	if (open)
		chain[n++] = arena_printf(a, "[%s]", open);
	return n;
}

static struct bnode *parse_object(struct arena *a, char **chain, size_t n, struct bnode *leaf)
{
	for (size_t i = n; i-- > 0;) {
		const char *root = chain[i];
		struct bnode *obj;
		if (strcmp(root, "[]") == 0) {
			obj = bnew(a, QUERY_ARRAY);
			if (leaf->type == QUERY_ARRAY) {
				for (struct bmember *m = leaf->head; m; m = m->next)
					arr_set(a, obj, m->idx, m->v);
				obj->length = leaf->length;
			} else {
				arr_push(a, obj, leaf);
			}
		} else {
			size_t rl = strlen(root);
			int bracketed = rl >= 2 && root[0] == '[' && root[rl - 1] == ']';
			char *clean = bracketed ? arena_strndup(a, root + 1, rl - 2) : (char *)root;
			unsigned long long idx;
			int dropped;
			if (bracketed && segment_index(clean, &idx, &dropped)) {
				obj = bnew(a, QUERY_ARRAY);
				if (!dropped)
					arr_set(a, obj, idx, leaf);
			} else {
				obj = bnew(a, QUERY_OBJECT);
				obj_set(a, obj, clean, leaf);
			}
		}
		leaf = obj;
	}
	return leaf;
}

/* ---- finishing: compact arrays, JavaScript key order ---- */

/* An "array index" key ("0", "17"; not "01", not beyond 2^32 - 2): JavaScript lists those first. */
static int index_key(const char *k, unsigned long long *v)
{
	size_t n = strlen(k);
	if (n == 0 || n > 10 || (n > 1 && k[0] == '0'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (k[i] < '0' || k[i] > '9')
			return 0;
	*v = strtoull(k, NULL, 10);
	return *v <= JS_MAX_INDEX;
}

static struct query_node *finish(struct arena *a, const struct bnode *b, int depth)
{
	struct query_node *q = arena_alloc(a, sizeof(*q));
	memset(q, 0, sizeof(*q));
	q->type = b->type;
	if (b->type == QUERY_STRING) {
		q->s = b->s;
		q->len = b->len;
		return q;
	}
	if (b->type != QUERY_ARRAY && b->type != QUERY_OBJECT)
		return q;
	if (depth > MERGE_DEPTH_MAX * 2 + QUERY_MAX_DEPTH)
		return q; /* empty container; unreachable in practice (merges add a level at most) */
	q->m = arena_alloc(a, sizeof(*q->m) * (b->n ? b->n : 1));
	size_t k = 0;
	if (b->type == QUERY_ARRAY) {
		for (const struct bmember *m = b->head; m; m = m->next) {
			q->m[k].key = NULL;
			q->m[k++].value = finish(a, m->v, depth + 1);
		}
	} else {
		/* index keys ascending (selection over a small list), then the rest in insertion order */
		unsigned long long last = 0;
		int have_last = 0;
		for (;;) {
			const struct bmember *best = NULL;
			unsigned long long bv = 0;
			for (const struct bmember *m = b->head; m; m = m->next) {
				unsigned long long v;
				if (!index_key(m->key, &v) || (have_last && v <= last))
					continue;
				if (!best || v < bv) {
					best = m;
					bv = v;
				}
			}
			if (!best)
				break;
			q->m[k].key = best->key;
			q->m[k++].value = finish(a, best->v, depth + 1);
			last = bv;
			have_last = 1;
		}
		for (const struct bmember *m = b->head; m; m = m->next) {
			unsigned long long v;
			if (index_key(m->key, &v))
				continue;
			q->m[k].key = m->key;
			q->m[k++].value = finish(a, m->v, depth + 1);
		}
	}
	q->n = k;
	return q;
}

/* ---- public ---- */

struct flat {
	char *key;
	struct bnode *val;   /* a string, or an array of strings for a repeated key */
	struct flat *next;
};

static struct bnode *add_flat(struct arena *a, struct bnode *root, struct flat *f)
{
	char *chain[QUERY_MAX_DEPTH + 2];
	size_t nc = key_chain(a, f->key, chain);
	if (!nc)
		return root;
	return merge(a, root, parse_object(a, chain, nc, f->val), 0);
}

struct query_node *query_parse(struct arena *a, const char *q, size_t n)
{
	if (!q)
		n = 0;
	if (n > QUERY_MAX_LEN)
		n = QUERY_MAX_LEN;
	if (q) {
		/* qs turns every %5B / %5D into a bracket before splitting (values too) */
		char *c = arena_alloc(a, n + 1);
		size_t k = 0;
		for (size_t j = 0; j < n; j++) {
			if (q[j] == '%' && j + 2 < n && q[j + 1] == '5' &&
			    (q[j + 2] == 'B' || q[j + 2] == 'b' || q[j + 2] == 'D' || q[j + 2] == 'd')) {
				c[k++] = (q[j + 2] == 'B' || q[j + 2] == 'b') ? '[' : ']';
				j += 2;
				continue;
			}
			c[k++] = q[j];
		}
		c[k] = '\0';
		q = c;
		n = k;
	}
	struct flat *head = NULL, *tail = NULL;
	size_t parts = 0, i = 0;
	while (q && i <= n && parts < QUERY_MAX_PARAMS) {
		const char *part = q + i;
		const char *amp = memchr(part, '&', n - i);
		size_t plen = amp ? (size_t)(amp - part) : n - i;
		i += plen + 1;
		parts++;
		/* "]=" wins over the first "=", so "a[=]=b" keeps "=" in the key as qs does */
		size_t pos = plen;
		for (size_t j = 0; j + 1 < plen; j++)
			if (part[j] == ']' && part[j + 1] == '=') {
				pos = j + 1;
				break;
			}
		if (pos == plen) {
			const char *eq = memchr(part, '=', plen);
			if (eq)
				pos = (size_t)(eq - part);
		}
		size_t klen, vlen = 0;
		char *key = decode(a, part, pos, &klen);
		char *val = pos < plen ? decode(a, part + pos + 1, plen - pos - 1, &vlen) : arena_strdup(a, "");
		if (klen == 0)
			continue; /* qs drops empty keys */
		struct bnode *v = bstring(a, val, vlen);
		struct flat *f = head;
		while (f && strcmp(f->key, key) != 0)
			f = f->next;
		if (f) {
			/* utils.combine: [].concat(old, new) */
			if (f->val->type != QUERY_ARRAY) {
				struct bnode *arr = bnew(a, QUERY_ARRAY);
				arr_push(a, arr, f->val);
				f->val = arr;
			}
			arr_push(a, f->val, v);
			continue;
		}
		f = arena_alloc(a, sizeof(*f));
		f->key = key;
		f->val = v;
		f->next = NULL;
		if (tail)
			tail->next = f;
		else
			head = f;
		tail = f;
		if (!amp)
			break;
	}
	/* in the Object.keys() order of qs's flat object: index-like keys first, ascending */
	struct bnode *root = bnew(a, QUERY_OBJECT);
	unsigned long long last = 0, v;
	int have_last = 0;
	for (;;) {
		struct flat *f = NULL;
		unsigned long long best = 0;
		for (struct flat *g = head; g; g = g->next)
			if (index_key(g->key, &v) && (!have_last || v > last) && (!f || v < best)) {
				f = g;
				best = v;
			}
		if (!f)
			break;
		root = add_flat(a, root, f);
		last = best;
		have_last = 1;
	}
	for (struct flat *g = head; g; g = g->next)
		if (!index_key(g->key, &v))
			root = add_flat(a, root, g);
	return finish(a, root, 0);
}

struct query_node *query_get(const struct query_node *obj, const char *key)
{
	if (!obj || obj->type != QUERY_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->m[i].key, key) == 0)
			return obj->m[i].value;
	return NULL;
}

void query_normalize(struct arena *a, struct query_node *root)
{
	if (!root || root->type != QUERY_OBJECT)
		return;
	for (size_t i = 0; i < root->n; i++) {
		struct query_node *v = root->m[i].value;
		if (v->type != QUERY_ARRAY || v->n != 1 || v->m[0].value->type != QUERY_STRING)
			continue;
		const char *s = v->m[0].value->s;
		size_t len = v->m[0].value->len, parts = 1;
		for (size_t k = 0; k < len; k++)
			parts += s[k] == ',';
		struct query_member *m = arena_alloc(a, sizeof(*m) * parts);
		size_t start = 0, j = 0;
		for (size_t k = 0; k <= len; k++) {
			if (k < len && s[k] != ',')
				continue;
			struct query_node *e = arena_alloc(a, sizeof(*e));
			memset(e, 0, sizeof(*e));
			e->type = QUERY_STRING;
			e->s = arena_strndup(a, s + start, k - start);
			e->len = k - start;
			m[j].key = NULL;
			m[j++].value = e;
			start = k + 1;
		}
		v->m = m;
		v->n = j;
	}
}

/* ---- JavaScript conversions ---- */

/* Length of the JavaScript WhiteSpace/LineTerminator code point at s, or 0. */
static size_t js_space(const unsigned char *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || (s[0] >= 0x09 && s[0] <= 0x0D)))
		return 1;
	if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0)
		return 2;
	if (n >= 3) {
		unsigned cp = ((unsigned)(s[0] & 0x0F) << 12) | ((unsigned)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
		if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
		    (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
		     cp == 0x205F || cp == 0x3000 || cp == 0xFEFF))
			return 3;
	}
	return 0;
}

/* Where s[start..n) ends once trailing JavaScript whitespace is cut off. */
static size_t trim_right(const unsigned char *s, size_t start, size_t n)
{
	/* scan forward, remembering the end of the last character that is not whitespace */
	size_t end = start, i = start;
	while (i < n) {
		size_t w = js_space(s + i, n - i);
		if (w) {
			i += w;
		} else {
			i++;
			end = i;
		}
	}
	return end;
}

int query_js_number(const char *str, size_t n, double *out)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, w;
	while (i < n && (w = js_space(s + i, n - i)))
		i += w;
	size_t end = trim_right(s, i, n);
	if (i == end) {
		*out = 0;
		return 1;
	}
	/* 0x / 0o / 0b: unsigned integers only */
	if (end - i > 2 && s[i] == '0' && strchr("xXoObB", s[i + 1])) {
		int base = (s[i + 1] == 'x' || s[i + 1] == 'X') ? 16 : (s[i + 1] == 'o' || s[i + 1] == 'O') ? 8 : 2;
		double v = 0;
		for (size_t k = i + 2; k < end; k++) {
			int d = hexval(s[k]);
			if (d < 0 || d >= base)
				return 0;
			v = v * base + d;
		}
		*out = v;
		return 1;
	}
	size_t k = i;
	int neg = 0;
	if (s[k] == '+' || s[k] == '-') {
		neg = s[k] == '-';
		k++;
	}
	if (end - k == 8 && memcmp(s + k, "Infinity", 8) == 0) {
		*out = neg ? -INFINITY : INFINITY;
		return 1;
	}
	size_t digits = 0, p = k;
	while (p < end && s[p] >= '0' && s[p] <= '9') {
		p++;
		digits++;
	}
	if (p < end && s[p] == '.') {
		p++;
		while (p < end && s[p] >= '0' && s[p] <= '9') {
			p++;
			digits++;
		}
	}
	if (!digits)
		return 0;
	if (p < end && (s[p] == 'e' || s[p] == 'E')) {
		p++;
		if (p < end && (s[p] == '+' || s[p] == '-'))
			p++;
		size_t ed = 0;
		while (p < end && s[p] >= '0' && s[p] <= '9') {
			p++;
			ed++;
		}
		if (!ed)
			return 0;
	}
	if (p != end)
		return 0;
	/* the syntax is now plain decimal, which strtod reads the same way in the C locale */
	size_t len = end - i;
	char small[128];
	char *copy = len < sizeof(small) ? small : malloc(len + 1);
	if (!copy)
		abort();
	memcpy(copy, s + i, len);
	copy[len] = '\0';
	*out = strtod(copy, NULL);
	if (copy != small)
		free(copy);
	return 1;
}

static int digits_at(const char *s, size_t n, size_t *i, size_t count, int *out)
{
	if (*i + count > n)
		return 0;
	int v = 0;
	for (size_t k = 0; k < count; k++) {
		char c = s[*i + k];
		if (c < '0' || c > '9')
			return 0;
		v = v * 10 + (c - '0');
	}
	*i += count;
	*out = v;
	return 1;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's algorithm). */
static long long days_from_civil(long long y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The ECMAScript date-time string format (what Date.parse reads first). */
static int iso_date(const char *s, size_t n, long long *ms)
{
	size_t i = 0;
	long long year;
	int v, month = 1, day = 1, hh = 0, mm = 0, ss = 0, frac = 0;
	if (n && (s[0] == '+' || s[0] == '-')) {
		int hi, lo;
		i = 1;
		if (!digits_at(s, n, &i, 3, &hi) || !digits_at(s, n, &i, 3, &lo))
			return 0;
		year = (long long)hi * 1000 + lo;
		if (s[0] == '-') {
			if (year == 0)
				return 0; /* "-000000" is not allowed */
			year = -year;
		}
	} else {
		if (!digits_at(s, n, &i, 4, &v))
			return 0;
		year = v;
	}
	if (i < n && s[i] == '-') {
		i++;
		if (!digits_at(s, n, &i, 2, &month))
			return 0;
		if (i < n && s[i] == '-') {
			i++;
			if (!digits_at(s, n, &i, 2, &day))
				return 0;
		}
	}
	long long offset_min = 0;
	if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
		i++;
		if (!digits_at(s, n, &i, 2, &hh) || i >= n || s[i] != ':')
			return 0;
		i++;
		if (!digits_at(s, n, &i, 2, &mm))
			return 0;
		if (i < n && s[i] == ':') {
			i++;
			if (!digits_at(s, n, &i, 2, &ss))
				return 0;
			if (i < n && (s[i] == '.' || s[i] == ',')) {
				i++;
				size_t fd = 0;
				while (i < n && s[i] >= '0' && s[i] <= '9') {
					if (fd < 3)
						frac = frac * 10 + (s[i] - '0');
					fd++;
					i++;
				}
				if (!fd)
					return 0;
				for (; fd < 3; fd++)
					frac *= 10;
			}
		}
		if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
			i++;
		} else if (i < n && (s[i] == '+' || s[i] == '-')) {
			int sign = s[i] == '-' ? -1 : 1, oh, om;
			i++;
			if (!digits_at(s, n, &i, 2, &oh) || i >= n || s[i] != ':')
				return 0;
			i++;
			if (!digits_at(s, n, &i, 2, &om) || oh > 23 || om > 59)
				return 0;
			offset_min = sign * (oh * 60 + om);
		}
	}
	/* without an offset, date-only forms are UTC and date-times local time: the server runs in UTC */
	if (i != n)
		return 0;
	if (month < 1 || month > 12 || day < 1 || day > 31 || mm > 59 || ss > 59 || hh > 24 ||
	    (hh == 24 && (mm || ss || frac)))
		return 0;
	long long t = days_from_civil(year, month, day) * 86400000LL + hh * 3600000LL + mm * 60000LL +
		      ss * 1000LL + frac - offset_min * 60000LL;
	if (t > 8640000000000000LL || t < -8640000000000000LL)
		return 0;
	*ms = t;
	return 1;
}

int query_js_date(const char *s, size_t n, long long *ms)
{
	if (iso_date(s, n, ms))
		return 1;
	double v;
	if (!query_js_number(s, n, &v))
		return 0;
	v *= 1000.0;
	if (!isfinite(v) || v > 8.64e15 || v < -8.64e15)
		return 0;
	*ms = (long long)v; /* TimeClip truncates toward zero */
	return 1;
}
