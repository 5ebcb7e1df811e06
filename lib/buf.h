/* Growable byte buffers that always carry a maximum size (curl's dynbuf):
 * nothing read from a file or the network can grow one without bound. The
 * data is kept NUL-terminated so text can be used as a C string. */
#ifndef WP_BUF_H
#define WP_BUF_H

#include <stddef.h>

#include "error.h"

typedef struct wp_buf {
	char *data; /* owned; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max; /* appends that would exceed this fail with WP_ELIMIT */
} wp_buf;

#define WP_BUF_INIT(maximum)          \
	{                             \
		NULL, 0, 0, (maximum) \
	}

void wp_buf_init(wp_buf *b, size_t max);
/* Frees the data; the buffer can be reused after wp_buf_init. */
void wp_buf_release(wp_buf *b);
/* Empties the buffer but keeps its memory. */
void wp_buf_reset(wp_buf *b);

int wp_buf_append(wp_buf *b, const void *data, size_t len, wp_error **err);
/* Makes room for `extra` more bytes (and the NUL) without adding them. */
int wp_buf_reserve(wp_buf *b, size_t extra, wp_error **err);
int wp_buf_append_str(wp_buf *b, const char *s, wp_error **err);
int wp_buf_appendf(wp_buf *b, wp_error **err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Hands the data to the caller ("" for an empty buffer; NULL only when out
 * of memory) and leaves the buffer empty. *len (optional) gets the length. */
char *wp_buf_detach(wp_buf *b, size_t *len);

/* The text so far, "" when nothing was appended; borrowed. */
const char *wp_buf_cstr(const wp_buf *b);

#endif
