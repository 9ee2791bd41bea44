/* curlclient: the send path's own limit through libcurl (make bench's
 * curl_limit). A minimal libcurl multi client, on epoll with
 * curl_multi_socket_action as otpsmsd's http.c, doing what the twilio driver
 * does for each message and nothing else: a pooled easy handle reset and
 * given the same options (URL, POST of a form of the same size, Basic auth,
 * "Expect:", timeouts, user agent, no proxy), CONCURRENCY transfers in
 * flight, the same keep-alive cache size. So send_rate / curl_limit is the
 * share of libcurl's rate the daemon keeps after its own work (the Unix
 * exchange, the code, the store, the log line).
 *
 *   curlclient -u URL -c CONCURRENCY -d SECONDS [-w WARMUP] [-a USER:PASS]
 *              [-2] [-k]
 *
 * -2: HTTP/2 where TLS negotiates it (CURL_HTTP_VERSION_2TLS) with
 * multiplexing; -k: do not verify the server's certificate (the bench's own
 * test certificate). Prints: ok=N errors=E rate=R */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define MAX_CONC 4096

static CURLM *multi;
static int epfd, running;
static long timeout_ms = -1;
static const char *url, *auth = "AC0123456789abcdef0123456789abcdef:0123456789abcdef0123456789abcdef";
static int h2, insecure, counting, stop;
static unsigned long long nok, nerr, seq;
static struct curl_slist *hdrs;
static CURL *pool[MAX_CONC];
static size_t npool;
static char forms[MAX_CONC][128];

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
sink(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

static int
sock_cb(CURL *e, curl_socket_t s, int what, void *u, void *sp)
{
	struct epoll_event ev = { 0 };

	(void)e;
	(void)u;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, s, NULL);
		curl_multi_assign(multi, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) |
	    (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	ev.data.fd = s;
	if (sp == NULL) {
		epoll_ctl(epfd, EPOLL_CTL_ADD, s, &ev);
		curl_multi_assign(multi, s, multi);
	} else
		epoll_ctl(epfd, EPOLL_CTL_MOD, s, &ev);
	return 0;
}

static int
timer_cb(CURLM *m, long ms, void *u)
{
	(void)m;
	(void)u;
	timeout_ms = ms;
	return 0;
}

/* One message as the twilio driver posts it: a form of the same shape,
 * its digits changing. */
static int
start(size_t slot)
{
	CURL *e = npool ? pool[--npool] : curl_easy_init();
	char *f = forms[slot];
	int n;

	if (e == NULL)
		return -1;
	seq++;
	n = snprintf(f, sizeof(forms[0]), "To=%%2B4477009%05llu&From=%%2B15017122661"
	    "&Body=%06llu%%20is%%20your%%20code", seq % 2000, seq * 7919 % 1000000);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, f);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)n);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(e, CURLOPT_USERPWD, auth);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "otpsmsd/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)slot);
	if (h2) {
		curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	}
	if (insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return curl_multi_add_handle(multi, e) == CURLM_OK ? 0 : -1;
}

static void
reap(void)
{
	CURLMsg *m;
	long code;
	int left;
	void *slot;

	while ((m = curl_multi_info_read(multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		code = 0;
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&slot);
		if (counting) {
			if (m->data.result == CURLE_OK && code == 201)
				nok++;
			else
				nerr++;
		}
		curl_multi_remove_handle(multi, m->easy_handle);
		curl_easy_reset(m->easy_handle);
		pool[npool++] = m->easy_handle;
		if (!stop && start((size_t)slot) != 0)
			nerr++;
	}
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[64];
	double secs = 4, warm = 1, t0, tend, tcount = 0;
	int conc = 64, ch, i, n, r = 1;

	while ((ch = getopt(argc, argv, "u:c:d:w:a:2k")) != -1) {
		switch (ch) {
		case 'u': url = optarg; break;
		case 'c': conc = atoi(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'w': warm = atof(optarg); break;
		case 'a': auth = optarg; break;
		case '2': h2 = 1; break;
		case 'k': insecure = 1; break;
		default: goto usage;
		}
	}
	if (url == NULL || conc < 1 || conc > MAX_CONC || secs <= 0)
		goto usage;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	epfd = epoll_create1(EPOLL_CLOEXEC);
	hdrs = curl_slist_append(NULL, "Expect:");
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 512L);
	curl_multi_setopt(multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	for (i = 0; i < conc; i++)
		if (start((size_t)i) != 0)
			goto out;
	t0 = now_s();
	tend = t0 + warm + secs;
	curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	while (now_s() < tend) {
		if (!counting && now_s() >= t0 + warm) {
			counting = 1;
			tcount = now_s();
		}
		n = epoll_wait(epfd, evs, 64, timeout_ms < 0 ? 100 :
		    (int)(timeout_ms > 100 ? 100 : timeout_ms));
		if (n == 0)
			curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
		for (i = 0; i < n; i++)
			curl_multi_socket_action(multi, evs[i].data.fd,
			    (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
			    (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
			    (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0),
			    &running);
		reap();
	}
	stop = 1;
	printf("ok=%llu errors=%llu rate=%.0f\n", nok, nerr,
	    counting ? (double)nok / (now_s() - tcount) : 0.0);
	r = 0;
out:
	return r;
usage:
	fprintf(stderr, "usage: curlclient -u URL -c CONC -d SECONDS [-w WARMUP] "
	    "[-a USER:PASS] [-2] [-k]\n");
	return 2;
}
