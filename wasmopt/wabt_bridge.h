/* The one bridge to libwabt (C++), for what wabt does and wasmpack should
 * not rewrite: parsing the WebAssembly text format, writing a module as C
 * (wasm2c, for native AOT builds), and, in tests, wabt's own validator as a
 * reference. Plain C interface; every feature wabt knows
 * is enabled. */
#ifndef WP_WABT_BRIDGE_H
#define WP_WABT_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "../lib/buf.h"
#include "../lib/error.h"

/* WAT (or the .wast module form) → binary, appended to out. Syntax and
 * validation errors are WP_EINVALID with wabt's "file:line:col: message". */
int wp_wabt_wat2wasm(const char *text, size_t len, const char *filename, wp_buf *out,
		     wp_error **err);

/* wabt's reading and validation of a binary; WP_EINVALID with its message. */
int wp_wabt_validate(const uint8_t *bytes, size_t len, const char *filename, wp_error **err);

/* A module as C (wabt's wasm2c writer, for the native AOT build): the
 * source into c_out and its header, to be named header_name, into h_out.
 * module_name is the C prefix of its symbols. WP_EINVALID when wasm2c's
 * features cannot read the module, WP_EUNSUPPORTED when it cannot write it. */
int wp_wabt_wasm2c(const uint8_t *bytes, size_t len, const char *filename, const char *module_name,
		   const char *header_name, wp_buf *c_out, wp_buf *h_out, wp_error **err);

#ifdef __cplusplus
}
#endif

#endif
