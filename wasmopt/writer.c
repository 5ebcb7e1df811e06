/* The module writer: every section re-encoded from the reader's model with
 * the shortest LEB128s, the indices the optimizer remapped, and adjacent
 * local declarations of one type merged. Instruction streams are decoded
 * and re-encoded one instruction at a time. */
#include "rewrite.h"
#include "insn.h"
#include "leb.h"
#include "../lib/parallel.h"
#include "../lib/common.h"

#define OUT_MAX ((size_t)1 << 32)

typedef struct w {
	const wp_rewrite *rw;
	const wp_module *m;
	wp_error **err;
	int failed;
	uint64_t released;	   /* input bytes below this are handed back */
	const wp_write_sink *sink; /* NULL: everything stays in the output buffer */
	uint64_t sent;		   /* bytes handed to the sink so far */
} w;

/* Input pages below `needed`, which the rest of the write does not read,
 * go back to the kernel a megabyte at a time: peak memory stays near one
 * copy of the module rather than the input and the output together. */
#define RELEASE_STEP ((uint64_t)1 << 20)

static void release_below(w *x, uint64_t needed, uint64_t cap)
{
	if (needed > cap)
		needed = cap;
	if (needed < x->released + RELEASE_STEP)
		return;
	wp_module_release(x->m, x->released, needed);
	x->released = needed;
}

/* need[i] becomes the least of need[i..n-1]: what item i and the items
 * after it still read. */
static void suffix_min(uint64_t *need, size_t n)
{
	for (size_t i = n; i-- > 1;)
		if (need[i] < need[i - 1])
			need[i - 1] = need[i];
}

/* An array for suffix_min, or NULL when releasing is not worth it (a
 * module in memory) or there is no memory for it (releasing is optional). */
static uint64_t *need_array(const w *x, size_t n)
{
	return x->m->mapping && n ? malloc(n * sizeof(uint64_t)) : NULL;
}

static int put(w *x, wp_buf *b, const void *data, size_t n)
{
	/* the fast path: room is there (the NUL slot stays free) */
	if (b->cap - b->len <= n) {
		int r = wp_buf_reserve(b, n < 4096 ? 4096 : n, x->err);

		if (r < 0)
			return x->failed = r;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static int put8(w *x, wp_buf *b, uint8_t v)
{
	return put(x, b, &v, 1);
}

/* A size-prefixed region written in place: 5 bytes are set aside for the
 * size, then moved up once the shortest LEB128 of the size is known. */
static size_t begin_sized(w *x, wp_buf *b)
{
	static const uint8_t room[5];

	put(x, b, room, sizeof(room));
	return b->len - sizeof(room);
}

static int end_sized(w *x, wp_buf *b, size_t mark)
{
	uint64_t size = b->len - mark - 5;
	uint8_t leb[5];
	size_t k = 0;

	if (x->failed)
		return x->failed;
	do {
		uint8_t byte = size & 0x7f;

		size >>= 7;
		leb[k++] = size ? byte | 0x80 : byte;
	} while (size);
	memmove(b->data + mark + k, b->data + mark + 5, b->len - mark - 5);
	memcpy(b->data + mark, leb, k);
	b->len -= 5 - k;
	b->data[b->len] = '\0';
	return 0;
}

static int putu(w *x, wp_buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		uint8_t byte = v & 0x7f;

		v >>= 7;
		tmp[n++] = v ? byte | 0x80 : byte;
	} while (v);
	return put(x, b, tmp, n);
}

static int puts_(w *x, wp_buf *b, int64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	bool more = true;

	while (more) {
		uint8_t byte = (uint8_t)(v & 0x7f);

		v = wp_leb_sar7(v);
		if ((v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40)))
			more = false;
		else
			byte |= 0x80;
		tmp[n++] = byte;
	}
	return put(x, b, tmp, n);
}

static int put_range(w *x, wp_buf *b, wp_range r)
{
	return put(x, b, x->m->bytes + r.offset, r.size);
}

static int put_name(w *x, wp_buf *b, wp_range r)
{
	int rc = putu(x, b, r.size);

	return rc < 0 ? rc : put_range(x, b, r);
}

static uint32_t map_type(const w *x, uint32_t t)
{
	return x->rw->type_map ? x->rw->type_map[t] : t;
}

static uint32_t map_func(const w *x, uint32_t f)
{
	return x->rw->func_map ? x->rw->func_map[f] : f;
}

static uint32_t map_global(const w *x, uint32_t g)
{
	return x->rw->global_map ? x->rw->global_map[g] : g;
}

static uint32_t map_table(const w *x, uint32_t t)
{
	return x->rw->table_map ? x->rw->table_map[t] : t;
}

static uint32_t map_elem(const w *x, uint32_t e)
{
	return x->rw->elem_map ? x->rw->elem_map[e] : e;
}

static uint32_t map_data(const w *x, uint32_t d)
{
	return x->rw->data_map && !x->rw->datas_changed ? x->rw->data_map[d] : d;
}

/* A shared function's description, or NULL for a function of m. */
static const wp_shared_fn *shared_fn(const w *x, uint32_t f)
{
	return f >= x->m->n_funcs ? &x->rw->similar->shared[f - x->m->n_funcs] : NULL;
}

/* The input body a function written reads: its own, or for a shared
 * function its representative's. */
static const wp_func *source_body(const w *x, uint32_t f)
{
	const wp_shared_fn *sh = shared_fn(x, f);

	return &x->m->funcs[sh ? sh->rep : f];
}

static int put_heap(w *x, wp_buf *b, uint32_t heap)
{
	if (heap & WP_HT_ABSTRACT)
		return put8(x, b, (uint8_t)heap);
	return puts_(x, b, map_type(x, heap));
}

