/* Repeated terminating tails (-Oz): a block (of no results) whose code ends
 * with straight-line code T and then unreachable or return, when what runs
 * after the block is the same T and terminator: the copy in the block goes
 * and the block falls through to the other. LLVM leaves these at every
 * level of nested blocks, mostly assertion failures (a call to
 * __assert_fail, then unreachable). The copies are found while a body is
 * decoded for other reasons (refs.c), one instruction at a time. Private
 * to wasmopt. */
#ifndef WP_FOLD_H
#define WP_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "insn.h"
#include "module.h"

typedef struct wp_fold_frame wp_fold_frame;

typedef struct wp_fold_scan {
	const uint8_t *end; /* of the body */
	wp_fold_frame *frames;
	size_t depth, cap;
	bool failed; /* out of memory: nothing more is found */
} wp_fold_scan;

/* Starts on a body whose code (after its local declarations) ends at end;
 * the scan's memory is kept from body to body. */
void wp_fold_scan_start(wp_fold_scan *s, const uint8_t *end);
/* Takes the next instruction of a validated body (at: its first byte);
 * returns true and fills *copy with a copy to leave out when one ends here.
 * Copies come in the order of their offsets. */
bool wp_fold_scan_insn(wp_fold_scan *s, const wp_insn *in, const uint8_t *at, wp_range *copy,
		       const uint8_t *bytes);
void wp_fold_scan_release(wp_fold_scan *s);

#endif
