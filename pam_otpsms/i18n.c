/* gettext for the module, in its own text domain. */
#include <config.h>

#include <pthread.h>
#include <string.h>

#ifdef ENABLE_NLS
#include <libintl.h>
#endif

#include "i18n.h"

#ifdef ENABLE_NLS
static pthread_once_t bound = PTHREAD_ONCE_INIT;

/* Binds the domain to configure's localedir, unless the application already
 * bound it somewhere else (tests point it at the build tree): a module does
 * not move what its host chose. Unbound, a domain answers libc's default
 * directory, which a domain nobody binds shows. */
static void
bind_domain(void)
{
	const char *cur = bindtextdomain(OTPSMS_TEXTDOMAIN, NULL);
	const char *dflt = bindtextdomain(OTPSMS_TEXTDOMAIN "-unbound", NULL);

	if (cur == NULL || dflt == NULL || strcmp(cur, dflt) == 0)
		(void)bindtextdomain(OTPSMS_TEXTDOMAIN, LOCALEDIR);
}

const char *
otpsms_gettext(const char *msgid)
{
	(void)pthread_once(&bound, bind_domain);
	return dgettext(OTPSMS_TEXTDOMAIN, msgid);
}
#else
const char *
otpsms_gettext(const char *msgid)
{
	return msgid;
}
#endif
