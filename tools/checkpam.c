/* otpsmsctl check-pam: the PAM file parser and the stack walk (checkpam.h).
 *
 * Parsing follows Linux-PAM's own (libpam/pam_handlers.c): '#' to the end of
 * the line is a comment, a backslash before the line end joins the next
 * line, fields are separated by blanks, "[...]" is one field (the control,
 * or a module argument, with "\]" for ']'), a '-' before the type only
 * silences a missing module, types and controls are case-insensitive.
 * "@include FILE", "auth include FILE" and "auth substack FILE" are followed
 * (a substack is read as an include: close enough for where the module
 * sits). Only auth lines are kept.
 *
 * The walk: every auth module may succeed or fail (pam_permit only succeeds,
 * pam_deny only fails, modules that check nothing never fail), pam_otpsms
 * may also return PAM_IGNORE when it has exemptions; each path runs libpam's
 * rules (_pam_dispatch_aux: ok, done, bad, die, ignore, reset, jumps) to the
 * stack's verdict, and a path that shows a problem warns at the line that
 * causes it. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpam.h"
#include "options.h"

/* Return values modelled (others go to default= like any unlisted one). */
enum cp_val { V_SUCCESS, V_IGNORE, V_AUTH_ERR, V_USER_UNKNOWN,
	V_AUTHINFO_UNAVAIL, V_MAXTRIES, V_NEW_AUTHTOK_REQD, V_N };
enum cp_act { A_IGNORE, A_OK, A_DONE, A_BAD, A_DIE, A_RESET, A_JUMP };
/* What a module may return. */
enum cp_kind { K_FACTOR, K_GATE, K_QUIET, K_PERMIT, K_DENY, K_OTPSMS };

struct cp_entry {
	unsigned file;          /* index into names */
	unsigned line;
	enum cp_kind kind;
	unsigned char act[V_N];
	unsigned jump[V_N];
	int may_ignore;         /* pam_otpsms with an exemption */
};

struct cp_warned {
	unsigned file, line;
	const char *kind;
};

struct cp {
	const struct cp_opts *o;
	char names[CP_FILES_MAX][CP_PATH_MAX];
	unsigned nnames;
	struct cp_entry e[CP_ENTRIES_MAX];
	size_t n;
	struct cp_warned warned[64];
	size_t nwarned;
	unsigned long steps;
	int status;             /* CP_CLEAN, CP_WARN, CP_ERROR */
};

/* Printable ASCII only, truncated: names and text come from the files. */
static void
cp_safe(char *out, size_t outsz, const char *in)
{
	size_t i;

	for (i = 0; i + 1 < outsz && in[i] != '\0'; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
}

static void
cp_error(struct cp *c, unsigned file, unsigned line, const char *msg)
{
	char f[CP_PATH_MAX];

	cp_safe(f, sizeof(f), c->names[file]);
	c->o->emit(c->o->emit_arg, f, line, "error", NULL, msg);
	c->status = CP_ERROR;
}

/* One warning per line and kind, however many paths show it. */
static void
cp_warn(struct cp *c, const struct cp_entry *e, const char *kind,
    const char *msg)
{
	char f[CP_PATH_MAX];
	size_t i;

	for (i = 0; i < c->nwarned; i++)
		if (c->warned[i].file == e->file &&
		    c->warned[i].line == e->line && c->warned[i].kind == kind)
			return;
	if (c->nwarned < sizeof(c->warned) / sizeof(c->warned[0]))
		c->warned[c->nwarned++] = (struct cp_warned){ e->file, e->line,
		    kind };
	cp_safe(f, sizeof(f), c->names[e->file]);
	c->o->emit(c->o->emit_arg, f, e->line, "warning", kind, msg);
	if (c->status == CP_CLEAN)
		c->status = CP_WARN;
}

/* Splits a logical line into fields, in place: blanks separate, "[...]" is
 * one field without its brackets ("\]" inside is ']'). -1 for an unclosed
 * bracket or too many fields. */
static int
cp_fields(char *s, char **f, int max)
{
	char *w;
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' ||
		    *s == '\v' || *s == '\f')
			s++;
		if (*s == '\0')
			break;
		if (n == max)
			return -1;
		if (*s == '[') {
			f[n++] = w = ++s;
			for (;;) {
				if (*s == '\0')
					return -1;
				if (*s == '\\' && s[1] == ']') {
					*w++ = ']';
					s += 2;
					continue;
				}
				if (*s == ']')
					break;
				*w++ = *s++;
			}
			s++;
			*w = '\0';
			continue;
		}
		f[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r' &&
		    *s != '\n' && *s != '\v' && *s != '\f')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
	return n;
}