static int put_valtype(w *x, wp_buf *b, wp_valtype t)
{
	uint32_t heap;

	if (wp_vt_kind(t) != WP_VT_REF)
		return put8(x, b, wp_vt_kind(t));
	heap = wp_vt_heap(t);
	/* (ref null func) is funcref, and so on: the one-byte forms */
	if (wp_vt_nullable(t) && (heap & WP_HT_ABSTRACT))
		return put8(x, b, (uint8_t)heap);
	if (put8(x, b, wp_vt_nullable(t) ? 0x63 : 0x64) < 0)
		return x->failed;
	return put_heap(x, b, heap);
}

static int put_limits(w *x, wp_buf *b, const wp_limits *l)
{
	uint8_t flags = (uint8_t)((l->has_max ? 1 : 0) | (l->shared ? 2 : 0) | (l->is64 ? 4 : 0));

	put8(x, b, flags);
	putu(x, b, l->min);
	if (l->has_max)
		putu(x, b, l->max);
	return x->failed;
}

static void put_thunk_args(w *x, wp_buf *b, const wp_thunk *th);

static uint32_t map_index(const w *x, wp_index_space sp, uint32_t i)
{
	switch (sp) {
	case WP_SPACE_FUNC:
		return map_func(x, i);
	case WP_SPACE_GLOBAL:
		return map_global(x, i);
	case WP_SPACE_TYPE:
		return map_type(x, i);
	case WP_SPACE_TABLE:
		return map_table(x, i);
	case WP_SPACE_ELEM:
		return map_elem(x, i);
	case WP_SPACE_DATA:
		return map_data(x, i);
	default:
		return i;
	}
}

/* How many of the items [first, n) of an index space stay. */
static uint32_t n_kept(const w *x, wp_index_space sp, uint32_t first, uint32_t n)
{
	uint32_t kept = 0;

	for (uint32_t i = first; i < n; i++)
		kept += map_index(x, sp, i) != WP_GONE;
	return kept;
}

/* Re-encodes one instruction with remapped indices and short LEBs. */
static int put_insn(w *x, wp_buf *b, const wp_insn *in)
{
	const wp_opinfo *o = in->info;
	const uint8_t *p;

	/* a call to a thunk that is gone: its constants, then the shared
	 * function (the arguments are on the stack already) */
	if (o->prefix == 0 && o->code == 0x10 && x->rw->inline_call && x->rw->inline_call[in->a]) {
		const wp_thunk *th = &x->rw->similar->thunks[x->rw->inline_call[in->a] - 1];

		put_thunk_args(x, b, th);
		put8(x, b, 0x10);
		putu(x, b, x->rw->first_shared + th->shared);
		return x->failed;
	}

	if (o->prefix) {
		put8(x, b, o->prefix);
		putu(x, b, o->code);
	} else {
		put8(x, b, (uint8_t)o->code);
	}
	switch (o->imm) {
	case WP_IMM_NONE:
		break;
	case WP_IMM_BLOCK:
	case WP_IMM_TRY_TABLE:
		if (in->block == WP_BLOCK_EMPTY)
			put8(x, b, 0x40);
		else if (in->block == WP_BLOCK_VALUE)
			put_valtype(x, b, in->vt);
		else
			puts_(x, b, map_type(x, in->a));
		if (o->imm == WP_IMM_TRY_TABLE) {
			putu(x, b, in->n);
			p = in->imm;
			for (uint32_t i = 0; i < in->n; i++) {
				wp_catch c;

				wp_insn_next_catch(&p, in->end, &c);
				put8(x, b, c.kind);
				if (c.kind < 2)
					putu(x, b, c.tag);
				putu(x, b, c.label);
			}
		}
		break;
	case WP_IMM_FUNC:
	case WP_IMM_GLOBAL:
	case WP_IMM_TYPE:
	case WP_IMM_TABLE:
	case WP_IMM_ELEM:
	case WP_IMM_DATA:
	case WP_IMM_LABEL:
	case WP_IMM_LOCAL:
	case WP_IMM_TAG:
	case WP_IMM_MEM:
	case WP_IMM_CALL_INDIRECT:
	case WP_IMM_TABLE_TABLE:
	case WP_IMM_ELEM_TABLE:
	case WP_IMM_DATA_MEM:
	case WP_IMM_MEM_MEM: {
		wp_index_space sp[2];
		int n = wp_insn_index_spaces(o->imm, sp);

		putu(x, b, map_index(x, sp[0], in->a));
		if (n == 2)
			putu(x, b, map_index(x, sp[1], in->b));
		break;
	}
	case WP_IMM_BR_TABLE:
		putu(x, b, in->n);
		p = in->imm;
		for (uint32_t i = 0; i <= in->n; i++)
			putu(x, b, wp_insn_br_next(in, &p));
		break;
	case WP_IMM_MEMARG:
	case WP_IMM_MEMARG_LANE:
		if (in->a) {
			putu(x, b, in->align | 0x40);
			putu(x, b, in->a);
		} else {
			putu(x, b, in->align);
		}
		putu(x, b, in->value);
		if (o->imm == WP_IMM_MEMARG_LANE)
			put8(x, b, in->lane);
		break;
	case WP_IMM_I32:
		puts_(x, b, (int32_t)in->value);
		break;
	case WP_IMM_I64:
		puts_(x, b, (int64_t)in->value);
		break;
	case WP_IMM_F32:
		for (int i = 0; i < 4; i++)
			put8(x, b, (uint8_t)(in->value >> (8 * i)));
		break;
	case WP_IMM_F64:
		for (int i = 0; i < 8; i++)
			put8(x, b, (uint8_t)(in->value >> (8 * i)));
		break;
	case WP_IMM_V128:
	case WP_IMM_SHUFFLE:
		put(x, b, in->imm, 16);
		break;
	case WP_IMM_LANE:
		put8(x, b, in->lane);
		break;
	case WP_IMM_HEAPTYPE:
		put_heap(x, b, wp_vt_heap(in->vt));
		break;
	case WP_IMM_SELECT_T:
		putu(x, b, in->n);
		put_valtype(x, b, in->vt);
		break;
	case WP_IMM_ZERO:
		put8(x, b, 0);
		break;
	default:
		return wp_error_set(x->err, WP_EUNSUPPORTED, "cannot write %s", o->text);
	}
	return x->failed;
}

