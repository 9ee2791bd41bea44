/* pamauth: times whole logins through real libpam (pam_start_confdir, the
 * stack in CONFDIR/SERVICE): pam_start, pam_authenticate with the prompt
 * answered, pam_end. For pam_otpsms the answer is the code the file carrier
 * just wrote; for pam_oath it is the HOTP value for the next counter.
 *
 *   pamauth -d CONFDIR -s SERVICE -u USER -n LOGINS [-o OUTBOX | -k HEXKEY]
 *
 * Neither -o nor -k: a stack that asks nothing (pam_permit, libpam's own
 * cost, which the other figures are read against); a prompt then fails.
 *
 * Every login must succeed (exit 1 otherwise). Prints one line:
 *   logins=N median_ms=M p10_ms=A p90_ms=B min_ms=C max_ms=D */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <security/pam_appl.h>

#include "outbox.h"

#define MAX_LOGINS 10000

static const char *outbox;
static uint8_t hkey[64];
static size_t hkeylen;
static uint64_t counter;

/* RFC 4226 HOTP, 6 digits. */
static int
hotp(char *out, size_t outsz, uint64_t c)
{
	uint8_t msg[8], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, o, i;
	uint32_t v;

	for (i = 0; i < 8; i++)
		msg[i] = (uint8_t)(c >> (56 - 8 * i));
	if (HMAC(EVP_sha1(), hkey, (int)hkeylen, msg, sizeof(msg), md, &mdlen) == NULL)
		return -1;
	o = md[mdlen - 1] & 0x0f;
	v = ((uint32_t)(md[o] & 0x7f) << 24) | ((uint32_t)md[o + 1] << 16) |
	    ((uint32_t)md[o + 2] << 8) | md[o + 3];
	snprintf(out, outsz, "%06u", v % 1000000);
	return 0;
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r;
	char code[32];
	int i;

	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		if ((outbox == NULL && hkeylen == 0) ||
		    (outbox != NULL ? outbox_last_code(outbox, code, sizeof(code)) :
		    hotp(code, sizeof(code), counter)) == -1 ||
		    (r[i].resp = strdup(code)) == NULL)
			goto fail;
	}
	*resp = r;
	return PAM_SUCCESS;
 fail:
	for (i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
	return PAM_CONV_ERR;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static double t[MAX_LOGINS];
	struct pam_conv pc = { conv, NULL };
	const char *confdir = NULL, *service = NULL, *user = NULL, *hex = NULL;
	pam_handle_t *ph;
	double t0;
	unsigned v;
	int ch, i, n = 50, r;

	while ((ch = getopt(argc, argv, "d:s:u:n:o:k:")) != -1) {
		switch (ch) {
		case 'd': confdir = optarg; break;
		case 's': service = optarg; break;
		case 'u': user = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'o': outbox = optarg; break;
		case 'k': hex = optarg; break;
		default: goto usage;
		}
	}
	if (confdir == NULL || service == NULL || user == NULL || n < 1 ||
	    n > MAX_LOGINS || (outbox != NULL && hex != NULL))
		goto usage;
	if (hex != NULL) {
		for (; hex[0] && hex[1] && hkeylen < sizeof(hkey); hex += 2) {
			if (sscanf(hex, "%2x", &v) != 1)
				goto usage;
			hkey[hkeylen++] = (uint8_t)v;
		}
	}
	for (i = 0; i < n; i++) {
		t0 = now_ms();
		if ((r = pam_start_confdir(service, user, &pc, confdir, &ph)) != PAM_SUCCESS) {
			fprintf(stderr, "pamauth: pam_start_confdir: %d\n", r);
			return 1;
		}
		r = pam_authenticate(ph, 0);
		pam_end(ph, r);
		t[i] = now_ms() - t0;
		if (r != PAM_SUCCESS) {
			fprintf(stderr, "pamauth: login %d of %s: %s\n", i + 1, service,
			    pam_strerror(NULL, r));
			return 1;
		}
		counter++;
	}
	qsort(t, (size_t)n, sizeof(t[0]), cmp);
	printf("logins=%d median_ms=%.3f p10_ms=%.3f p90_ms=%.3f min_ms=%.3f max_ms=%.3f\n",
	    n, n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2, t[n / 10],
	    t[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1], t[0], t[n - 1]);
	return 0;
 usage:
	fprintf(stderr, "usage: pamauth -d CONFDIR -s SERVICE -u USER -n LOGINS "
	    "[-o OUTBOX | -k HEXKEY]\n");
	return 2;
}