static const struct {
	const char *name;
	int val;                /* enum cp_val, or -1: parsed, not modelled */
} cp_values[] = {
	{ "success", V_SUCCESS }, { "ignore", V_IGNORE },
	{ "auth_err", V_AUTH_ERR }, { "user_unknown", V_USER_UNKNOWN },
	{ "authinfo_unavail", V_AUTHINFO_UNAVAIL }, { "maxtries", V_MAXTRIES },
	{ "new_authtok_reqd", V_NEW_AUTHTOK_REQD },
	{ "open_err", -1 }, { "symbol_err", -1 }, { "service_err", -1 },
	{ "system_err", -1 }, { "buf_err", -1 }, { "perm_denied", -1 },
	{ "cred_insufficient", -1 }, { "acct_expired", -1 },
	{ "session_err", -1 }, { "cred_unavail", -1 }, { "cred_expired", -1 },
	{ "cred_err", -1 }, { "no_module_data", -1 }, { "conv_err", -1 },
	{ "authtok_err", -1 }, { "authtok_recover_err", -1 },
	{ "authtok_lock_busy", -1 }, { "authtok_disable_aging", -1 },
	{ "try_again", -1 }, { "abort", -1 }, { "authtok_expired", -1 },
	{ "module_unknown", -1 }, { "bad_item", -1 }, { "conv_again", -1 },
	{ "incomplete", -1 },
};

/* "ok", "done", ..., or a jump of 1 to 99 lines. -1 if none of them. */
static int
cp_action(const char *s, unsigned *jump)
{
	static const char *names[] = { "ignore", "ok", "done", "bad", "die",
	    "reset" };
	size_t i;

	*jump = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	if (s[0] < '1' || s[0] > '9' || (s[1] != '\0' && (s[1] < '0' ||
	    s[1] > '9' || s[2] != '\0')))
		return -1;
	*jump = (unsigned)(s[0] - '0');
	if (s[1] != '\0')
		*jump = *jump * 10 + (unsigned)(s[1] - '0');
	return A_JUMP;
}

/* The control field into e->act/e->jump; 0, or -1 if it cannot be read. */
static int
cp_control(const char *ctl, int bracket, struct cp_entry *e)
{
	char buf[CP_LINE_MAX], *f[64], *eq;
	int dflt = -1, set[V_N], a, n, i, v;
	unsigned j, dj = 0;
	size_t k;

	memset(set, 0, sizeof(set));
	if (!bracket) {
		/* The keywords, as Linux-PAM spells them out. */
		if (strcasecmp(ctl, "required") == 0)
			dflt = A_BAD;
		else if (strcasecmp(ctl, "requisite") == 0)
			dflt = A_DIE;
		else if (strcasecmp(ctl, "sufficient") == 0 ||
		    strcasecmp(ctl, "optional") == 0)
			dflt = A_IGNORE;
		else
			return -1;
		for (v = 0; v < V_N; v++) {
			e->act[v] = (unsigned char)dflt;
			e->jump[v] = 0;
		}
		e->act[V_SUCCESS] = e->act[V_NEW_AUTHTOK_REQD] =
		    strcasecmp(ctl, "sufficient") == 0 ? A_DONE : A_OK;
		if (dflt != A_IGNORE)
			e->act[V_IGNORE] = A_IGNORE;
		return 0;
	}
	if (strlen(ctl) >= sizeof(buf))
		return -1;
	memcpy(buf, ctl, strlen(ctl) + 1);
	if ((n = cp_fields(buf, f, 64)) <= 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((eq = strchr(f[i], '=')) == NULL)
			return -1;
		*eq++ = '\0';
		if ((a = cp_action(eq, &j)) < 0)
			return -1;
		if (strcasecmp(f[i], "default") == 0) {
			dflt = a;
			dj = j;
			continue;
		}
		for (k = 0; k < sizeof(cp_values) / sizeof(cp_values[0]); k++)
			if (strcasecmp(f[i], cp_values[k].name) == 0)
				break;
		if (k == sizeof(cp_values) / sizeof(cp_values[0]))
			return -1;
		if ((v = cp_values[k].val) >= 0) {
			e->act[v] = (unsigned char)a;
			e->jump[v] = j;
			set[v] = 1;
		}
	}
	/* Values not named take default=, or "bad" without one. */
	for (v = 0; v < V_N; v++) {
		if (set[v])
			continue;
		e->act[v] = (unsigned char)(dflt >= 0 ? dflt : A_BAD);
		e->jump[v] = dflt >= 0 ? dj : 0;
	}
	return 0;
}

