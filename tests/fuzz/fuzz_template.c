/* libFuzzer: message templates. The input is the template; a template that
 * template_check accepts must render with the longest values it allows
 * (otherwise a login could fail on a long host or user name), and every
 * rendering holds the code. Built by tests/fuzz.am (--enable-fuzzing). */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fill(char *s, size_t n, char c)
{
	memset(s, c, n);
	s[n] = '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char host[256], user[PROTO_MAX_USER + 1], service[PROTO_MAX_SERVICE + 1];
	struct template_vars tv;
	char *tpl, out[TEMPLATE_MAX], err[256];
	unsigned small;
	int ok;

	if (size > 4 * TEMPLATE_MAX)
		return 0;
	/* An exact-size copy: ASan sees a read past the terminator. */
	if ((tpl = malloc(size + 1)) == NULL)
		return 0;
	memcpy(tpl, data, size);
	tpl[size] = '\0';
	err[0] = '\0';
	ok = template_check(tpl, err, sizeof(err)) == 0;
	if (!ok && (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL))
		abort();

	/* Worst case: the longest value of each placeholder. */
	fill(host, sizeof(host) - 1, 'h');
	fill(user, sizeof(user) - 1, 'u');
	fill(service, sizeof(service) - 1, 's');
	tv.code = "1234567890";
	tv.host = host;
	tv.user = user;
	tv.service = service;
	tv.ttl_s = 4294967295U;
	if (template_render(out, sizeof(out), tpl, &tv) == 0) {
		if (strlen(out) >= sizeof(out))
			abort();
	} else if (ok)
		abort();    /* checked, yet too long for the longest values */
	if (ok && strstr(out, tv.code) == NULL)
		abort();

	/* Short values: a checked template renders, and holds the code. */
	small = size ? data[0] : 0;
	tv.code = "042917";
	tv.host = "h";
	tv.user = "u";
	tv.service = "sshd";
	tv.ttl_s = small * 7;
	if (template_render(out, sizeof(out), tpl, &tv) == 0) {
		if (ok && strstr(out, "042917") == NULL)
			abort();
	} else if (ok)
		abort();
	/* Too small an output buffer fails cleanly, never overflows. */
	(void)template_render(out, small % 16, tpl, &tv);
	explicit_bzero(out, sizeof(out));
	free(tpl);
	return 0;
}
