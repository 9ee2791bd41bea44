/* The --wrap shims behind failinject.h. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "failinject.h"

void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
void *__real_reallocarray(void *, size_t, size_t);
char *__real_strdup(const char *);
char *__real_strndup(const char *, size_t);
ssize_t __real_read(int, void *, size_t);
ssize_t __real_write(int, const void *, size_t);

void *__wrap_malloc(size_t);
void *__wrap_calloc(size_t, size_t);
void *__wrap_realloc(void *, size_t);
void *__wrap_reallocarray(void *, size_t, size_t);
char *__wrap_strdup(const char *);
char *__wrap_strndup(const char *, size_t);
ssize_t __wrap_read(int, void *, size_t);
ssize_t __wrap_write(int, const void *, size_t);

static unsigned armed;
static unsigned long target, calls;
static int fired;

void
fi_arm(unsigned kinds, unsigned long nth)
{
	armed = kinds;
	target = nth;
	calls = 0;
	fired = 0;
}

void
fi_off(void)
{
	armed = 0;
}

unsigned long
fi_calls(void)
{
	return calls;
}

int
fi_fired(void)
{
	return fired;
}

static int
fail(unsigned kind)
{
	if (!(armed & kind))
		return 0;
	if (++calls != target)
		return 0;
	fired = 1;
	return 1;
}

void *
__wrap_malloc(size_t n)
{
	if (fail(FI_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t sz)
{
	if (fail(FI_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, sz);
}

void *
__wrap_realloc(void *p, size_t n)
{
	if (fail(FI_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_realloc(p, n);
}

void *
__wrap_reallocarray(void *p, size_t n, size_t sz)
{
	if (fail(FI_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_reallocarray(p, n, sz);
}

char *
__wrap_strdup(const char *s)
{
	if (fail(FI_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strdup(s);
}

char *
__wrap_strndup(const char *s, size_t n)
{
	if (fail(FI_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strndup(s, n);
}

ssize_t
__wrap_read(int fd, void *p, size_t n)
{
	if (fail(FI_IO)) {
		errno = EIO;
		return -1;
	}
	return __real_read(fd, p, n);
}

ssize_t
__wrap_write(int fd, const void *p, size_t n)
{
	if (fail(FI_IO)) {
		errno = EIO;
		return -1;
	}
	return __real_write(fd, p, n);
}
