/* What each defined function's body refers to (functions, globals, types,
 * tables, element and data segments), collected by several threads at once
 * so that the optimizer's liveness walk reads short lists instead of
 * decoding the code again. Private to wasmopt. */
#ifndef WP_REFS_H
#define WP_REFS_H

#include <stdint.h>

#include "../lib/error.h"
#include "../lib/parallel.h"
#include "insn.h"
#include "module.h"
#include "validate.h"

enum {
	WP_REF_FUNC, /* any reference but a call */
	WP_REF_CALL, /* a call (opcode 0x10) */
	WP_REF_GLOBAL,
	WP_REF_TYPE,
	WP_REF_TABLE,
	WP_REF_ELEM,
	WP_REF_DATA,
};

/* An entry: the kind in the top 3 bits, the index below. */
#define WP_REF_BITS 29
#define WP_REF_KIND(e) ((e) >> WP_REF_BITS)
#define WP_REF_INDEX(e) ((e) & ((1u << WP_REF_BITS) - 1))

/* Calls emit(ctx, kind, index) for each reference one instruction makes,
 * or a value type (a typed reference names its type). */
typedef void wp_ref_fn(void *ctx, uint32_t kind, uint32_t index);
void wp_insn_refs(const wp_insn *in, wp_ref_fn *emit, void *ctx);
void wp_valtype_refs(wp_valtype t, wp_ref_fn *emit, void *ctx);

#define WP_REFS_MAX_PARTS WP_PARALLEL_MAX

/* Input ranges per function, found by several threads. */
typedef struct wp_fold_ranges {
	const wp_range **list; /* per function, in order of offset */
	uint32_t *count;
	wp_range *storage[WP_REFS_MAX_PARTS]; /* owned */
	int n_parts;
} wp_fold_ranges;
void wp_fold_ranges_release(wp_fold_ranges *f);

typedef struct wp_refs {
	const uint32_t **list; /* per function; NULL for imported ones */
	uint32_t *count;
	uint64_t *shape;     /* per function: its shape hash (similar.h); owned */
	wp_fold_ranges fold; /* per function: repeated tails to leave out (fold.h) */
	uint32_t *storage[WP_REFS_MAX_PARTS]; /* owned: one array per thread */
	int n_parts;
} wp_refs;

/* Collects the references of every defined function of m (validated), and
 * the hash of its shape, with
 * up to `threads` threads (1 to WP_REFS_MAX_PARTS), in the order the code has them, repeats
 * included. Returns 1 and collects nothing when an index space is too large for an entry (more than
 * 2^29 items: scan the code instead), 0 when done, negative on error. */
int wp_refs_collect(const wp_module *m, int threads, wp_refs *out, wp_error **err);

/* The same, gathered while the validator reads the bodies anyway (one pass
 * fewer): new (1 when an index space is too large, as above), then
 * validate with the observer, then finish, which frees the builder (free
 * it alone when validation failed). */
typedef struct wp_refs_builder wp_refs_builder;
int wp_refs_builder_new(const wp_module *m, wp_refs_builder **out, wp_error **err);
void wp_refs_observer(wp_refs_builder *b, wp_body_observer *o);
int wp_refs_builder_finish(wp_refs_builder *b, wp_refs *out, wp_error **err);
void wp_refs_builder_free(wp_refs_builder *b);
void wp_refs_release(wp_refs *refs);

#endif
