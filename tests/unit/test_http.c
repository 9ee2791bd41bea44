/* helper/core/http.c: pooled easy handles come back reset (nothing of the last
 * message stays set), keep-alive survives the reuse, and the proxy choice is
 * the environment's at start. A small HTTP server on 127.0.0.1 runs on the
 * same loop and records what it was sent. A TLS server in a child process
 * tells whether a second handle's connection resumed the first one's TLS
 * session (the share, issue 16). */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "http.h"
#include "loop.h"
#include "../tap.h"

#define REQ_MAX 8192

static struct loop *l;
static int port, accepts, done_calls;
static char req[REQ_MAX + 1];          /* the connection's unread bytes */
static size_t reqlen;
static char seen[REQ_MAX + 1];         /* the last whole request */
static const char *reply = "{\"sid\":\"SM1\"}";
static CURLcode got_rc;
static long got_status;
static char got_body[256];

/* A whole request in req (headers and Content-Length body): its length. */
static size_t
request_len(void)
{
	char *end, *cl;
	size_t hl, bl = 0;

	req[reqlen] = '\0';
	if ((end = strstr(req, "\r\n\r\n")) == NULL)
		return 0;
	hl = (size_t)(end - req) + 4;
	if ((cl = strcasestr(req, "\r\nContent-Length:")) != NULL && cl < end)
		bl = strtoul(cl + 17, NULL, 10);
	return reqlen >= hl + bl ? hl + bl : 0;
}

static void
on_conn(void *arg, int fd, uint32_t events)
{
	char out[512];
	size_t n;
	ssize_t r;

	r = recv(fd, req + reqlen, REQ_MAX - reqlen, 0);
	if (r <= 0) {
		if (r == -1 && errno == EAGAIN)
			return;
		loop_del(l, fd);
		close(fd);
		reqlen = 0;
		return;
	}
	reqlen += (size_t)r;
	if ((n = request_len()) == 0)
		return;
	memcpy(seen, req, n);
	seen[n] = '\0';
	memmove(req, req + n, reqlen - n);
	reqlen -= n;
	n = (size_t)snprintf(out, sizeof(out), "HTTP/1.1 201 Created\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
	    strlen(reply), reply);
	(void)send(fd, out, n, MSG_NOSIGNAL);
}

static void
on_accept(void *arg, int lfd, uint32_t events)
{
	int fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
		return;
	accepts++;
	reqlen = 0;
	loop_add(l, fd, EPOLLIN, on_conn, NULL);
}

static void
on_done(void *arg, CURLcode rc, long status, const char *body, size_t len)
{
	done_calls++;
	got_rc = rc;
	got_status = status;
	snprintf(got_body, sizeof(got_body), "%.*s", (int)len, body);
	loop_stop(l);
}

static void
on_timeout(void *arg)
{
	ok(0, "transfer within 5 s");
	loop_stop(l);
}

/* One transfer on h; easy configured by the caller. */
static void
run(struct http *h, CURL *easy, size_t max_body)
{
	struct loop_timer t;

	done_calls = 0;
	got_rc = CURLE_OK;
	got_status = 0;
	got_body[0] = seen[0] = '\0';
	loop_timer_init(&t, on_timeout, NULL);
	loop_timer_set(l, &t, 5000);
	if (http_start(h, easy, max_body, on_done, NULL) == 0)
		loop_run(l);
	loop_timer_cancel(l, &t);
}

static void
url(CURL *easy, const char *host, const char *path)
{
	char u[256];

	snprintf(u, sizeof(u), "http://%s:%d%s", host, port, path);
	curl_easy_setopt(easy, CURLOPT_URL, u);
}

/* The TLS server (a child): a throwaway P-256 key and self-signed
 * certificate, n connections, one request each answered 201 and closed; for
 * each, whether the session was resumed, one byte on out. */
