/* storemem: what a pending code costs in otpsmsd's memory. Fills the daemon's
 * own store (helper/store/store_memory.c, linked as the daemon links it) with N
 * challenges made the way the daemon makes them (random id, CSPRNG code,
 * HMAC), one per distinct user, the worst case for the owner index, and
 * reports the growth of this process's resident set divided by N. Then
 * times an expiry sweep of all of them through the heap.
 *
 *   storemem [-n PENDING]
 * prints: pending=N rss_growth=BYTES bytes_per_pending=B put_us=P expire_ms=E */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "code.h"
#include "store.h"

static int put_ok;

static void
on_put(void *arg, int ok)
{
	put_ok = ok;
}

static long
rss_bytes(void)
{
	long size = 0, res = 0;
	FILE *f;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res < 0 ? -1 : res * sysconf(_SC_PAGESIZE);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct store *s;
	struct challenge c;
	char code[16];
	long before, after;
	double t0, tput, texp;
	size_t i, n = 1000000, expired;
	int ch;

	while ((ch = getopt(argc, argv, "n:")) != -1) {
		if (ch != 'n') {
			fprintf(stderr, "usage: storemem [-n PENDING]\n");
			return 2;
		}
		n = strtoul(optarg, NULL, 10);
	}
	if (code_init() != 0 || (s = store_memory_new(n)) == NULL)
		return 1;
	before = rss_bytes();
	t0 = now_s();
	for (i = 0; i < n; i++) {
		memset(&c, 0, sizeof(c));
		if (code_random_id(c.id) != 0 || code_generate(code, sizeof(code), 6) != 0)
			return 1;
		snprintf(c.user, sizeof(c.user), "user%07zu", i);
		snprintf(c.service, sizeof(c.service), "sshd");
		c.uid = 0;
		code_mac(c.id, c.user, c.uid, code, c.mac);
		c.created_ms = 1000 + i / 20;        /* 20,000 a second */
		c.expires_ms = c.created_ms + 300000;
		c.attempts_left = 3;
		s->ops->put(s, &c, on_put, NULL);
		if (!put_ok) {
			fprintf(stderr, "storemem: put %zu refused\n", i);
			return 1;
		}
	}
	tput = now_s() - t0;
	after = rss_bytes();
	if (s->ops->count(s) != n)
		return 1;
	t0 = now_s();
	expired = s->ops->expire(s, UINT64_MAX / 2);
	texp = now_s() - t0;
	printf("pending=%zu rss_growth=%ld bytes_per_pending=%.1f put_us=%.2f expire_ms=%.1f\n",
	    n, after - before, (double)(after - before) / (double)n, tput * 1e6 / (double)n,
	    texp * 1e3);
	s->ops->free(s);
	code_cleanup();
	return expired == n ? 0 : 1;
}
