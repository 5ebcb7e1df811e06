#include <curl/curl.h>
#include <ctype.h>
#include <pthread.h>
#include <time.h>

#include "dynlib.h"
#include "fileio.h"
#include "http.h"
#include "log.h"
#include "version.h"
#include "common.h"

#define DEFAULT_BODY_MAX (1u << 20)
#define POOL_MAX 16
/* Response headers, over every response of one transfer (a 100 Continue
 * and the answer): registries send a dozen or two, a few kB in all */
#define HEADERS_MAX_BYTES (256u * 1024)
#define HEADERS_MAX_COUNT 500

struct wp_http {
	CURLSH *share;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
	char *user_agent;
	char *ca_file;
	bool insecure_tls;
	long connect_timeout;
	long stall_timeout;
	/* idle easy handles: a reused handle keeps curl's cache of the parsed
	 * CA store, which costs ~30 ms to build from the system bundle */
	pthread_mutex_t pool_lock;
	CURL *pool[POOL_MAX];
	int n_pool;
};

/* libcurl is loaded on first use, not linked: its ~30 dependent libraries
 * cost ~6 ms of dynamic linking at every start, and only the commands that
 * talk to registries need it (git keeps libcurl out of git itself for the
 * same reason). */
static struct {
	CURLcode (*global_init)(long flags);
	const char *(*easy_strerror)(CURLcode code);
	CURLSH *(*share_init)(void);
	CURLSHcode (*share_setopt)(CURLSH *share, CURLSHoption option, ...);
	CURLSHcode (*share_cleanup)(CURLSH *share);
	CURL *(*easy_init)(void);
	void (*easy_reset)(CURL *curl);
	void (*easy_cleanup)(CURL *curl);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	CURLcode (*easy_perform)(CURL *curl);
	char *(*easy_escape)(CURL *curl, const char *string, int length);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
	void (*slist_free_all)(struct curl_slist *list);
	CURLU *(*url)(void);
	CURLUcode (*url_set)(CURLU *u, CURLUPart part, const char *content, unsigned int flags);
	CURLUcode (*url_get)(const CURLU *u, CURLUPart part, char **content, unsigned int flags);
	void (*url_cleanup)(CURLU *u);
	const char *(*url_strerror)(CURLUcode code);
	void (*free)(void *p);
	time_t (*getdate)(const char *p, const time_t *unused);
} cx;

static int load_curl(char *error, size_t error_size)
{
	static const wp_dynlib_symbol symbols[] = {
#define SYM(f) {"curl_" #f, offsetof(__typeof__(cx), f)}
		SYM(global_init),   SYM(easy_strerror),	 SYM(share_init),   SYM(share_setopt),
		SYM(share_cleanup), SYM(easy_init),	 SYM(easy_reset),   SYM(easy_cleanup),
		SYM(easy_setopt),   SYM(easy_getinfo),	 SYM(easy_perform), SYM(easy_escape),
		SYM(slist_append),  SYM(slist_free_all), SYM(url),	    SYM(url_set),
		SYM(url_get),	    SYM(url_cleanup),	 SYM(url_strerror), SYM(free),
		SYM(getdate),
#undef SYM
	};

	if (wp_dynlib_load("libcurl.so.4", "libcurl4", symbols, WP_ARRAY_SIZE(symbols), &cx, error,
			   error_size) < 0)
		return -1;
	if (cx.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(error, error_size, "cannot start libcurl");
		return -1;
	}
	return 0;
}

/* 0 once libcurl is usable; the reason otherwise. */
static int need_curl(wp_error **err)
{
	static wp_dynlib_once once = WP_DYNLIB_ONCE_INIT;

	return wp_dynlib_once_load(&once, load_curl, err);
}

static void share_lock(CURL *c, curl_lock_data data, curl_lock_access access, void *ctx)
{
	wp_http *h = ctx;

	(void)c;
	(void)access;
	pthread_mutex_lock(&h->locks[data]);
}

static void share_unlock(CURL *c, curl_lock_data data, void *ctx)
{
	wp_http *h = ctx;

	(void)c;
	pthread_mutex_unlock(&h->locks[data]);
}