/* The module's kind from its path's last component, ".so" dropped. */
static enum cp_kind
cp_module_kind(const char *path)
{
	static const char *quiet[] = { "pam_env", "pam_faildelay", "pam_warn",
	    "pam_echo", "pam_cap", "pam_gnome_keyring", "pam_keyinit",
	    "pam_mail", "pam_motd", "pam_lastlog", "pam_limits", "pam_umask",
	    "pam_systemd", "pam_loginuid", "pam_kwallet5", "pam_mount",
	    "pam_group" };
	static const char *gate[] = { "pam_nologin", "pam_succeed_if",
	    "pam_listfile", "pam_access", "pam_time", "pam_securetty",
	    "pam_shells", "pam_faillock", "pam_tally2", "pam_rootok",
	    "pam_wheel" };
	const char *b = strrchr(path, '/');
	char name[64];
	size_t n, i;

	b = b != NULL ? b + 1 : path;
	n = strlen(b);
	if (n > 3 && strcmp(b + n - 3, ".so") == 0)
		n -= 3;
	if (n >= sizeof(name))
		return K_FACTOR;
	memcpy(name, b, n);
	name[n] = '\0';
	if (strcmp(name, "pam_otpsms") == 0)
		return K_OTPSMS;
	if (strcmp(name, "pam_permit") == 0)
		return K_PERMIT;
	if (strcmp(name, "pam_deny") == 0)
		return K_DENY;
	for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		if (strcmp(name, quiet[i]) == 0)
			return K_QUIET;
	for (i = 0; i < sizeof(gate) / sizeof(gate[0]); i++)
		if (strcmp(name, gate[i]) == 0)
			return K_GATE;
	return K_FACTOR;
}

/* Is name one of the comma-separated list? */
static int
cp_in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list, *q;

	for (;;) {
		q = strchr(p, ',');
		if ((size_t)(q != NULL ? q - p : (ptrdiff_t)strlen(p)) == n &&
		    strncmp(p, name, n) == 0)
			return 1;
		if (q == NULL)
			return 0;
		p = q + 1;
	}
}

/* pam_otpsms's arguments: the module's own option parser says whether it
 * would start at all; then what exempts whom. */
static void
cp_module_args(struct cp *c, struct cp_entry *e, int argc, char **argv)
{
	struct otpsms_opts o;
	const char *args[64];
	char err[256], msg[400], only[OPT_GROUPS_MAX], *p, *q;
	int i, n = 0, conf = 0, all;
	size_t k;

	for (i = 0; i < argc && n < 64; i++) {
		/* conf= names a root-only file; its options are not known. */
		if (strncmp(argv[i], "conf=", 5) == 0)
			conf = 1;
		else
			args[n++] = argv[i];
	}
	if (opts_parse(&o, n, args, err, sizeof(err)) != OPT_OK) {
		snprintf(msg, sizeof(msg), "pam_otpsms %s: the module refuses "
		    "every login (PAM_SERVICE_ERR)", err);
		cp_warn(c, e, CP_W_OPTION, msg);
		e->may_ignore = conf;
		return;
	}
	e->may_ignore = conf || o.nullok || o.only_groups[0] != '\0' ||
	    o.skip_groups[0] != '\0' || o.n_nets > 0;
	for (k = 0; k < o.n_nets; k++)
		if (o.nets[k].prefix == 0) {
			cp_warn(c, e, CP_W_OPTION, "trusted_nets with a /0 "
			    "network exempts every remote host: nobody is "
			    "asked for a code");
			break;
		}
	if (o.only_groups[0] != '\0' && o.skip_groups[0] != '\0') {
		/* Everyone is exempt when every group asked is also skipped. */
		memcpy(only, o.only_groups, sizeof(only));
		all = 1;
		for (p = only; p != NULL; p = q) {
			if ((q = strchr(p, ',')) != NULL)
				*q++ = '\0';
			if (!cp_in_list(o.skip_groups, p))
				all = 0;
		}
		if (all)
			cp_warn(c, e, CP_W_OPTION, "every group in only_groups "
			    "is in skip_groups: nobody is asked for a code");
	}
}