/* A shared function's body is its representative's with some constants
 * read from new parameters (after the original ones) instead, and the
 * locals after the parameters moved up to make room. */
typedef struct subst {
	const wp_shared_fn *sh;
	uint32_t n_params; /* the original parameters */
	uint32_t seen;	   /* constants so far */
	uint32_t next;	   /* the next of sh->at to replace */
} subst;

/* Writes in with the substitution applied; false when nothing applies. */
static bool put_substituted(w *x, wp_buf *b, const wp_insn *in, subst *s)
{
	wp_insn moved;

	if (wp_similar_const(in->info->prefix, in->info->code)) {
		bool replace = s->next < s->sh->n_params && s->sh->at[s->next] == s->seen;

		s->seen++;
		if (!replace)
			return false;
		put8(x, b, 0x20); /* local.get */
		putu(x, b, s->n_params + s->next++);
		return true;
	}
	if (in->info->imm != WP_IMM_LOCAL || in->a < s->n_params)
		return false;
	moved = *in;
	moved.a += s->sh->n_params;
	put_insn(x, b, &moved);
	return true;
}

/* An expression up to and including its end (bodies and constant exprs);
 * s: a substitution, or NULL; skip[0..n_skip): input ranges to leave out,
 * in order. */
static int put_expr(w *x, wp_buf *b, const uint8_t *p, const uint8_t *end, bool to_end_of_range,
		    subst *s, const wp_range *skip, size_t n_skip)
{
	wp_insn_reader ir;
	wp_insn in;
	uint32_t depth = 0;
	size_t k = 0;
	int r;

	wp_insn_reader_init(&ir, x->m, p, end);
	for (;;) {
		/* a repeated tail: nothing in it opens or closes a block */
		if (k < n_skip && ir.p == x->m->bytes + skip[k].offset) {
			ir.p += skip[k++].size;
			continue;
		}
		if ((r = wp_insn_next(&ir, &in, x->err)) < 0)
			return r;
		if (!(s && put_substituted(x, b, &in, s)) && (r = put_insn(x, b, &in)) < 0)
			return r;
		if (x->failed)
			return x->failed;
		if (in.info->imm == WP_IMM_BLOCK || in.info->imm == WP_IMM_TRY_TABLE)
			depth++;
		else if (in.info->prefix == 0 && in.info->code == 0x18 && depth)
			depth--; /* delegate ends its try without an end */
		else if (in.info->prefix == 0 && in.info->code == 0x0b) {
			if (depth == 0 && (!to_end_of_range || ir.p == end))
				return 0;
			if (depth)
				depth--;
		}
	}
}

/* A constant expression stored without its end byte (reader.c). */
static int put_const(w *x, wp_buf *b, wp_range r)
{
	const uint8_t *p = x->m->bytes + r.offset;

	return put_expr(x, b, p, p + r.size + 1, false, NULL, NULL, 0);
}

/* Local declarations, adjacent runs of one type merged: a first pass
 * counts the runs (the count comes first), a second writes them. */
static void put_locals(w *x, wp_buf *b, const uint8_t *p, const uint8_t *end, uint64_t n_decls,
		       bool write)
{
	uint64_t count = 0, run = 0;
	wp_valtype run_type = 0, t = 0;
	uint32_t n_runs = 0;

	for (int pass = write ? 0 : 1; pass < 2; pass++) {
		const uint8_t *q = p;

		run = 0;
		for (uint64_t i = 0; i < n_decls; i++) {
			q += wp_leb_u(q, end, 32, &count);
			wp_read_valtype(&q, end, x->m, &t, NULL);
			if (count == 0)
				continue;
			if (run && t == run_type) {
				run += count;
				continue;
			}
			if (run) {
				if (pass == 0)
					n_runs++;
				else {
					putu(x, b, run);
					put_valtype(x, b, run_type);
				}
			}
			run = count;
			run_type = t;
		}
		if (run) {
			if (pass == 0)
				n_runs++;
			else {
				putu(x, b, run);
				put_valtype(x, b, run_type);
			}
		}
		if (pass == 0)
			putu(x, b, n_runs);
	}
}

/* A thunk's own constants, as the shared function takes them. */
static void put_thunk_args(w *x, wp_buf *b, const wp_thunk *th)
{
	const wp_similar *sim = x->rw->similar;
	const wp_shared_fn *sh = &sim->shared[th->shared];

	for (uint32_t j = 0; j < sh->n_params; j++) {
		int64_t v = sim->values[th->values + j];

		put8(x, b, sh->op[j]);
		puts_(x, b, sh->op[j] == 0x41 ? (int64_t)(int32_t)v : v);
	}
}

/* A function merged with similar ones: its parameters and its own
 * constants passed on to the shared function. */
static int put_thunk(w *x, wp_buf *b, uint32_t f)
{
	const wp_similar *sim = x->rw->similar;
	const wp_thunk *th = &sim->thunks[sim->thunk_of[f] - 1];
	const wp_functype *ft = wp_module_functype(x->m, f);
	size_t mark = begin_sized(x, b);

	put8(x, b, 0); /* no locals */
	for (uint32_t p = 0; p < ft->n_params; p++) {
		put8(x, b, 0x20);
		putu(x, b, p);
	}
	put_thunk_args(x, b, th);
	put8(x, b, 0x10);
	putu(x, b, x->rw->first_shared + th->shared);
	put8(x, b, 0x0b);
	return end_sized(x, b, mark);
}

