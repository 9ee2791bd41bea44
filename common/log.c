#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int log_stderr;
static int log_debug_on;

void
log_init(const char *ident, int to_stderr, int debug)
{
	log_stderr = to_stderr;
	log_debug_on = debug;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *name[] = { "error", "warning", "info", "debug" };
	char line[1024];
	int n, m;

	if (lvl == LOG_LVL_DEBUG && !log_debug_on)
		return;
	if (!log_stderr) {
		vsyslog(prio[lvl], fmt, ap);
		return;
	}
	/* One write per line: lines from one process never interleave and a
	 * send costs one system call for its audit line, not three. */
	n = snprintf(line, sizeof(line), "otpsmsd: %s: ", name[lvl]);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	if ((size_t)(n + m) > sizeof(line) - 2)
		m = (int)(sizeof(line) - 2) - n;
	line[n + m] = '\n';
	(void)write(STDERR_FILENO, line, (size_t)(n + m + 1));
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}
