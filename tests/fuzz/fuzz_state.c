/* libFuzzer: the lines of the persisted limit and lockout state
 * (STATE_DIR/state), which the daemon reads back at start. The checksum
 * makes an edited file corrupt, but the lines are parsed as untrusted
 * anyway: whatever loads must dump, and a dump must load back to the same
 * dump (the state survives any number of restarts unchanged). Names are
 * spelt %XX beyond printable ASCII, so any name round-trips. Built by
 * tests/fuzz.am (--enable-fuzzing). */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockout.h"
#include "ratelimit.h"

#define NOW 1700000000000ULL
#define LINE_CAP 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The dump of l and lo, its lines sorted (table order is not part of it). */
static char *
dump(struct limits *l, struct lockout *lo)
{
	char *buf = NULL, *lines[4096], *p, *out;
	size_t len = 0, n = 0, i, o = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	if (limits_dump(l, f, NOW) != 0 || lockout_dump(lo, f, NOW) != 0)
		abort();
	fclose(f);
	for (p = strtok(buf, "\n"); p != NULL && n < 4096; p = strtok(NULL, "\n"))
		lines[n++] = p;
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	if ((out = malloc(len + 1)) == NULL)
		abort();
	for (i = 0; i < n; i++)
		o += (size_t)sprintf(out + o, "%s\n", lines[i]);
	out[o] = '\0';
	free(buf);
	return out;
}

static void
load(struct limits *l, struct lockout *lo, const char *text)
{
	const char *p = text, *nl;
	char line[LINE_CAP + 1];
	size_t n;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (n <= LINE_CAP) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (limits_load_line(l, line, NOW) != 0)
				(void)lockout_load_line(lo, line, NOW);
		}
		p = nl ? nl + 1 : p + n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct limits_conf lc;
	struct lockout_conf oc;
	struct limits *l1, *l2;
	struct lockout *o1, *o2;
	char *text, *d1, *d2;

	if (size > 64 * 1024)
		return 0;
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	limits_conf_default(&lc);
	lockout_conf_default(&oc);
	l1 = limits_new(&lc);
	l2 = limits_new(&lc);
	o1 = lockout_new(&oc);
	o2 = lockout_new(&oc);
	if (l1 == NULL || l2 == NULL || o1 == NULL || o2 == NULL)
		abort();
	load(l1, o1, text);
	d1 = dump(l1, o1);
	load(l2, o2, d1);
	d2 = dump(l2, o2);
	if (strcmp(d1, d2) != 0) {
		fprintf(stderr, "first dump:\n%ssecond dump:\n%s", d1, d2);
		abort();
	}
	free(d1);
	free(d2);
	limits_free(l1);
	limits_free(l2);
	lockout_free(o1);
	lockout_free(o2);
	free(text);
	return 0;
}
