/* Minimal TAP producer for C unit tests (automake's tap-driver.sh reads it). */
#ifndef OTPSMS_TAP_H
#define OTPSMS_TAP_H

#include <stdio.h>
#include <stdarg.h>

static int tap_n, tap_failed;

static inline int __attribute__((format(printf, 4, 5)))
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(a, b, ...) do { long long _a = (a), _b = (b); \
	if (!ok(_a == _b, __VA_ARGS__)) printf("#   got %lld, want %lld\n", _a, _b); } while (0)
#define is_str(a, b, ...) do { const char *_a = (a), *_b = (b); \
	if (!ok(_a && _b && strcmp(_a, _b) == 0, __VA_ARGS__)) \
		printf("#   got \"%s\", want \"%s\"\n", _a ? _a : "(null)", _b ? _b : "(null)"); } while (0)

static inline int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