static void
tls_server(int lfd, int out, int n)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	const char *rsp = "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n"
	    "Connection: close\r\n\r\n{}";
	char buf[4096];
	int i, fd, got;
	SSL *ssl;

	alarm(30);                   /* never outlives a failed test */
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)"127.0.0.1", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (X509_sign(x, key, EVP_sha256()) == 0 ||
	    SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1)
		_exit(1);
	for (i = 0; i < n; i++) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			_exit(1);
		ssl = SSL_new(ctx);
		SSL_set_fd(ssl, fd);
		got = 0;
		buf[0] = '\0';
		if (SSL_accept(ssl) == 1) {
			while (got < (int)sizeof(buf) - 1 &&
			    strstr(buf, "\r\n\r\n") == NULL) {
				int k = SSL_read(ssl, buf + got,
				    (int)sizeof(buf) - 1 - got);

				if (k <= 0)
					break;
				got += k;
				buf[got] = '\0';
			}
			SSL_write(ssl, rsp, (int)strlen(rsp));
		}
		buf[0] = (char)('0' + SSL_session_reused(ssl));
		(void)write(out, buf, 1);
		SSL_shutdown(ssl);
		SSL_free(ssl);
		close(fd);
		memset(buf, 0, sizeof(buf));
	}
	_exit(0);
}

