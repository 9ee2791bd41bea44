/* Bounded byte buffers with checked getters, in the style of OpenSSH's sshbuf.
 * Every getter returns 0 or a negative BUF_E* error and never reads past the end. */
#ifndef OTPSMS_BUF_H
#define OTPSMS_BUF_H

#include <stddef.h>
#include <stdint.h>

#define BUF_OK 0
#define BUF_ENOMEM (-1)
#define BUF_ESHORT (-2)   /* not enough bytes */
#define BUF_ELIMIT (-3)   /* would exceed the buffer's cap */
#define BUF_EFORMAT (-4)  /* embedded NUL, bad length */

struct buf {
	uint8_t *d;
	size_t len;  /* bytes written */
	size_t off;  /* read cursor */
	size_t cap;  /* allocated */
	size_t max;  /* hard limit on len */
	int wipe;    /* cleanse on reset/free: may hold secrets */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Bytes not yet read. */
size_t buf_avail(const struct buf *b);
const uint8_t *buf_ptr(const struct buf *b);
/* Discard n read bytes from the front (after a frame was consumed). */
void buf_consume(struct buf *b, size_t n);
int buf_reserve(struct buf *b, size_t n, uint8_t **p);

int buf_put(struct buf *b, const void *p, size_t n);
int buf_put_u8(struct buf *b, uint8_t v);
int buf_put_u32(struct buf *b, uint32_t v);
/* u32 length + bytes, no NUL on the wire. */
int buf_put_str(struct buf *b, const char *s);

int buf_get(struct buf *b, void *p, size_t n);
int buf_get_u8(struct buf *b, uint8_t *v);
int buf_get_u32(struct buf *b, uint32_t *v);
/* Copies a string of at most maxlen bytes into out (size maxlen+1), NUL-terminated.
 * Refuses embedded NULs and longer strings. */
int buf_get_str(struct buf *b, char *out, size_t maxlen);

const char *buf_strerror(int r);

#endif
