/* libcurl's multi interface on our loop, after curl's docs/examples/ephiperfifo.c. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "loop.h"

#define HTTP_MAX_CONNECTS 512     /* idle keep-alive connections, all carriers */

struct http {
	CURLM *multi;
	struct loop *loop;
	struct loop_timer timer;
	int running;
	size_t active;
};

struct http_xfer {
	struct http *h;
	CURL *easy;
	http_done_fn *done;
	void *arg;
	char *body;
	size_t len, max;
	int overflow;
};

static void check_done(struct http *h);

static void
on_socket_event(void *arg, int fd, uint32_t events)
{
	struct http *h = arg;
	int action = 0;

	if (events & EPOLLIN)
		action |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		action |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		action |= CURL_CSELECT_ERR;
	curl_multi_socket_action(h->multi, fd, action, &h->running);
	check_done(h);
}

static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct http *h = userp;
	uint32_t ev = 0;

	if (what == CURL_POLL_REMOVE) {
		loop_del(h->loop, s);
		curl_multi_assign(h->multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev |= EPOLLOUT;
	if (sockp == NULL) {
		if (loop_add(h->loop, s, ev, on_socket_event, h) == -1) {
			log_err_f("cannot watch curl socket %d", (int)s);
			return -1;
		}
		/* Non-NULL marks the socket as known to the loop. */
		curl_multi_assign(h->multi, s, h);
	} else if (loop_mod(h->loop, s, ev) == -1) {
		log_err_f("cannot change curl socket %d", (int)s);
		return -1;
	}
	return 0;
}

static void
on_timer(void *arg)
{
	struct http *h = arg;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &h->running);
	check_done(h);
}

static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http *h = userp;

	if (timeout_ms < 0)
		loop_timer_cancel(h->loop, &h->timer);
	else if (loop_timer_set(h->loop, &h->timer, (uint64_t)timeout_ms) == -1)
		return -1;
	return 0;
}

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_xfer *x = userdata;
	size_t n = size * nmemb;
	char *nb;

	if (n > x->max - x->len) {
		x->overflow = 1;
		return 0;   /* makes curl fail with CURLE_WRITE_ERROR */
	}
	/* Replies may echo the message (and so the code): grow by copying, and
	 * wipe what is left behind, instead of realloc. */
	if ((nb = malloc(x->len + n + 1)) == NULL)
		return 0;
	if (x->body != NULL) {
		memcpy(nb, x->body, x->len);
		explicit_bzero(x->body, x->len + 1);
		free(x->body);
	}
	x->body = nb;
	memcpy(x->body + x->len, ptr, n);
	x->len += n;
	x->body[x->len] = '\0';
	return n;
}

static void
check_done(struct http *h)
{
	struct http_xfer *x;
	CURLMsg *msg;
	long status;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		status = 0;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
		curl_multi_remove_handle(h->multi, msg->easy_handle);
		h->active--;
		x->done(x->arg, msg->data.result, status, x->body ? x->body : "", x->len);
		curl_easy_cleanup(x->easy);
		if (x->body != NULL)
			explicit_bzero(x->body, x->len + 1);
		free(x->body);
		free(x);
	}
}

struct http *
http_new(struct loop *l)
{
	struct http *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if ((h->multi = curl_multi_init()) == NULL) {
		free(h);
		return NULL;
	}
	h->loop = l;
	loop_timer_init(&h->timer, on_timer, h);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	/* Keep-alive pool: curl sizes its cache by the handles in flight and
	 * closes what does not fit as each transfer ends, so a busy carrier paid
	 * a TCP (and TLS) handshake per message. A fixed cache keeps them. */
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)HTTP_MAX_CONNECTS);
	return h;
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	loop_timer_cancel(h->loop, &h->timer);
	curl_multi_cleanup(h->multi);
	free(h);
}

int
http_check_async_dns(char *err, size_t errsz)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	if (!(v->features & CURL_VERSION_ASYNCHDNS)) {
		snprintf(err, errsz, "libcurl %s resolves names synchronously, which would "
		    "block the daemon; use a libcurl built with the threaded resolver", v->version);
		return -1;
	}
	return 0;
}

int
http_start(struct http *h, CURL *easy, size_t max_body, http_done_fn *done, void *arg)
{
	struct http_xfer *x;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		curl_easy_cleanup(easy);
		return -1;
	}
	x->h = h;
	x->easy = easy;
	x->done = done;
	x->arg = arg;
	x->max = max_body;
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	if (curl_multi_add_handle(h->multi, easy) != CURLM_OK) {
		curl_easy_cleanup(easy);
		free(x);
		return -1;
	}
	h->active++;
	return 0;
}

size_t
http_active(const struct http *h)
{
	return h->active;
}