/* Function f of the output order (defined_out): its locals and code. */
static int put_body(w *x, wp_buf *b, uint32_t f)
{
	const wp_module *m = x->m;
	const wp_shared_fn *sh = shared_fn(x, f);
	const wp_func *fn = source_body(x, f);
	const uint8_t *p = m->bytes + fn->body.offset, *end = p + fn->body.size, *decls;
	uint64_t n_decls = 0, count = 0;
	wp_valtype t = 0;
	subst s = {sh, sh ? wp_module_functype(m, sh->rep)->n_params : 0, 0, 0};
	const wp_range *skip = NULL;
	size_t mark, n_skip = 0;
	int r;

	if (!sh && x->rw->similar && x->rw->similar->thunk_of[f])
		return put_thunk(x, b, f);
	mark = begin_sized(x, b);
	p += wp_leb_u(p, end, 32, &n_decls);
	decls = p;
	for (uint64_t i = 0; i < n_decls; i++) {
		p += wp_leb_u(p, end, 32, &count);
		wp_read_valtype(&p, end, m, &t, NULL);
	}
	put_locals(x, b, decls, end, n_decls, true);
	if (x->failed)
		return x->failed;
	/* not in shared bodies: their substituted constants could make two
	 * copies differ */
	if (!sh && x->rw->fold.list) {
		skip = x->rw->fold.list[f];
		n_skip = x->rw->fold.count[f];
	}
	if ((r = put_expr(x, b, p, end, true, sh ? &s : NULL, skip, n_skip)) < 0)
		return r;
	return end_sized(x, b, mark);
}

static int sec_types(w *x, wp_buf *b)
{
	const wp_module *m = x->m;
	putu(x, b, n_kept(x, WP_SPACE_TYPE, 0, m->n_types) + x->rw->n_new_types);
	for (uint32_t i = 0; i < m->n_types; i++) {
		const wp_functype *t = &m->types[i];

		if (map_type(x, i) == WP_GONE)
			continue;
		put8(x, b, 0x60);
		putu(x, b, t->n_params);
		for (uint32_t k = 0; k < t->n_params; k++)
			put_valtype(x, b, t->types[k]);
		putu(x, b, t->n_results);
		for (uint32_t k = 0; k < t->n_results; k++)
			put_valtype(x, b, t->types[t->n_params + k]);
	}
	/* the shared functions': their representative's, with a parameter
	 * per constant they take */
	for (uint32_t j = 0; j < x->rw->n_new_types; j++) {
		const wp_shared_fn *sh = &x->rw->similar->shared[x->rw->type_source[j]];
		const wp_functype *t = wp_module_functype(m, sh->rep);

		put8(x, b, 0x60);
		putu(x, b, t->n_params + sh->n_params);
		for (uint32_t k = 0; k < t->n_params; k++)
			put_valtype(x, b, t->types[k]);
		for (uint32_t k = 0; k < sh->n_params; k++)
			put8(x, b, sh->op[k] == 0x41 ? WP_VT_I32 : WP_VT_I64);
		putu(x, b, t->n_results);
		for (uint32_t k = 0; k < t->n_results; k++)
			put_valtype(x, b, t->types[t->n_params + k]);
	}
	return x->failed;
}

static int sec_imports(w *x, wp_buf *b)
{
	const wp_module *m = x->m;
	uint32_t n = 0;

	for (uint32_t i = 0; i < m->n_imports; i++)
		n += !(m->imports[i].kind == WP_EXTERN_FUNC &&
		       map_func(x, m->imports[i].index) == WP_GONE);
	putu(x, b, n);
	for (uint32_t i = 0; i < m->n_imports; i++) {
		const wp_import *im = &m->imports[i];

		if (im->kind == WP_EXTERN_FUNC && map_func(x, im->index) == WP_GONE)
			continue;
		put_name(x, b, im->module);
		put_name(x, b, im->name);
		put8(x, b, (uint8_t)im->kind);
		switch (im->kind) {
		case WP_EXTERN_FUNC:
			putu(x, b, map_type(x, m->funcs[im->index].type));
			break;
		case WP_EXTERN_TABLE:
			put_valtype(x, b, m->tables[im->index].elem);
			put_limits(x, b, &m->tables[im->index].limits);
			break;
		case WP_EXTERN_MEMORY:
			put_limits(x, b, &m->memories[im->index].limits);
			break;
		case WP_EXTERN_GLOBAL:
			put_valtype(x, b, m->globals[im->index].type);
			put8(x, b, m->globals[im->index].mutable_);
			break;
		case WP_EXTERN_TAG:
			put8(x, b, 0);
			putu(x, b, map_type(x, m->tags[im->index].type));
			break;
		}
	}
	return x->failed;
}

static bool emitted(const w *x, uint32_t f)
{
	return x->rw->func_emit ? x->rw->func_emit[f] : true;
}

/* The defined functions to write, in order: the optimizer's order, or all
 * of them as they were. */
static uint32_t n_defined_out(const w *x)
{
	const wp_module *m = x->m;
	const wp_rewrite *rw = x->rw;

	if (!rw->func_order)
		return m->n_funcs - m->n_imported_funcs;
	return rw->n_func_order + (rw->similar ? rw->similar->n_shared : 0);
}

/* The i-th function written: an index of m, or for the shared functions
 * (after all others) m->n_funcs + their number. */
static uint32_t defined_out(const w *x, uint32_t i)
{
	const wp_rewrite *rw = x->rw;

	if (!rw->func_order)
		return x->m->n_imported_funcs + i;
	return i < rw->n_func_order ? rw->func_order[i] : x->m->n_funcs + (i - rw->n_func_order);
}

