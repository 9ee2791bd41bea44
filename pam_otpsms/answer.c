/* Prompts and answers. Nothing here talks to PAM or the daemon. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "answer.h"
#include "i18n.h"
#include "proto.h"

#define BULLET "\xe2\x80\xa2"   /* U+2022, what mask_number() writes */

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
all_digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/* p[0..n) is a backup code: 10 digits, or NNNNN-NNNNN. */
static int
is_backup(const char *p, size_t n)
{
	if (n == 10)
		return all_digits(p, 10);
	return n == 11 && p[5] == '-' && all_digits(p, 5) &&
	    all_digits(p + 6, 5);
}

enum answer_kind
answer_parse_backup(const char *a, int forward_pass, char *code,
    size_t codesz, char *pass, size_t passsz)
{
	size_t start = 0, end = strlen(a), n;

	code[0] = '\0';
	if (passsz > 0)
		pass[0] = '\0';
	while (end > start && is_space(a[end - 1]))
		end--;
	if (!forward_pass)
		while (start < end && is_space(a[start]))
			start++;
	/* forward_pass: the password, then the code with its dash. */
	n = forward_pass ? 11 : end - start;
	if (end - start < n || n >= codesz || !is_backup(a + end - n, n))
		return ANS_NOTCODE;
	if (forward_pass) {
		if (end - n - start >= passsz)
			return ANS_NOTCODE;
		memcpy(pass, a + start, end - n - start);
		pass[end - n - start] = '\0';
	}
	memcpy(code, a + end - n, n);
	code[n] = '\0';
	return ANS_BACKUP;
}

enum answer_kind
answer_parse(const char *a, int forward_pass, unsigned digits,
    char *code, size_t codesz, char *pass, size_t passsz)
{
	size_t start = 0, end = strlen(a), plen;

	code[0] = '\0';
	if (passsz > 0)
		pass[0] = '\0';
	while (start < end && is_space(a[start]))
		start++;
	while (end > start && is_space(a[end - 1]))
		end--;
	/* Commands: a whole answer of one letter, or nothing. */
	if (end == start)
		return ANS_RESEND;
	if (end - start == 1) {
		switch (a[start]) {
		case 'r': case 'R': return ANS_RESEND;
		case 'v': case 'V': return ANS_VOICE;
		case 'w': case 'W': return ANS_WHATSAPP;
		case 'n': case 'N': return ANS_NEXT;
		}
	}
	if (forward_pass) {
		/* The password is kept as typed (spaces included); only the
		 * line end after the code is dropped. */
		end = strlen(a);
		while (end > 0 && (a[end - 1] == '\r' || a[end - 1] == '\n'))
			end--;
		if (digits == 0 || end < digits || digits >= codesz ||
		    !all_digits(a + end - digits, digits))
			return ANS_NOTCODE;
		plen = end - digits;
		if (plen >= passsz)
			return ANS_NOTCODE;
		memcpy(pass, a, plen);
		pass[plen] = '\0';
		memcpy(code, a + plen, digits);
		code[digits] = '\0';
		return ANS_CODE;
	}
	/* A dash, or 10 digits where the SMS code is shorter: a backup code. */
	if ((memchr(a + start, '-', end - start) != NULL ||
	    (end - start == 10 && digits < 10)) && end - start < codesz &&
	    is_backup(a + start, end - start)) {
		memcpy(code, a + start, end - start);
		code[end - start] = '\0';
		return ANS_BACKUP;
	}
	if (end - start > PROTO_MAX_CODE || end - start >= codesz ||
	    !all_digits(a + start, end - start))
		return ANS_NOTCODE;
	memcpy(code, a + start, end - start);
	code[end - start] = '\0';
	return ANS_CODE;
}

void
answer_prompt(char *out, size_t outsz, enum prompt_state st,
    const char *masked, unsigned channels, int more, int hint,
    int forward_pass, const char *tail)
{
	char h[256] = "";

	/* The keys (Enter, v, w, n) are what answer_parse reads: translations
	 * keep them and translate what they do. */
	channels &= PROTO_CH_SMS | PROTO_CH_VOICE | PROTO_CH_WHATSAPP;
	if (hint && (channels || more)) {
		snprintf(h, sizeof(h), " (%s%s%s%s%s%s%s)",
		    (channels & PROTO_CH_SMS) ? _("Enter: resend") : "",
		    (channels & PROTO_CH_SMS) && (channels & PROTO_CH_VOICE) ?
		    ", " : "",
		    (channels & PROTO_CH_VOICE) ? _("v: voice call") : "",
		    (channels & (PROTO_CH_SMS | PROTO_CH_VOICE)) &&
		    (channels & PROTO_CH_WHATSAPP) ? ", " : "",
		    (channels & PROTO_CH_WHATSAPP) ? _("w: WhatsApp") : "",
		    channels && more ? ", " : "",
		    more ? _("n: next number") : "");
	}
	/* TRANSLATORS: the number (masked), the key hints in parentheses or
	 * nothing, then the question ("Verification code: "). */
	snprintf(out, outsz, st == PS_EARLIER ? _("Code sent earlier to %s%s. %s") :
	    st == PS_AGAIN ? _("Code sent again to %s%s. %s") :
	    _("Code sent to %s%s. %s"),
	    masked[0] != '\0' ? masked : _("your phone"), h,
	    tail != NULL && tail[0] != '\0' ? tail : forward_pass ?
	    _("Password followed by the code: ") : _("Verification code: "));
}

void
answer_display_safe(char *out, size_t outsz, const char *in)
{
	size_t i = 0, o = 0, bl = strlen(BULLET);

	if (outsz == 0)
		return;
	while (in[i] != '\0' && o + 1 < outsz) {
		if (strncmp(in + i, BULLET, bl) == 0) {
			if (o + bl >= outsz)
				break;
			memcpy(out + o, BULLET, bl);
			o += bl;
			i += bl;
			continue;
		}
		out[o++] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
		i++;
	}
	out[o] = '\0';
}