int wp_http_new(wp_http **out, const wp_http_options *o, wp_error **err)
{
	wp_http *h;
	int r = need_curl(err);

	if (r < 0)
		return r;
	if (!(h = calloc(1, sizeof(*h))))
		return wp_error_oom(err);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&h->locks[i], NULL);
	pthread_mutex_init(&h->pool_lock, NULL);
	h->user_agent =
		o && o->user_agent ? strdup(o->user_agent) : strdup("wasmpack/" WASMPACK_VERSION);
	h->ca_file = o && o->ca_file ? strdup(o->ca_file) : NULL;
	h->insecure_tls = o && o->insecure_tls;
	h->connect_timeout = o && o->connect_timeout > 0 ? o->connect_timeout : 30;
	h->stall_timeout = o && o->stall_timeout > 0 ? o->stall_timeout : 60;
	h->share = cx.share_init();
	if (!h->user_agent || (o && o->ca_file && !h->ca_file) || !h->share) {
		wp_http_free(h);
		return wp_error_oom(err);
	}
	cx.share_setopt(h->share, CURLSHOPT_LOCKFUNC, share_lock);
	cx.share_setopt(h->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	cx.share_setopt(h->share, CURLSHOPT_USERDATA, h);
	cx.share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	cx.share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	cx.share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	*out = h;
	return 0;
}

void wp_http_free(wp_http *h)
{
	if (!h)
		return;
	for (int i = 0; i < h->n_pool; i++)
		cx.easy_cleanup(h->pool[i]);
	pthread_mutex_destroy(&h->pool_lock);
	if (h->share)
		cx.share_cleanup(h->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&h->locks[i]);
	free(h->user_agent);
	free(h->ca_file);
	free(h);
}

void wp_http_response_release(wp_http_response *r)
{
	wp_kv_release(&r->headers);
	wp_buf_release(&r->body);
	free(r->url);
	r->url = NULL;
	r->status = 0;
}

const char *wp_http_header(const wp_http_response *r, const char *name)
{
	return wp_kv_get(&r->headers, name);
}

char *wp_http_next_link(const wp_http_response *resp)
{
	const char *link = wp_http_header(resp, "link");
	const char *open, *close;

	if (!link || !strstr(link, "rel=\"next\"") || !(open = strchr(link, '<')) ||
	    !(close = strchr(open, '>')))
		return NULL;
	return strndup(open + 1, (size_t)(close - open - 1));
}

static CURL *take_handle(wp_http *h)
{
	CURL *c = NULL;

	pthread_mutex_lock(&h->pool_lock);
	if (h->n_pool)
		c = h->pool[--h->n_pool];
	pthread_mutex_unlock(&h->pool_lock);
	return c ? c : cx.easy_init();
}

