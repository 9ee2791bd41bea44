/* The backup codes' scrypt on one worker thread (backup_kdf.h). The worker
 * touches only its queue and the job it holds; the lists are the mutex's. */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backup_kdf.h"
#include "log.h"
#include "loop.h"

struct kdf_job {
	struct kdf_job *next;
	char digits[BACKUP_DIGITS + 1];      /* secret: wiped once hashed */
	uint8_t salt[BACKUP_SALT_LEN];
	uint8_t h[BACKUP_HASH_LEN];          /* secret-ish: wiped after cb */
	int r;
	backup_kdf_fn *cb;
	void *arg;
	/* a new set (gen_cb set): the user and n in, set and text out */
	backup_kdf_set_fn *gen_cb;
	char user[sizeof(((struct backup_set *)0)->user)];
	size_t n;
	struct backup_set set;                /* secret-ish: wiped */
	char text[BACKUP_MAX_N * (BACKUP_TEXT_LEN + 1) + 1];   /* secret */
};

struct backup_kdf {
	struct loop *loop;
	int efd;
	pthread_t worker;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct kdf_job *todo, **todo_tail;   /* loop -> worker */
	struct kdf_job *done;                /* worker -> loop, newest first */
	size_t n;                            /* queued, running or done */
	int stop;
};

static void
job_free(struct kdf_job *j)
{
	explicit_bzero(j, sizeof(*j));
	free(j);
}

static void
answer(struct kdf_job *j, int r)
{
	if (j->gen_cb != NULL)
		j->gen_cb(j->arg, r, r == 0 ? &j->set : NULL, r == 0 ? j->text : "");
	else
		j->cb(j->arg, r, j->h);
}

static void *
worker(void *arg)
{
	struct backup_kdf *k = arg;
	struct kdf_job *j;
	uint64_t one = 1;
	ssize_t w;

	pthread_mutex_lock(&k->mu);
	for (;;) {
		while (k->todo == NULL && !k->stop)
			pthread_cond_wait(&k->cv, &k->mu);
		if (k->stop)
			break;
		j = k->todo;
		if ((k->todo = j->next) == NULL)
			k->todo_tail = &k->todo;
		pthread_mutex_unlock(&k->mu);
		if (j->gen_cb != NULL)
			j->r = backup_generate(j->user, j->n, &j->set, j->text,
			    sizeof(j->text));
		else
			j->r = backup_hash(j->digits, j->salt, j->h);
		explicit_bzero(j->digits, sizeof(j->digits));
		pthread_mutex_lock(&k->mu);
		j->next = k->done;
		k->done = j;
		do
			w = write(k->efd, &one, sizeof(one));
		while (w == -1 && errno == EINTR);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

/* The finished jobs, oldest first, answered on the loop's thread. */
static void
on_event(void *arg, int fd, uint32_t events)
{
	struct backup_kdf *k = arg;
	struct kdf_job *list, *j, *rev = NULL;
	uint64_t v;

	(void)events;
	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
	pthread_mutex_lock(&k->mu);
	list = k->done;
	k->done = NULL;
	for (j = list; j != NULL; j = j->next)
		k->n--;
	pthread_mutex_unlock(&k->mu);
	for (; list != NULL; list = j) {
		j = list->next;
		list->next = rev;
		rev = list;
	}
	for (; rev != NULL; rev = j) {
		j = rev->next;
		answer(rev, rev->r == 0 ? 0 : -1);
		job_free(rev);
	}
}

struct backup_kdf *
backup_kdf_new(struct loop *l, char *err, size_t errsz)
{
	struct backup_kdf *k;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		snprintf(err, errsz, "backup codes: out of memory");
		return NULL;
	}
	k->loop = l;
	k->todo_tail = &k->todo;
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if ((k->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1 ||
	    loop_add(l, k->efd, EPOLLIN, on_event, k) == -1) {
		snprintf(err, errsz, "backup codes: eventfd: %s", strerror(errno));
		if (k->efd != -1)
			close(k->efd);
		k->efd = -1;
		pthread_mutex_destroy(&k->mu);
		pthread_cond_destroy(&k->cv);
		free(k);
		return NULL;
	}
	return k;
}

/* Queues j (the caller's until then): 0, or -1 with j freed. */
static int
enqueue(struct backup_kdf *k, struct kdf_job *j)
{
	int r = -1;

	pthread_mutex_lock(&k->mu);
	if (k->n >= BACKUP_KDF_QUEUE)
		goto out;
	if (!k->started) {
		if (pthread_create(&k->worker, NULL, worker, k) != 0) {
			log_err("backup codes: cannot start the hashing thread");
			goto out;
		}
		k->started = 1;
	}
	*k->todo_tail = j;
	k->todo_tail = &j->next;
	k->n++;
	j = NULL;
	pthread_cond_signal(&k->cv);
	r = 0;
 out:
	pthread_mutex_unlock(&k->mu);
	if (j != NULL)
		job_free(j);
	return r;
}

int
backup_kdf_submit(struct backup_kdf *k, const char *digits,
    const uint8_t salt[BACKUP_SALT_LEN], backup_kdf_fn *cb, void *arg)
{
	struct kdf_job *j;

	if (strlen(digits) != BACKUP_DIGITS || (j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	memcpy(j->digits, digits, BACKUP_DIGITS + 1);
	memcpy(j->salt, salt, BACKUP_SALT_LEN);
	j->cb = cb;
	j->arg = arg;
	return enqueue(k, j);
}

int
backup_kdf_generate(struct backup_kdf *k, const char *user, size_t n,
    backup_kdf_set_fn *cb, void *arg)
{
	struct kdf_job *j;

	if (n == 0 || n > BACKUP_MAX_N || (j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	if (snprintf(j->user, sizeof(j->user), "%s", user) >=
	    (int)sizeof(j->user)) {
		free(j);
		return -1;
	}
	j->n = n;
	j->gen_cb = cb;
	j->arg = arg;
	return enqueue(k, j);
}

size_t
backup_kdf_pending(const struct backup_kdf *k)
{
	size_t n;

	pthread_mutex_lock((pthread_mutex_t *)(uintptr_t)&k->mu);
	n = k->n;
	pthread_mutex_unlock((pthread_mutex_t *)(uintptr_t)&k->mu);
	return n;
}

void
backup_kdf_free(struct backup_kdf *k)
{
	struct kdf_job *j;

	if (k == NULL)
		return;
	if (k->started) {
		pthread_mutex_lock(&k->mu);
		k->stop = 1;
		pthread_cond_signal(&k->cv);
		pthread_mutex_unlock(&k->mu);
		pthread_join(k->worker, NULL);
	}
	/* Hashed: answered. Never hashed: failed. */
	on_event(k, k->efd, 0);
	while ((j = k->todo) != NULL) {
		k->todo = j->next;
		answer(j, -1);
		job_free(j);
	}
	loop_del(k->loop, k->efd);
	close(k->efd);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
	free(k);
}
