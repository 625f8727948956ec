/*
 * arena: bump allocation in blocks. Big requests get a block of their own;
 * only the first block survives arena_reset(), so memory held by a worker
 * between requests is bounded by one block.
 */
#include "common/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	_Alignas(max_align_t) unsigned char data[];
};

static struct arena_block *block_new(size_t size)
{
	struct arena_block *b = malloc(sizeof(*b) + size);
	if (!b)
		abort();
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

void arena_init(struct arena *a, size_t block_size)
{
	a->block_size = block_size ? block_size : 16384;
	a->first = a->head = NULL;
}

void arena_release(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
	a->first = a->head = NULL;
}

void arena_reset(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b && b != a->first) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
	a->head = a->first;
	if (a->first)
		a->first->used = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	size_t need = (n + align - 1) & ~(align - 1);
	if (need < n)
		abort();
	if (!a->head)
		a->first = a->head = block_new(a->block_size);
	if (a->head->size - a->head->used < need) {
		size_t sz = need > a->block_size ? need : a->block_size;
		struct arena_block *b = block_new(sz);
		b->next = a->head;
		a->head = b;
	}
	void *p = a->head->data + a->head->used;
	a->head->used += need;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_strdup_lower(struct arena *a, const char *s)
{
	char *d = arena_strdup(a, s);
	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 32;
	return d;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	char *p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
