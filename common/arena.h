/*
 * arena: the per-request bump allocator.
 *
 * Everything a request allocates for its own lifetime comes from here and is
 * released at once by arena_reset() in req_end(). The first block is kept
 * across requests, so a steady worker does not touch malloc on the hot path.
 */
#ifndef ARENA_H
#define ARENA_H
#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;   /* current block, newest first */
	struct arena_block *first;  /* kept across resets */
	size_t block_size;
};

/* Prepares an empty arena whose blocks are block_size bytes (0 = 16 KiB). */
void arena_init(struct arena *a, size_t block_size);
/* Frees every block; the arena can be initialised again. */
void arena_release(struct arena *a);
/* Frees all blocks but the first and rewinds it: every pointer handed out dies. */
void arena_reset(struct arena *a);
/* n bytes aligned for any type; borrowed until arena_reset(). Aborts on OOM. */
void *arena_alloc(struct arena *a, size_t n);
/* Copy of s[0..n) plus NUL; borrowed until arena_reset(). */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Copy of NUL-terminated s (NULL gives NULL); borrowed until arena_reset(). */
char *arena_strdup(struct arena *a, const char *s);
/* ASCII lower-case copy of s (emails, country codes); NULL gives NULL; borrowed until arena_reset(). */
char *arena_strdup_lower(struct arena *a, const char *s);
/* printf into the arena; borrowed until arena_reset(). */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
