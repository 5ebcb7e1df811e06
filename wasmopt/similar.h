/* Functions that differ only in the values of some i32/i64 constants:
 * one shared function takes those constants as extra parameters, and each
 * original becomes a thunk that passes its own values (binaryen's
 * merge-similar-functions, for constants). The thunks keep the originals'
 * indices, so exports, tables and ref.func see the same functions. Private
 * to wasmopt. */
#ifndef WP_SIMILAR_H
#define WP_SIMILAR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../lib/error.h"
#include "insn.h"
#include "module.h"

#define WP_SIMILAR_MAX_PARAMS 32

typedef struct wp_shared_fn {
	uint32_t rep;			    /* the function whose body it takes */
	uint32_t n_params;		    /* constants turned into parameters */
	uint32_t at[WP_SIMILAR_MAX_PARAMS]; /* their ordinals among the body's constants */
	uint8_t op[WP_SIMILAR_MAX_PARAMS];  /* 0x41 (i32.const) or 0x42 (i64.const) */
} wp_shared_fn;

typedef struct wp_thunk {
	uint32_t shared; /* index into wp_similar.shared */
	bool inlined;	 /* no thunk: its callers pass the constants and call shared */
	uint32_t values; /* its constants: wp_similar.values[values...], one per parameter */
} wp_thunk;

typedef struct wp_similar {
	wp_shared_fn *shared;
	uint32_t n_shared;
	wp_thunk *thunks;
	uint32_t n_thunks;
	int64_t *values;
	uint32_t n_values;
	uint32_t *thunk_of; /* per function: its thunk + 1, or 0 */
	uint64_t saved;	    /* bytes, as estimated when choosing */
} wp_similar;

/* Plans the merges among the functions marked in candidate[] (defined,
 * live, not merged as duplicates), given their shape hashes, keeping only
 * those that make the module smaller. A function that only_called[] (named
 * by nothing but direct calls, calls[] of them) needs no thunk: its calls
 * can pass its constants themselves. out is filled (and owned) on
 * success. */
int wp_similar_plan(const wp_module *m, const uint8_t *candidate, const uint64_t *shape,
		    const uint8_t *only_called, const uint32_t *calls, wp_similar *out,
		    wp_error **err);
void wp_similar_release(wp_similar *s);

/* Whether an instruction is a constant that may become a parameter. */
static inline int wp_similar_const(uint8_t prefix, uint32_t code)
{
	return prefix == 0 && (code == 0x41 || code == 0x42);
}

/* The shape hash of a body: its type, its local declarations, then its
 * code but the values of its constants, mixed in up to 8 bytes at a time
 * (refs.c; find_duplicates hashes whole bodies with it too). */
static inline uint64_t wp_shape_mix(uint64_t h, const uint8_t *p, size_t n)
{
	for (;;) {
		size_t k = n < 8 ? n : 8;
		uint64_t word = 0;

		memcpy(&word, p, k);
		h = (h ^ word ^ ((uint64_t)k << 59)) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
		if (n <= 8)
			return h;
		p += 8;
		n -= 8;
	}
}

static inline uint64_t wp_shape_start(uint32_t type, const uint8_t *decls, size_t n)
{
	return wp_shape_mix(0xcbf29ce484222325ULL ^ ((uint64_t)type * 0x9e3779b97f4a7c15ULL), decls,
			    n);
}

#endif