static int sec_functions(w *x, wp_buf *b)
{
	const wp_module *m = x->m;
	uint32_t n = n_defined_out(x);

	putu(x, b, n);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t f = defined_out(x, i);

		if (f >= m->n_funcs)
			putu(x, b, x->rw->first_new_type + x->rw->shared_type[f - m->n_funcs]);
		else
			putu(x, b, map_type(x, m->funcs[f].type));
	}
	return x->failed;
}

static int sec_tables(w *x, wp_buf *b)
{
	const wp_module *m = x->m;

	putu(x, b, n_kept(x, WP_SPACE_TABLE, m->n_imported_tables, m->n_tables));
	for (uint32_t i = m->n_imported_tables; i < m->n_tables; i++) {
		const wp_table *t = &m->tables[i];

		if (map_table(x, i) == WP_GONE)
			continue;
		if (t->init.size) {
			put8(x, b, 0x40);
			put8(x, b, 0);
		}
		put_valtype(x, b, t->elem);
		put_limits(x, b, &t->limits);
		if (t->init.size && put_const(x, b, t->init) < 0)
			return x->failed ? x->failed : WP_EINVALID;
	}
	return x->failed;
}

static int sec_memories(w *x, wp_buf *b)
{
	const wp_module *m = x->m;

	putu(x, b, m->n_memories - m->n_imported_memories);
	for (uint32_t i = m->n_imported_memories; i < m->n_memories; i++)
		put_limits(x, b, &m->memories[i].limits);
	return x->failed;
}

static int sec_tags(w *x, wp_buf *b)
{
	const wp_module *m = x->m;

	putu(x, b, m->n_tags - m->n_imported_tags);
	for (uint32_t i = m->n_imported_tags; i < m->n_tags; i++) {
		put8(x, b, 0);
		putu(x, b, map_type(x, m->tags[i].type));
	}
	return x->failed;
}

static int sec_globals(w *x, wp_buf *b)
{
	const wp_module *m = x->m;
	int r;

	putu(x, b, n_kept(x, WP_SPACE_GLOBAL, m->n_imported_globals, m->n_globals));
	for (uint32_t i = m->n_imported_globals; i < m->n_globals; i++) {
		const wp_global *g = &m->globals[i];

		if (map_global(x, i) == WP_GONE)
			continue;
		put_valtype(x, b, g->type);
		put8(x, b, g->mutable_);
		if ((r = put_const(x, b, g->init)) < 0)
			return r;
	}
	return x->failed;
}

static int sec_exports(w *x, wp_buf *b)
{
	const wp_module *m = x->m;

	putu(x, b, m->n_exports);
	for (uint32_t i = 0; i < m->n_exports; i++) {
		const wp_export *e = &m->exports[i];
		uint32_t idx = e->index;

		if (e->kind == WP_EXTERN_FUNC)
			idx = map_func(x, idx);
		else if (e->kind == WP_EXTERN_GLOBAL)
			idx = map_global(x, idx);
		else if (e->kind == WP_EXTERN_TABLE)
			idx = map_table(x, idx);
		put_name(x, b, e->name);
		put8(x, b, (uint8_t)e->kind);
		putu(x, b, idx);
	}
	return x->failed;
}

static int sec_elems(w *x, wp_buf *b)
{
	const wp_module *m = x->m;
	int r;

	putu(x, b, n_kept(x, WP_SPACE_ELEM, 0, m->n_elems));
	for (uint32_t i = 0; i < m->n_elems; i++) {
		const wp_elem *e = &m->elems[i];
		const uint8_t *p = m->bytes + e->items.offset, *end = p + e->items.size;
		/* flags: bit 0 passive/declarative, bit 1 explicit table or
		 * declarative, bit 2 expressions; keep the segment's form */
		uint32_t flags = (e->exprs ? 4u : 0u);
		uint32_t table = e->mode == WP_SEG_ACTIVE ? map_table(x, e->table) : 0;
		bool explicit_type;

		if (map_elem(x, i) == WP_GONE)
			continue;
		if (e->mode == WP_SEG_PASSIVE)
			flags |= 1;
		else if (e->mode == WP_SEG_DECLARATIVE)
			flags |= 3;
		else if (table != 0 || (e->exprs && e->type != WP_VT_FUNCREF))
			flags |= 2;
		explicit_type = (flags & 3) != 0;
		putu(x, b, flags);
		if (e->mode == WP_SEG_ACTIVE && (flags & 2))
			putu(x, b, table);
		if (e->mode == WP_SEG_ACTIVE && (r = put_const(x, b, e->offset)) < 0)
			return r;
		if (explicit_type) {
			if (e->exprs)
				put_valtype(x, b, e->type);
			else
				put8(x, b, 0); /* elemkind funcref */
		}
		putu(x, b, e->n_items);
		for (uint32_t k = 0; k < e->n_items; k++) {
			if (e->exprs) {
				wp_insn_reader ir;
				wp_insn in;

				wp_insn_reader_init(&ir, m, p, end);
				do {
					if ((r = wp_insn_next(&ir, &in, x->err)) < 0 ||
					    (r = put_insn(x, b, &in)) < 0)
						return r;
				} while (!(in.info->prefix == 0 && in.info->code == 0x0b));
				p = ir.p;
			} else {
				uint64_t idx = 0;

				p += wp_leb_u(p, end, 32, &idx);
				putu(x, b, map_func(x, (uint32_t)idx));
			}
		}
	}
	return x->failed;
}

/* Bodies are independent: they are written by several threads at once, in
 * rounds of one part of the input per thread (a sixteenth of the code
 * spread over the threads, 64 KiB to 2 MiB); each round's parts are
 * appended in order, so the output does not depend on the thread count,
 * and the input read so far is released between rounds. */
#define MIN_PART ((uint64_t)64 << 10)
#define MAX_PART ((uint64_t)2 << 20)
#define MAX_WRITERS WP_PARALLEL_MAX

