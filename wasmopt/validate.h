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
#include "insn.h"
#include "module.h"

int wp_module_validate(const wp_module *m, wp_error **err);

/* Sees every instruction of every function body while it is validated, so
 * that a caller needs no pass of its own. Bodies are validated by several
 * threads; each calls begin, insn for each instruction, then end for a
 * whole body at a time, with its own worker number (below
 * WP_PARALLEL_MAX). Nothing is seen of a body that fails. */
typedef struct wp_body_observer {
	void (*begin)(void *ctx, int worker, uint32_t func, const uint8_t *code);
	void (*insn)(void *ctx, int worker, const wp_insn *in);
	void (*end)(void *ctx, int worker, uint32_t func);
	void *ctx;
} wp_body_observer;

int wp_module_validate_observed(const wp_module *m, const wp_body_observer *o, wp_error **err);

/* Reads and validates a file; components are refused with a message saying
 * that only core modules are validated. */
int wp_validate_file(const char *path, wp_error **err);

#endif
