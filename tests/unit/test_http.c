/* lib/http: what a server can make the client do. Each test talks to fake
 * HTTP servers on 127.0.0.1 (a thread each, answering every connection with
 * one canned response and recording the request heads): where credentials
 * go on a redirect, how far redirects are followed, and the limits on what
 * a response may hold. Also the Retry-After reading and its cap. */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>

#include "helpers.h"
#include "../../lib/http.h"
#include "../../oci/registry_internal.h"
#include "../../lib/common.h"

#define MAX_REQUESTS 16

typedef struct fake_server {
	int fd;
	int port;
	pthread_t thread;
	/* what every connection gets: head, then body_len bytes of body (when
	 * body is NULL: filler bytes, written until the client goes away) */
	char head[1200 * 1024];
	const char *body;
	size_t body_len;
	bool hold_open; /* after the response, wait for the client to close */
	/* when set, a GET of /storage/... gets 200 with this body instead */
	const char *storage_body;
	/* what it saw */
	char requests[MAX_REQUESTS][8192];
	int n_requests;
	size_t sent; /* body bytes written, over all connections */
} fake_server;

static void *serve(void *arg)
{
	fake_server *s = arg;

	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		char *req;
		size_t got = 0;

		if (c < 0)
			return NULL;
		req = s->n_requests < MAX_REQUESTS ? s->requests[s->n_requests++]
						   : s->requests[MAX_REQUESTS - 1];
		memset(req, 0, sizeof(s->requests[0]));
		while (got < sizeof(s->requests[0]) - 1 && !strstr(req, "\r\n\r\n")) {
			ssize_t n = recv(c, req + got, sizeof(s->requests[0]) - 1 - got, 0);

			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (s->storage_body && strncmp(req, "GET /storage/", 13) == 0) {
			char head[128];
			size_t n = strlen(s->storage_body);

			snprintf(
				head, sizeof(head),
				"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n",
				n);
			if (send(c, head, strlen(head), MSG_NOSIGNAL) >= 0)
				send(c, s->storage_body, n, MSG_NOSIGNAL);
		} else if (send(c, s->head, strlen(s->head), MSG_NOSIGNAL) >= 0) {
			if (s->body) {
				if (send(c, s->body, s->body_len, MSG_NOSIGNAL) > 0)
					s->sent += s->body_len;
			} else {
				static char filler[65536];
				ssize_t n;

				memset(filler, 'x', sizeof(filler));
				while (s->sent < s->body_len &&
				       (n = send(c, filler, sizeof(filler), MSG_NOSIGNAL)) > 0)
					s->sent += (size_t)n;
			}
		}
		if (s->hold_open) {
			char b[4096];

			while (recv(c, b, sizeof(b), 0) > 0)
				;
		}
		close(c);
	}
}

