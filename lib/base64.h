/* Standard base64 (RFC 4648 section 4: "+/" alphabet, "=" padding), as the
 * "auth" fields of Docker's config.json use it. */
#ifndef WP_BASE64_H
#define WP_BASE64_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

/* *out gets the padded encoding of data as an owned C string ("" for
 * len 0). Fails only when out of memory. */
int wp_base64_encode(const void *data, size_t len, char **out, wp_error **err);

/* Appends the bytes text encodes to out (whose max applies: WP_ELIMIT).
 * text must be padded base64 with nothing else in it (no white space, no
 * line breaks, no URL-safe alphabet): anything else fails with WP_EINVALID
 * and a message that gives the offset but never quotes the text, which is
 * often a secret. out is left as it was on failure. */
int wp_base64_decode(const char *text, wp_buf *out, wp_error **err);

#endif
