/* libcurl's multi interface on the daemon's loop (after curl's ephiperfifo.c):
 * curl sockets are watched by epoll, curl's timeout is a loop timer, and name
 * resolution runs on curl's threaded resolver so nothing blocks. */
#ifndef OTPSMS_HTTP_H
#define OTPSMS_HTTP_H

#include <stddef.h>
#include <curl/curl.h>

struct loop;
struct http;

/* Called once per transfer. rc is curl's result; status the HTTP status (0 if
 * none); body is the reply, NUL-terminated, at most the max_body given to
 * http_start (a longer reply fails with CURLE_WRITE_ERROR), wiped after done
 * returns. The easy handle is reset and pooled by http after done returns. */
typedef void http_done_fn(void *arg, CURLcode rc, long status,
    const char *body, size_t bodylen);

struct http *http_new(struct loop *l);
void http_free(struct http *h);

/* Fails unless libcurl resolves names asynchronously (threaded resolver). */
int http_check_async_dns(char *err, size_t errsz);

/* An easy handle for the next transfer: from a pool of handles that earlier
 * transfers used (reset to curl's defaults, so nothing of theirs is left),
 * else a new one. No signals; no proxy unless the daemon's environment named
 * one at start (http_proxy, https_proxy, all_proxy, or their upper case):
 * then curl's own lookup per transfer, as always. NULL when out of memory. */
CURL *http_easy(struct http *h);

/* Resets easy and keeps it for http_easy (or frees it if the pool is full).
 * For a handle that was never given to http_start. */
void http_easy_release(struct http *h, CURL *easy);

/* Takes ownership of easy (configured by the caller: URL, method, headers,
 * body, auth, CURLOPT_TIMEOUT_MS), from http_easy or curl_easy_init. Sets
 * WRITEFUNCTION, WRITEDATA, PRIVATE and NOSIGNAL itself. Returns 0, or -1
 * (easy is released, done is not called). When the transfer ends, easy goes
 * back to the pool: the caller's buffers need only outlive done. */
int http_start(struct http *h, CURL *easy, size_t max_body,
    http_done_fn *done, void *arg);

/* Transfers in flight. */
size_t http_active(const struct http *h);

#endif
