/* libcurl's multi interface on our loop, after curl's docs/examples/ephiperfifo.c. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "loop.h"

#define HTTP_MAX_CONNECTS 512     /* idle keep-alive connections, all carriers */
#define HTTP_POOL_MAX 256         /* idle easy handles and transfer records kept */
#define HTTP_BODY_INLINE 1024     /* replies up to this size need no allocation */

struct http_xfer;

struct http {
	CURLM *multi;
	CURLSH *share;                /* TLS sessions and DNS, for every handle */
	struct loop *loop;
	struct loop_timer timer;
	int running;
	size_t active;
	int proxy_env;                /* a proxy variable was set at start */
	CURL *pool[HTTP_POOL_MAX];    /* reset easy handles, ready to use */
	size_t npool;
	struct http_xfer *free_xfers; /* at most HTTP_POOL_MAX */
	size_t nfree_xfers;
};

struct http_xfer {
	struct http *h;
	CURL *easy;
	http_done_fn *done;
	void *arg;
	char *body;                   /* inline, or malloc'd when larger */
	size_t len, max;
	int overflow;
	struct http_xfer *next;       /* on the free list */
	char inline_body[HTTP_BODY_INLINE + 1];
};

static void check_done(struct http *h);

/* Transfer records are kept for reuse, like the handles: no allocation per
 * message. The reply is wiped when a record is given back. */
static struct http_xfer *
xfer_get(struct http *h)
{
	struct http_xfer *x;

	if ((x = h->free_xfers) != NULL) {
		h->free_xfers = x->next;
		h->nfree_xfers--;
	} else if ((x = malloc(sizeof(*x))) == NULL)
		return NULL;
	x->next = NULL;
	x->body = x->inline_body;
	x->body[0] = '\0';
	x->len = 0;
	x->overflow = 0;
	return x;
}

static void
xfer_put(struct http *h, struct http_xfer *x)
{
	explicit_bzero(x->body, x->len + 1);
	if (x->body != x->inline_body)
		free(x->body);
	x->body = x->inline_body;
	x->len = 0;
	if (h->nfree_xfers >= HTTP_POOL_MAX) {
		free(x);
		return;
	}
	x->next = h->free_xfers;
	h->free_xfers = x;
	h->nfree_xfers++;
}

/* curl's defaults, then ours. Without a proxy variable in the environment
 * (read once at start), curl is told there is no proxy: it would otherwise
 * look the variables up again for every transfer. */
static int
easy_defaults(struct http *h, CURL *easy)
{
	if (curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK)
		return -1;
	/* A new connection resumes the TLS session any handle made with that
	 * host (curl keeps them per easy handle otherwise, and the pool hands
	 * out many), and the name is resolved once for all. */
	if (h->share != NULL &&
	    curl_easy_setopt(easy, CURLOPT_SHARE, h->share) != CURLE_OK)
		return -1;
	if (!h->proxy_env &&
	    (curl_easy_setopt(easy, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_NOPROXY, "*") != CURLE_OK))
		return -1;
	return 0;
}

static int
proxy_in_env(void)
{
	static const char *const vars[] = {
		"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
		"all_proxy", "ALL_PROXY", NULL
	};
	const char *v;
	size_t i;

	for (i = 0; vars[i] != NULL; i++)
		if ((v = getenv(vars[i])) != NULL && *v != '\0')
			return 1;
	return 0;
}

CURL *
http_easy(struct http *h)
{
	CURL *easy;

	/* Pooled handles got their defaults when they came back. */
	if (h->npool > 0)
		return h->pool[--h->npool];
	if ((easy = curl_easy_init()) == NULL)
		return NULL;
	if (easy_defaults(h, easy) != 0) {
		curl_easy_cleanup(easy);
		return NULL;
	}
	return easy;
}

void
http_easy_release(struct http *h, CURL *easy)
{
	if (easy == NULL)
		return;
	/* Back to curl's defaults: nothing of the last message (its body,
	 * headers, credentials) stays set. The connection cache is the multi
	 * handle's and is kept; the share (reset drops it) is set again. */
	curl_easy_reset(easy);
	if (h->npool >= HTTP_POOL_MAX || easy_defaults(h, easy) != 0) {
		curl_easy_cleanup(easy);
		return;
	}
	h->pool[h->npool++] = easy;
}

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
	if (x->len + n > HTTP_BODY_INLINE) {
		if ((nb = malloc(x->len + n + 1)) == NULL)
			return 0;
		memcpy(nb, x->body, x->len);
		explicit_bzero(x->body, x->len + 1);
		if (x->body != x->inline_body)
			free(x->body);
		x->body = nb;
	}
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
		x->done(x->arg, msg->data.result, status, x->body, x->len);
		http_easy_release(h, x->easy);
		xfer_put(h, x);
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
	/* HTTP/2 (where TLS negotiates it) carries many messages on one
	 * connection: curl's default since 7.62, said here so it stays. */
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	/* One thread, so the share needs no lock functions. Without it (out
	 * of memory) each handle keeps its own sessions, as before. */
	if ((h->share = curl_share_init()) != NULL &&
	    (curl_share_setopt(h->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_DNS) != CURLSHE_OK)) {
		curl_share_cleanup(h->share);
		h->share = NULL;
	}
	h->proxy_env = proxy_in_env();
	return h;
}

void
http_free(struct http *h)
{
	struct http_xfer *x;

	if (h == NULL)
		return;
	loop_timer_cancel(h->loop, &h->timer);
	curl_multi_cleanup(h->multi);
	while (h->npool > 0)
		curl_easy_cleanup(h->pool[--h->npool]);
	/* After every handle that uses it. */
	if (h->share != NULL)
		curl_share_cleanup(h->share);
	while ((x = h->free_xfers) != NULL) {
		h->free_xfers = x->next;
		free(x);
	}
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

	if ((x = xfer_get(h)) == NULL) {
		http_easy_release(h, easy);
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
		http_easy_release(h, easy);
		xfer_put(h, x);
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
