/*
 * buf: a growable byte string (Git's strbuf, reduced). A worker keeps its
 * response buffer across requests and only rewinds it, so building a
 * response does not allocate once the buffer has grown to its working size.
 */
#ifndef BUF_H
#define BUF_H
#include <stddef.h>

struct buf {
	char *data;   /* always NUL-terminated when len > 0 or after buf_init */
	size_t len, cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Empty buffer; no allocation until the first append. */
void buf_init(struct buf *b);
/* Frees the storage; b is empty again and may be reused. */
void buf_release(struct buf *b);
/* len = 0, storage kept. */
void buf_reset(struct buf *b);
/* Makes room for n more bytes. Aborts on OOM. */
void buf_grow(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Decimal integer. */
void buf_addll(struct buf *b, long long v);
#endif
