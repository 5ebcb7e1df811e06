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
#include "pack.h"
#include "refs.h"
#include "similar.h"

#define WP_GONE UINT32_MAX

typedef struct wp_out_data {
	uint32_t source;     /* a segment written as it is, when pack is NULL */
	const wp_pack *pack; /* else a memory's segments, cut again (pack.h) */
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
	wp_out_data *datas; /* what the data section holds, in order */
	uint32_t n_datas;
	uint32_t n_datas_out; /* the segments written for them */
	wp_pack *packs;	      /* per memory: packed when packs[i].segs */
	bool datas_changed;   /* else the data section is copied through */
} wp_rewrite;

/* Where the writer sends output as it is made: out then holds only what
 * has not been sent yet (nothing, once wp_write_module returns), and must
 * start empty. */
typedef struct wp_write_sink {
	int (*write)(void *ctx, const void *data, size_t len, wp_error **err);
	void *ctx;
} wp_write_sink;

/* Writes the module rw describes: appended to out, or with a sink, sent
 * there. */
int wp_write_module(const wp_rewrite *rw, wp_buf *out, const wp_write_sink *sink, wp_error **err);

#endif
