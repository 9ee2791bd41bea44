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
		rev->cb(rev->arg, rev->r == 0 ? 0 : -1, rev->h);
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

int
backup_kdf_submit(struct backup_kdf *k, const char *digits,
    const uint8_t salt[BACKUP_SALT_LEN], backup_kdf_fn *cb, void *arg)
{
	struct kdf_job *j = NULL;
	int r = -1;

	if (strlen(digits) != BACKUP_DIGITS)
		goto out;
	pthread_mutex_lock(&k->mu);
	if (k->n >= BACKUP_KDF_QUEUE) {
		pthread_mutex_unlock(&k->mu);
		goto out;
	}
	pthread_mutex_unlock(&k->mu);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		goto out;
	memcpy(j->digits, digits, BACKUP_DIGITS + 1);
	memcpy(j->salt, salt, BACKUP_SALT_LEN);
	j->cb = cb;
	j->arg = arg;
	pthread_mutex_lock(&k->mu);
	if (!k->started) {
		if (pthread_create(&k->worker, NULL, worker, k) != 0) {
			pthread_mutex_unlock(&k->mu);
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
	pthread_mutex_unlock(&k->mu);
	r = 0;
 out:
	if (j != NULL)
		job_free(j);
	return r;
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
		j->cb(j->arg, -1, j->h);
		job_free(j);
	}
	loop_del(k->loop, k->efd);
	close(k->efd);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
	free(k);
}
