/* Users' numbers from LDAP (directory.h): a cache on the loop's side, one
 * worker thread that owns the only LDAP handle and speaks libldap's
 * synchronous API with timeouts, two queues and an eventfd between them.
 *
 * Why a thread and not libldap's asynchronous API on the loop: the URL
 * names are resolved with a blocking getaddrinfo, and the TLS handshake
 * (ldaps:// and StartTLS) blocks inside libldap even with
 * LDAP_OPT_CONNECT_ASYNC. The worker touches nothing but its job and the
 * LDAP handle; the cache, the logs of what a login does and every callback
 * stay on the loop's thread. */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <ldap.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "directory.h"
#include "dirnum.h"
#include "log.h"
#include "util.h"

#define DIR_VALUES_MAX 16        /* values read per entry, all attributes */
#define DIR_VALUE_MAX 64         /* longer is not a phone number */
#define DIR_FILTER_BUF 4096
#define DIR_CACHE_MAX 65536
#define DIR_BUCKETS 4096

struct dir_job {
	struct dir_job *next;
	char user[257];
	char filter[DIR_FILTER_BUF];
	dir_cb *cb;
	void *arg;
	/* the worker's answer */
	enum dir_status st;
	char why[160];
	char values[DIR_VALUES_MAX][DIR_VALUE_MAX + 1];
	unsigned attr[DIR_VALUES_MAX];   /* index in dc->attributes */
	size_t n_values;
};

struct dir_entry {
	struct dir_entry *next;
	char *user;
	int found;                   /* else absent */
	struct dir_numbers nums;
	uint64_t fetched_ms;
};

struct directory {
	struct loop *loop;
	const struct directory_conf *dc;
	int efd;
	pthread_t worker;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct dir_job *todo, **todo_tail;   /* loop -> worker */
	struct dir_job *done;                /* worker -> loop */
	int stop;
	LDAP *ld;                    /* the worker's only */
	struct dir_entry *buckets[DIR_BUCKETS];
	size_t n_cached;
	uint64_t seed;
};

/* ---- the cache (loop thread) ---- */

static size_t
bucket(const struct directory *d, const char *user)
{
	uint64_t h = 1469598103934665603ULL ^ d->seed;

	for (; *user != '\0'; user++)
		h = (h ^ (unsigned char)*user) * 1099511628211ULL;
	return (size_t)(h % DIR_BUCKETS);
}

static struct dir_entry *
cache_get(struct directory *d, const char *user)
{
	struct dir_entry *e;

	for (e = d->buckets[bucket(d, user)]; e != NULL; e = e->next)
		if (strcmp(e->user, user) == 0)
			return e;
	return NULL;
}

/* Entries too old to serve even as stale go first; a full cache past that
 * keeps answering, it only stops remembering. */
static void
cache_sweep(struct directory *d, uint64_t now)
{
	struct dir_entry **pp, *e;
	uint64_t keep;
	size_t i;

	for (i = 0; i < DIR_BUCKETS; i++)
		for (pp = &d->buckets[i]; (e = *pp) != NULL;) {
			keep = !e->found ? d->dc->negative_ttl_ms :
			    d->dc->stale_ms > d->dc->ttl_ms ? d->dc->stale_ms :
			    d->dc->ttl_ms;
			if (now - e->fetched_ms >= keep) {
				*pp = e->next;
				free(e->user);
				free(e);
				d->n_cached--;
			} else
				pp = &e->next;
		}
}

static void
cache_put(struct directory *d, const char *user, int found,
    const struct dir_numbers *nums, uint64_t now)
{
	struct dir_entry *e;
	size_t b;

	if ((e = cache_get(d, user)) == NULL) {
		if (d->n_cached >= DIR_CACHE_MAX)
			cache_sweep(d, now);
		if (d->n_cached >= DIR_CACHE_MAX ||
		    (e = calloc(1, sizeof(*e))) == NULL)
			return;
		if ((e->user = strdup(user)) == NULL) {
			free(e);
			return;
		}
		b = bucket(d, user);
		e->next = d->buckets[b];
		d->buckets[b] = e;
		d->n_cached++;
	}
	e->found = found;
	memset(&e->nums, 0, sizeof(e->nums));
	if (found)
		e->nums = *nums;
	e->fetched_ms = now;
}

