/* What the optimizer decided, handed to the writer: which functions,
 * globals and types stay and under which new indices, which custom
 * sections go, and the data segments to write. Private to wasmopt. */
#ifndef WP_REWRITE_H
#define WP_REWRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/buf.h"
#include "../lib/error.h"
#include "module.h"
#include "optimize.h"
#include "refs.h"
#include "similar.h"

#define WP_GONE UINT32_MAX

typedef struct wp_out_data {
	uint32_t source;     /* the segment whose header (mode, memory) it keeps */
	bool rebuilt;	     /* merged or trimmed: offset and bytes below */
	uint64_t offset;     /* the new constant offset */
	const uint8_t *data; /* the new content: in the module's bytes or in owned */
	uint64_t len;
	wp_buf owned; /* content copied from several segments */
} wp_out_data;

typedef struct wp_rewrite {
	const wp_module *m;
	const wp_opt_options *o;
	uint32_t *func_map;   /* old index → new, WP_GONE when removed */
	bool *func_emit;      /* written out (merged duplicates map elsewhere) */
	uint32_t *func_order; /* defined functions to write, in their new order */
	uint32_t n_func_order;
	uint32_t *global_map;
	uint32_t *type_map;
	uint32_t *table_map; /* NULL: every table, element and data segment stays */
	uint32_t *elem_map;
	uint32_t *data_map; /* passive segments nothing uses go (when datas_changed is false) */
	bool *keep_custom;  /* per section of m->sections */
	/* functions that became thunks of shared ones (similar.h): the shared
	 * functions come after all others, from first_shared on; their types
	 * after the kept ones, from first_new_type on */
	const wp_similar *similar; /* NULL, or &similar_plan */
	wp_similar similar_plan;
	uint32_t first_shared;
	uint32_t first_new_type;
	uint32_t *shared_type; /* per shared function: its new type */
	uint32_t *type_source; /* per new type: a shared function that has it */
	wp_fold_ranges fold;   /* repeated terminating tails to leave out (fold.h) */
	uint32_t *inline_call; /* per function: a thunk + 1 whose calls pass the constants
				* themselves (the function is gone), or 0 */
	uint32_t n_new_types;
	wp_out_data *datas; /* segments to write, in order */
	uint32_t n_datas, cap_datas;
	bool datas_changed; /* else the data section is copied through */
} wp_rewrite;

int wp_write_module(const wp_rewrite *rw, wp_buf *out, wp_error **err);

#endif