static void give_handle(wp_http *h, CURL *c)
{
	cx.easy_reset(c);
	pthread_mutex_lock(&h->pool_lock);
	if (h->n_pool < POOL_MAX) {
		h->pool[h->n_pool++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&h->pool_lock);
	if (c)
		cx.easy_cleanup(c);
}

/* One transfer's state, shared by the curl callbacks. */
struct transfer {
	CURL *curl;
	const wp_http_request *req;
	wp_http_response *resp;
	int64_t body_pos;
	size_t body_max;
	bool overflow;
	bool error_body_cut; /* a non-2xx body reached body_max: the rest is not read */
	size_t header_bytes, header_count;
	bool headers_overflow;
	wp_error *cb_err; /* an error from the sink or the body file */
	/* stall detection: when a byte last moved either way. curl's own
	 * LOW_SPEED_TIME averages over a few seconds, so after a burst (an
	 * upload, then a server that never answers) it gives up far later */
	long stall_timeout;
	curl_off_t moved_up, moved_down;
	struct timespec moved_at;
	bool stalled;
};

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n, klen;
	const char *colon, *v, *end = data + len;
	char *key;

	t->header_bytes += len;
	if (++t->header_count > HEADERS_MAX_COUNT || t->header_bytes > HEADERS_MAX_BYTES) {
		t->headers_overflow = true;
		return 0;
	}
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* a new response (after a 100 Continue, say): start over */
		wp_kv_release(&t->resp->headers);
		return len;
	}
	colon = memchr(data, ':', len);
	if (!colon || colon == data)
		return len;
	klen = (size_t)(colon - data);
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	if (!(key = strndup(data, klen)))
		return 0;
	for (char *k = key; *k; k++)
		*k = (char)tolower((unsigned char)*k);
	{
		_cleanup_free_ char *value = strndup(v, (size_t)(end - v));

		if (!value || wp_kv_add(&t->resp->headers, key, value, NULL) < 0) {
			free(key);
			return 0;
		}
	}
	free(key);
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n;
	long status = 0;

	cx.easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
	if (t->req->sink && status >= 200 && status < 300) {
		if (wp_sink_write(t->req->sink, data, len, &t->cb_err) < 0)
			return 0;
		return len;
	}
	if (status >= 200 && status < 300 && t->resp->body.len == 0) {
		/* a stated length over the limit is refused before a byte is kept */
		curl_off_t stated = -1;

		cx.easy_getinfo(t->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &stated);
		if (stated > 0 && (uint64_t)stated > t->body_max) {
			t->overflow = true;
			return 0;
		}
	}
	if (t->resp->body.len + len > t->body_max) {
		/* error bodies are only read for their message: keep the start,
		 * and stop the transfer there (an endless one would never end) */
		if (status < 200 || status >= 300) {
			size_t room = t->body_max - t->resp->body.len;

			wp_buf_append(&t->resp->body, data, room, NULL);
			t->error_body_cut = true;
			return 0;
		}
		t->overflow = true;
		return 0;
	}
	if (wp_buf_append(&t->resp->body, data, len, NULL) < 0)
		return 0;
	return len;
}

static size_t on_read(char *out, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	const wp_http_body *b = &t->req->body;
	int64_t total = b->fd >= 0 ? b->size : (int64_t)b->len;
	size_t want = size * n, got = 0;

	if (t->body_pos >= total)
		return 0;
	if ((int64_t)want > total - t->body_pos)
		want = (size_t)(total - t->body_pos);
	if (b->fd < 0) {
		memcpy(out, (const char *)b->data + t->body_pos, want);
		got = want;
	} else if ((b->offset < 0
			    ? wp_read_full(b->fd, out, want, &got, "the request body", &t->cb_err)
			    : wp_pread_full(b->fd, out, want, (uint64_t)(b->offset + t->body_pos),
					    &got, "the request body", &t->cb_err)) < 0 ||
		   got == 0) {
		if (!t->cb_err)
			wp_error_set(&t->cb_err, WP_EIO, "the file being sent shrank");
		return CURL_READFUNC_ABORT;
	}
	t->body_pos += (int64_t)got;
	return got;
}

static int on_seek(void *ctx, curl_off_t offset, int origin)
{
	struct transfer *t = ctx;

	if (origin != SEEK_SET || offset < 0)
		return CURL_SEEKFUNC_CANTSEEK;
	/* a stream is read once: it can only "seek" to where it is */
	if (t->req->body.fd >= 0 && t->req->body.offset < 0 && offset != t->body_pos)
		return CURL_SEEKFUNC_CANTSEEK;
	t->body_pos = (int64_t)offset;
	return CURL_SEEKFUNC_OK;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct transfer *t = ctx;
	struct timespec now;

	(void)dltotal;
	(void)ultotal;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ulnow != t->moved_up || dlnow != t->moved_down) {
		t->moved_up = ulnow;
		t->moved_down = dlnow;
		t->moved_at = now;
	} else if ((now.tv_sec - t->moved_at.tv_sec) * 1000 +
			   (now.tv_nsec - t->moved_at.tv_nsec) / 1000000 >=
		   t->stall_timeout * 1000) {
		t->stalled = true;
		return 1; /* abort */
	}
	if (t->req->progress)
		t->req->progress(t->req->progress_ctx, (int64_t)ulnow, (int64_t)dlnow);
	return 0;
}

