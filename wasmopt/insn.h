/* The instruction decoder: one instruction at a time from a byte range,
 * every immediate read and bounds-checked; no tree is built. Used by the
 * reader (to find the end of constant expressions), the validator, the
 * optimizer's scans and the writer. */
#ifndef WP_INSN_H
#define WP_INSN_H

#include <stdint.h>

#include "../lib/error.h"
#include "module.h"
#include "opcodes.h"

enum wp_blocktype_kind {
	WP_BLOCK_EMPTY,
	WP_BLOCK_VALUE, /* one result: vt */
	WP_BLOCK_TYPE,	/* a function type: a */
};

typedef struct wp_insn {
	const wp_opinfo *info;
	uint32_t offset;    /* of the opcode, in the file */
	const uint8_t *end; /* just past the immediates */
	uint32_t a, b;	    /* index immediates, in the order the binary has them */
	uint64_t value;	    /* i32/i64 constant (sign-extended), f32/f64 bits, memarg offset */
	uint32_t align;	    /* memarg: log2 of the alignment */
	uint8_t lane;
	uint8_t block;	    /* blocktype kind */
	wp_valtype vt;	    /* block result, ref.null's type, select's type */
	const uint8_t *imm; /* v128/shuffle bytes, br_table labels, try_table catches */
	uint32_t n;	    /* br_table: labels before the default; try_table: catches */
} wp_insn;

typedef struct wp_insn_reader {
	const wp_module *m;
	const uint8_t *p;
	const uint8_t *end;
} wp_insn_reader;

void wp_insn_reader_init(wp_insn_reader *r, const wp_module *m, const uint8_t *p,
			 const uint8_t *end);
/* Decodes the next instruction; malformed input is WP_EINVALID with the
 * offset. At the end of the range the result is "unexpected end". */
int wp_insn_next(wp_insn_reader *r, wp_insn *out, wp_error **err);

/* Reads the i-th LEB label of a br_table (i == n is the default). */
uint32_t wp_insn_br_label(const wp_insn *in, uint32_t i);
/* The labels in order: *p starts at in->imm and each call reads one label
 * and moves past it (n + 1 calls, the default last). A loop over
 * wp_insn_br_label would be quadratic in the number of labels. */
uint32_t wp_insn_br_next(const wp_insn *in, const uint8_t **p);

/* One catch clause of a try_table. */
typedef struct wp_catch {
	uint8_t kind; /* 0 catch, 1 catch_ref, 2 catch_all, 3 catch_all_ref */
	uint32_t tag;
	uint32_t label;
} wp_catch;
/* Iterates the catches: *p starts at in->imm; returns 0 or negative. */
int wp_insn_next_catch(const uint8_t **p, const uint8_t *end, wp_catch *out);

/* The index spaces of an instruction's index immediates (a, then b):
 * returns how many it has; WP_SPACE_OTHER for labels, locals, tags and
 * memories. Shared by the optimizer's scan and its writer so that both
 * agree on what each immediate names. */
typedef enum wp_index_space {
	WP_SPACE_OTHER,
	WP_SPACE_FUNC,
	WP_SPACE_GLOBAL,
	WP_SPACE_TYPE,
	WP_SPACE_TABLE,
	WP_SPACE_ELEM,
	WP_SPACE_DATA,
} wp_index_space;
static inline int wp_insn_index_spaces(int imm, wp_index_space sp[2])
{
	/* inline: the scan and the writer ask for every instruction */
	sp[0] = sp[1] = WP_SPACE_OTHER;
	switch (imm) {
	case WP_IMM_FUNC:
		sp[0] = WP_SPACE_FUNC;
		return 1;
	case WP_IMM_GLOBAL:
		sp[0] = WP_SPACE_GLOBAL;
		return 1;
	case WP_IMM_TYPE:
		sp[0] = WP_SPACE_TYPE;
		return 1;
	case WP_IMM_TABLE:
		sp[0] = WP_SPACE_TABLE;
		return 1;
	case WP_IMM_ELEM:
		sp[0] = WP_SPACE_ELEM;
		return 1;
	case WP_IMM_DATA:
		sp[0] = WP_SPACE_DATA;
		return 1;
	case WP_IMM_LABEL:
	case WP_IMM_LOCAL:
	case WP_IMM_TAG:
	case WP_IMM_MEM:
		return 1;
	case WP_IMM_CALL_INDIRECT:
		sp[0] = WP_SPACE_TYPE;
		sp[1] = WP_SPACE_TABLE;
		return 2;
	case WP_IMM_TABLE_TABLE:
		sp[0] = sp[1] = WP_SPACE_TABLE;
		return 2;
	case WP_IMM_ELEM_TABLE:
		sp[0] = WP_SPACE_ELEM;
		sp[1] = WP_SPACE_TABLE;
		return 2;
	case WP_IMM_DATA_MEM:
		sp[0] = WP_SPACE_DATA;
		return 2;
	case WP_IMM_MEM_MEM:
		return 2;
	default:
		return 0;
	}
}

/* Reads a value type (shared with the module reader). */
int wp_read_valtype(const uint8_t **p, const uint8_t *end, const wp_module *m, wp_valtype *out,
		    wp_error **err);

#endif
