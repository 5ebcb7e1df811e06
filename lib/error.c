#include "error.h"
#include "common.h"

#ifdef __clang_analyzer__
#undef wp_error_set
#undef wp_error_set_errno
#undef wp_error_prefix
#undef wp_error_move
#undef wp_error_code
#endif

/* Used when even the message cannot be allocated. */
static wp_error oom_error = {WP_ENOMEM, (char *)"out of memory"};

int wp_error_setv(wp_error **err, int code, const char *fmt, va_list ap)
{
	wp_error *e;

	if (!err || *err)
		return code;
	e = calloc(1, sizeof(*e));
	if (!e || vasprintf(&e->message, fmt, ap) < 0) {
		free(e);
		*err = &oom_error;
		return code;
	}
	e->code = code;
	*err = e;
	return code;
}

int wp_error_set(wp_error **err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wp_error_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

static int code_from_errno(int errnum)
{
	switch (errnum) {
	case ENOSPC:
	case EDQUOT:
		return WP_ENOSPC;
	case ENOENT:
		return WP_ENOTFOUND;
	case ENOMEM:
		return WP_ENOMEM;
	case EEXIST:
		return WP_EEXISTS;
	default:
		return WP_EIO;
	}
}

int wp_error_set_errno(wp_error **err, int errnum, const char *fmt, ...)
{
	char *what = NULL;
	int code = code_from_errno(errnum);
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	wp_error_set(err, code, "%s: %s", what ? what : "system error", strerror(errnum));
	free(what);
	return code;
}

int wp_error_prefix(wp_error **err, const char *fmt, ...)
{
	char *prefix = NULL, *joined = NULL;
	va_list ap;

	if (!err || !*err)
		return WP_EGENERIC;
	if (*err == &oom_error)
		return WP_ENOMEM;
	va_start(ap, fmt);
	if (vasprintf(&prefix, fmt, ap) < 0)
		prefix = NULL;
	va_end(ap);
	if (prefix && asprintf(&joined, "%s: %s", prefix, (*err)->message) >= 0) {
		free((*err)->message);
		(*err)->message = joined;
	}
	free(prefix);
	return (*err)->code;
}

int wp_error_move(wp_error **err, wp_error *e, int code)
{
	if (err && !*err)
		*err = e;
	else
		wp_error_free(e);
	return code;
}

int wp_error_code(const wp_error *err)
{
	return err ? err->code : WP_EGENERIC;
}

void wp_error_free(wp_error *err)
{
	if (!err || err == &oom_error)
		return;
	free(err->message);
	free(err);
}

void wp_error_clear(wp_error **err)
{
	if (!err)
		return;
	wp_error_free(*err);
	*err = NULL;
}