/* The index of path in names, added if new; -1 when there are too many. */
static int
cp_name(struct cp *c, const char *path)
{
	unsigned i;

	for (i = 0; i < c->nnames; i++)
		if (strcmp(c->names[i], path) == 0)
			return (int)i;
	if (c->nnames == CP_FILES_MAX || strlen(path) >= CP_PATH_MAX)
		return -1;
	memcpy(c->names[c->nnames], path, strlen(path) + 1);
	return (int)c->nnames++;
}

static int cp_parse(struct cp *c, unsigned file, const char *text, size_t len,
    int depth);

/* @include NAME, "auth include NAME", "auth substack NAME": NAME relative to
 * the including file's directory (/etc/pam.d for the files there). */
static void
cp_include(struct cp *c, unsigned file, unsigned line, const char *name,
    int depth)
{
	char path[CP_PATH_MAX], msg[CP_PATH_MAX + 64], safe[CP_PATH_MAX];
	const char *from = c->names[file], *slash;
	char *buf = NULL;
	size_t len = 0;
	int idx, e;

	cp_safe(safe, sizeof(safe), name);
	slash = strrchr(from, '/');
	if (name[0] == '\0' || strstr(name, "..") != NULL ||
	    (name[0] == '/' ? snprintf(path, sizeof(path), "%s", name) :
	    slash == NULL ? snprintf(path, sizeof(path), "%s", name) :
	    snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - from), from,
	    name)) >= (int)sizeof(path)) {
		snprintf(msg, sizeof(msg), "cannot follow include \"%s\"", safe);
		cp_error(c, file, line, msg);
		return;
	}
	if (depth >= CP_DEPTH_MAX) {
		snprintf(msg, sizeof(msg), "include \"%s\" nested more than %d "
		    "deep (a loop?)", safe, CP_DEPTH_MAX);
		cp_error(c, file, line, msg);
		return;
	}
	if ((idx = cp_name(c, path)) < 0) {
		cp_error(c, file, line, "too many included files");
		return;
	}
	if (c->o->load == NULL) {
		snprintf(msg, sizeof(msg), "include \"%s\" not followed", safe);
		cp_error(c, file, line, msg);
		return;
	}
	if ((e = c->o->load(c->o->load_arg, path, &buf, &len)) != 0) {
		snprintf(msg, sizeof(msg), "include \"%s\": %s", safe,
		    strerror(e));
		cp_error(c, file, line, msg);
		return;
	}
	cp_parse(c, (unsigned)idx, buf, len, depth + 1);
	free(buf);
}