static void fake_start(fake_server *s)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(s->fd, 0);
	cr_assert_eq(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(s->fd, 8), 0);
	cr_assert_eq(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
	s->port = ntohs(a.sin_port);
	cr_assert_eq(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void fake_stop(fake_server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	pthread_join(s->thread, NULL);
}

static fake_server *fake_new(void)
{
	fake_server *s = calloc(1, sizeof(*s));

	cr_assert_not_null(s);
	return s;
}

/* A response head with Connection: close and the extra header lines. */
static void set_head(fake_server *s, const char *status, const char *extra)
{
	snprintf(s->head, sizeof(s->head), "HTTP/1.1 %s\r\nConnection: close\r\n%s\r\n", status,
		 extra);
}

static void set_ok(fake_server *s, const char *body)
{
	char extra[64];

	snprintf(extra, sizeof(extra), "Content-Length: %zu\r\n", strlen(body));
	set_head(s, "200 OK", extra);
	s->body = body;
	s->body_len = strlen(body);
}

static void set_redirect(fake_server *s, const char *location)
{
	char extra[512];

	snprintf(extra, sizeof(extra), "Location: %s\r\nContent-Length: 0\r\n", location);
	set_head(s, "307 Temporary Redirect", extra);
	s->body = "";
	s->body_len = 0;
}

static bool has_authorization(const char *request)
{
	return strcasestr(request, "\r\nauthorization:") != NULL;
}

static wp_http *client(bool insecure)
{
	wp_http_options o = {.insecure_tls = insecure, .stall_timeout = 20};
	wp_http *h = NULL;
	wp_error *err = NULL;
	int r = wp_http_new(&h, &o, &err);

	assert_ok(r, err);
	return h;
}

static char *url_of(const fake_server *s, const char *host, const char *path)
{
	char *u = wp_strdup_printf("http://%s:%d%s", host, s->port, path);

	cr_assert_not_null(u);
	return u;
}

/* Most tests: one fake server on 127.0.0.1 and a client, url its "/". */
static void one_server_start(fake_server **a, wp_http **h, char **url)
{
	*a = fake_new();
	*h = client(false);
	fake_start(*a);
	*url = url_of(*a, "127.0.0.1", "/");
}

static void one_server_stop(fake_server *a, wp_http *h, char *url)
{
	wp_http_free(h);
	fake_stop(a);
	free(a);
	free(url);
}

/* GET url with authorization; the response in resp, the result returned. */
static int get(wp_http *h, const char *url, const char *authorization, int max_redirects,
	       size_t body_max, wp_http_response *resp, wp_error **err)
{
	wp_http_request req = {.method = "GET",
			       .url = url,
			       .authorization = authorization,
			       .max_redirects = max_redirects,
			       .body_max = body_max};

	return wp_http_send(h, &req, resp, err);
}

/* a redirects a blob GET to target_host on b's port (other_port) or its
 * own; the target answers "blob bytes". */
static void redirect_case(const char *authorization, const char *target_host, bool other_port,
			  bool want_auth_there)
{
	fake_server *a = fake_new(), *b = fake_new();
	wp_http *h = client(false);
	wp_http_response resp = {0};
	wp_error *err = NULL;
	const char *there;
	char *from, *to;
	int r;

	fake_start(a);
	fake_start(b);
	to = url_of(other_port ? b : a, target_host, "/storage/blob");
	from = url_of(a, "127.0.0.1", "/v2/app/blobs/sha256:00");
	set_redirect(a, to);
	a->storage_body = "blob bytes";
	set_ok(b, "blob bytes");
	r = get(h, from, authorization, 5, 0, &resp, &err);
	assert_ok(r, err);
	cr_assert_eq(resp.status, 200);
	cr_assert_eq(resp.body.len, strlen("blob bytes"));
	cr_assert_eq(memcmp(resp.body.data, "blob bytes", resp.body.len), 0);
	cr_assert_eq(a->n_requests, other_port ? 1 : 2);
	cr_assert_eq(b->n_requests, other_port ? 1 : 0);
	cr_assert(has_authorization(a->requests[0]), "%s", a->requests[0]);
	there = other_port ? b->requests[0] : a->requests[1];
	cr_assert(strstr(there, "GET /storage/blob "), "%s", there);
	cr_assert_eq(has_authorization(there), want_auth_there, "%s", there);
	if (!want_auth_there)
		cr_assert_null(strstr(there, authorization + 6), "%s", there);
	wp_http_response_release(&resp);
	wp_http_free(h);
	fake_stop(a);
	fake_stop(b);
	free(a);
	free(b);
	free(from);
	free(to);
}

Test(http, redirect_to_another_port_drops_bearer_authorization)
{
	redirect_case("Bearer secret-token-1f2e", "127.0.0.1", true, false);
}

Test(http, redirect_to_another_port_drops_basic_authorization)
{
	redirect_case("Basic YWxpY2U6c2VjcmV0", "127.0.0.1", true, false);
}

Test(http, redirect_to_another_host_name_drops_authorization)
{
	/* the same address and port, named differently: another origin */
	redirect_case("Bearer secret-token-1f2e", "localhost", false, false);
}

Test(http, redirect_on_the_same_origin_keeps_authorization)
{
	redirect_case("Bearer secret-token-1f2e", "127.0.0.1", false, true);
}

Test(http, redirects_stop_at_the_maximum)
{
	fake_server *a = fake_new();
	wp_http *h = client(false);
	wp_http_response resp = {0};
	wp_error *err = NULL;
	char *url;
	int r;

	fake_start(a);
	url = url_of(a, "127.0.0.1", "/loop");
	set_redirect(a, "/loop");
	r = get(h, url, NULL, 3, 0, &resp, &err);
	assert_error(r, err, WP_EREMOTE, "more than 3 redirects: refused");
	cr_assert_eq(a->n_requests, 4);
	/* max_redirects 0: the 3xx is the answer */
	r = get(h, url, NULL, 0, 0, &resp, &err);
	assert_ok(r, err);
	cr_assert_eq(resp.status, 307);
	wp_http_response_release(&resp);
	wp_http_free(h);
	fake_stop(a);
	free(a);
	free(url);
}

Test(http, redirect_to_another_scheme_is_refused)
{
	static const char *const targets[] = {"file:///etc/passwd", "ftp://127.0.0.1/x",
					      "gopher://127.0.0.1/x"};

	for (size_t i = 0; i < WP_ARRAY_SIZE(targets); i++) {
		fake_server *a = fake_new();
		wp_http *h = client(false);
		wp_http_response resp = {0};
		wp_error *err = NULL;
		char *url;
		int r;

		fake_start(a);
		url = url_of(a, "127.0.0.1", "/v2/");
		set_redirect(a, targets[i]);
		r = get(h, url, "Bearer t", 5, 0, &resp, &err);
		assert_error_in(targets[i], r, err, WP_EREMOTE,
				"to a scheme other than http and https");
		cr_assert_eq(a->n_requests, 1);
		wp_http_free(h);
		fake_stop(a);
		free(a);
		free(url);
	}
}

Test(http, body_over_the_limit_is_refused)
{
	static char big[300000];
	fake_server *a;
	wp_http *h;
	wp_http_response resp = {0};
	wp_error *err = NULL;
	char *url;
	int r;

	memset(big, '[', sizeof(big));
	one_server_start(&a, &h, &url);
	/* chunked: no length is stated, the count stops it */
	set_head(a, "200 OK", "Transfer-Encoding: chunked\r\n");
	{
		static char chunked[sizeof(big) + 64];
		int n = snprintf(chunked, sizeof(chunked), "%zx\r\n", sizeof(big));

		memcpy(chunked + n, big, sizeof(big));
		memcpy(chunked + n + sizeof(big), "\r\n0\r\n\r\n", 7);
		a->body = chunked;
		a->body_len = (size_t)n + sizeof(big) + 7;
	}
	r = get(h, url, NULL, 0, 100000, &resp, &err);
	assert_error(r, err, WP_ELIMIT, "response larger than 100000 bytes: refused");
	/* exactly at the limit: accepted */
	r = get(h, url, NULL, 0, sizeof(big), &resp, &err);
	assert_ok(r, err);
	cr_assert_eq(resp.body.len, sizeof(big));
	wp_http_response_release(&resp);
	one_server_stop(a, h, url);
}

Test(http, stated_length_over_the_limit_is_refused_before_the_body)
{
	fake_server *a;
	wp_http *h;
	wp_http_response resp = {0};
	wp_error *err = NULL;
	char *url;
	int r;

	one_server_start(&a, &h, &url);
	/* 5 MiB announced, 10 bytes sent, then nothing until the client
	 * hangs up: only a refusal on the stated length ends this before
	 * the stall timeout */
	set_head(a, "200 OK", "Content-Length: 5242880\r\n");
	a->body = "[[[[[[[[[[";
	a->body_len = 10;
	a->hold_open = true;
	r = get(h, url, NULL, 0, 4u << 20, &resp, &err);
	assert_error(r, err, WP_ELIMIT, "response larger than 4194304 bytes: refused");
	one_server_stop(a, h, url);
}

Test(http, error_body_is_cut_and_not_read_to_its_end)
{
	fake_server *a = fake_new();
	wp_http *h = client(false);
	wp_http_response resp = {0};
	wp_error *err = NULL;
	char *url;
	int r;

	fake_start(a);
	url = url_of(a, "127.0.0.1", "/");
	set_head(a, "500 Internal Server Error", "");
	a->body = NULL;
	a->body_len = (size_t)1 << 30; /* 1 GiB of filler, unless cut */
	r = get(h, url, NULL, 0, 4096, &resp, &err);
	assert_ok(r, err);
	cr_assert_eq(resp.status, 500);
	cr_assert_eq(resp.body.len, 4096);
	wp_http_free(h);
	wp_http_response_release(&resp);
	fake_stop(a);
	cr_assert_lt(a->sent, a->body_len, "the client read all %zu bytes", a->sent);
	free(a);
	free(url);
}

Test(http, too_many_header_lines_are_refused)
{
	fake_server *a;
	wp_http *h;
	wp_http_response resp = {0};
	wp_error *err = NULL;
	char *url, extra[64 * 1024] = "";
	size_t at = 0;
	int r;

	for (int i = 0; i < 600; i++)
		at += (size_t)snprintf(extra + at, sizeof(extra) - at, "Link: <%d>\r\n", i);
	one_server_start(&a, &h, &url);
	set_head(a, "200 OK", extra);
	a->body = "";
	r = get(h, url, NULL, 0, 0, &resp, &err);
	assert_error(r, err, WP_ELIMIT, "response headers over 262144 bytes or 500 lines: refused");
	one_server_stop(a, h, url);
}

Test(http, header_bytes_over_the_limit_are_refused)
{
	static char extra[400 * 1024];
	fake_server *a;
	wp_http *h;
	wp_http_response resp = {0};
	wp_error *err = NULL;
	size_t at = 0;
	char *url;
	int r;

	/* three WWW-Authenticate lines of 90 KiB: each under curl's own
	 * limit for one line, 270 KiB together */
	for (int i = 0; i < 3; i++) {
		at += (size_t)snprintf(extra + at, sizeof(extra) - at,
				       "WWW-Authenticate: Bearer realm=\"");
		memset(extra + at, 'a', 90 * 1024);
		at += 90 * 1024;
		at += (size_t)snprintf(extra + at, sizeof(extra) - at, "\"\r\n");
	}
	one_server_start(&a, &h, &url);
	set_head(a, "401 Unauthorized", extra);
	a->body = "";
	r = get(h, url, NULL, 0, 0, &resp, &err);
	assert_error(r, err, WP_ELIMIT, "response headers over 262144 bytes");
	one_server_stop(a, h, url);
}

Test(http, one_giant_header_line_fails_cleanly)
{
	static char extra[1100 * 1024];
	fake_server *a;
	wp_http *h;
	wp_http_response resp = {0};
	wp_error *err = NULL;
	size_t at;
	char *url;
	int r;

	at = (size_t)snprintf(extra, sizeof(extra), "Docker-Content-Digest: sha256:");
	memset(extra + at, 'f', 1024 * 1024);
	at += 1024 * 1024;
	memcpy(extra + at, "\r\n", 3);
	one_server_start(&a, &h, &url);
	set_head(a, "200 OK", extra);
	a->body = "";
	r = get(h, url, NULL, 0, 0, &resp, &err);
	/* curl's own per-line limit (100 KiB) refuses it before we see it */
	assert_error(r, err, WP_ELIMIT, "a header line over 100 KiB");
	one_server_stop(a, h, url);
}

Test(http, content_length_longer_than_the_body_is_a_network_error)
{
	fake_server *a;
	wp_http *h;
	wp_http_response resp = {0};
	wp_error *err = NULL;
	char *url;
	int r;

	one_server_start(&a, &h, &url);
	set_head(a, "200 OK", "Content-Length: 100\r\n");
	a->body = "only ten b";
	a->body_len = 10;
	r = get(h, url, NULL, 0, 0, &resp, &err);
	assert_error(r, err, WP_ENETWORK, "GET http://127.0.0.1:");
	one_server_stop(a, h, url);
}

Test(http, content_length_shorter_than_the_body_keeps_only_what_it_states)
{
	fake_server *a;
	wp_http *h;
	wp_http_response resp = {0};
	wp_error *err = NULL;
	char *url;
	int r;

	one_server_start(&a, &h, &url);
	set_head(a, "200 OK", "Content-Length: 5\r\n");
	a->body = "helloEXTRA BYTES";
	a->body_len = strlen(a->body);
	r = get(h, url, NULL, 0, 0, &resp, &err);
	assert_ok(r, err);
	cr_assert_eq(resp.body.len, 5);
	cr_assert_eq(memcmp(resp.body.data, "hello", 5), 0);
	wp_http_response_release(&resp);
	one_server_stop(a, h, url);
}

Test(http, same_origin_compares_scheme_host_and_port)
{
	cr_assert(wp_url_same_origin("https://r.example/v2/", "https://R.example:443/x?y"));
	cr_assert(wp_url_same_origin("http://127.0.0.1:5000/a", "http://127.0.0.1:5000/b"));
	cr_assert_not(wp_url_same_origin("https://r.example/", "http://r.example/"));
	cr_assert_not(wp_url_same_origin("https://r.example/", "https://r.example:444/"));
	cr_assert_not(wp_url_same_origin("https://r.example/", "https://s3.example/"));
	cr_assert_not(wp_url_same_origin("https://r.example/", "https://r.example.evil/"));
	cr_assert_not(wp_url_same_origin("https://r.example/", "not a url"));
}

Test(http, retry_after_is_read_and_capped)
{
	cr_assert_eq(wp_http_retry_after("120"), 120);
	cr_assert_eq(wp_http_retry_after(" 0"), 0);
	cr_assert_eq(wp_http_retry_after("86400"), 86400);
	cr_assert_eq(wp_http_retry_after("86401"), 86400);
	cr_assert_eq(wp_http_retry_after("99999999999999999999999999999"), 86400);
	cr_assert_eq(wp_http_retry_after("Fri, 31 Dec 9999 23:59:59 GMT"), 86400);
	cr_assert_eq(wp_http_retry_after("Thu, 01 Jan 1970 00:00:01 GMT"), 0);
	cr_assert_eq(wp_http_retry_after("-5"), -1);
	cr_assert_eq(wp_http_retry_after("12abc"), -1);
	cr_assert_eq(wp_http_retry_after("soon"), -1);
	cr_assert_eq(wp_http_retry_after(NULL), -1);
}

Test(http, waits_follow_retry_after_up_to_300_seconds)
{
	cr_assert_float_eq(wp_registry_wait_seconds(0, 7), 7.0, 1e-9);
	cr_assert_float_eq(wp_registry_wait_seconds(3, 0), 0.0, 1e-9);
	cr_assert_float_eq(wp_registry_wait_seconds(0, 300), 300.0, 1e-9);
	cr_assert_float_eq(wp_registry_wait_seconds(0, 301), 300.0, 1e-9);
	cr_assert_float_eq(wp_registry_wait_seconds(0, wp_http_retry_after("999999999999")), 300.0,
			   1e-9);
	for (int attempt = 0; attempt < 40; attempt++) {
		double w = wp_registry_wait_seconds(attempt, -1);

		cr_assert(w >= 0.1 && w <= 10.0, "attempt %d: %f s", attempt, w);
	}
}

Test(http, only_http_and_https_urls_are_requested)
{
	static const char *const urls[] = {"file:///etc/passwd", "ftp://127.0.0.1/token",
					   "gopher://127.0.0.1:70/x", "ldap://127.0.0.1/",
					   "/relative/path"};
	wp_http *h = client(false);

	for (size_t i = 0; i < WP_ARRAY_SIZE(urls); i++) {
		wp_http_response resp = {0};
		wp_error *err = NULL;
		int r = get(h, urls[i], "Basic YWxpY2U6c2VjcmV0", 5, 0, &resp, &err);

		assert_error_in(urls[i], r, err, WP_EINVALID, "not an http or https URL: refused");
	}
	wp_http_free(h);
}

Test(http, only_loopback_addresses_count_as_loopback)
{
	static const char *const yes[] = {"localhost",	    "localhost:5000", "127.0.0.1",
					  "127.0.0.1:5000", "127.1.2.3:443",  "[::1]:5000"};
	static const char *const no[] = {
		"127.example.com",	   "127.0.0.1.nip.io:5000", "127.evil:5000", "0.0.0.0:5000",
		"[::ffff:127.0.0.1]:5000", "localhost.example.com", "128.0.0.1",     "ghcr.io"};

	for (size_t i = 0; i < WP_ARRAY_SIZE(yes); i++)
		cr_assert(wp_registry_is_loopback(yes[i]), "%s", yes[i]);
	for (size_t i = 0; i < WP_ARRAY_SIZE(no); i++)
		cr_assert_not(wp_registry_is_loopback(no[i]), "%s", no[i]);
}
