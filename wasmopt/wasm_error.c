#include "wasm_error.h"
#include "../lib/common.h"

#ifdef __clang_analyzer__
#undef wp_wasm_errorv
#endif

int wp_wasm_errorv(wp_error **err, const char *name, uint32_t func, uint64_t offset,
		   const char *fmt, va_list ap)
{
	_cleanup_free_ char *what = NULL;

	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	if (func != WP_NO_FUNCTION)
		return wp_error_set(err, WP_EINVALID,
				    "\"%s\": function %" PRIu32 ", offset 0x%" PRIx64 ": %s", name,
				    func, offset, what ? what : "(out of memory)");
	return wp_error_set(err, WP_EINVALID, "\"%s\": offset 0x%" PRIx64 ": %s", name, offset,
			    what ? what : "(out of memory)");
}
