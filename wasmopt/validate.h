/* The validator: every rule of the WebAssembly validation algorithm, in one
 * pass over each function body with an operand stack and a control stack
 * (no tree). Covers Wasm 1.0 and 2.0, threads, tail calls, exception
 * handling (legacy try/catch and try_table/exnref), memory64, multi-memory,
 * extended constant expressions, relaxed SIMD and typed function
 * references. Errors name the function index, the byte offset and the rule,
 * in the specification's words ("type mismatch", "unknown global", ...). */
#ifndef WP_VALIDATE_H
#define WP_VALIDATE_H

#include "../lib/error.h"
#include "module.h"

int wp_module_validate(const wp_module *m, wp_error **err);

/* Reads and validates a file; components are refused with a message saying
 * that only core modules are validated. */
int wp_validate_file(const char *path, wp_error **err);

#endif
