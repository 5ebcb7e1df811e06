/* The size optimizer: analyses a validated core module and writes a new one
 * (writer.c) with
 *   -Os: custom sections for debugging and tooling dropped (.debug_*, name,
 *        producers, sourceMappingURL, external_debug_info, build_id,
 *        target_features), every LEB128 in its shortest form, adjacent local
 *        declarations of one type merged;
 *   -Oz: also unused functions, globals, types, tables and element and
 *        data segments removed (roots: exports, the start function, imports,
 *        what live code names), byte-identical function bodies merged,
 *        functions alike but for constants made thunks of a shared one,
 *        repeated terminating tails of blocks left out (fold.h),
 *        functions renumbered by how often they are referenced, and the
 *        active data of a memory that starts empty (not imported) re-cut:
 *        segments merged across small gaps, split at long runs of zeros,
 *        zeros at the ends dropped, when every segment stays in bounds.
 * Nothing that changes behaviour: segments that could trap at
 * instantiation are left alone, exported functions keep their identity, and
 * the result is validated again before it is returned. */
#ifndef WP_OPTIMIZE_H
#define WP_OPTIMIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/buf.h"
#include "../lib/error.h"
#include "../lib/fileio.h"
#include "../lib/str.h"
#include "module.h"

typedef enum wp_opt_level {
	WP_OPT_NONE = 0, /* -O0: the bytes as they are */
	WP_OPT_SIZE = 1, /* -Os */
	WP_OPT_MIN = 2,	 /* -Oz */
} wp_opt_level;

typedef struct wp_opt_options {
	wp_opt_level level;
	bool strip;		      /* drop tooling sections even below -Os */
	bool remove_unused_imports;   /* -Oz may drop unused function imports */
	const wp_strv *keep_sections; /* custom sections to keep by name */
	int threads;		      /* 0: one per CPU (at most 8); the output is the same */
	/* When set, the output goes to this file as it is made rather than
	 * into out, is fsynced, and is validated again from there: memory stays
	 * flat however large the data. It must be empty and open for reading
	 * and writing (wp_atomic_file_open); the caller commits it only once
	 * wp_optimize succeeded. */
	wp_atomic_file *out_file;
	/* m is not validated yet: do it (at -Oz in the same pass as the
	 * optimizer's own reading of the bodies) */
	bool validate_input;
} wp_opt_options;

typedef struct wp_opt_stats {
	uint64_t input;
	uint64_t output;
	uint64_t custom_sections; /* bytes of dropped custom sections */
	uint64_t leb;		  /* bytes saved by shortest LEB128s and merged locals */
	uint64_t dead_functions;  /* bytes of removed functions (bodies) */
	uint32_t n_dead_functions;
	uint32_t n_dead_globals;
	uint32_t n_dead_types;
	uint32_t n_merged_functions;
	uint64_t merged_functions;    /* bytes of merged duplicate bodies */
	uint32_t n_similar_functions; /* turned into thunks */
	uint32_t n_shared_functions;  /* the functions they call */
	uint64_t similar_functions;   /* bytes saved so, as estimated */
	uint32_t n_folded_tails;      /* repeated terminating tails left out */
	uint64_t folded_tails;	      /* their bytes (as read) */
	uint32_t n_data_in, n_data_out;
	uint64_t data; /* bytes saved by merging and trimming data */
} wp_opt_stats;

/* Optimizes m into out (appended), or into o->out_file. m must have passed
 * wp_module_validate, unless o->validate_input. */
int wp_optimize(const wp_module *m, const wp_opt_options *o, wp_buf *out, wp_opt_stats *stats,
		wp_error **err);

/* How many threads o allows: 1 to 8. */
int wp_opt_threads(const wp_opt_options *o);

/* Whether a custom section is kept at this level. */
bool wp_custom_section_kept(const char *name, size_t len, const wp_opt_options *o);

#endif
