/* What the user sees and types: the prompt, and what an answer means (a
 * code, a resend, a fallback channel, or nothing usable). Pure functions, so
 * the unit tests drive them directly. */
#ifndef OTPSMS_PAM_ANSWER_H
#define OTPSMS_PAM_ANSWER_H

#include <stddef.h>

enum answer_kind {
	ANS_CODE,       /* digits: send them to the daemon */
	ANS_RESEND,     /* "" or "r": the pending code again by SMS */
	ANS_VOICE,      /* "v": by a voice call */
	ANS_WHATSAPP,   /* "w": by WhatsApp */
	ANS_NEXT,       /* "n": a new code to the user's next number */
	ANS_NOTCODE,    /* anything else: refused without asking the daemon */
	ANS_BACKUP,     /* a backup code: NNNNN-NNNNN, or 10 digits when the
	                 * SMS code has fewer */
};

enum prompt_state {
	PS_SENT,        /* "Code sent to ..." */
	PS_EARLIER,     /* "Code sent earlier to ..." (pending code reused) */
	PS_AGAIN,       /* "Code sent again to ..." (after a resend) */
};

/* Classifies an answer. For ANS_CODE the code (1..32 digits, surrounding
 * white space removed) is written to code. With forward_pass the answer is
 * a password followed by exactly `digits` digits: the password goes to pass
 * (may be empty). code and pass hold secrets: the caller wipes them. */
enum answer_kind answer_parse(const char *a, int forward_pass, unsigned digits,
    char *code, size_t codesz, char *pass, size_t passsz);

/* The answer to "Backup code: " (no SMS code pending): ANS_BACKUP with the
 * code (10 digits, a dash allowed) in code, else ANS_NOTCODE. With
 * forward_pass, the password followed by the code. */
enum answer_kind answer_parse_backup(const char *a, int forward_pass,
    char *code, size_t codesz, char *pass, size_t passsz);

/* The prompt: "Code sent to MASKED (Enter: resend, v: voice call, w:
 * WhatsApp, n: next number). Verification code: ". The hint lists what
 * channels (PROTO_CH_*) allow, and "n" when more (the user has another
 * number), and only when hint is set; tail replaces "Verification code: "
 * when not empty. */
void answer_prompt(char *out, size_t outsz, enum prompt_state st,
    const char *masked, unsigned channels, int more, int hint,
    int forward_pass, const char *tail);

/* The masked number is shown on the user's terminal: keep printable ASCII and
 * the bullet, so not even a trusted daemon can send terminal escapes. */
void answer_display_safe(char *out, size_t outsz, const char *in);

#endif
