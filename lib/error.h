/* Error objects: every fallible function returns 0 or a negative WP_E* code
 * and fills a wp_error that names the thing that failed. Library code never
 * prints; cmd/ prints the message once. */
#ifndef WP_ERROR_H
#define WP_ERROR_H

#include <stdarg.h>

enum {
	WP_OK = 0,
	WP_EGENERIC = -1, /* anything without a better code */
	WP_ENOMEM = -2,
	WP_EINVALID = -3,  /* malformed input: a file, a document, an argument */
	WP_ENOTFOUND = -4, /* a file, blob, tag or key that does not exist */
	WP_EIO = -5,	   /* the operating system refused a read or write */
	WP_EDIGEST = -6,   /* content does not match its digest or size */
	WP_EAUTH = -7,	   /* credentials missing or refused */
	WP_ELIMIT = -8,	   /* a size or count over its maximum */
	WP_EUSAGE = -9,	   /* a bad command line: cmd/ exits with status 2 */
	WP_EEXISTS = -10,
	WP_ENOSPC = -11, /* disk full or quota exceeded */
	WP_EUNSUPPORTED = -12,
	WP_ENETWORK = -13, /* a transfer failed: refused, reset, timed out, truncated */
	WP_ETLS = -14,	   /* a certificate or TLS handshake was refused */
	WP_EREMOTE = -15,  /* a server answered with an error status */
};

typedef struct wp_error {
	int code;
	char *message;
} wp_error;

/* Sets *err (when err is not NULL and *err is still NULL) and returns code.
 * The first error wins so the innermost, most precise message survives. */
int wp_error_set(wp_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int wp_error_setv(wp_error **err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Like wp_error_set, appending ": strerror(errnum)" and picking the code
 * from errnum (ENOSPC/EDQUOT → WP_ENOSPC, ENOENT → WP_ENOTFOUND, else WP_EIO). */
int wp_error_set_errno(wp_error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to an existing error's message; returns its code.
 * Used by callers that know more context (the file being read, the image). */
int wp_error_prefix(wp_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hands the error e to *err when *err is empty, else frees e (the first
 * error wins); returns code. For errors collected apart (a thread's, a
 * fallback that was tried). */
int wp_error_move(wp_error **err, wp_error *e, int code);

/* The code of *err, or WP_EGENERIC when none was set. */
int wp_error_code(const wp_error *err);

void wp_error_free(wp_error *err);
void wp_error_clear(wp_error **err);

#ifdef __clang_analyzer__
/* For the clang static analyzer (make check-static), which sees one file at
 * a time and does not inline variadic functions: it does not know that these
 * return a negative code, and follows paths where a failure "returned" 0 into
 * false reports (an out parameter used though never set, a NULL result
 * dereferenced). error.c, which defines them, #undefs these. The files with
 * a variadic error helper of their own (fail, bad, usage) wrap it alike.
 * wp_error_negative_ is a statement expression, not an inline function: the
 * analyzer stops inlining a few calls deep (a push's nested indexes, the
 * validator's step → branch → label) and would not see a function's result. */
#define wp_error_negative_(code)                       \
	__extension__({                                \
		int wp_code_ = (code);                 \
		wp_code_ < 0 ? wp_code_ : WP_EGENERIC; \
	})
#define wp_error_set(...) wp_error_negative_(wp_error_set(__VA_ARGS__))
#define wp_error_set_errno(...) wp_error_negative_(wp_error_set_errno(__VA_ARGS__))
#define wp_error_prefix(...) wp_error_negative_(wp_error_prefix(__VA_ARGS__))
/* wp_error_move returns its code; an error's code is negative */
#define wp_error_move(err, e, code)                   \
	__extension__({                               \
		int wp_move_code_ = (code);           \
		wp_error_move(err, e, wp_move_code_); \
		wp_move_code_;                        \
	})
#define wp_error_code(...) wp_error_negative_(wp_error_code(__VA_ARGS__))
#endif

#endif
