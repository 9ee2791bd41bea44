#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
buf_free(struct buf *b)
{
	if (b->d != NULL) {
		if (b->wipe)
			explicit_bzero(b->d, b->cap);
		free(b->d);
	}
	b->d = NULL;
	b->len = b->off = b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	if (b->d != NULL && b->wipe)
		explicit_bzero(b->d, b->cap);
	b->len = b->off = 0;
}

size_t
buf_avail(const struct buf *b)
{
	return b->len - b->off;
}

const uint8_t *
buf_ptr(const struct buf *b)
{
	return b->d + b->off;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	memmove(b->d, b->d + n, b->len - n);
	b->len -= n;
	if (b->wipe)
		explicit_bzero(b->d + b->len, n);
	b->off = b->off > n ? b->off - n : 0;
}

int
buf_reserve(struct buf *b, size_t n, uint8_t **p)
{
	size_t ncap;
	uint8_t *nd;

	if (n > b->max || b->len > b->max - n)
		return BUF_ELIMIT;
	if (b->len + n > b->cap) {
		ncap = b->cap ? b->cap : 64;
		while (ncap < b->len + n)
			ncap *= 2;
		if (ncap > b->max)
			ncap = b->max;
		if ((nd = malloc(ncap)) == NULL)
			return BUF_ENOMEM;
		if (b->d != NULL) {
			memcpy(nd, b->d, b->len);
			if (b->wipe)
				explicit_bzero(b->d, b->cap);
			free(b->d);
		}
		b->d = nd;
		b->cap = ncap;
	}
	*p = b->d + b->len;
	b->len += n;
	return BUF_OK;
}

int
buf_put(struct buf *b, const void *p, size_t n)
{
	uint8_t *dst;
	int r;

	if ((r = buf_reserve(b, n, &dst)) != 0)
		return r;
	if (n > 0)
		memcpy(dst, p, n);
	return BUF_OK;
}

int
buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put(b, &v, 1);
}

int
buf_put_u32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };

	return buf_put(b, x, sizeof(x));
}

int
buf_put_str(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	int r;

	if (n > UINT32_MAX)
		return BUF_ELIMIT;
	if ((r = buf_put_u32(b, (uint32_t)n)) != 0)
		return r;
	return buf_put(b, s, n);
}

int
buf_get(struct buf *b, void *p, size_t n)
{
	if (buf_avail(b) < n)
		return BUF_ESHORT;
	if (n > 0)
		memcpy(p, b->d + b->off, n);
	b->off += n;
	return BUF_OK;
}

int
buf_get_u8(struct buf *b, uint8_t *v)
{
	return buf_get(b, v, 1);
}

int
buf_get_u32(struct buf *b, uint32_t *v)
{
	uint8_t x[4];
	int r;

	if ((r = buf_get(b, x, sizeof(x))) != 0)
		return r;
	*v = (uint32_t)x[0] << 24 | (uint32_t)x[1] << 16 | (uint32_t)x[2] << 8 | x[3];
	return BUF_OK;
}

int
buf_get_str(struct buf *b, char *out, size_t maxlen)
{
	uint32_t n;
	size_t save = b->off;
	int r;

	if ((r = buf_get_u32(b, &n)) != 0)
		return r;
	if (n > maxlen) {
		b->off = save;
		return BUF_ELIMIT;
	}
	if (buf_avail(b) < n) {
		b->off = save;
		return BUF_ESHORT;
	}
	if (memchr(b->d + b->off, '\0', n) != NULL) {
		b->off = save;
		return BUF_EFORMAT;
	}
	memcpy(out, b->d + b->off, n);
	out[n] = '\0';
	b->off += n;
	return BUF_OK;
}

const char *
buf_strerror(int r)
{
	switch (r) {
	case BUF_OK: return "success";
	case BUF_ENOMEM: return "out of memory";
	case BUF_ESHORT: return "message truncated";
	case BUF_ELIMIT: return "field too long";
	case BUF_EFORMAT: return "malformed field";
	default: return "unknown error";
	}
}
