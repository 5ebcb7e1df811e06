/* The one logger: human-readable lines on stderr. Errors are not logged
 * here; they travel up in a wp_error and cmd/ prints them once. */
#ifndef WP_LOG_H
#define WP_LOG_H

typedef enum wp_log_level {
	WP_LOG_QUIET = 0, /* warnings only (--quiet) */
	WP_LOG_INFO = 1,  /* progress and summaries (default) */
	WP_LOG_DEBUG = 2, /* --debug: every step */
} wp_log_level;

void wp_log_set_level(wp_log_level level);
wp_log_level wp_log_get_level(void);

void wp_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void wp_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void wp_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
