#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keytab.h"

static size_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

void
keytab_init(struct keytab *t)
{
	memset(t, 0, sizeof(*t));
}

void
keytab_free(struct keytab *t, void (*fn)(void *))
{
	struct keytab_ent *e, *next;
	size_t i;

	for (i = 0; i < t->nb; i++) {
		for (e = t->b[i]; e != NULL; e = next) {
			next = e->next;
			if (fn != NULL)
				fn(e->val);
			free(e->val);
			free(e);
		}
	}
	free(t->b);
	memset(t, 0, sizeof(*t));
}

struct keytab_ent *
keytab_get(struct keytab *t, const char *key)
{
	struct keytab_ent *e;

	if (t->nb == 0)
		return NULL;
	for (e = t->b[hash(key) & (t->nb - 1)]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static int
grow(struct keytab *t)
{
	struct keytab_ent **nb, *e, *next;
	size_t n = t->nb ? t->nb * 2 : 64, i, h;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return -1;
	for (i = 0; i < t->nb; i++) {
		for (e = t->b[i]; e != NULL; e = next) {
			next = e->next;
			h = hash(e->key) & (n - 1);
			e->next = nb[h];
			nb[h] = e;
		}
	}
	free(t->b);
	t->b = nb;
	t->nb = n;
	return 0;
}

struct keytab_ent *
keytab_put(struct keytab *t, const char *key, size_t valsz)
{
	struct keytab_ent *e;
	size_t len = strlen(key), h;

	if ((e = keytab_get(t, key)) != NULL)
		return e;
	if (t->n >= t->nb && grow(t) == -1)
		return NULL;
	if ((e = calloc(1, sizeof(*e) + len + 1)) == NULL)
		return NULL;
	if ((e->val = calloc(1, valsz)) == NULL) {
		free(e);
		return NULL;
	}
	memcpy(e->key, key, len + 1);
	h = hash(key) & (t->nb - 1);
	e->next = t->b[h];
	t->b[h] = e;
	t->n++;
	return e;
}

void
keytab_del(struct keytab *t, const char *key)
{
	struct keytab_ent **pp, *e;

	if (t->nb == 0)
		return;
	for (pp = &t->b[hash(key) & (t->nb - 1)]; (e = *pp) != NULL; pp = &e->next) {
		if (strcmp(e->key, key) == 0) {
			*pp = e->next;
			free(e->val);
			free(e);
			t->n--;
			return;
		}
	}
}

void
keytab_each(struct keytab *t, int (*fn)(void *arg, const char *key, void *val),
    void *arg)
{
	struct keytab_ent **pp, *e;
	size_t i;

	for (i = 0; i < t->nb; i++) {
		pp = &t->b[i];
		while ((e = *pp) != NULL) {
			if (fn(arg, e->key, e->val) == 1) {
				*pp = e->next;
				free(e->val);
				free(e);
				t->n--;
			} else
				pp = &e->next;
		}
	}
}

int
keytab_word_write(FILE *f, const char *key)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)key; *p != '\0'; p++) {
		if (*p > 0x20 && *p < 0x7f && *p != '%') {
			if (putc(*p, f) == EOF)
				return -1;
		} else if (putc('%', f) == EOF || putc(hex[*p >> 4], f) == EOF ||
		    putc(hex[*p & 0x0f], f) == EOF)
			return -1;
	}
	return 0;
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ?
	    c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
keytab_word_read(const char **pp, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)*pp;
	size_t n = 0;
	int hi, lo, r = -1;

	for (; *p != '\0' && *p != ' '; p++) {
		if (n + 1 >= outsz || *p <= 0x20 || *p >= 0x7f)
			goto out;
		if (*p == '%') {
			if ((hi = hexval((char)p[1])) == -1 ||
			    (lo = hexval((char)p[2])) == -1 || (hi | lo) == 0)
				goto out;
			out[n++] = (char)(hi << 4 | lo);
			p += 2;
		} else
			out[n++] = (char)*p;
	}
	if (n == 0)
		goto out;
	out[n] = '\0';
	*pp = (const char *)p;
	r = 0;
 out:
	return r;
}

int
keytab_num_read(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0, d;

	if (p[0] != ' ' || p[1] < '0' || p[1] > '9')
		return -1;
	for (p++; *p >= '0' && *p <= '9'; p++) {
		d = (uint64_t)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	*pp = p;
	return 0;
}
