/* The module's messages in the user's language: the text domain pam_otpsms
 * (po/), bound to configure's localedir at first use, the way Linux-PAM's
 * own modules translate theirs (pam_i18n.h). glibc has gettext built in. */
#ifndef OTPSMS_PAM_I18N_H
#define OTPSMS_PAM_I18N_H

#define OTPSMS_TEXTDOMAIN "pam_otpsms"

/* The translation of msgid in the application's LC_MESSAGES (and LANGUAGE),
 * or msgid itself. Never NULL; the result is not to be freed. */
const char *otpsms_gettext(const char *msgid) __attribute__((format_arg(1)));

#define _(s) otpsms_gettext(s)
#define N_(s) (s)    /* marks a string for xgettext; translated where used */

#endif