typedef struct body_part {
	w x;		 /* the writer's state, with its own error */
	wp_error *error; /* x.err points here */
	wp_buf buf;	 /* the bodies of [first, last), encoded */
	uint32_t first, last;
	int r;
} body_part;

static void *write_part(void *arg)
{
	body_part *p = arg;

	p->buf.len = 0;
	for (uint32_t i = p->first; i < p->last && p->r == 0; i++)
		p->r = put_body(&p->x, &p->buf, defined_out(&p->x, i));
	return NULL;
}

/* Splits [*next, n) into the parts of one round, at most PART input bytes
 * each (at least one body). Returns how many parts were filled. */
static int plan_round(const w *x, body_part *parts, int n_parts, uint64_t part, uint32_t *next,
		      uint32_t n)
{
	int k = 0;

	while (k < n_parts && *next < n) {
		uint64_t bytes = 0;

		parts[k].first = *next;
		while (*next < n && (bytes == 0 || bytes < part))
			bytes += source_body(x, defined_out(x, (*next)++))->body.size;
		parts[k++].last = *next;
	}
	return k;
}

static int write_rounds(w *x, wp_buf *b, body_part *parts, int n_parts, uint64_t part,
			const uint64_t *need, uint32_t n)
{
	uint32_t next = 0;
	int r = 0;

	while (r == 0 && next < n) {
		int k = plan_round(x, parts, n_parts, part, &next, n);

		wp_parallel_run(write_part, parts, sizeof(*parts), k);
		for (int i = 0; i < k && r == 0; i++) {
			if ((r = parts[i].r) < 0)
				wp_error_move(x->err, parts[i].error, r), parts[i].error = NULL;
			else
				r = put(x, b, parts[i].buf.data, parts[i].buf.len);
		}
		if (r == 0 && need && next < n)
			release_below(x, need[next], x->m->size);
	}
	return r;
}

static int sec_code(w *x, wp_buf *b)
{
	const wp_module *m = x->m;
	uint32_t n = n_defined_out(x);
	uint64_t *need = need_array(x, n), code = 0, part;
	body_part parts[MAX_WRITERS];
	int n_parts = wp_opt_threads(x->rw->o), r;

	putu(x, b, n);
	if (need) {
		for (uint32_t i = 0; i < n; i++)
			/* shared functions, written last, read bodies from
			 * anywhere: they would hold everything back, and may
			 * read pages again instead */
			need[i] = defined_out(x, i) >= m->n_funcs
					  ? UINT64_MAX
					  : m->funcs[defined_out(x, i)].body.offset;
		suffix_min(need, n);
	}
	for (uint32_t i = 0; i < n; i++)
		code += source_body(x, defined_out(x, i))->body.size;
	if (n_parts > MAX_WRITERS)
		n_parts = MAX_WRITERS;
	part = code / 16 / (uint64_t)n_parts;
	part = part < MIN_PART ? MIN_PART : part > MAX_PART ? MAX_PART : part;
	if (code < 2 * MIN_PART)
		n_parts = 1;
	for (int i = 0; i < n_parts; i++) {
		parts[i] = (body_part){.x = *x, .buf = WP_BUF_INIT(OUT_MAX)};
		parts[i].x.err = &parts[i].error;
		parts[i].x.failed = 0;
	}
	r = write_rounds(x, b, parts, n_parts, part, need, n);
	for (int i = 0; i < n_parts; i++) {
		wp_buf_release(&parts[i].buf);
		wp_error_free(parts[i].error);
	}
	free(need);
	return r < 0 ? r : x->failed;
}

static int put_data_header(w *x, wp_buf *b, const wp_data *d, uint64_t offset, bool rebuilt)
{
	const wp_limits *l;

	/* a passive segment names no memory: the module may have none */
	if (d->mode == WP_SEG_PASSIVE)
		return put8(x, b, 1);
	l = &x->m->memories[d->memory].limits;
	if (d->memory) {
		put8(x, b, 2);
		putu(x, b, d->memory);
	} else {
		put8(x, b, 0);
	}
	if (!rebuilt)
		return put_const(x, b, d->offset);
	put8(x, b, l->is64 ? 0x42 : 0x41);
	puts_(x, b, l->is64 ? (int64_t)offset : (int32_t)(uint32_t)offset);
	return put8(x, b, 0x0b);
}

/* Segments written when they are not rebuilt: unused passive ones go. */
static uint32_t n_datas_out(const w *x)
{
	return n_kept(x, WP_SPACE_DATA, 0, x->m->n_datas);
}

/* What the output holds so far, sent or not. */
static uint64_t written(const w *x, const wp_buf *b)
{
	return x->sent + b->len;
}

/* Hands what b holds to the sink, if there is one. */
static int send(w *x, wp_buf *b)
{
	int r;

	if (!x->sink || b->len == 0 || x->failed)
		return x->failed;
	if ((r = x->sink->write(x->sink->ctx, b->data, b->len, x->err)) < 0)
		return x->failed = r;
	x->sent += b->len;
	wp_buf_reset(b);
	return 0;
}

/* With a sink, output leaves the buffer once this much has gathered, and
 * content this long goes to the sink directly. */
#define SEND_AT ((size_t)256 << 10)
#define SEND_DIRECT ((uint64_t)64 << 10)

static int put_content(w *x, wp_buf *b, const uint8_t *data, uint64_t n)
{
	static const uint8_t zeros[4096];
	int r = 0;

	if (data && x->sink && n >= SEND_DIRECT && (r = send(x, b)) == 0) {
		if ((r = x->sink->write(x->sink->ctx, data, n, x->err)) < 0)
			return x->failed = r;
		x->sent += n;
		return 0;
	}
	while (r == 0 && n > 0) {
		size_t chunk = n < sizeof(zeros) ? n : sizeof(zeros);

		r = put(x, b, data ? data : zeros, data ? n : chunk);
		n -= data ? n : chunk;
		if (r == 0 && b->len >= SEND_AT)
			r = send(x, b);
	}
	return r;
}

