/* The one shape of every error about a module's bytes, so that the scanner,
 * the reader, the decoder and the validator all say where alike:
 * "\"NAME\": [function N, ]offset 0xOFF: what". */
#ifndef WP_WASM_ERROR_H
#define WP_WASM_ERROR_H

#include <stdarg.h>
#include <stdint.h>

#include "../lib/error.h"

#define WP_NO_FUNCTION UINT32_MAX

/* Sets a WP_EINVALID error (the first one wins, as always) and returns
 * WP_EINVALID. func: the function index, or WP_NO_FUNCTION. */
int wp_wasm_errorv(wp_error **err, const char *name, uint32_t func, uint64_t offset,
		   const char *fmt, va_list ap);

#ifdef __clang_analyzer__
/* It returns a negative code: see lib/error.h. wasm_error.c #undefs this. */
#define wp_wasm_errorv(...) wp_error_negative_(wp_wasm_errorv(__VA_ARGS__))
#endif

#endif
