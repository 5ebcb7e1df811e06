/* What `push` shows while it works: on a terminal, one line per blob kept up
 * to date in place (bytes, rate, then "exists", "mounted" or "pushed"); in CI
 * (no terminal), one plain line per finished blob; nothing with --quiet.
 * Events come from the upload threads; the display serialises them. */
#ifndef WP_PROGRESS_H
#define WP_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "../oci/push.h"

struct push_progress;

struct push_progress *push_progress_new(bool quiet);
void push_progress_event(void *progress, const wp_push_event *e);
/* Draws the final state; call before printing anything else. */
void push_progress_finish(struct push_progress *p);
void push_progress_free(struct push_progress *p);

/* "13.5 MB" (decimal units, as docker shows sizes) */
void format_size(int64_t bytes, char out[32]);

#endif