/* One logical line (comments gone, continuations joined), numbered line. */
static void
cp_line(struct cp *c, unsigned file, unsigned line, char *s, int depth)
{
	char *f[128], *type;
	struct cp_entry *e;
	int n;

	if ((n = cp_fields(s, f, 128)) < 0) {
		cp_error(c, file, line, "unclosed \"[\" or too many fields");
		return;
	}
	if (n == 0)
		return;
	if (f[0][0] == '@') {
		if (strcasecmp(f[0], "@include") != 0 || n != 2)
			cp_error(c, file, line, "unknown directive");
		else
			cp_include(c, file, line, f[1], depth);
		return;
	}
	type = f[0][0] == '-' ? f[0] + 1 : f[0];
	if (strcasecmp(type, "auth") != 0)
		return;
	if (n < 3) {
		cp_error(c, file, line, "auth line without a module");
		return;
	}
	/* A bracketed field starts right after its '['. */
	if (f[1][-1] != '[' && (strcasecmp(f[1], "include") == 0 ||
	    strcasecmp(f[1], "substack") == 0)) {
		cp_include(c, file, line, f[2], depth);
		return;
	}
	if (c->n == CP_ENTRIES_MAX) {
		cp_error(c, file, line, "more auth lines than can be checked");
		return;
	}
	e = &c->e[c->n];
	memset(e, 0, sizeof(*e));
	e->file = file;
	e->line = line;
	if (cp_control(f[1], f[1][-1] == '[', e) != 0) {
		cp_error(c, file, line, "cannot read the control field");
		return;
	}
	e->kind = cp_module_kind(f[2]);
	c->n++;
	if (e->kind == K_OTPSMS)
		cp_module_args(c, e, n - 3, f + 3);
}

/* Splits text into logical lines, within CP_LINE_MAX bytes each. */
static int
cp_parse(struct cp *c, unsigned file, const char *text, size_t len, int depth)
{
	char logical[CP_LINE_MAX], msg[96];
	const char *pl, *eol, *hash;
	size_t pos = 0, plen, ll;
	unsigned lineno = 0, start;
	int cont;

	if (len > CP_FILE_MAX) {
		cp_error(c, file, 0, "file too large");
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		cp_error(c, file, 0, "NUL byte in file");
		return -1;
	}
	while (pos < len && c->status != CP_ERROR) {
		ll = 0;
		start = lineno + 1;
		for (;;) {
			lineno++;
			pl = text + pos;
			eol = memchr(pl, '\n', len - pos);
			plen = eol != NULL ? (size_t)(eol - pl) : len - pos;
			pos += plen + (eol != NULL);
			/* A comment ends the physical line, continuation
			 * backslash included, as in libpam. */
			if ((hash = memchr(pl, '#', plen)) != NULL)
				plen = (size_t)(hash - pl);
			if (plen > 0 && pl[plen - 1] == '\r')
				plen--;
			cont = plen > 0 && pl[plen - 1] == '\\';
			if (cont)
				plen--;
			if (plen + 2 > sizeof(logical) - ll) {
				snprintf(msg, sizeof(msg), "line longer than "
				    "%d bytes", CP_LINE_MAX - 2);
				cp_error(c, file, start, msg);
				return -1;
			}
			memcpy(logical + ll, pl, plen);
			ll += plen;
			if (!cont || pos >= len)
				break;
			logical[ll++] = ' ';
		}
		logical[ll] = '\0';
		cp_line(c, file, start, logical, depth);
	}
	return c->status == CP_ERROR ? -1 : 0;
}

/* One path through the stack, as libpam's dispatcher sees it. */
enum { I_UNDEF, I_POS, I_NEG };
enum { S_SUCCESS, S_FAIL, S_MUSTFAIL };
struct cp_path {
	int imp, st;
	int bad_at;     /* the line that made success impossible */
	int fail_at;    /* a failed module no factor has made up for since */
	int factor_ok;  /* a credential module succeeded */
	int mod;        /* pam_otpsms: -1 not run, else its enum cp_val */
	int mod_at;
	int skip_at;    /* a jump over pam_otpsms */
};

static void cp_walk(struct cp *c, size_t i, struct cp_path p);

