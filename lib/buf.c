#include "buf.h"
#include "common.h"

void wp_buf_init(wp_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void wp_buf_release(wp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void wp_buf_reset(wp_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int buf_reserve(wp_buf *b, size_t extra, wp_error **err)
{
	size_t need, cap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return wp_error_set(err, WP_ELIMIT, "more than %zu bytes", b->max);
	need = b->len + extra + 1; /* room for the terminating NUL */
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return wp_error_oom(err);
	b->data = p;
	b->cap = cap;
	return 0;
}

int wp_buf_reserve(wp_buf *b, size_t extra, wp_error **err)
{
	return buf_reserve(b, extra, err);
}

int wp_buf_append(wp_buf *b, const void *data, size_t len, wp_error **err)
{
	int r = buf_reserve(b, len, err);

	if (r < 0)
		return r;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int wp_buf_append_str(wp_buf *b, const char *s, wp_error **err)
{
	return wp_buf_append(b, s, strlen(s), err);
}

int wp_buf_appendf(wp_buf *b, wp_error **err, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		s = NULL;
		return wp_error_oom(err);
	}
	return wp_buf_append(b, s, (size_t)n, err);
}

char *wp_buf_detach(wp_buf *b, size_t *len)
{
	char *p = b->data;

	if (len)
		*len = b->len;
	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

const char *wp_buf_cstr(const wp_buf *b)
{
	return b->data ? b->data : "";
}
