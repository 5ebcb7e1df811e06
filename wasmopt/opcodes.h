/* The instruction set: one entry per opcode, generated from wabt's
 * opcode.def at build time (wasm_opcodes.inc) plus the few newer opcodes
 * that wabt 1.0.32 lacks (typed function references and the exnref form of
 * exception handling), with the immediates each one carries. */
#ifndef WP_OPCODES_H
#define WP_OPCODES_H

#include <stdint.h>

/* Operand types of simple instructions, as opcode.def names them. */
typedef enum wp_optype {
	WP_OT_NONE,
	WP_OT_I32,
	WP_OT_I64,
	WP_OT_F32,
	WP_OT_F64,
	WP_OT_V128,
} wp_optype;

typedef enum wp_imm {
	WP_IMM_NONE,
	WP_IMM_BLOCK,	      /* blocktype */
	WP_IMM_LABEL,	      /* label index */
	WP_IMM_BR_TABLE,      /* vec(label) label */
	WP_IMM_FUNC,	      /* function index */
	WP_IMM_CALL_INDIRECT, /* type index, table index */
	WP_IMM_TYPE,	      /* type index */
	WP_IMM_LOCAL,
	WP_IMM_GLOBAL,
	WP_IMM_TABLE,
	WP_IMM_TABLE_TABLE, /* table.copy: destination, source */
	WP_IMM_ELEM,
	WP_IMM_ELEM_TABLE, /* table.init: element segment, table */
	WP_IMM_MEM,	   /* memory index */
	WP_IMM_MEM_MEM,	   /* memory.copy: destination, source */
	WP_IMM_DATA,
	WP_IMM_DATA_MEM, /* memory.init: data segment, memory */
	WP_IMM_MEMARG,
	WP_IMM_MEMARG_LANE,
	WP_IMM_I32,
	WP_IMM_I64,
	WP_IMM_F32,
	WP_IMM_F64,
	WP_IMM_V128,
	WP_IMM_LANE,
	WP_IMM_SHUFFLE,
	WP_IMM_HEAPTYPE, /* ref.null */
	WP_IMM_SELECT_T, /* vec(valtype) */
	WP_IMM_TAG,
	WP_IMM_TRY_TABLE,  /* blocktype vec(catch) */
	WP_IMM_ZERO,	   /* a reserved 0x00 byte (atomic.fence) */
	WP_IMM_LABEL_HEAP, /* br_on_cast family: unused without GC */
} wp_imm;

typedef struct wp_opinfo {
	uint8_t prefix; /* 0, 0xfc, 0xfd, 0xfe */
	uint32_t code;
	const char *text;
	wp_optype result, p1, p2, p3;
	uint8_t memsize; /* bytes accessed (natural alignment), 0 when none */
	wp_imm imm;
} wp_opinfo;

/* The entry for an opcode, or NULL when it is not an instruction. */
const wp_opinfo *wp_opcode_lookup(uint8_t prefix, uint32_t code);

/* Builds the lookup tables (once); after it, the unprefixed opcodes can be
 * read from wp_opcode_plain without locking (the decoder's fast path). */
void wp_opcodes_init(void);
extern const wp_opinfo *wp_opcode_plain[256];
/* Whether a byte starts a prefixed opcode (0xfb..0xfe). */
static inline int wp_opcode_is_prefix(uint8_t b)
{
	return b >= 0xfb && b <= 0xfe;
}

#endif
