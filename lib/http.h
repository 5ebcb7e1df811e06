/* HTTP on libcurl; the only file that includes curl. One client holds the
 * settings (TLS, timeouts, user agent) and a connection pool shared by every
 * thread through a curl share object, so requests reuse connections (and
 * HTTP/2 where the server offers it). Requests are blocking and thread-safe.
 *
 * Redirects are followed here, not by curl, so the rules are explicit: the
 * Authorization value is dropped as soon as a redirect leaves the original
 * scheme, host and port; relative and absolute Location values are resolved
 * against the request URL with their query strings kept byte for byte; a
 * 303 becomes a GET; other redirects repeat the method and the body. A
 * redirect to a scheme other than http and https, from https to plain http
 * (unless insecure_tls), or past max_redirects is an error (WP_EREMOTE).
 *
 * What a response may hold is bounded: its headers (256 KiB, 500 lines), and
 * a body kept in memory (body_max: a 2xx body over it is WP_ELIMIT, refused
 * on a larger Content-Length before a byte is kept; an error body is cut
 * there and the rest is not read).
 *
 * --debug logs each request line and status. Authorization values are never
 * logged and query values other than well-known harmless ones are masked, so
 * neither credentials nor tokens (nor presigned URL signatures) can leak. */
#ifndef WP_HTTP_H
#define WP_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "sink.h"
#include "str.h"

typedef struct wp_http wp_http;

typedef struct wp_http_options {
	const char *user_agent; /* default "wasmpack/<version>" */
	const char *ca_file;	/* extra trusted CAs (PEM), added to the system's */
	bool insecure_tls;	/* do not verify certificates (--insecure) */
	long connect_timeout;	/* seconds; 0: 30 */
	long stall_timeout;	/* seconds without a byte moving; 0: 60 */
} wp_http_options;

/* A request body: bytes in memory, a region of a file (fd >= 0), or size
 * bytes read once from a stream such as a pipe (fd >= 0, offset < 0: it
 * cannot be sent again, so such a request is never repeated). */
typedef struct wp_http_body {
	const void *data;
	size_t len;
	int fd;
	int64_t offset;
	int64_t size;
} wp_http_body;

typedef struct wp_http_request {
	const char *method; /* GET HEAD PUT POST PATCH DELETE */
	const char *url;
	const wp_strv *headers;	   /* extra "Name: value" lines; may be NULL */
	const char *authorization; /* the Authorization value; may be NULL */
	bool has_body;		   /* PUT/POST/PATCH: send `body` (length may be 0) */
	wp_http_body body;
	const wp_sink *sink; /* response body of a 2xx goes here when set */
	size_t body_max;     /* otherwise kept in resp->body up to this; 0: 1 MiB */
	int max_redirects;   /* 0: do not follow (the 3xx is the answer) */
	void (*progress)(void *ctx, int64_t sent, int64_t received);
	void *progress_ctx;
} wp_http_request;

typedef struct wp_http_response {
	long status;
	wp_kv headers; /* names lower-cased, in order, repeated names kept */
	wp_buf body;
	char *url;		    /* the URL that answered, after redirects; owned */
	char *redirected_from_host; /* set when a redirect changed the origin */
} wp_http_response;

int wp_http_new(wp_http **out, const wp_http_options *o, wp_error **err);
void wp_http_free(wp_http *h);

/* Performs a request. Any HTTP status is a success (resp->status); transport
 * failures are WP_ENETWORK (refused, reset, timed out, cut short) or WP_ETLS
 * (certificate or handshake refused), with curl's reason and the host. */
int wp_http_send(wp_http *h, const wp_http_request *req, wp_http_response *resp, wp_error **err);
void wp_http_response_release(wp_http_response *r);

/* The first value of a response header (name in lower case), or NULL. */
const char *wp_http_header(const wp_http_response *r, const char *name);
/* The target of a Link header's rel="next" (pagination), or NULL. Owned. */
char *wp_http_next_link(const wp_http_response *resp);

/* Resolves a Location (relative or absolute) against base; owned result. */
int wp_url_resolve(const char *base, const char *location, char **out, wp_error **err);
/* True when both URLs have the same scheme, host and port. */
bool wp_url_same_origin(const char *a, const char *b);
/* Appends "name=value" (value URL-encoded) with '?' or '&'. */
int wp_url_add_query(char **url, const char *name, const char *value, wp_error **err);
/* Percent-encodes s for a query or form value; owned, NULL when out of memory. */
char *wp_url_escape(const char *s);
/* The URL with query values masked, for logs; owned, NULL when out of memory. */
char *wp_url_redact(const char *url);
/* Seconds to wait from a Retry-After value (seconds or HTTP-date), at most
 * 86400; -1 when it cannot be read. */
long wp_http_retry_after(const char *value);

#endif
