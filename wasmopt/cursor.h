/* A reading position in a module's bytes, every length and count checked
 * against the bytes that remain, and errors in the one shape of
 * wasm_error.h. The reader's primitives, shared with what reads the parts
 * it leaves alone (summary.c). Private to wasmopt. */
#ifndef WP_CURSOR_H
#define WP_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "module.h"
#include "../lib/error.h"

/* Reading position and where errors go. */
typedef struct wp_cursor {
	const wp_module *m;
	const uint8_t *p;
	const uint8_t *end;
	wp_error **err;
} wp_cursor;

/* The offset of p in the file. */
uint32_t wp_cur_off(const wp_cursor *c, const uint8_t *p);
/* Sets a WP_EINVALID error naming the offset of at; returns WP_EINVALID. */
int wp_cur_malformed(const wp_cursor *c, const uint8_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#ifdef __clang_analyzer__
/* It returns a negative code: see lib/error.h. cursor.c defines it with its
 * name in parentheses, which this macro leaves alone. */
#define wp_cur_malformed(...) wp_error_negative_(wp_cur_malformed(__VA_ARGS__))
#endif
int wp_cur_u8(wp_cursor *c, uint8_t *out);
int wp_cur_u32(wp_cursor *c, uint32_t *out);
int wp_cur_u64(wp_cursor *c, uint64_t *out);
/* A count of things each at least `min_size` bytes long: more than the
 * bytes left is malformed, before anything is allocated. */
int wp_cur_count(wp_cursor *c, size_t min_size, uint32_t *out);
/* n bytes, as a range of the file. */
int wp_cur_bytes(wp_cursor *c, uint32_t n, wp_range *out);
/* A name: a length, then that many bytes of UTF-8 (NUL allowed). */
int wp_cur_name(wp_cursor *c, wp_range *out);

#endif