/* A packed memory's pieces (pack.h) go straight into the output. */
typedef struct piece_out {
	w *x;
	wp_buf *b;
	const wp_data *source;
} piece_out;

static int put_piece(void *ctx, uint64_t offset, uint64_t len)
{
	piece_out *o = ctx;

	put_data_header(o->x, o->b, o->source, offset, true);
	return putu(o->x, o->b, len);
}

static int put_piece_bytes(void *ctx, const uint8_t *data, uint64_t n)
{
	piece_out *o = ctx;

	return put_content(o->x, o->b, data, n);
}

/* The i-th entry of the data section to write: rw->datas when the
 * optimizer changed them, else each segment of m that stays. */
static uint32_t n_data_entries(const w *x)
{
	return x->rw->datas_changed ? x->rw->n_datas : x->m->n_datas;
}

static bool data_entry(const w *x, uint32_t i, wp_out_data *e)
{
	if (x->rw->datas_changed) {
		*e = x->rw->datas[i];
		return true;
	}
	*e = (wp_out_data){i, NULL};
	return map_data(x, i) != WP_GONE;
}

/* The size of the data section's payload, known before it is written so
 * that it can be sent on as it is made. Headers are measured by writing
 * them into scratch. */
static uint64_t data_section_size(w *x, wp_buf *scratch, uint32_t n_out)
{
	uint64_t size = wp_leb_u_size(n_out);
	wp_out_data e;

	for (uint32_t i = 0; i < n_data_entries(x); i++) {
		const wp_range *bytes;

		if (!data_entry(x, i, &e))
			continue;
		if (e.pack) {
			size += e.pack->encoded;
			continue;
		}
		bytes = &x->m->datas[e.source].bytes;
		wp_buf_reset(scratch);
		put_data_header(x, scratch, &x->m->datas[e.source], 0, false);
		size += scratch->len + wp_leb_u_size(bytes->size) + bytes->size;
	}
	return size;
}

/* The number of segments the data section holds, which the data count
 * section repeats: packing may have cut an entry into several segments,
 * or into none (all of it zeros that memory starts with). */
static uint32_t data_segments_out(const w *x)
{
	return x->rw->datas_changed ? x->rw->n_datas_out : n_datas_out(x);
}

/* The whole data section, its id and size included. */
static int sec_data(w *x, wp_buf *b)
{
	const wp_module *m = x->m;
	uint32_t n_out = data_segments_out(x);
	wp_buf scratch = WP_BUF_INIT(OUT_MAX);
	uint64_t size = data_section_size(x, &scratch, n_out), start;
	wp_out_data e;
	int r = 0;

	wp_buf_release(&scratch);
	put8(x, b, 11);
	putu(x, b, size);
	start = written(x, b);
	putu(x, b, n_out);
	for (uint32_t i = 0; r == 0 && !x->failed && i < n_data_entries(x); i++) {
		const wp_data *d;

		if (!data_entry(x, i, &e))
			continue;
		d = &m->datas[e.source];
		if (e.pack) {
			piece_out o = {x, b, d};
			wp_pack_sink sink = {put_piece, put_piece_bytes, &o};

			r = wp_pack_write(e.pack, &sink);
			continue;
		}
		put_data_header(x, b, d, 0, false);
		putu(x, b, d->bytes.size);
		r = put_content(x, b, m->bytes + d->bytes.offset, d->bytes.size);
		/* what comes before in the file is done: earlier segments, and
		 * packed ones, which are written where their first one is */
		release_below(x, d->bytes.offset + d->bytes.size, m->size);
	}
	if (r == 0 && !x->failed && written(x, b) - start != size)
		return x->failed = wp_error_set(x->err, WP_EGENERIC,
						"the optimizer failed: %" PRIu64
						" bytes of data section written, %" PRIu64
						" planned (please report this)",
						written(x, b) - start, size);
	return r < 0 ? r : x->failed;
}

static int section_body(w *x, const wp_section *s, wp_buf *b)
{
	const wp_module *m = x->m;

	switch (s->id) {
	case 1:
		return sec_types(x, b);
	case 2:
		return sec_imports(x, b);
	case 3:
		return sec_functions(x, b);
	case 4:
		return sec_tables(x, b);
	case 5:
		return sec_memories(x, b);
	case 6:
		return sec_globals(x, b);
	case 7:
		return sec_exports(x, b);
	case 8:
		return putu(x, b, map_func(x, m->start));
	case 9:
		return sec_elems(x, b);
	case 10:
		return sec_code(x, b);
	case 12:
		return putu(x, b, data_segments_out(x));
	case 13:
		return sec_tags(x, b);
	default:
		return 0;
	}
}

/* ---- the name section, kept (--keep-section name) while -Oz renumbers ---- */

static bool leb32(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
	uint64_t v = 0;
	int n = wp_leb_u(*p, end, 32, &v);

	if (n < 0)
		return false;
	*p += n;
	*out = (uint32_t)v;
	return true;
}

/* What index i of name subsection id becomes, WP_GONE when removed. */
static uint32_t name_index(const w *x, uint8_t id, uint32_t i)
{
	const wp_module *m = x->m;

	switch (id) {
	case 2: /* locals, by function */
	case 3: /* labels, by function */
		/* a thunk has none of its former locals and labels */
		if (i < m->n_funcs && x->rw->similar && x->rw->similar->thunk_of[i])
			return WP_GONE;
		/* fall through */
	case 1: /* functions */
		return i < m->n_funcs && emitted(x, i) ? map_func(x, i) : WP_GONE;
	case 4:	 /* types */
	case 10: /* fields, by type */
		return i < m->n_types ? map_type(x, i) : WP_GONE;
	case 5: /* tables */
		return i < m->n_tables ? map_table(x, i) : WP_GONE;
	case 7: /* globals */
		return i < m->n_globals ? map_global(x, i) : WP_GONE;
	case 8: /* element segments */
		return i < m->n_elems ? map_elem(x, i) : WP_GONE;
	case 9: /* data segments (put_names drops them when merged) */
		return i < m->n_datas ? map_data(x, i) : WP_GONE;
	default:
		return i;
	}
}