int
directory_flush(struct directory *d, const char *user)
{
	struct dir_entry **pp, *e;

	for (pp = &d->buckets[bucket(d, user)]; (e = *pp) != NULL; pp = &e->next)
		if (strcmp(e->user, user) == 0) {
			*pp = e->next;
			free(e->user);
			free(e);
			d->n_cached--;
			return 1;
		}
	return 0;
}

size_t
directory_cached(const struct directory *d)
{
	return d->n_cached;
}

/* ---- the worker thread: libldap only here ---- */

static void
ldap_why(LDAP *ld, int rc, const char *what, char *why, size_t whysz)
{
	char *diag = NULL, safe[96];

	safe[0] = '\0';
	if (ld != NULL && ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE,
	    &diag) == LDAP_OPT_SUCCESS && diag != NULL && diag[0] != '\0')
		log_safe(safe, sizeof(safe), diag);
	snprintf(why, whysz, "%s: %s%s%s", what, ldap_err2string(rc),
	    safe[0] ? ": " : "", safe);
	ldap_memfree(diag);
}

static void
drop_conn(struct directory *d)
{
	if (d->ld != NULL)
		ldap_unbind_ext_s(d->ld, NULL, NULL);
	d->ld = NULL;
}

/* A connection, bound; 0, or -1 with why. The URLs are tried in order. */
static int
connect_ldap(struct directory *d, char *why, size_t whysz)
{
	const struct directory_conf *dc = d->dc;
	struct timeval tv;
	struct berval cred;
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, rc;
	int r = -1;

	if (d->ld != NULL)
		return 0;
	if ((rc = ldap_initialize(&d->ld, dc->url)) != LDAP_SUCCESS) {
		d->ld = NULL;
		ldap_why(NULL, rc, "initialise", why, whysz);
		goto out;
	}
	tv.tv_sec = dc->timeout_ms / 1000;
	tv.tv_usec = (dc->timeout_ms % 1000) * 1000;
	/* TLS through the context made at start (tls_setup); the name is
	 * checked against the URL's host on every connection. */
	if (ldap_set_option(d->ld, LDAP_OPT_PROTOCOL_VERSION, &v3) != 0 ||
	    ldap_set_option(d->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != 0 ||
	    ldap_set_option(d->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != 0 ||
	    ldap_set_option(d->ld, LDAP_OPT_TIMEOUT, &tv) != 0 ||
	    ldap_set_option(d->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != 0) {
		snprintf(why, whysz, "cannot set the connection's options");
		goto out;
	}
	if (dc->starttls && (rc = ldap_start_tls_s(d->ld, NULL, NULL)) !=
	    LDAP_SUCCESS) {
		ldap_why(d->ld, rc, "StartTLS", why, whysz);
		goto out;
	}
	if (dc->bind_dn != NULL) {
		cred.bv_val = dc->bind_password;
		cred.bv_len = strlen(dc->bind_password);
		if ((rc = ldap_sasl_bind_s(d->ld, dc->bind_dn, LDAP_SASL_SIMPLE,
		    &cred, NULL, NULL, NULL)) != LDAP_SUCCESS) {
			ldap_why(d->ld, rc, "bind", why, whysz);
			goto out;
		}
	}
	r = 0;
 out:
	if (r != 0)
		drop_conn(d);
	return r;
}

/* 0: answered (found or absent); -1: the connection failed (why set);
 * -2: the directory answered but not usably (why set). */
static int
search(struct directory *d, struct dir_job *j)
{
	const struct directory_conf *dc = d->dc;
	LDAPMessage *res = NULL, *e;
	struct berval **vals;
	struct timeval tv;
	size_t a, i;
	int rc, n, r = -1;

	tv.tv_sec = dc->timeout_ms / 1000;
	tv.tv_usec = (dc->timeout_ms % 1000) * 1000;
	rc = ldap_search_ext_s(d->ld, dc->base, LDAP_SCOPE_SUBTREE, j->filter,
	    dc->attributes, 0, NULL, NULL, &tv, 2, &res);
	if (rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR ||
	    rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY || rc == LDAP_TIMELIMIT_EXCEEDED ||
	    rc == LDAP_LOCAL_ERROR || rc == LDAP_OTHER) {
		ldap_why(d->ld, rc, "search", j->why, sizeof(j->why));
		goto out;
	}
	r = -2;
	if (rc == LDAP_SIZELIMIT_EXCEEDED) {
		snprintf(j->why, sizeof(j->why), "search: more than one entry "
		    "matches the filter");
		goto out;
	}
	if (rc != LDAP_SUCCESS) {
		/* No such base, no access, a bad filter: the directory's or the
		 * configuration's fault, never the user's absence. */
		ldap_why(d->ld, rc, "search", j->why, sizeof(j->why));
		goto out;
	}
	if ((n = ldap_count_entries(d->ld, res)) != 1) {
		if (n == 0) {
			j->st = DIR_ABSENT;
			r = 0;
		} else
			snprintf(j->why, sizeof(j->why), "search: %d entries match",
			    n);
		goto out;
	}
	e = ldap_first_entry(d->ld, res);
	for (a = 0; a < dc->n_attributes && j->n_values < DIR_VALUES_MAX; a++) {
		if ((vals = ldap_get_values_len(d->ld, e, dc->attributes[a])) == NULL)
			continue;
		for (i = 0; vals[i] != NULL && j->n_values < DIR_VALUES_MAX; i++) {
			/* Too long or with a NUL: kept empty, refused later. */
			if (vals[i]->bv_len <= DIR_VALUE_MAX &&
			    memchr(vals[i]->bv_val, '\0', vals[i]->bv_len) == NULL) {
				memcpy(j->values[j->n_values], vals[i]->bv_val,
				    vals[i]->bv_len);
				j->values[j->n_values][vals[i]->bv_len] = '\0';
			}
			j->attr[j->n_values++] = (unsigned)a;
		}
		ldap_value_free_len(vals);
	}
	j->st = DIR_FOUND;
	r = 0;
 out:
	ldap_msgfree(res);
	return r;
}

static void
run_job(struct directory *d, struct dir_job *j)
{
	int tries, r = -1;

	j->st = DIR_UNAVAILABLE;
	/* Once more on a fresh connection: the server may have closed an
	 * idle one, which is not a reason to refuse a login. */
	for (tries = 0; tries < 2; tries++) {
		if (connect_ldap(d, j->why, sizeof(j->why)) != 0)
			break;
		if ((r = search(d, j)) != -1)
			break;
		drop_conn(d);
	}
	if (r != 0)
		j->st = DIR_UNAVAILABLE;
}

static void *
worker(void *arg)
{
	struct directory *d = arg;
	struct dir_job *j;
	uint64_t one = 1;
	ssize_t w;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		while (d->todo == NULL && !d->stop)
			pthread_cond_wait(&d->cv, &d->mu);
		if (d->stop)
			break;
		j = d->todo;
		if ((d->todo = j->next) == NULL)
			d->todo_tail = &d->todo;
		pthread_mutex_unlock(&d->mu);
		run_job(d, j);
		pthread_mutex_lock(&d->mu);
		j->next = d->done;
		d->done = j;
		do
			w = write(d->efd, &one, sizeof(one));
		while (w == -1 && errno == EINTR);
	}
	pthread_mutex_unlock(&d->mu);
	drop_conn(d);
	return NULL;
}

/* ---- answers (loop thread) ---- */

static void
answer(struct directory *d, struct dir_job *j)
{
	const struct directory_conf *dc = d->dc;
	struct dir_numbers nums;
	struct dir_entry *e;
	uint64_t now = now_ms();
	size_t i;

	memset(&nums, 0, sizeof(nums));
	if (j->st == DIR_FOUND) {
		for (i = 0; i < j->n_values && nums.n < DIR_NUMBERS_MAX; i++) {
			if (dir_number_normalize(nums.num[nums.n], sizeof(nums.num[0]),
			    j->values[i], dc->default_country) == 0)
				nums.n++;
			else    /* the value itself stays out of the logs */
				log_warn("directory: user=%s attribute=%s: a value "
				    "that is not a phone number (E.164, or national "
				    "with default_country) skipped", j->user,
				    dc->attributes[j->attr[i]]);
		}
		explicit_bzero(j->values, sizeof(j->values));
		if (nums.n == 0 && j->n_values > 0) {
			/* Numbers that cannot be read are a data error, not a
			 * user without a number: under nullok that would skip
			 * the second factor. Fail closed, cache nothing. */
			log_err("directory: user=%s: no value of the entry is a "
			    "usable number: the login fails closed", j->user);
			j->st = DIR_UNAVAILABLE;
		} else {
			if (nums.n == 0)
				j->st = DIR_ABSENT;
			cache_put(d, j->user, nums.n > 0, &nums, now);
		}
	} else if (j->st == DIR_ABSENT) {
		if (dc->negative_ttl_ms > 0)
			cache_put(d, j->user, 0, NULL, now);
		else
			directory_flush(d, j->user);
	} else if ((e = cache_get(d, j->user)) != NULL && e->found &&
	    now - e->fetched_ms < dc->stale_ms) {
		log_warn("directory: user=%s: directory unavailable (%s); using "
		    "the entry cached %llu s ago", j->user, j->why,
		    (unsigned long long)((now - e->fetched_ms) / 1000));
		nums = e->nums;
		j->st = DIR_FOUND;
	} else {
		log_err("directory: user=%s: directory unavailable (%s) and no "
		    "usable cached entry: the login fails closed", j->user, j->why);
	}
	j->cb(j->arg, j->st, j->st == DIR_FOUND ? &nums : NULL);
	explicit_bzero(&nums, sizeof(nums));
}

static void
on_event(void *arg, int fd, uint32_t events)
{
	struct directory *d = arg;
	struct dir_job *list, *j, *rev = NULL;
	uint64_t v;

	(void)events;
	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
	pthread_mutex_lock(&d->mu);
	list = d->done;
	d->done = NULL;
	pthread_mutex_unlock(&d->mu);
	for (; list != NULL; list = j) {    /* oldest first */
		j = list->next;
		list->next = rev;
		rev = list;
	}
	for (; rev != NULL; rev = j) {
		j = rev->next;
		answer(d, rev);
		free(rev);
	}
}

/* ---- the interface ---- */

void
directory_lookup(struct directory *d, const char *user, dir_cb *cb, void *arg)
{
	const struct directory_conf *dc = d->dc;
	struct dir_entry *e;
	struct dir_job *j = NULL;
	uint64_t now = now_ms(), age;

	/* Refused before any query: nothing odd reaches the filter. */
	if (!config_user_name_valid(user)) {
		cb(arg, DIR_INVALID, NULL);
		return;
	}
	if ((e = cache_get(d, user)) != NULL) {
		age = now - e->fetched_ms;
		if (e->found && age < dc->ttl_ms) {
			cb(arg, DIR_FOUND, &e->nums);
			return;
		}
		if (!e->found && age < dc->negative_ttl_ms) {
			cb(arg, DIR_ABSENT, NULL);
			return;
		}
	}
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    dir_filter_build(j->filter, sizeof(j->filter), dc->filter, user) != 0) {
		log_err("directory: user=%s: cannot build the query", user);
		free(j);
		cb(arg, DIR_UNAVAILABLE, NULL);
		return;
	}
	snprintf(j->user, sizeof(j->user), "%s", user);
	j->cb = cb;
	j->arg = arg;
	pthread_mutex_lock(&d->mu);
	if (!d->started) {
		if (pthread_create(&d->worker, NULL, worker, d) != 0) {
			pthread_mutex_unlock(&d->mu);
			log_err("directory: cannot start the worker thread");
			free(j);
			cb(arg, DIR_UNAVAILABLE, NULL);
			return;
		}
		d->started = 1;
	}
	*d->todo_tail = j;
	d->todo_tail = &j->next;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

/* libldap's one TLS context, made now (on the loop's thread, before the
 * worker exists): certificates always checked, against the CA's first
 * certificate given in memory (DER, LDAP_OPT_X_TLS_CACERT), so no file is
 * read once privileges are gone, or else the system's store. Every
 * connection uses it: set per connection, libldap would keep a copy of the
 * CA for each. 0, or -1 with err set. */
static int
tls_setup(const struct directory_conf *dc, char *err, size_t errsz)
{
	struct berval der = { 0, NULL };
	BIO *b = NULL;
	X509 *x = NULL;
	unsigned char *p = NULL;
	int demand = LDAP_OPT_X_TLS_DEMAND, zero = 0, len, rc, r = -1;

	if (ldap_set_option(NULL, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != 0) {
		snprintf(err, errsz, "directory: cannot require certificates");
		goto out;
	}
	if (dc->ca != NULL) {
		if ((b = BIO_new_mem_buf(dc->ca, -1)) == NULL ||
		    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL ||
		    (len = i2d_X509(x, &p)) <= 0) {
			snprintf(err, errsz, "directory: ca_file: no certificate");
			goto out;
		}
		der.bv_val = (char *)p;
		der.bv_len = (ber_len_t)len;
		if (ldap_set_option(NULL, LDAP_OPT_X_TLS_CACERT, &der) != 0) {
			snprintf(err, errsz, "directory: libldap refused the CA");
			goto out;
		}
	}
	if ((rc = ldap_set_option(NULL, LDAP_OPT_X_TLS_NEWCTX, &zero)) != 0) {
		snprintf(err, errsz, "directory: cannot make the TLS context (%s)",
		    ldap_err2string(rc));
		goto out;
	}
	r = 0;
 out:
	OPENSSL_free(p);
	X509_free(x);
	BIO_free(b);
	ERR_clear_error();
	return r;
}

struct directory *
directory_new(struct loop *loop, const struct directory_conf *dc, char *err,
    size_t errsz)
{
	struct directory *d;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errsz, "directory: out of memory");
		return NULL;
	}
	d->loop = loop;
	d->dc = dc;
	d->efd = -1;
	d->todo_tail = &d->todo;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	(void)RAND_bytes((unsigned char *)&d->seed, sizeof(d->seed));
	/* The daemon's settings are in its own file, not ldap.conf or
	 * ~/.ldaprc (set before libldap first reads them). */
	setenv("LDAPNOINIT", "1", 1);
	if (tls_setup(dc, err, errsz) != 0)
		goto fail;
	if ((d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1 ||
	    loop_add(loop, d->efd, EPOLLIN, on_event, d) == -1) {
		snprintf(err, errsz, "directory: eventfd: %s", strerror(errno));
		goto fail;
	}
	return d;
 fail:
	directory_free(d);
	return NULL;
}

void
directory_free(struct directory *d)
{
	struct dir_job *j;
	size_t i;
	struct dir_entry *e;

	if (d == NULL)
		return;
	if (d->started) {
		pthread_mutex_lock(&d->mu);
		d->stop = 1;
		pthread_cond_signal(&d->cv);
		pthread_mutex_unlock(&d->mu);
		pthread_join(d->worker, NULL);
	}
	/* Answered by the worker: delivered. Never asked: unavailable. */
	if (d->efd != -1)
		on_event(d, d->efd, 0);
	while ((j = d->todo) != NULL) {
		d->todo = j->next;
		j->cb(j->arg, DIR_UNAVAILABLE, NULL);
		free(j);
	}
	if (d->efd != -1) {
		loop_del(d->loop, d->efd);
		close(d->efd);
	}
	for (i = 0; i < DIR_BUCKETS; i++)
		while ((e = d->buckets[i]) != NULL) {
			d->buckets[i] = e->next;
			free(e->user);
			free(e);
		}
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	free(d);
}

int
directory_peek(struct directory *d, const char *user, struct dir_numbers *nums,
    uint64_t *age_ms)
{
	const struct dir_entry *e;

	memset(nums, 0, sizeof(*nums));
	*age_ms = 0;
	if (!config_user_name_valid(user) || (e = cache_get(d, user)) == NULL)
		return -1;
	*age_ms = now_ms() - e->fetched_ms;
	if (!e->found)
		return 0;
	*nums = e->nums;
	return 1;
}
