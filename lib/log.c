#include "log.h"
#include "common.h"

static wp_log_level current_level = WP_LOG_INFO;

void wp_log_set_level(wp_log_level level)
{
	current_level = level;
}

wp_log_level wp_log_get_level(void)
{
	return current_level;
}

static void log_line(const char *prefix, const char *fmt, va_list ap)
{
	/* one fprintf per line keeps lines whole when threads log */
	char line[4096];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "%s%s\n", prefix, line);
}

void wp_log_info(const char *fmt, ...)
{
	va_list ap;

	if (current_level < WP_LOG_INFO)
		return;
	va_start(ap, fmt);
	log_line("", fmt, ap);
	va_end(ap);
}

void wp_log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("wasmpack: warning: ", fmt, ap);
	va_end(ap);
}

void wp_log_debug(const char *fmt, ...)
{
	va_list ap;

	if (current_level < WP_LOG_DEBUG)
		return;
	va_start(ap, fmt);
	log_line("wasmpack: debug: ", fmt, ap);
	va_end(ap);
}