int
main(void)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct curl_slist *hdr;
	struct http *h, *hp;
	CURL *e1, *e2;
	char path[64];
	int lfd, i, reused = 1;

	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	l = loop_new();
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l == NULL || lfd == -1 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, 16) != 0 || getsockname(lfd, (struct sockaddr *)&sin, &slen) != 0 ||
	    loop_add(l, lfd, EPOLLIN, on_accept, NULL) != 0) {
		printf("Bail out! cannot listen on 127.0.0.1\n");
		return 1;
	}
	port = ntohs(sin.sin_port);
	h = http_new(l);
	ok(h != NULL, "http_new");

	/* A POST with a body and a header of its own. */
	e1 = http_easy(h);
	ok(e1 != NULL, "an easy handle");
	hdr = curl_slist_append(NULL, "X-Test: yes");
	url(e1, "127.0.0.1", "/one");
	curl_easy_setopt(e1, CURLOPT_POSTFIELDS, "a=1");
	curl_easy_setopt(e1, CURLOPT_HTTPHEADER, hdr);
	run(h, e1, 256);
	is_int(done_calls, 1, "done called once");
	is_int(got_rc, CURLE_OK, "POST went through");
	is_int(got_status, 201, "status");
	is_str(got_body, reply, "reply body");
	ok(strncmp(seen, "POST /one HTTP/1.1\r\n", 20) == 0, "the server saw the POST");
	ok(strstr(seen, "\r\nX-Test: yes\r\n") != NULL, "with its header");
	ok(strstr(seen, "\r\n\r\na=1") != NULL, "and its body");
	curl_slist_free_all(hdr);

	/* The same handle comes back, with nothing of the POST left set. */
	e2 = http_easy(h);
	ok(e2 == e1, "the handle is reused");
	url(e2, "127.0.0.1", "/two");
	run(h, e2, 256);
	is_int(got_status, 201, "second transfer");
	ok(strncmp(seen, "GET /two HTTP/1.1\r\n", 19) == 0, "a GET: POST and body were reset");
	ok(strstr(seen, "X-Test") == NULL, "no header of the last message");
	is_int(accepts, 1, "one connection for both (keep-alive kept across reuse)");

	/* Many in turn, still one handle and one connection. */
	for (i = 0; i < 50; i++) {
		e2 = http_easy(h);
		reused &= e2 == e1;
		snprintf(path, sizeof(path), "/n%d", i);
		url(e2, "127.0.0.1", path);
		curl_easy_setopt(e2, CURLOPT_POSTFIELDS, "b=2");
		run(h, e2, 256);
		if (got_status != 201)
			break;
	}
	is_int(i, 50, "50 more transfers");
	ok(reused, "all on the pooled handle");
	is_int(accepts, 1, "all on the first connection");

	/* A reply over max_body fails the transfer; the pool is fine after. */
	e2 = http_easy(h);
	url(e2, "127.0.0.1", "/big");
	run(h, e2, 4);
	is_int(got_rc, CURLE_WRITE_ERROR, "a reply over max_body fails");
	e2 = http_easy(h);
	url(e2, "127.0.0.1", "/after");
	run(h, e2, 256);
	is_int(got_status, 201, "the next transfer works");
	is_str(got_body, reply, "with its whole reply");

	/* A handle never started goes back too. */
	e2 = http_easy(h);
	curl_easy_setopt(e2, CURLOPT_POSTFIELDS, "c=3");
	http_easy_release(h, e2);
	ok(http_easy(h) == e2, "a released handle is handed out again");
	url(e2, "127.0.0.1", "/released");
	run(h, e2, 256);
	ok(strncmp(seen, "GET /released ", 14) == 0, "reset on release");

	/* A proxy named in the environment at start is used (our server plays
	 * it: it sees the absolute URL); a variable set later is not looked at
	 * by an http that started without one. */
	snprintf(path, sizeof(path), "http://127.0.0.1:%d", port);
	setenv("http_proxy", path, 1);
	hp = http_new(l);
	e2 = http_easy(hp);
	curl_easy_setopt(e2, CURLOPT_URL, "http://otpsms.invalid/via-proxy");
	run(hp, e2, 256);
	is_int(got_status, 201, "through the proxy");
	ok(strncmp(seen, "GET http://otpsms.invalid/via-proxy HTTP/1.1\r\n", 46) == 0,
	    "the proxy got the absolute URL");
	e2 = http_easy(h);
	url(e2, "127.0.0.1", "/direct");
	run(h, e2, 256);
	ok(strncmp(seen, "GET /direct HTTP/1.1\r\n", 22) == 0,
	    "no proxy for an http started without one");
	unsetenv("http_proxy");

	/* TLS: a second handle's new connection resumes the session the
	 * first handle's connection made (the share); curl alone keeps
	 * sessions per handle, and the pool hands out many. */
	{
		int tfd, pfd[2], st;
		char r[3] = "";
		pid_t pid;

		tfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		sin.sin_port = 0;
		slen = sizeof(sin);
		if (tfd == -1 || pipe(pfd) != 0 ||
		    bind(tfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
		    listen(tfd, 4) != 0 ||
		    getsockname(tfd, (struct sockaddr *)&sin, &slen) != 0 ||
		    (pid = fork()) == -1) {
			printf("Bail out! cannot start the TLS server\n");
			return 1;
		}
		if (pid == 0)
			tls_server(tfd, pfd[1], 2);
		close(pfd[1]);
		snprintf(path, sizeof(path), "https://127.0.0.1:%d/tls",
		    ntohs(sin.sin_port));
		e1 = http_easy(h);
		e2 = http_easy(h);
		ok(e1 != e2, "two handles");
		curl_easy_setopt(e1, CURLOPT_URL, path);
		curl_easy_setopt(e1, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e1, CURLOPT_SSL_VERIFYHOST, 0L);
		curl_easy_setopt(e2, CURLOPT_URL, path);
		curl_easy_setopt(e2, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e2, CURLOPT_SSL_VERIFYHOST, 0L);
		run(h, e1, 256);
		is_int(got_status, 201, "a POST over TLS");
		run(h, e2, 256);
		is_int(got_status, 201, "a second one, on another handle and "
		    "another connection (the server closed the first)");
		ok(read(pfd[0], r, 2) == 2 && r[0] == '0' && r[1] == '1',
		    "the second connection resumed the first's TLS session "
		    "(server saw reused=%s)", r);
		close(pfd[0]);
		close(tfd);
		waitpid(pid, &st, 0);
	}

	http_free(hp);
	http_free(h);
	loop_del(l, lfd);
	close(lfd);
	loop_free(l);
	curl_global_cleanup();
	return done_testing();
}