/* Query parameters whose values are safe to log: digests and repository
 * names, never signatures, tokens or upload state. */
static bool harmless_query(const char *name, size_t n)
{
	static const char *const names[] = {"digest", "mount",	 "from", "n",
					    "last",   "service", "scope"};

	for (size_t i = 0; i < WP_ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
			return true;
	return false;
}

char *wp_url_redact(const char *url)
{
	wp_buf b = WP_BUF_INIT(64 * 1024);
	const char *q = strchr(url, '?'), *scheme_end = strstr(url, "://"), *at;
	const char *host = scheme_end ? scheme_end + 3 : url;
	size_t head = q ? (size_t)(q - url) : strlen(url);

	/* user:password@ in the authority is dropped */
	at = memchr(host, '@', (size_t)(url + head - host));
	if (at && !memchr(host, '/', (size_t)(at - host))) {
		wp_buf_append(&b, url, (size_t)(host - url), NULL);
		wp_buf_append(&b, "***@", 4, NULL);
		wp_buf_append(&b, at + 1, (size_t)(url + head - at - 1), NULL);
	} else {
		wp_buf_append(&b, url, head, NULL);
	}
	while (q && *q) {
		const char *p = q + 1, *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));

		wp_buf_append(&b, q, 1, NULL);
		if (eq && !harmless_query(p, (size_t)(eq - p))) {
			wp_buf_append(&b, p, (size_t)(eq - p), NULL);
			wp_buf_append(&b, "=***", 4, NULL);
		} else {
			wp_buf_append(&b, p, (size_t)(end - p), NULL);
		}
		q = amp;
	}
	return wp_buf_detach(&b, NULL);
}

static int curl_failure(CURLcode code, const char *errbuf, const char *method, const char *url,
			wp_error **err)
{
	_cleanup_free_ char *shown = wp_url_redact(url);
	const char *why = errbuf && *errbuf ? errbuf : cx.easy_strerror(code);
	int kind = WP_ENETWORK;

	switch (code) {
	case CURLE_OUT_OF_MEMORY:
		/* what curl says of a header line over its own limit (100 KiB) */
		kind = WP_ELIMIT;
		why = "response refused: a header line over 100 KiB (or out of memory)";
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CONNECT_ERROR:
		kind = WP_ETLS;
		break;
	default:
		break;
	}
	return wp_error_set(err, kind, "%s %s: %s", method, shown ? shown : "(url)", why);
}