/* A name map, or an indirect one (ids 2, 3, 10), with its outer indices
 * renumbered and the entries of removed things dropped; false when it does
 * not parse. */
typedef struct name_entry {
	uint32_t idx;	     /* the new index */
	const uint8_t *rest; /* what follows the old index, copied as it is */
	size_t len;
} name_entry;

static int name_entry_cmp(const void *a, const void *b)
{
	const name_entry *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool put_name_map(w *x, wp_buf *b, uint8_t id, const uint8_t *p, const uint8_t *end)
{
	bool indirect = id == 2 || id == 3 || id == 10, ok;
	name_entry *entries = NULL;
	uint32_t n = 0, kept = 0;

	/* each entry takes two bytes at least */
	ok = leb32(&p, end, &n) && n <= (size_t)(end - p);
	if (ok && !(entries = calloc((size_t)n + 1, sizeof(*entries)))) {
		x->failed = wp_error_oom(x->err);
		return false;
	}
	for (uint32_t i = 0; ok && i < n; i++) {
		const uint8_t *start;
		uint32_t idx = 0, inner = 1, len = 0, ignored = 0;

		ok = leb32(&p, end, &idx);
		start = p;
		if (ok && indirect)
			ok = leb32(&p, end, &inner);
		for (uint32_t k = 0; ok && k < inner; k++) {
			ok = (!indirect || leb32(&p, end, &ignored)) && leb32(&p, end, &len) &&
			     len <= (size_t)(end - p);
			if (ok)
				p += len;
		}
		if (ok && name_index(x, id, idx) != WP_GONE)
			entries[kept++] =
				(name_entry){name_index(x, id, idx), start, (size_t)(p - start)};
	}
	ok = ok && p == end;
	if (ok) {
		/* the new indices need not keep the old order (the optimizer may
		 * reorder functions); name maps are sorted by index */
		qsort(entries, kept, sizeof(*entries), name_entry_cmp);
		putu(x, b, kept);
		for (uint32_t i = 0; i < kept; i++) {
			putu(x, b, entries[i].idx);
			put(x, b, entries[i].rest, entries[i].len);
		}
	}
	free(entries);
	return ok;
}

/* The payload of a name section (after its name) with the indices -Oz
 * changed; false when it does not parse: stale names are worse than none,
 * so the section is dropped then. */
static bool put_names(w *x, wp_buf *b, const uint8_t *p, const uint8_t *end)
{
	wp_buf sub = WP_BUF_INIT(OUT_MAX);
	bool ok = true;

	while (ok && p < end) {
		uint8_t id = *p++;
		uint32_t size = 0;

		if (!leb32(&p, end, &size) || size > (size_t)(end - p)) {
			ok = false;
			break;
		}
		wp_buf_reset(&sub);
		if (id == 9 && x->rw->datas_changed) {
			p += size; /* data segments were merged: their names go */
			continue;
		}
		/* memories (6) and tags (11) keep their indices */
		if (id >= 1 && id <= 10 && id != 6)
			ok = put_name_map(x, &sub, id, p, p + size);
		else
			put(x, &sub, p, size);
		if (ok) {
			put8(x, b, id);
			putu(x, b, sub.len);
			put(x, b, sub.data, sub.len);
		}
		p += size;
	}
	wp_buf_release(&sub);
	return ok;
}

/* A kept custom section; the name section is renumbered when -Oz changed
 * indices. */
static void put_custom(w *x, wp_buf *out, wp_buf *sec, const wp_section *s)
{
	const wp_module *m = x->m;
	const uint8_t *name = m->bytes + s->name.offset;
	const uint8_t *end = m->bytes + s->payload.offset + s->payload.size;

	if (s->name.size == 4 && memcmp(name, "name", 4) == 0 &&
	    (x->rw->func_map || x->rw->datas_changed)) {
		wp_buf_reset(sec);
		put_name(x, sec, s->name);
		if (!put_names(x, sec, name + s->name.size, end))
			return;
		put8(x, out, 0);
		putu(x, out, sec->len);
		put(x, out, sec->data, sec->len);
		return;
	}
	put8(x, out, 0);
	putu(x, out, s->payload.size);
	put_range(x, out, s->payload);
}

int wp_write_module(const wp_rewrite *rw, wp_buf *out, const wp_write_sink *sink, wp_error **err)
{
	const wp_module *m = rw->m;
	w x = {rw, m, err, 0, 0, sink, 0};
	wp_buf sec = WP_BUF_INIT(OUT_MAX); /* a rewritten name section */
	int r = wp_buf_reserve(out, m->size + 64, err);

	if (r < 0)
		return r;
	put(&x, out, m->bytes, 8);
	for (uint32_t i = 0; r == 0 && !x.failed && i < m->n_sections; i++) {
		const wp_section *s = &m->sections[i];
		size_t mark;

		if (s->id == 0) {
			if (!rw->keep_custom || rw->keep_custom[i])
				put_custom(&x, out, &sec, s);
		} else if (s->id == 11) {
			r = sec_data(&x, out);
		} else {
			put8(&x, out, s->id);
			mark = begin_sized(&x, out);
			if ((r = section_body(&x, s, out)) < 0)
				break;
			r = end_sized(&x, out, mark);
		}
		if (r == 0 && out->len >= SEND_AT)
			r = send(&x, out);
	}
	if (r == 0)
		r = send(&x, out);
	wp_buf_release(&sec);
	return r < 0 ? r : x.failed;
}