/* The stack's verdict on one path; ended_at: a done or die line, or -1. */
static void
cp_end(struct cp *c, const struct cp_path *p, int ended_at)
{
	int at;

	if (p->imp != I_POS || p->st != S_SUCCESS)
		return;
	if (p->mod == -1) {
		at = ended_at >= 0 ? ended_at : p->skip_at;
		if (at >= 0)
			cp_warn(c, &c->e[at], CP_W_SKIP, ended_at >= 0 ?
			    "success here ends the stack before pam_otpsms "
			    "runs: this module alone passes without the code "
			    "(sufficient or done before the module)" :
			    "success here jumps over pam_otpsms: this module "
			    "alone passes without the code");
	} else if (p->mod != V_SUCCESS && p->mod != V_IGNORE)
		cp_warn(c, &c->e[p->mod_at], CP_W_OPTIONAL, "a failed code "
		    "does not fail the stack (sufficient, optional or "
		    "default=ignore): the lines below decide, so the code is "
		    "an alternative to them, not a second factor");
	else if (p->mod == V_IGNORE && !p->factor_ok && !c->o->after_key)
		cp_warn(c, &c->e[p->mod_at], CP_W_EXEMPT, "a user this module "
		    "exempts (PAM_IGNORE) passes the stack with no credential "
		    "at all; put a password module before it, or check with "
		    "-k if the application authenticated the user first "
		    "(sshd publickey,keyboard-interactive:pam)");
}

/* Applies one return value v of line i to p, and walks on. */
static void
cp_step(struct cp *c, size_t i, struct cp_path p, int v)
{
	const struct cp_entry *e = &c->e[i];
	int a = e->act[v], failure = v != V_SUCCESS && v != V_IGNORE &&
	    v != V_NEW_AUTHTOK_REQD;
	size_t j, next = i + 1;

	if (e->kind == K_OTPSMS) {
		p.mod = v;
		p.mod_at = (int)i;
	} else if (failure && e->kind != K_QUIET) {
		p.fail_at = (int)i;
	} else if (v == V_SUCCESS && e->kind == K_FACTOR) {
		p.factor_ok = 1;
		p.fail_at = -1;
	}
	switch (a) {
	case A_RESET:
		p.imp = I_UNDEF;
		p.st = S_MUSTFAIL;
		p.bad_at = -1;
		break;
	case A_BAD:
	case A_DIE:
		if (p.imp != I_NEG) {
			p.imp = I_NEG;
			p.st = S_FAIL;
			p.bad_at = (int)i;
		}
		if (a == A_DIE) {
			cp_end(c, &p, (int)i);
			return;
		}
		break;
	case A_OK:
	case A_DONE:
	case A_JUMP:
		if ((p.imp == I_UNDEF || (p.imp == I_POS &&
		    p.st == S_SUCCESS)) && v != V_IGNORE) {
			p.imp = I_POS;
			p.st = failure ? S_FAIL : S_SUCCESS;
			if (failure)
				p.bad_at = (int)i;
		}
		if (a == A_DONE && p.imp != I_NEG) {
			cp_end(c, &p, (int)i);
			return;
		}
		if (a == A_JUMP) {
			next = i + 1 + e->jump[v];
			for (j = i + 1; j < next && j < c->n; j++)
				if (c->e[j].kind == K_OTPSMS && p.mod == -1)
					p.skip_at = (int)i;
		}
		break;
	default:        /* A_IGNORE */
		break;
	}
	cp_walk(c, next, p);
}