/* One request without redirects. */
static int perform(wp_http *h, const wp_http_request *req, const char *method, const char *url,
		   const char *auth, bool has_body, wp_http_response *resp, wp_error **err)
{
	_cleanup_free_ char *auth_line = auth ? wp_strdup_printf("Authorization: %s", auth) : NULL;
	struct transfer t = {0};
	struct curl_slist *headers = NULL, *grown;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct timespec t0, t1;
	CURLcode rc;
	int r = 0;

	if (auth && !auth_line)
		return wp_error_oom(err);
	if (!(t.curl = take_handle(h)))
		return wp_error_oom(err);
	t.req = req;
	t.resp = resp;
	t.body_max = req->body_max ? req->body_max : DEFAULT_BODY_MAX;
	t.stall_timeout = h->stall_timeout;
	wp_buf_init(&resp->body, t.body_max);
	/* a waiting Expect: 100-continue costs a round trip per upload */
	grown = cx.slist_append(headers, "Expect:");
	for (size_t i = 0; grown && req->headers && i < req->headers->len; i++)
		grown = cx.slist_append(headers = grown, req->headers->items[i]);
	if (grown && auth_line)
		grown = cx.slist_append(headers = grown, auth_line);
	if (!grown) {
		cx.slist_free_all(headers);
		give_handle(h, t.curl);
		return wp_error_oom(err);
	}
	headers = grown;
	cx.easy_setopt(t.curl, CURLOPT_URL, url);
	cx.easy_setopt(t.curl, CURLOPT_SHARE, h->share);
	cx.easy_setopt(t.curl, CURLOPT_NOSIGNAL, 1L);
	cx.easy_setopt(t.curl, CURLOPT_ERRORBUFFER, errbuf);
	cx.easy_setopt(t.curl, CURLOPT_USERAGENT, h->user_agent);
	cx.easy_setopt(t.curl, CURLOPT_HTTPHEADER, headers);
	cx.easy_setopt(t.curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* PROTOCOLS_STR is libcurl 7.85+; older ones know only the bitmask */
	if (cx.easy_setopt(t.curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
		cx.easy_setopt(t.curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#pragma GCC diagnostic pop
	}
	cx.easy_setopt(t.curl, CURLOPT_CONNECTTIMEOUT, h->connect_timeout);
	cx.easy_setopt(t.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	cx.easy_setopt(t.curl, CURLOPT_LOW_SPEED_TIME, h->stall_timeout);
	cx.easy_setopt(t.curl, CURLOPT_FOLLOWLOCATION, 0L);
	cx.easy_setopt(t.curl, CURLOPT_HEADERFUNCTION, on_header);
	cx.easy_setopt(t.curl, CURLOPT_HEADERDATA, &t);
	cx.easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, on_body);
	cx.easy_setopt(t.curl, CURLOPT_WRITEDATA, &t);
	cx.easy_setopt(t.curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	cx.easy_setopt(t.curl, CURLOPT_XFERINFODATA, &t);
	cx.easy_setopt(t.curl, CURLOPT_NOPROGRESS, 0L); /* on_progress watches for stalls */
	if (h->ca_file) {
		/* the extra CA file plus the system's directory of CAs */
		cx.easy_setopt(t.curl, CURLOPT_CAINFO, h->ca_file);
		cx.easy_setopt(t.curl, CURLOPT_CAPATH, "/etc/ssl/certs");
	}
	if (h->insecure_tls) {
		cx.easy_setopt(t.curl, CURLOPT_SSL_VERIFYPEER, 0L);
		cx.easy_setopt(t.curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (strcmp(method, "HEAD") == 0) {
		cx.easy_setopt(t.curl, CURLOPT_NOBODY, 1L);
	} else if (has_body) {
		int64_t size = req->body.fd >= 0 ? req->body.size : (int64_t)req->body.len;

		cx.easy_setopt(t.curl, CURLOPT_UPLOAD, 1L);
		cx.easy_setopt(t.curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
		cx.easy_setopt(t.curl, CURLOPT_READFUNCTION, on_read);
		cx.easy_setopt(t.curl, CURLOPT_READDATA, &t);
		cx.easy_setopt(t.curl, CURLOPT_SEEKFUNCTION, on_seek);
		cx.easy_setopt(t.curl, CURLOPT_SEEKDATA, &t);
		if (strcmp(method, "PUT") != 0)
			cx.easy_setopt(t.curl, CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "GET") != 0) {
		cx.easy_setopt(t.curl, CURLOPT_CUSTOMREQUEST, method);
	}
	if (wp_log_get_level() >= WP_LOG_DEBUG) {
		_cleanup_free_ char *shown = wp_url_redact(url);

		wp_log_debug("> %s %s%s", method, shown ? shown : "", auth ? " (authorized)" : "");
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t.moved_at = t0;
	rc = cx.easy_perform(t.curl);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == CURLE_WRITE_ERROR && t.error_body_cut)
		rc = CURLE_OK; /* the error status and the start of its body are all we need */
	if (rc == CURLE_OK) {
		char *eff = NULL;

		cx.easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &resp->status);
		cx.easy_getinfo(t.curl, CURLINFO_EFFECTIVE_URL, &eff);
		if (!(resp->url = strdup(eff ? eff : url)))
			r = wp_error_oom(err);
		wp_log_debug("< %ld %s (%ld ms)", resp->status, method,
			     (long)((t1.tv_sec - t0.tv_sec) * 1000 +
				    (t1.tv_nsec - t0.tv_nsec) / 1000000));
	} else if (rc == CURLE_ABORTED_BY_CALLBACK && t.stalled) {
		_cleanup_free_ char *shown = wp_url_redact(url);

		r = wp_error_set(err, WP_ENETWORK, "%s %s: nothing moved for %ld s (--timeout)",
				 method, shown ? shown : "", h->stall_timeout);
		wp_log_debug("< %s failed: stalled for %ld s", method, h->stall_timeout);
	} else if (t.cb_err) {
		r = t.cb_err->code;
		if (err && !*err)
			*err = TAKE_PTR(t.cb_err);
	} else if (t.headers_overflow) {
		_cleanup_free_ char *shown = wp_url_redact(url);

		r = wp_error_set(err, WP_ELIMIT,
				 "%s %s: response headers over %u bytes or %u lines: refused",
				 method, shown ? shown : "", HEADERS_MAX_BYTES, HEADERS_MAX_COUNT);
	} else if (t.overflow) {
		_cleanup_free_ char *shown = wp_url_redact(url);

		r = wp_error_set(err, WP_ELIMIT, "%s %s: response larger than %zu bytes: refused",
				 method, shown ? shown : "", t.body_max);
	} else {
		r = curl_failure(rc, errbuf, method, url, err);
		wp_log_debug("< %s failed: %s", method, errbuf[0] ? errbuf : cx.easy_strerror(rc));
	}
	wp_error_free(t.cb_err);
	give_handle(h, t.curl);
	cx.slist_free_all(headers);
	return r;
}

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* A redirect goes to http or https only, and from https to plain http only
 * when TLS is not verified anyway (--insecure). */
static int check_redirect(const wp_http *h, const char *from, const char *to, const char *method,
			  wp_error **err)
{
	_cleanup_free_ char *shown_from = NULL, *shown_to = NULL;
	bool to_https = strncasecmp(to, "https://", 8) == 0;
	const char *why;

	if (!to_https && strncasecmp(to, "http://", 7) != 0)
		why = "to a scheme other than http and https";
	else if (!to_https && strncasecmp(from, "https://", 8) == 0 && !h->insecure_tls)
		why = "from HTTPS to plain HTTP (--insecure allows it)";
	else
		return 0;
	shown_from = wp_url_redact(from);
	shown_to = wp_url_redact(to);
	return wp_error_set(err, WP_EREMOTE, "%s %s: redirect to \"%s\" refused: %s", method,
			    shown_from ? shown_from : "", shown_to ? shown_to : "", why);
}

int wp_http_send(wp_http *h, const wp_http_request *req, wp_http_response *resp, wp_error **err)
{
	_cleanup_free_ char *url = strdup(req->url);
	const char *method = req->method, *auth = req->authorization;
	bool has_body = req->has_body;
	int r;

	memset(resp, 0, sizeof(*resp));
	if (!url)
		return wp_error_oom(err);
	if (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0) {
		_cleanup_free_ char *shown = wp_url_redact(url);

		/* a token realm, say, names the URL: only HTTP(S) is spoken */
		return wp_error_set(err, WP_EINVALID,
				    "%s \"%s\": not an http or https URL: refused", method,
				    shown ? shown : "");
	}
	for (int hop = 0;; hop++) {
		const char *location;
		char *next = NULL;

		if ((r = perform(h, req, method, url, auth, has_body, resp, err)) < 0) {
			wp_http_response_release(resp);
			return r;
		}
		location = wp_http_header(resp, "location");
		if (!is_redirect(resp->status) || !location || req->max_redirects <= 0)
			return 0;
		if (hop >= req->max_redirects) {
			_cleanup_free_ char *shown = wp_url_redact(req->url);

			r = wp_error_set(err, WP_EREMOTE, "%s %s: more than %d redirects: refused",
					 method, shown ? shown : "", req->max_redirects);
			wp_http_response_release(resp);
			return r;
		}
		if ((r = wp_url_resolve(url, location, &next, err)) < 0) {
			wp_http_response_release(resp);
			return r;
		}
		if ((r = check_redirect(h, url, next, method, err)) < 0) {
			free(next);
			wp_http_response_release(resp);
			return r;
		}
		if (!wp_url_same_origin(next, req->url))
			auth = NULL; /* never hand credentials to another host */
		if (resp->status == 303 && strcmp(method, "HEAD") != 0) {
			method = "GET";
			has_body = false;
		}
		wp_log_debug("redirected (%ld)", resp->status);
		wp_http_response_release(resp);
		free(url);
		url = next;
	}
}

int wp_url_resolve(const char *base, const char *location, char **out, wp_error **err)
{
	CURLU *u;
	char *full = NULL;
	CURLUcode rc;
	int r = need_curl(err);

	if (r < 0)
		return r;
	if (!(u = cx.url()))
		return wp_error_oom(err);
	rc = cx.url_set(u, CURLUPART_URL, base, 0);
	if (rc == CURLUE_OK)
		rc = cx.url_set(u, CURLUPART_URL, location, 0);
	if (rc == CURLUE_OK)
		rc = cx.url_get(u, CURLUPART_URL, &full, 0);
	cx.url_cleanup(u);
	if (rc != CURLUE_OK) {
		_cleanup_free_ char *shown = wp_url_redact(location);

		return wp_error_set(err, WP_EINVALID, "cannot resolve Location \"%s\": %s",
				    shown ? shown : "", cx.url_strerror(rc));
	}
	*out = strdup(full);
	cx.free(full);
	return *out ? 0 : wp_error_oom(err);
}

static char *url_part(CURLU *u, CURLUPart part)
{
	char *v = NULL;

	if (cx.url_get(u, part, &v, part == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0) != CURLUE_OK)
		return NULL;
	return v;
}

bool wp_url_same_origin(const char *a, const char *b)
{
	CURLU *ua, *ub;
	bool same = false;

	if (need_curl(NULL) < 0)
		return false;
	ua = cx.url();
	ub = cx.url();
	if (ua && ub && cx.url_set(ua, CURLUPART_URL, a, 0) == CURLUE_OK &&
	    cx.url_set(ub, CURLUPART_URL, b, 0) == CURLUE_OK) {
		CURLUPart parts[] = {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT};

		same = true;
		for (size_t i = 0; same && i < WP_ARRAY_SIZE(parts); i++) {
			char *pa = url_part(ua, parts[i]), *pb = url_part(ub, parts[i]);

			same = pa && pb && strcasecmp(pa, pb) == 0;
			cx.free(pa);
			cx.free(pb);
		}
	}
	cx.url_cleanup(ua);
	cx.url_cleanup(ub);
	return same;
}

char *wp_url_escape(const char *s)
{
	char *escaped, *copy;

	if (need_curl(NULL) < 0)
		return NULL;
	escaped = cx.easy_escape(NULL, s, 0);
	copy = escaped ? strdup(escaped) : NULL;
	if (escaped) {
		explicit_bzero(escaped, strlen(escaped));
		cx.free(escaped);
	}
	return copy;
}

int wp_url_add_query(char **url, const char *name, const char *value, wp_error **err)
{
	_cleanup_free_ char *escaped = wp_url_escape(value);
	char *joined;

	if (!escaped)
		return wp_error_oom(err);
	joined = wp_strdup_printf("%s%c%s=%s", *url, strchr(*url, '?') ? '&' : '?', name, escaped);
	if (!joined)
		return wp_error_oom(err);
	free(*url);
	*url = joined;
	return 0;
}

long wp_http_retry_after(const char *value)
{
	time_t when;
	long s = 0;
	const char *p = value;

	if (!value)
		return -1;
	while (*p == ' ')
		p++;
	if (isdigit((unsigned char)*p)) {
		for (; isdigit((unsigned char)*p); p++)
			if ((s = s * 10 + (*p - '0')) > 86400)
				s = 86401; /* saturated: no overflow */
		if (*p != '\0' && *p != ' ')
			return -1;
		return s > 86400 ? 86400 : s;
	}
	if (need_curl(NULL) < 0)
		return -1;
	when = cx.getdate(p, NULL);
	if (when < 0)
		return -1;
	if (when - time(NULL) > 86400)
		return 86400;
	s = (long)(when - time(NULL));
	return s < 0 ? 0 : s;
}