static void
cp_walk(struct cp *c, size_t i, struct cp_path p)
{
	static const int factor[] = { V_SUCCESS, V_AUTH_ERR, V_USER_UNKNOWN,
	    V_AUTHINFO_UNAVAIL };
	static const int otpsms[] = { V_SUCCESS, V_AUTH_ERR, V_MAXTRIES,
	    V_USER_UNKNOWN, V_AUTHINFO_UNAVAIL, V_IGNORE };
	static const int quiet[] = { V_SUCCESS, V_IGNORE };
	static const int permit[] = { V_SUCCESS };
	static const int deny[] = { V_AUTH_ERR };
	const struct cp_entry *e;
	const int *vals;
	size_t nv, k, m;
	int dup;

	if (c->status == CP_ERROR)
		return;
	if (++c->steps > CP_STEPS_MAX) {
		cp_error(c, 0, 0, "stack too complex to check");
		return;
	}
	if (i >= c->n) {
		cp_end(c, &p, -1);
		return;
	}
	e = &c->e[i];
	if (e->kind == K_OTPSMS) {
		if (p.imp != I_UNDEF && !(p.imp == I_POS &&
		    p.st == S_SUCCESS) && p.bad_at >= 0)
			cp_warn(c, &c->e[p.bad_at], CP_W_FIRST, "a failure "
			    "here does not stop the stack: pam_otpsms below "
			    "still texts a code, shows the number and counts "
			    "toward the lockout after a wrong first factor "
			    "(use requisite or [success=ok default=die])");
		else if (p.fail_at >= 0)
			cp_warn(c, &c->e[p.fail_at], CP_W_FIRST, "a failure "
			    "here is ignored: pam_otpsms below texts a code "
			    "after a wrong first factor, and the code may be "
			    "all that is left to pass (use requisite or "
			    "[success=ok default=die])");
	}
	switch (e->kind) {
	case K_OTPSMS:
		vals = otpsms;
		nv = sizeof(otpsms) / sizeof(otpsms[0]) - !e->may_ignore;
		break;
	case K_QUIET:
		vals = quiet;
		nv = 2;
		break;
	case K_PERMIT:
		vals = permit;
		nv = 1;
		break;
	case K_DENY:
		vals = deny;
		nv = 1;
		break;
	default:
		vals = factor;
		nv = sizeof(factor) / sizeof(factor[0]);
		break;
	}
	for (k = 0; k < nv; k++) {
		/* Failures the line treats alike need walking once. */
		dup = 0;
		for (m = 1; m < k && vals[k] != V_IGNORE; m++)
			if (vals[m] != V_IGNORE &&
			    e->act[vals[m]] == e->act[vals[k]] &&
			    e->jump[vals[m]] == e->jump[vals[k]])
				dup = 1;
		if (!dup)
			cp_step(c, i, p, vals[k]);
	}
}

int
checkpam_text(const struct cp_opts *o, const char *path, const char *text,
    size_t len)
{
	struct cp *c;
	struct cp_path p;
	size_t i;
	int file, r = CP_ERROR, has = 0;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		o->emit(o->emit_arg, "-", 0, "error", NULL, "out of memory");
		return CP_ERROR;
	}
	c->o = o;
	if ((file = cp_name(c, path)) < 0) {
		o->emit(o->emit_arg, "-", 0, "error", NULL, "path too long");
		goto out;
	}
	if (cp_parse(c, (unsigned)file, text, len, 0) != 0)
		goto out;
	for (i = 0; i < c->n; i++)
		if (c->e[i].kind == K_OTPSMS)
			has = 1;
	if (has) {
		memset(&p, 0, sizeof(p));
		p.imp = I_UNDEF;
		p.st = S_MUSTFAIL;
		p.bad_at = p.fail_at = p.mod = p.mod_at = p.skip_at = -1;
		cp_walk(c, 0, p);
	}
	r = c->status;
out:
	free(c);
	return r;
}

int
checkpam_load_file(void *arg, const char *path, char **buf, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t have = 0;
	char *b = NULL;
	int fd, e = 0;

	(void)arg;
	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return errno;
	if (fstat(fd, &st) == -1) {
		e = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		e = EINVAL;
		goto out;
	}
	if (st.st_size > CP_FILE_MAX) {
		e = EFBIG;
		goto out;
	}
	if ((b = malloc(CP_FILE_MAX + 1)) == NULL) {
		e = ENOMEM;
		goto out;
	}
	while (have <= CP_FILE_MAX) {
		n = read(fd, b + have, CP_FILE_MAX + 1 - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			e = errno;
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	if (have > CP_FILE_MAX) {
		e = EFBIG;
		goto out;
	}
	*buf = b;
	*len = have;
	b = NULL;
out:
	free(b);
	close(fd);
	return e;
}

int
checkpam_file(const struct cp_opts *o, const char *path)
{
	char *buf = NULL, safe[CP_PATH_MAX], msg[128];
	size_t len = 0;
	int e, r;

	if ((e = (o->load != NULL ? o->load : checkpam_load_file)(o->load_arg,
	    path, &buf, &len)) != 0) {
		cp_safe(safe, sizeof(safe), path);
		snprintf(msg, sizeof(msg), "cannot read: %s", strerror(e));
		o->emit(o->emit_arg, safe, 0, "error", NULL, msg);
		return CP_ERROR;
	}
	r = checkpam_text(o, path, buf, len);
	free(buf);
	return r;
}
