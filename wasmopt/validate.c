#include <pthread.h>

#include "validate.h"
#include "wasm_error.h"
#include "insn.h"
#include "../lib/compress.h"
#include "../lib/parallel.h"
#include "leb.h"
#include "opcodes.h"
#include "../lib/str.h"
#include "../lib/common.h"

#define MAX_PAGES32 65536ULL
#define MAX_PAGES64 (1ULL << 48)
#define MAX_LOCALS 50000u /* the JS API's limit; engines refuse more */

/* ---- types ---- */

typedef struct vctx {
	const wp_module *m;
	wp_error **err;
	uint32_t func;	     /* function being checked, or UINT32_MAX */
	const uint8_t *refs; /* functions declared for ref.func (bitmap) */
	bool uses_data_count;
	const uint32_t *canon;	     /* type index -> the first type equivalent to it */
	const wp_body_observer *obs; /* or NULL */
	int worker;		     /* this thread's number, for obs */
} vctx;

/* Type equivalence is iso-recursive. Without rec groups (GC) each type is
 * a recursion group of its own, so two types are equivalent when their
 * definitions are the same, with references to earlier types compared by
 * equivalence and a reference of a type to itself standing for itself.
 * canon[] is computed once, in definition order, and comparing types costs
 * nothing afterwards (comparing definitions recursively took exponential
 * time on crafted modules). A reference to a later type, which the
 * specification does not allow, is compared by its index. */
static bool closed_vt_equal(const uint32_t *canon, uint32_t i, wp_valtype t, uint32_t k,
			    wp_valtype u)
{
	uint32_t a = wp_vt_heap(t), b = wp_vt_heap(u);

	if (wp_vt_kind(t) != WP_VT_REF || wp_vt_kind(u) != WP_VT_REF || (a & WP_HT_ABSTRACT) ||
	    (b & WP_HT_ABSTRACT))
		return t == u;
	if (wp_vt_nullable(t) != wp_vt_nullable(u))
		return false;
	if (a == i || b == k)
		return a == i && b == k;
	if (a < i && b < k)
		return canon[a] == canon[b];
	return a == b && a > i && b > k;
}

static bool closed_equal(const wp_module *m, const uint32_t *canon, uint32_t i, uint32_t k)
{
	const wp_functype *x = &m->types[i], *y = &m->types[k];

	if (x->n_params != y->n_params || x->n_results != y->n_results)
		return false;
	for (uint32_t j = 0; j < x->n_params + x->n_results; j++)
		if (!closed_vt_equal(canon, i, x->types[j], k, y->types[j]))
			return false;
	return true;
}

/* A hash of type i that equivalent types share. */
static uint64_t closed_hash(const wp_module *m, const uint32_t *canon, uint32_t i)
{
	const wp_functype *x = &m->types[i];
	uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)x->n_params << 32 | x->n_results);

	for (uint32_t j = 0; j < x->n_params + x->n_results; j++) {
		wp_valtype t = x->types[j];
		uint32_t a = wp_vt_heap(t);

		if (wp_vt_kind(t) == WP_VT_REF && !(a & WP_HT_ABSTRACT))
			t = (t & 0xffffffffu) | (a == i	 ? 1ULL << 63
						 : a < i ? (uint64_t)canon[a] << 32
							 : (uint64_t)a << 32 | 1ULL << 62);
		h = (h ^ t) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

static int type_identities(vctx *v, uint32_t **out)
{
	const wp_module *m = v->m;
	size_t cap = 16;
	uint32_t *canon = malloc(((size_t)m->n_types + 1) * sizeof(*canon)), *slots;

	while (cap < 2 * (size_t)m->n_types)
		cap *= 2;
	slots = malloc(cap * sizeof(*slots));
	if (!canon || !slots) {
		free(canon);
		free(slots);
		return wp_error_oom(v->err);
	}
	memset(slots, 0xff, cap * sizeof(*slots));
	for (uint32_t i = 0; i < m->n_types; i++) {
		size_t s = closed_hash(m, canon, i) & (cap - 1);

		while (slots[s] != UINT32_MAX && !closed_equal(m, canon, i, slots[s]))
			s = (s + 1) & (cap - 1);
		if (slots[s] == UINT32_MAX)
			slots[s] = i;
		canon[i] = slots[s];
	}
	free(slots);
	*out = canon;
	return 0;
}

static bool functype_equal(const vctx *v, uint32_t a, uint32_t b)
{
	return a == b ||
	       (v->canon && a < v->m->n_types && b < v->m->n_types && v->canon[a] == v->canon[b]);
}

static bool is_func_heap(uint32_t h)
{
	return !(h & WP_HT_ABSTRACT) || h == (WP_HT_ABSTRACT | WP_HT_FUNC) ||
	       h == (WP_HT_ABSTRACT | WP_HT_NOFUNC);
}

static bool heap_sub(const vctx *v, uint32_t a, uint32_t b)
{
	if (a == b)
		return true;
	if (!(a & WP_HT_ABSTRACT) && !(b & WP_HT_ABSTRACT))
		return functype_equal(v, a, b);
	if (b == (WP_HT_ABSTRACT | WP_HT_FUNC))
		return is_func_heap(a);
	if (a == (WP_HT_ABSTRACT | WP_HT_NOFUNC))
		return is_func_heap(b);
	if (a == (WP_HT_ABSTRACT | WP_HT_NOEXTERN))
		return b == (WP_HT_ABSTRACT | WP_HT_EXTERN);
	if (a == (WP_HT_ABSTRACT | WP_HT_NOEXN))
		return b == (WP_HT_ABSTRACT | WP_HT_EXN);
	return false;
}

/* actual <: expected; BOT (from an unreachable stack) matches anything */
static bool subtype(const vctx *v, wp_valtype a, wp_valtype b)
{
	if (a == WP_VT_BOT || b == WP_VT_BOT || a == b)
		return true;
	if (wp_vt_kind(a) != WP_VT_REF || wp_vt_kind(b) != WP_VT_REF)
		return false;
	if (wp_vt_nullable(a) && !wp_vt_nullable(b))
		return false;
	return heap_sub(v, wp_vt_heap(a), wp_vt_heap(b));
}

static bool is_ref(wp_valtype t)
{
	return wp_vt_kind(t) == WP_VT_REF;
}

static bool defaultable(wp_valtype t)
{
	return !is_ref(t) || wp_vt_nullable(t);
}

/* ---- errors ---- */

static int fail(const vctx *v, uint32_t offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(const vctx *v, uint32_t offset, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = wp_wasm_errorv(v->err, v->m->name, v->func, offset, fmt, ap);
	va_end(ap);
	return r;
}

#ifdef __clang_analyzer__
/* returns a negative code: see lib/error.h */
#define fail(...) wp_error_negative_(fail(__VA_ARGS__))
#endif

static int check_valtype(const vctx *v, wp_valtype t, uint32_t at)
{
	uint32_t h;

	if (!is_ref(t))
		return 0;
	h = wp_vt_heap(t);
	if (!(h & WP_HT_ABSTRACT) && h >= v->m->n_types)
		return fail(v, at, "unknown type %" PRIu32, h);
	return 0;
}

static int check_limits(const vctx *v, const wp_limits *l, bool memory, uint32_t at)
{
	uint64_t cap = memory ? (l->is64 ? MAX_PAGES64 : MAX_PAGES32)
			      : (l->is64 ? UINT64_MAX : UINT32_MAX);

	if (l->has_max && l->min > l->max)
		return fail(v, at, "size minimum must not be greater than maximum");
	if (memory && (l->min > cap || (l->has_max && l->max > cap)))
		return fail(v, at, "memory size must be at most %s pages",
			    l->is64 ? "2^48" : "65536 (4GiB)");
	if (memory && l->shared && !l->has_max)
		return fail(v, at, "shared memory must have maximum");
	return 0;
}

/* ---- the operand and control stacks ---- */

enum frame_kind {
	F_FUNC,
	F_BLOCK,
	F_LOOP,
	F_IF,
	F_ELSE,
	F_TRY,
	F_CATCH,
	F_CATCH_ALL,
	F_TRY_TABLE
};

typedef struct frame {
	enum frame_kind kind;
	const wp_valtype *params;
	uint32_t n_params;
	const wp_valtype *results;
	uint32_t n_results;
	wp_valtype one; /* storage for a single-result block type */
	uint32_t height;
	uint32_t init_height; /* locals initialised inside roll back to here */
	bool unreachable;
} frame;

typedef struct fstate {
	vctx *v;
	wp_valtype *stack;
	uint32_t n, cap;
	frame *frames;
	uint32_t n_frames, cap_frames;
	/* locals as runs: run i covers local indices < run_end[i] */
	uint32_t *run_end;
	wp_valtype *run_type;
	uint32_t n_runs;
	uint32_t n_locals;
	wp_valtype *flat; /* every local's type, when there are not too many */
	/* non-defaultable locals (typed non-null references) must be set
	 * before they are read; what a block sets is forgotten at its end */
	uint8_t *inited;
	uint32_t *init_log;
	uint32_t n_init, cap_init;
	uint32_t at; /* offset of the instruction being checked */
	const char *op;
} fstate;

static int push(fstate *s, wp_valtype t)
{
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 64;
		wp_valtype *grown = realloc(s->stack, cap * sizeof(*grown));

		if (!grown)
			return wp_error_oom(s->v->err);
		s->stack = grown;
		s->cap = cap;
	}
	s->stack[s->n++] = t;
	return 0;
}

static int push_all(fstate *s, const wp_valtype *t, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		int r = push(s, t[i]);

		if (r < 0)
			return r;
	}
	return 0;
}

static int mismatch(fstate *s, wp_valtype want, wp_valtype got)
{
	char b1[48], b2[48];

	return fail(s->v, s->at, "type mismatch in %s: expected %s, found %s", s->op,
		    wp_valtype_name(want, b1), wp_valtype_name(got, b2));
}

/* Pops any value; BOT when the frame is unreachable and empty. */
static int pop_any(fstate *s, wp_valtype *out)
{
	frame *f = &s->frames[s->n_frames - 1];

	if (s->n == f->height) {
		if (f->unreachable) {
			*out = WP_VT_BOT;
			return 0;
		}
		return fail(s->v, s->at, "type mismatch in %s: the stack is empty", s->op);
	}
	*out = s->stack[--s->n];
	return 0;
}

static int pop_expect(fstate *s, wp_valtype want, wp_valtype *got)
{
	wp_valtype t = 0;
	int r;

	/* the common case: the value is there and has exactly that type */
	if (s->n > s->frames[s->n_frames - 1].height && s->stack[s->n - 1] == want) {
		s->n--;
		if (got)
			*got = want;
		return 0;
	}
	r = pop_any(s, &t);
	if (r < 0)
		return r;
	if (!subtype(s->v, t, want))
		return mismatch(s, want, t);
	if (got)
		*got = t;
	return 0;
}

static int pop_all(fstate *s, const wp_valtype *t, uint32_t n)
{
	for (uint32_t i = n; i-- > 0;) {
		int r = pop_expect(s, t[i], NULL);

		if (r < 0)
			return r;
	}
	return 0;
}

static void set_unreachable(fstate *s)
{
	frame *f = &s->frames[s->n_frames - 1];

	s->n = f->height;
	f->unreachable = true;
}

static int push_frame(fstate *s, enum frame_kind kind, const wp_valtype *params, uint32_t np,
		      const wp_valtype *results, uint32_t nr, wp_valtype one)
{
	frame *f = NULL;

	if (s->n_frames == s->cap_frames) {
		uint32_t cap = s->cap_frames ? s->cap_frames * 2 : 16;
		frame *grown = realloc(s->frames, cap * sizeof(*grown));

		if (!grown)
			return wp_error_oom(s->v->err);
		s->frames = grown;
		s->cap_frames = cap;
	}
	f = &s->frames[s->n_frames++];
	f->kind = kind;
	f->one = one;
	f->params = params;
	f->n_params = np;
	f->results = results; /* NULL with one result: `one` (see results_of) */
	f->n_results = nr;
	f->height = s->n;
	f->init_height = s->n_init;
	f->unreachable = false;
	return push_all(s, params, np);
}

/* A frame's result types; frames move when the array grows, so a single
 * result kept in the frame is found through here. */
static const wp_valtype *results_of(const frame *f)
{
	return f->results ? f->results : &f->one;
}

/* The types a branch to frame f carries: a loop's start, others' end. */
static void label_types(const frame *f, const wp_valtype **t, uint32_t *n)
{
	if (f->kind == F_LOOP) {
		*t = f->params;
		*n = f->n_params;
	} else {
		*t = results_of(f);
		*n = f->n_results;
	}
}

static int label(fstate *s, uint32_t depth, frame **out)
{
	if (depth >= s->n_frames)
		return fail(s->v, s->at, "unknown label %" PRIu32, depth);
	*out = &s->frames[s->n_frames - 1 - depth];
	return 0;
}

/* Ends the current frame: its results must be exactly on the stack. */
static int pop_frame(fstate *s, frame *out)
{
	frame *f = &s->frames[s->n_frames - 1];
	int r = pop_all(s, results_of(f), f->n_results);

	if (r < 0)
		return r;
	if (s->n != f->height)
		return fail(s->v, s->at,
			    "type mismatch in %s: %" PRIu32 " values left on the stack", s->op,
			    s->n - f->height);
	*out = *f;
	while (s->n_init > f->init_height)
		s->inited[s->init_log[--s->n_init]] = 0;
	s->n_frames--;
	return 0;
}

/* Block types: [] -> [], [] -> [t], or a function type. */
static int block_types(fstate *s, const wp_insn *in, const wp_valtype **params, uint32_t *np,
		       const wp_valtype **results, uint32_t *nr, wp_valtype *one)
{
	const wp_module *m = s->v->m;

	*params = NULL;
	*np = 0;
	*results = NULL;
	*nr = 0;
	if (in->block == WP_BLOCK_VALUE) {
		int r = check_valtype(s->v, in->vt, in->offset);

		*one = in->vt;
		*nr = 1;
		return r;
	}
	if (in->block == WP_BLOCK_TYPE) {
		if (in->a >= m->n_types)
			return fail(s->v, s->at, "unknown type %" PRIu32, in->a);
		*params = m->types[in->a].types;
		*np = m->types[in->a].n_params;
		*results = m->types[in->a].types + *np;
		*nr = m->types[in->a].n_results;
	}
	return 0;
}

/* ---- locals ---- */

static int local_type(fstate *s, uint32_t idx, wp_valtype *out)
{
	uint32_t lo = 0, hi = s->n_runs;

	if (idx >= s->n_locals)
		return fail(s->v, s->at, "unknown local %" PRIu32, idx);
	if (s->flat) {
		*out = s->flat[idx];
		return 0;
	}
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (idx < s->run_end[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	*out = s->run_type[lo];
	return 0;
}

static int add_run(fstate *s, uint32_t count, wp_valtype t)
{
	uint32_t *ends = realloc(s->run_end, (s->n_runs + 1) * sizeof(*ends));
	wp_valtype *types;

	if (!ends)
		return wp_error_oom(s->v->err);
	s->run_end = ends;
	types = realloc(s->run_type, (s->n_runs + 1) * sizeof(*types));
	if (!types)
		return wp_error_oom(s->v->err);
	s->run_type = types;
	s->n_locals += count;
	s->run_end[s->n_runs] = s->n_locals;
	s->run_type[s->n_runs++] = t;
	return 0;
}

/* Reads the local declarations; *p moves to the first instruction. */
static int read_locals(fstate *s, const wp_functype *ft, const uint8_t **p, const uint8_t *end)
{
	const wp_module *m = s->v->m;
	uint64_t n_decls, total = ft->n_params;
	int k, r;

	for (uint32_t i = 0; i < ft->n_params; i++)
		if ((r = add_run(s, 1, ft->types[i])) < 0)
			return r;
	k = wp_leb_u(*p, end, 32, &n_decls);
	if (k < 0)
		return fail(s->v, (uint32_t)(*p - m->bytes), "%s", wp_leb_reason(k));
	*p += k;
	for (uint64_t i = 0; i < n_decls; i++) {
		const uint8_t *at = *p;
		uint64_t count;
		wp_valtype t = 0;

		k = wp_leb_u(*p, end, 32, &count);
		if (k < 0)
			return fail(s->v, (uint32_t)(at - m->bytes), "%s", wp_leb_reason(k));
		*p += k;
		total += count;
		if (total > UINT32_MAX)
			return fail(s->v, (uint32_t)(at - m->bytes), "too many locals");
		if ((r = wp_read_valtype(p, end, m, &t, s->v->err)) < 0)
			return r;
		if ((r = check_valtype(s->v, t, (uint32_t)(at - m->bytes))) < 0)
			return r;
		if (count && (r = add_run(s, (uint32_t)count, t)) < 0)
			return r;
	}
	return 0;
}

/* ---- memories and tables ---- */

static int memory(fstate *s, uint32_t idx, wp_valtype *addr, const wp_limits **limits)
{
	if (idx >= s->v->m->n_memories)
		return fail(s->v, s->at, "unknown memory %" PRIu32, idx);
	*limits = &s->v->m->memories[idx].limits;
	*addr = (*limits)->is64 ? WP_VT_I64 : WP_VT_I32;
	return 0;
}

static int table(fstate *s, uint32_t idx, wp_valtype *addr, wp_valtype *elem)
{
	const wp_table *t;

	if (idx >= s->v->m->n_tables)
		return fail(s->v, s->at, "unknown table %" PRIu32, idx);
	t = &s->v->m->tables[idx];
	*addr = t->limits.is64 ? WP_VT_I64 : WP_VT_I32;
	*elem = t->elem;
	return 0;
}

static wp_valtype optype(wp_optype t)
{
	switch (t) {
	case WP_OT_I32:
		return WP_VT_I32;
	case WP_OT_I64:
		return WP_VT_I64;
	case WP_OT_F32:
		return WP_VT_F32;
	case WP_OT_F64:
		return WP_VT_F64;
	case WP_OT_V128:
		return WP_VT_V128;
	default:
		return WP_VT_BOT;
	}
}

static unsigned lanes_of(const char *text)
{
	if (wp_str_has_prefix(text, "i8x16."))
		return 16;
	if (wp_str_has_prefix(text, "i16x8."))
		return 8;
	if (wp_str_has_prefix(text, "i32x4.") || wp_str_has_prefix(text, "f32x4."))
		return 4;
	if (wp_str_has_prefix(text, "i64x2.") || wp_str_has_prefix(text, "f64x2."))
		return 2;
	return 0;
}

/* Instructions typed by opcode.def's columns: pop p3, p2, p1, push the
 * result; for memory accesses p1 is the address, of the memory's type. */
static int simple(fstate *s, const wp_insn *in, wp_valtype addr)
{
	const wp_opinfo *o = in->info;
	wp_optype p[3] = {o->p1, o->p2, o->p3};
	int r;

	for (int i = 2; i >= 0; i--) {
		wp_valtype t = 0;

		if (p[i] == WP_OT_NONE)
			continue;
		t = i == 0 && o->memsize ? addr : optype(p[i]);
		if ((r = pop_expect(s, t, NULL)) < 0)
			return r;
	}
	return o->result == WP_OT_NONE ? 0 : push(s, optype(o->result));
}

static int memory_access(fstate *s, const wp_insn *in)
{
	const wp_opinfo *o = in->info;
	const wp_limits *l = NULL;
	wp_valtype addr = 0;
	unsigned natural = 0;
	int r = memory(s, in->a, &addr, &l);

	if (r < 0)
		return r;
	while ((1u << natural) < o->memsize)
		natural++;
	if (o->prefix == 0xfe ? in->align != natural : in->align > natural)
		return fail(s->v, s->at, "alignment must %s natural (%s: 2^%" PRIu32 " > %u bytes)",
			    o->prefix == 0xfe ? "be equal to" : "not be larger than", o->text,
			    in->align, o->memsize);
	if (!l->is64 && in->value > UINT32_MAX)
		return fail(s->v, s->at, "offset out of range (%s: %" PRIu64 ")", o->text,
			    in->value);
	if (in->info->imm == WP_IMM_MEMARG_LANE && in->lane >= 16 / o->memsize)
		return fail(s->v, s->at, "invalid lane index %u", in->lane);
	return simple(s, in, addr);
}

static int call_type(fstate *s, const wp_functype *t, bool tail)
{
	int r = pop_all(s, t->types, t->n_params);

	if (r < 0)
		return r;
	if (tail) {
		const frame *fn = &s->frames[0];

		/* a tail call's results must be the caller's */
		if (t->n_results != fn->n_results)
			return fail(s->v, s->at,
				    "type mismatch in %s: the callee returns %" PRIu32
				    " values, the caller %" PRIu32,
				    s->op, t->n_results, fn->n_results);
		for (uint32_t i = 0; i < t->n_results; i++)
			if (!subtype(s->v, t->types[t->n_params + i], results_of(fn)[i]))
				return mismatch(s, results_of(fn)[i], t->types[t->n_params + i]);
		set_unreachable(s);
		return 0;
	}
	return push_all(s, t->types + t->n_params, t->n_results);
}

static int type_index(fstate *s, uint32_t idx, const wp_functype **out)
{
	if (idx >= s->v->m->n_types)
		return fail(s->v, s->at, "unknown type %" PRIu32, idx);
	*out = &s->v->m->types[idx];
	return 0;
}

static int tag_type(fstate *s, uint32_t idx, const wp_functype **out)
{
	if (idx >= s->v->m->n_tags)
		return fail(s->v, s->at, "unknown tag %" PRIu32, idx);
	*out = &s->v->m->types[s->v->m->tags[idx].type];
	return 0;
}

static int local_get(fstate *s, uint32_t idx)
{
	wp_valtype t = 0;
	int r = local_type(s, idx, &t);

	if (r < 0)
		return r;
	if (!defaultable(t) && !(s->inited && s->inited[idx]))
		return fail(s->v, s->at, "uninitialized local %" PRIu32, idx);
	return push(s, t);
}

static int local_init(fstate *s, uint32_t idx, wp_valtype t)
{
	if (defaultable(t) || s->inited[idx])
		return 0;
	if (s->n_init == s->cap_init) {
		uint32_t cap = s->cap_init ? s->cap_init * 2 : 16;
		uint32_t *grown = realloc(s->init_log, cap * sizeof(*grown));

		if (!grown)
			return wp_error_oom(s->v->err);
		s->init_log = grown;
		s->cap_init = cap;
	}
	s->inited[idx] = 1;
	s->init_log[s->n_init++] = idx;
	return 0;
}

static int local_set(fstate *s, uint32_t idx, bool tee)
{
	wp_valtype t = 0;
	int r = local_type(s, idx, &t);

	if (r == 0)
		r = pop_expect(s, t, NULL);
	if (r == 0)
		r = local_init(s, idx, t);
	if (r == 0 && tee)
		r = push(s, t);
	return r;
}

static int global(fstate *s, uint32_t idx, bool set)
{
	const wp_global *g;

	if (idx >= s->v->m->n_globals)
		return fail(s->v, s->at, "unknown global %" PRIu32, idx);
	g = &s->v->m->globals[idx];
	if (!set)
		return push(s, g->type);
	if (!g->mutable_)
		return fail(s->v, s->at, "global is immutable: global.set %" PRIu32, idx);
	return pop_expect(s, g->type, NULL);
}

static int block_start(fstate *s, const wp_insn *in, enum frame_kind kind)
{
	const wp_valtype *params, *results;
	uint32_t np, nr;
	wp_valtype one = 0;
	int r = block_types(s, in, &params, &np, &results, &nr, &one);

	if (r == 0 && kind == F_IF)
		r = pop_expect(s, WP_VT_I32, NULL);
	if (r == 0)
		r = pop_all(s, params, np);
	if (r == 0)
		r = push_frame(s, kind, params, np, results, nr, one);
	return r;
}

static int branch_to(fstate *s, uint32_t depth, bool conditional)
{
	const wp_valtype *t;
	uint32_t n;
	frame *f = NULL;
	int r = label(s, depth, &f);

	if (r < 0)
		return r;
	label_types(f, &t, &n);
	if (conditional) {
		if ((r = pop_expect(s, WP_VT_I32, NULL)) < 0 || (r = pop_all(s, t, n)) < 0)
			return r;
		/* what was popped goes back, with the types the label gives */
		return push_all(s, t, n);
	}
	if ((r = pop_all(s, t, n)) < 0)
		return r;
	set_unreachable(s);
	return 0;
}

/* br_table: every label must take what is on the stack; arities agree. */
static int br_table(fstate *s, const wp_insn *in)
{
	const wp_valtype *dt;
	const uint8_t *next = in->imm;
	uint32_t dn;
	frame *f = NULL;
	int r = pop_expect(s, WP_VT_I32, NULL);

	if (r < 0 || (r = label(s, wp_insn_br_label(in, in->n), &f)) < 0)
		return r;
	label_types(f, &dt, &dn);
	for (uint32_t i = 0; i < in->n; i++) {
		const wp_valtype *t;
		uint32_t n;
		frame *g = NULL;

		if ((r = label(s, wp_insn_br_next(in, &next), &g)) < 0)
			return r;
		label_types(g, &t, &n);
		if (n != dn)
			return fail(s->v, s->at,
				    "type mismatch in br_table: labels of arity %" PRIu32
				    " and %" PRIu32,
				    n, dn);
		/* check without consuming: pop, then push the same values back */
		{
			uint32_t height = s->n;
			wp_valtype saved[16];
			bool small = n <= 16;

			for (uint32_t k = n; k-- > 0;) {
				wp_valtype got = 0;

				if ((r = pop_expect(s, t[k], &got)) < 0)
					return r;
				if (small)
					saved[k] = got;
			}
			if (small) {
				if ((r = push_all(s, saved, n)) < 0)
					return r;
			} else {
				s->n = height;
			}
		}
	}
	if ((r = pop_all(s, dt, dn)) < 0)
		return r;
	set_unreachable(s);
	return 0;
}

static int try_table(fstate *s, const wp_insn *in)
{
	const uint8_t *p = in->imm;
	int r;

	for (uint32_t i = 0; i < in->n; i++) {
		const wp_valtype *t;
		const wp_functype *tag = NULL;
		wp_valtype want[64];
		uint32_t n, k = 0;
		wp_catch c;
		frame *f = NULL;

		wp_insn_next_catch(&p, in->end, &c);
		if (c.kind < 2 && (r = tag_type(s, c.tag, &tag)) < 0)
			return r;
		/* labels are counted before the try_table's own frame */
		if ((r = label(s, c.label, &f)) < 0)
			return r;
		label_types(f, &t, &n);
		if (tag) {
			if (tag->n_params > 63)
				return fail(s->v, s->at, "tag with too many parameters");
			for (; k < tag->n_params; k++)
				want[k] = tag->types[k];
		}
		if (c.kind & 1)
			want[k++] = wp_vt_abstract(false, WP_HT_EXN);
		if (n != k)
			return fail(s->v, s->at,
				    "type mismatch in catch clause: label arity %" PRIu32
				    ", catch gives %" PRIu32,
				    n, k);
		for (uint32_t j = 0; j < k; j++)
			if (!subtype(s->v, want[j], t[j]))
				return mismatch(s, t[j], want[j]);
	}
	return block_start(s, in, F_TRY_TABLE);
}

static int end_frame(fstate *s)
{
	frame f;
	int r;

	if (s->n_frames == 1 && s->frames[0].kind != F_FUNC)
		return fail(s->v, s->at, "unexpected end");
	if ((r = pop_frame(s, &f)) < 0)
		return r;
	/* an if without else yields its parameters when the condition is false */
	if (f.kind == F_IF) {
		if (f.n_params != f.n_results)
			return fail(s->v, s->at,
				    "type mismatch: if without else must give what it "
				    "takes");
		for (uint32_t i = 0; i < f.n_params; i++)
			if (!subtype(s->v, f.params[i], results_of(&f)[i]))
				return mismatch(s, results_of(&f)[i], f.params[i]);
	}
	if (f.kind == F_FUNC)
		return 0;
	return push_all(s, results_of(&f), f.n_results);
}

/* else, catch and catch_all: end the current arm, start the next. */
static int next_arm(fstate *s, enum frame_kind kind, const wp_functype *tag)
{
	frame f;
	int r;

	if ((r = pop_frame(s, &f)) < 0)
		return r;
	if ((r = push_frame(s, kind, f.params, f.n_params, f.results, f.n_results, f.one)) < 0)
		return r;
	if (kind == F_ELSE)
		return 0;
	/* a catch arm starts with the tag's values, not the block's */
	s->n = s->frames[s->n_frames - 1].height;
	return tag ? push_all(s, tag->types, tag->n_params) : 0;
}

static int ref_func(fstate *s, uint32_t idx)
{
	const wp_module *m = s->v->m;

	if (idx >= m->n_funcs)
		return fail(s->v, s->at, "unknown function %" PRIu32, idx);
	if (s->v->refs && !(s->v->refs[idx / 8] & (1u << (idx % 8))))
		return fail(s->v, s->at, "undeclared function reference %" PRIu32, idx);
	return push(s, wp_vt_ref(false, m->funcs[idx].type));
}

/* memory.copy and table.copy: the length (of the narrower of the two
 * address types), then the source and the destination address. */
static int pop_copy(fstate *s, wp_valtype dst, wp_valtype src)
{
	int r;

	if ((r = pop_expect(s, dst == WP_VT_I64 && src == WP_VT_I64 ? WP_VT_I64 : WP_VT_I32,
			    NULL)) < 0 ||
	    (r = pop_expect(s, src, NULL)) < 0)
		return r;
	return pop_expect(s, dst, NULL);
}

static int step_misc(fstate *s, const wp_insn *in)
{
	const wp_module *m = s->v->m;
	wp_valtype addr = 0, addr2 = 0, elem = 0, elem2 = 0, t = 0;
	const wp_limits *l = NULL;
	int r;

	switch (in->info->code) {
	case 8: /* memory.init data mem */
		s->v->uses_data_count = true;
		if (!m->has_data_count)
			return fail(s->v, s->at, "data count section required");
		if (in->a >= m->data_count)
			return fail(s->v, s->at, "unknown data segment %" PRIu32, in->a);
		if ((r = memory(s, in->b, &addr, &l)) < 0)
			return r;
		if ((r = pop_expect(s, WP_VT_I32, NULL)) < 0 ||
		    (r = pop_expect(s, WP_VT_I32, NULL)) < 0)
			return r;
		return pop_expect(s, addr, NULL);
	case 9: /* data.drop */
		s->v->uses_data_count = true;
		if (!m->has_data_count)
			return fail(s->v, s->at, "data count section required");
		if (in->a >= m->data_count)
			return fail(s->v, s->at, "unknown data segment %" PRIu32, in->a);
		return 0;
	case 10: /* memory.copy dst src */
		if ((r = memory(s, in->a, &addr, &l)) < 0 || (r = memory(s, in->b, &addr2, &l)) < 0)
			return r;
		return pop_copy(s, addr, addr2);
	case 11: /* memory.fill */
		if ((r = memory(s, in->a, &addr, &l)) < 0)
			return r;
		if ((r = pop_expect(s, addr, NULL)) < 0 || (r = pop_expect(s, WP_VT_I32, NULL)) < 0)
			return r;
		return pop_expect(s, addr, NULL);
	case 12: /* table.init elem table */
		if ((r = table(s, in->b, &addr, &elem)) < 0)
			return r;
		if (in->a >= m->n_elems)
			return fail(s->v, s->at, "unknown elem segment %" PRIu32, in->a);
		if (!subtype(s->v, m->elems[in->a].type, elem))
			return mismatch(s, elem, m->elems[in->a].type);
		if ((r = pop_expect(s, WP_VT_I32, NULL)) < 0 ||
		    (r = pop_expect(s, WP_VT_I32, NULL)) < 0)
			return r;
		return pop_expect(s, addr, NULL);
	case 13: /* elem.drop */
		if (in->a >= m->n_elems)
			return fail(s->v, s->at, "unknown elem segment %" PRIu32, in->a);
		return 0;
	case 14: /* table.copy dst src */
		if ((r = table(s, in->a, &addr, &elem)) < 0 ||
		    (r = table(s, in->b, &addr2, &elem2)) < 0)
			return r;
		if (!subtype(s->v, elem2, elem))
			return mismatch(s, elem, elem2);
		return pop_copy(s, addr, addr2);
	case 15: /* table.grow */
		if ((r = table(s, in->a, &addr, &elem)) < 0)
			return r;
		if ((r = pop_expect(s, addr, NULL)) < 0 || (r = pop_expect(s, elem, NULL)) < 0)
			return r;
		return push(s, addr);
	case 16: /* table.size */
		if ((r = table(s, in->a, &addr, &elem)) < 0)
			return r;
		return push(s, addr);
	case 17: /* table.fill */
		if ((r = table(s, in->a, &addr, &elem)) < 0)
			return r;
		if ((r = pop_expect(s, addr, NULL)) < 0 || (r = pop_expect(s, elem, &t)) < 0)
			return r;
		return pop_expect(s, addr, NULL);
	default:
		return simple(s, in, WP_VT_I32); /* the saturating truncations */
	}
}

static int select_(fstate *s, const wp_insn *in)
{
	wp_valtype a = 0, b = 0;
	int r = pop_expect(s, WP_VT_I32, NULL);

	if (r < 0)
		return r;
	if (in->info->code == 0x1c) {
		if (in->n != 1)
			return fail(s->v, s->at,
				    "invalid result arity: select takes one type, not %" PRIu32,
				    in->n);
		if ((r = check_valtype(s->v, in->vt, s->at)) < 0 ||
		    (r = pop_expect(s, in->vt, NULL)) < 0 || (r = pop_expect(s, in->vt, NULL)) < 0)
			return r;
		return push(s, in->vt);
	}
	if ((r = pop_any(s, &a)) < 0 || (r = pop_any(s, &b)) < 0)
		return r;
	/* untyped select is for numbers and vectors only */
	if (is_ref(a) || is_ref(b))
		return fail(s->v, s->at,
			    "type mismatch in select: references need select with a type");
	if (a != WP_VT_BOT && b != WP_VT_BOT && a != b)
		return mismatch(s, a, b);
	return push(s, a == WP_VT_BOT ? b : a);
}

static int ref_op(fstate *s, const wp_insn *in)
{
	wp_valtype t = 0, addr = 0, elem = 0;
	frame *f = NULL;
	int r;

	switch (in->info->code) {
	case 0xd0: /* ref.null */
		if ((r = check_valtype(s->v, in->vt, s->at)) < 0)
			return r;
		return push(s, in->vt);
	case 0xd1: /* ref.is_null */
		if ((r = pop_any(s, &t)) < 0)
			return r;
		if (t != WP_VT_BOT && !is_ref(t))
			return mismatch(s, WP_VT_FUNCREF, t);
		return push(s, WP_VT_I32);
	case 0xd2:
		return ref_func(s, in->a);
	case 0xd4: /* ref.as_non_null */
		if ((r = pop_any(s, &t)) < 0)
			return r;
		if (t != WP_VT_BOT && !is_ref(t))
			return mismatch(s, WP_VT_FUNCREF, t);
		return push(s, t == WP_VT_BOT ? t : t & ~(wp_valtype)WP_VT_NULLABLE);
	case 0xd5: /* br_on_null l: [t* (ref null ht)] -> [t* (ref ht)] */
	case 0xd6: /* br_on_non_null l: label [t* (ref ht)] */ {
		const wp_valtype *lt;
		uint32_t n;

		if ((r = pop_any(s, &t)) < 0)
			return r;
		if (t != WP_VT_BOT && !is_ref(t))
			return mismatch(s, WP_VT_FUNCREF, t);
		if ((r = label(s, in->a, &f)) < 0)
			return r;
		label_types(f, &lt, &n);
		if (in->info->code == 0xd5) {
			if ((r = pop_all(s, lt, n)) < 0 || (r = push_all(s, lt, n)) < 0)
				return r;
			return push(s, t == WP_VT_BOT ? t : t & ~(wp_valtype)WP_VT_NULLABLE);
		}
		if (n == 0 || !is_ref(lt[n - 1]))
			return fail(s->v, s->at,
				    "type mismatch in br_on_non_null: the label does not "
				    "take a reference");
		if (t != WP_VT_BOT && !subtype(s->v, t & ~(wp_valtype)WP_VT_NULLABLE, lt[n - 1]))
			return mismatch(s, lt[n - 1], t);
		if ((r = pop_all(s, lt, n - 1)) < 0)
			return r;
		return push_all(s, lt, n - 1);
	}
	case 0x25: /* table.get */
		if ((r = table(s, in->a, &addr, &elem)) < 0 || (r = pop_expect(s, addr, NULL)) < 0)
			return r;
		return push(s, elem);
	case 0x26: /* table.set */
		if ((r = table(s, in->a, &addr, &elem)) < 0 || (r = pop_expect(s, elem, NULL)) < 0)
			return r;
		return pop_expect(s, addr, NULL);
	default:
		return fail(s->v, s->at, "unsupported instruction %s", in->info->text);
	}
}

static int call_op(fstate *s, const wp_insn *in)
{
	const wp_module *m = s->v->m;
	const wp_functype *ft = NULL;
	wp_valtype addr = 0, elem = 0;
	bool tail = in->info->code == 0x12 || in->info->code == 0x13 || in->info->code == 0x15;
	int r;

	switch (in->info->code) {
	case 0x10: /* call */
	case 0x12: /* return_call */
		if (in->a >= m->n_funcs)
			return fail(s->v, s->at, "unknown function %" PRIu32, in->a);
		return call_type(s, wp_module_functype(m, in->a), tail);
	case 0x11: /* call_indirect type table */
	case 0x13:
		if ((r = table(s, in->b, &addr, &elem)) < 0 || (r = type_index(s, in->a, &ft)) < 0)
			return r;
		if (!subtype(s->v, elem, WP_VT_FUNCREF))
			return fail(s->v, s->at, "type mismatch: call_indirect on a table of %s",
				    "non-function references");
		if ((r = pop_expect(s, addr, NULL)) < 0)
			return r;
		return call_type(s, ft, tail);
	default: /* call_ref, return_call_ref */
		if ((r = type_index(s, in->a, &ft)) < 0 ||
		    (r = pop_expect(s, wp_vt_ref(true, in->a), NULL)) < 0)
			return r;
		return call_type(s, ft, tail);
	}
}

/* Legacy exception handling: try, catch, catch_all, rethrow, delegate. */
static int legacy_eh(fstate *s, const wp_insn *in)
{
	const wp_functype *tag = NULL;
	frame *f = NULL, ended;
	enum frame_kind k = s->frames[s->n_frames - 1].kind;
	int r;

	switch (in->info->code) {
	case 0x06:
		return block_start(s, in, F_TRY);
	case 0x07: /* catch */
		if (k != F_TRY && k != F_CATCH)
			return fail(s->v, s->at, "catch without a matching try");
		if ((r = tag_type(s, in->a, &tag)) < 0)
			return r;
		return next_arm(s, F_CATCH, tag);
	case 0x19: /* catch_all */
		if (k != F_TRY && k != F_CATCH)
			return fail(s->v, s->at, "catch_all without a matching try");
		return next_arm(s, F_CATCH_ALL, NULL);
	case 0x09: /* rethrow */
		if ((r = label(s, in->a, &f)) < 0)
			return r;
		if (f->kind != F_CATCH && f->kind != F_CATCH_ALL)
			return fail(s->v, s->at, "invalid rethrow label %" PRIu32, in->a);
		set_unreachable(s);
		return 0;
	case 0x18: /* delegate: ends a try, hands exceptions to label (outside it) */
		if (k != F_TRY)
			return fail(s->v, s->at, "delegate without a matching try");
		if ((r = pop_frame(s, &ended)) < 0)
			return r;
		if (in->a >= s->n_frames)
			return fail(s->v, s->at, "unknown label %" PRIu32, in->a);
		return push_all(s, results_of(&ended), ended.n_results);
	default: /* throw */
		if ((r = tag_type(s, in->a, &tag)) < 0 ||
		    (r = pop_all(s, tag->types, tag->n_params)) < 0)
			return r;
		set_unreachable(s);
		return 0;
	}
}

static int step(fstate *s, const wp_insn *in)
{
	const wp_opinfo *o = in->info;
	wp_valtype t = 0, addr = 0;
	const wp_limits *l = NULL;
	frame *f = NULL;
	int r;

	s->op = o->text;
	s->at = in->offset;
	if (o->prefix == 0xfc)
		return step_misc(s, in);
	if (o->prefix == 0xfd || o->prefix == 0xfe) {
		if (o->memsize)
			return memory_access(s, in);
		if (o->imm == WP_IMM_LANE && in->lane >= lanes_of(o->text))
			return fail(s->v, s->at, "invalid lane index %u for %s", in->lane, o->text);
		if (o->imm == WP_IMM_SHUFFLE)
			for (int i = 0; i < 16; i++)
				if (in->imm[i] >= 32)
					return fail(s->v, s->at, "invalid lane index %u in shuffle",
						    in->imm[i]);
		return simple(s, in, WP_VT_I32);
	}
	if (o->memsize)
		return memory_access(s, in);
	switch (o->code) {
	case 0x00:
		set_unreachable(s);
		return 0;
	case 0x01:
		return 0;
	case 0x02:
		return block_start(s, in, F_BLOCK);
	case 0x03:
		return block_start(s, in, F_LOOP);
	case 0x04:
		return block_start(s, in, F_IF);
	case 0x05:
		if (s->frames[s->n_frames - 1].kind != F_IF)
			return fail(s->v, s->at, "else without a matching if");
		return next_arm(s, F_ELSE, NULL);
	case 0x06:
	case 0x07:
	case 0x08:
	case 0x09:
	case 0x18:
	case 0x19:
		return legacy_eh(s, in);
	case 0x0a: /* throw_ref */
		if ((r = pop_expect(s, wp_vt_abstract(true, WP_HT_EXN), NULL)) < 0)
			return r;
		set_unreachable(s);
		return 0;
	case 0x0b:
		return end_frame(s);
	case 0x0c:
		return branch_to(s, in->a, false);
	case 0x0d:
		return branch_to(s, in->a, true);
	case 0x0e:
		return br_table(s, in);
	case 0x0f: /* return */
		f = &s->frames[0];
		if ((r = pop_all(s, results_of(f), f->n_results)) < 0)
			return r;
		set_unreachable(s);
		return 0;
	case 0x10:
	case 0x11:
	case 0x12:
	case 0x13:
	case 0x14:
	case 0x15:
		return call_op(s, in);
	case 0x1a: /* drop */
		return pop_any(s, &t);
	case 0x1b:
	case 0x1c:
		return select_(s, in);
	case 0x1f:
		return try_table(s, in);
	case 0x20:
		return local_get(s, in->a);
	case 0x21:
		return local_set(s, in->a, false);
	case 0x22:
		return local_set(s, in->a, true);
	case 0x23:
		return global(s, in->a, false);
	case 0x24:
		return global(s, in->a, true);
	case 0x3f: /* memory.size */
		if ((r = memory(s, in->a, &addr, &l)) < 0)
			return r;
		return push(s, addr);
	case 0x40: /* memory.grow */
		if ((r = memory(s, in->a, &addr, &l)) < 0 || (r = pop_expect(s, addr, NULL)) < 0)
			return r;
		return push(s, addr);
	case 0x25:
	case 0x26:
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd4:
	case 0xd5:
	case 0xd6:
		return ref_op(s, in);
	default:
		if (o->result == WP_OT_NONE && o->p1 == WP_OT_NONE)
			return fail(s->v, s->at, "unsupported instruction %s", o->text);
		return simple(s, in, WP_VT_I32);
	}
}

static void fstate_release(fstate *s)
{
	free(s->flat);
	free(s->stack);
	free(s->frames);
	free(s->run_end);
	free(s->run_type);
	free(s->inited);
	free(s->init_log);
}

static int validate_body(vctx *v, uint32_t idx)
{
	const wp_module *m = v->m;
	const wp_func *fn = &m->funcs[idx];
	const wp_functype *ft = &m->types[fn->type];
	const uint8_t *p = m->bytes + fn->body.offset, *end = p + fn->body.size;
	fstate s = {.v = v};
	wp_insn_reader ir;
	wp_insn in;
	int r;

	v->func = idx;
	r = read_locals(&s, ft, &p, end);
	for (uint32_t i = 0; r == 0 && i < s.n_runs; i++)
		if (!defaultable(s.run_type[i]) && !s.inited &&
		    !(s.inited = calloc(s.n_locals ? s.n_locals : 1, 1)))
			r = wp_error_oom(v->err);
	/* a flat table makes local.get a load; runs stay for huge counts */
	if (r == 0 && s.n_locals <= (1u << 20) && s.n_runs > 1) {
		if (!(s.flat = malloc((size_t)s.n_locals * sizeof(*s.flat))))
			r = wp_error_oom(v->err);
		for (uint32_t i = 0, k = 0; r == 0 && i < s.n_locals; i++) {
			while (i >= s.run_end[k])
				k++;
			s.flat[i] = s.run_type[k];
		}
	}
	/* parameters are initialised */
	for (uint32_t i = 0; r == 0 && s.inited && i < ft->n_params; i++)
		s.inited[i] = 1;
	if (r == 0)
		r = push_frame(&s, F_FUNC, NULL, 0, ft->types + ft->n_params, ft->n_results, 0);
	if (r == 0 && v->obs)
		v->obs->begin(v->obs->ctx, v->worker, idx, p);
	wp_insn_reader_init(&ir, m, p, end);
	while (r == 0 && s.n_frames > 0) {
		if ((r = wp_insn_next(&ir, &in, v->err)) < 0)
			break;
		r = step(&s, &in);
		if (v->obs)
			v->obs->insn(v->obs->ctx, v->worker, &in);
	}
	if (r == 0 && v->obs)
		v->obs->end(v->obs->ctx, v->worker, idx);
	if (r == 0 && ir.p != end)
		r = fail(v, (uint32_t)(ir.p - m->bytes),
			 "section size mismatch: %zu bytes after the "
			 "end of the function",
			 (size_t)(end - ir.p));
	fstate_release(&s);
	v->func = UINT32_MAX;
	return r;
}

/* Constant expressions: constants, ref.null, ref.func, global.get of an
 * immutable global defined before, and extended-const's add/sub/mul. */
static int const_expr(vctx *v, wp_range range, wp_valtype want, uint32_t globals_visible)
{
	const wp_module *m = v->m;
	const uint8_t *p = m->bytes + range.offset;
	fstate s = {.v = v};
	wp_insn_reader ir;
	wp_insn in;
	int r = push_frame(&s, F_FUNC, NULL, 0, &want, 1, 0);

	wp_insn_reader_init(&ir, m, p, p + range.size + 1);
	while (r == 0) {
		const wp_opinfo *o;

		if ((r = wp_insn_next(&ir, &in, v->err)) < 0)
			break;
		o = in.info;
		s.at = in.offset;
		s.op = o->text;
		if (o->prefix == 0 && o->code == 0x0b) {
			frame f;

			r = pop_frame(&s, &f);
			break;
		}
		if (o->prefix == 0 && o->code == 0x23) {
			if (in.a >= m->n_globals)
				r = fail(v, s.at, "unknown global %" PRIu32, in.a);
			else if (in.a >= globals_visible)
				r = fail(v, s.at, "unknown global %" PRIu32 " (not defined before)",
					 in.a);
			else if (m->globals[in.a].mutable_)
				r = fail(v, s.at,
					 "constant expression required: global %" PRIu32
					 " is mutable",
					 in.a);
			else
				r = push(&s, m->globals[in.a].type);
			continue;
		}
		if (o->prefix == 0 && (o->code == 0xd0 || o->code == 0xd2)) {
			r = ref_op(&s, &in);
			continue;
		}
		if ((o->prefix == 0 &&
		     (o->imm == WP_IMM_I32 || o->imm == WP_IMM_I64 || o->imm == WP_IMM_F32 ||
		      o->imm == WP_IMM_F64 || o->code == 0x6a || o->code == 0x6b ||
		      o->code == 0x6c || o->code == 0x7c || o->code == 0x7d || o->code == 0x7e)) ||
		    (o->prefix == 0xfd && o->imm == WP_IMM_V128)) {
			r = simple(&s, &in, WP_VT_I32);
			continue;
		}
		r = fail(v, s.at, "constant expression required: %s", o->text);
	}
	fstate_release(&s);
	return r;
}

static void declare(uint8_t *refs, uint32_t n, uint32_t idx)
{
	if (idx < n)
		refs[idx / 8] |= (uint8_t)(1u << (idx % 8));
}

/* Records every ref.func inside a constant expression. */
static void declare_in_expr(const wp_module *m, uint8_t *refs, wp_range range)
{
	const uint8_t *p = m->bytes + range.offset;
	wp_insn_reader ir;
	wp_insn in;

	wp_insn_reader_init(&ir, m, p, p + range.size + 1);
	while (wp_insn_next(&ir, &in, NULL) == 0 &&
	       !(in.info->prefix == 0 && in.info->code == 0x0b))
		if (in.info->prefix == 0 && in.info->code == 0xd2)
			declare(refs, m->n_funcs, in.a);
}

/* C.refs: functions named outside function bodies (exports, element
 * segments, global and table initialisers) may be ref.func'ed inside. */
static int declared_refs(vctx *v, uint8_t **out)
{
	const wp_module *m = v->m;
	uint8_t *refs = calloc(m->n_funcs / 8 + 1, 1);

	if (!refs)
		return wp_error_oom(v->err);
	for (uint32_t i = 0; i < m->n_exports; i++)
		if (m->exports[i].kind == WP_EXTERN_FUNC)
			declare(refs, m->n_funcs, m->exports[i].index);
	for (uint32_t i = 0; i < m->n_globals; i++)
		if (!m->globals[i].imported)
			declare_in_expr(m, refs, m->globals[i].init);
	for (uint32_t i = 0; i < m->n_tables; i++)
		if (m->tables[i].init.size)
			declare_in_expr(m, refs, m->tables[i].init);
	for (uint32_t i = 0; i < m->n_elems; i++) {
		const wp_elem *e = &m->elems[i];
		const uint8_t *p = m->bytes + e->items.offset, *end = p + e->items.size;

		for (uint32_t k = 0; k < e->n_items && p < end; k++) {
			if (e->exprs) {
				wp_insn_reader ir;
				wp_insn in;

				wp_insn_reader_init(&ir, m, p, end);
				while (wp_insn_next(&ir, &in, NULL) == 0) {
					if (in.info->prefix == 0 && in.info->code == 0xd2)
						declare(refs, m->n_funcs, in.a);
					if (in.info->prefix == 0 && in.info->code == 0x0b)
						break;
				}
				p = ir.p;
			} else {
				uint64_t idx = 0;
				int n = wp_leb_u(p, end, 32, &idx);

				if (n < 0)
					break;
				p += n;
				declare(refs, m->n_funcs, (uint32_t)idx);
			}
		}
	}
	*out = refs;
	return 0;
}

static int check_imports_and_defs(vctx *v)
{
	const wp_module *m = v->m;
	int r = 0;

	for (uint32_t i = 0; i < m->n_types; i++)
		for (uint32_t k = 0; r == 0 && k < m->types[i].n_params + m->types[i].n_results;
		     k++)
			r = check_valtype(v, m->types[i].types[k], 8);
	for (uint32_t i = 0; r == 0 && i < m->n_funcs; i++)
		if (m->funcs[i].type >= m->n_types)
			r = fail(v, m->funcs[i].body.offset,
				 "unknown type %" PRIu32 " of function %" PRIu32, m->funcs[i].type,
				 i);
	for (uint32_t i = 0; r == 0 && i < m->n_tables; i++) {
		const wp_table *t = &m->tables[i];

		r = check_valtype(v, t->elem, 8);
		if (r == 0)
			r = check_limits(v, &t->limits, false, t->init.offset);
		if (r == 0 && t->init.size)
			r = const_expr(v, t->init, t->elem, m->n_globals);
		else if (r == 0 && !t->imported && !defaultable(t->elem))
			r = fail(v, 8,
				 "type mismatch: table %" PRIu32 " of non-nullable references "
				 "needs an initializer",
				 i);
	}
	for (uint32_t i = 0; r == 0 && i < m->n_memories; i++)
		r = check_limits(v, &m->memories[i].limits, true, 8);
	for (uint32_t i = 0; r == 0 && i < m->n_tags; i++) {
		if (m->tags[i].type >= m->n_types)
			r = fail(v, 8, "unknown type %" PRIu32 " of tag %" PRIu32, m->tags[i].type,
				 i);
		else if (m->types[m->tags[i].type].n_results)
			r = fail(v, 8, "non-empty tag result type (tag %" PRIu32 ")", i);
	}
	for (uint32_t i = 0; r == 0 && i < m->n_globals; i++) {
		r = check_valtype(v, m->globals[i].type, m->globals[i].init.offset);
		if (r == 0 && !m->globals[i].imported)
			r = const_expr(v, m->globals[i].init, m->globals[i].type, i);
	}
	return r;
}

/* Export names by bytes, then by index; qsort_r's context is the module. */
static int export_name_cmp(const void *a, const void *b, void *ctx)
{
	const wp_module *m = ctx;
	uint32_t i = *(const uint32_t *)a, k = *(const uint32_t *)b;
	const wp_range *x = &m->exports[i].name, *y = &m->exports[k].name;
	int c = memcmp(m->bytes + x->offset, m->bytes + y->offset,
		       x->size < y->size ? x->size : y->size);

	if (c == 0 && x->size != y->size)
		c = x->size < y->size ? -1 : 1;
	if (c == 0 && i != k)
		c = i < k ? -1 : 1;
	return c;
}

static int check_exports(vctx *v)
{
	const wp_module *m = v->m;
	uint32_t limit[] = {m->n_funcs, m->n_tables, m->n_memories, m->n_globals, m->n_tags};
	static const char *const kinds[] = {"function", "table", "memory", "global", "tag"};
	uint32_t *order, dup = UINT32_MAX;

	for (uint32_t i = 0; i < m->n_exports; i++) {
		const wp_export *e = &m->exports[i];

		if (e->index >= limit[e->kind])
			return fail(v, e->name.offset, "unknown %s %" PRIu32, kinds[e->kind],
				    e->index);
	}
	/* names must differ: sorted, equal names are neighbours (comparing
	 * every pair took seconds for 100000 exports); the first export that
	 * repeats an earlier name is reported */
	if (!(order = malloc(((size_t)m->n_exports + 1) * sizeof(*order))))
		return wp_error_oom(v->err);
	for (uint32_t i = 0; i < m->n_exports; i++)
		order[i] = i;
	qsort_r(order, m->n_exports, sizeof(*order), export_name_cmp, (void *)m);
	for (uint32_t i = 1; i < m->n_exports; i++) {
		const wp_range *x = &m->exports[order[i - 1]].name, *y = &m->exports[order[i]].name;

		if (x->size == y->size &&
		    memcmp(m->bytes + x->offset, m->bytes + y->offset, x->size) == 0 &&
		    order[i] < dup)
			dup = order[i];
	}
	free(order);
	if (dup != UINT32_MAX) {
		const wp_range *name = &m->exports[dup].name;

		return fail(v, name->offset, "duplicate export name \"%.*s\"", (int)name->size,
			    m->bytes + name->offset);
	}
	return 0;
}

static int check_segments(vctx *v)
{
	const wp_module *m = v->m;
	size_t released = m->n_datas ? m->datas[0].at : 0;
	int r = 0;

	for (uint32_t i = 0; r == 0 && i < m->n_elems; i++) {
		const wp_elem *e = &m->elems[i];
		const uint8_t *p = m->bytes + e->items.offset, *end = p + e->items.size;

		r = check_valtype(v, e->type, e->at);
		if (r == 0 && e->mode == WP_SEG_ACTIVE) {
			const wp_table *t;

			if (e->table >= m->n_tables)
				return fail(v, e->at, "unknown table %" PRIu32, e->table);
			t = &m->tables[e->table];
			if (!subtype(v, e->type, t->elem))
				return fail(v, e->at,
					    "type mismatch: element segment %" PRIu32
					    " does not fit table %" PRIu32,
					    i, e->table);
			r = const_expr(v, e->offset, t->limits.is64 ? WP_VT_I64 : WP_VT_I32,
				       m->n_globals);
		}
		for (uint32_t k = 0; r == 0 && k < e->n_items; k++) {
			if (e->exprs) {
				wp_insn_reader ir;
				wp_insn in;
				wp_range item = {(uint32_t)(p - m->bytes), 0};

				wp_insn_reader_init(&ir, m, p, end);
				while ((r = wp_insn_next(&ir, &in, v->err)) == 0 &&
				       !(in.info->prefix == 0 && in.info->code == 0x0b))
					;
				if (r < 0)
					break;
				item.size = in.offset - item.offset;
				r = const_expr(v, item, e->type, m->n_globals);
				p = ir.p;
			} else {
				uint64_t idx = 0;
				int n = wp_leb_u(p, end, 32, &idx);

				p += n;
				if (idx >= m->n_funcs)
					r = fail(v, e->at,
						 "unknown function %" PRIu64
						 " in element segment %" PRIu32,
						 idx, i);
			}
		}
	}
	for (uint32_t i = 0; r == 0 && i < m->n_datas; i++) {
		const wp_data *d = &m->datas[i];

		/* only headers are read: the pages of a large data section need
		 * not stay */
		wp_module_release_behind(m, &released, d->at);
		if (d->mode != WP_SEG_ACTIVE)
			continue;
		if (d->memory >= m->n_memories)
			return fail(v, d->at, "unknown memory %" PRIu32, d->memory);
		r = const_expr(v, d->offset,
			       m->memories[d->memory].limits.is64 ? WP_VT_I64 : WP_VT_I32,
			       m->n_globals);
	}
	return r;
}

/* Function bodies are independent once the module is known: they are
 * checked by several threads, each taking the next block of functions.
 * The error reported is always the one of the lowest function index, so the
 * result does not depend on the number of threads. */
#define BODY_BLOCK 64

typedef struct bodies {
	const vctx *v;
	pthread_mutex_t lock;
	uint32_t next;	    /* first function of the next block */
	uint32_t failed_at; /* lowest failing function so far */
	int workers;	    /* numbers handed out so far */
	int rc;
	wp_error *err;
} bodies;

static void *body_worker(void *arg)
{
	bodies *b = arg;
	vctx v = *b->v;
	const wp_module *m = v.m;

	pthread_mutex_lock(&b->lock);
	v.worker = b->workers++;
	pthread_mutex_unlock(&b->lock);
	for (;;) {
		uint32_t start, end;

		pthread_mutex_lock(&b->lock);
		start = b->next;
		b->next = start + BODY_BLOCK;
		/* past a known failure nothing can lower the index reported */
		if (start > b->failed_at)
			start = m->n_funcs;
		pthread_mutex_unlock(&b->lock);
		if (start >= m->n_funcs)
			return NULL;
		end = m->n_funcs - start < BODY_BLOCK ? m->n_funcs : start + BODY_BLOCK;
		for (uint32_t i = start; i < end; i++) {
			wp_error *e = NULL;
			int r;

			v.err = &e;
			if ((r = validate_body(&v, i)) == 0)
				continue;
			pthread_mutex_lock(&b->lock);
			if (i < b->failed_at) {
				b->failed_at = i;
				b->rc = r;
				wp_error_free(b->err);
				b->err = e;
				e = NULL;
			}
			pthread_mutex_unlock(&b->lock);
			wp_error_free(e);
			break;
		}
	}
}

static int validate_bodies(vctx *v)
{
	const wp_module *m = v->m;
	bodies b = {v, PTHREAD_MUTEX_INITIALIZER, m->n_imported_funcs, UINT32_MAX, 0, 0, NULL};
	uint32_t defined = m->n_funcs - m->n_imported_funcs;
	int n = defined > 4 * BODY_BLOCK ? wp_online_cpus() : 1;

	/* the workers share b and take blocks until none is left */
	wp_parallel_run(body_worker, &b, 0, n);
	pthread_mutex_destroy(&b.lock);
	if (b.err)
		return wp_error_move(v->err, b.err, b.rc);
	return 0;
}

int wp_module_validate(const wp_module *m, wp_error **err)
{
	return wp_module_validate_observed(m, NULL, err);
}

int wp_module_validate_observed(const wp_module *m, const wp_body_observer *o, wp_error **err)
{
	vctx v = {m, err, UINT32_MAX, NULL, false, NULL, o, 0};
	uint32_t *canon = NULL;
	uint8_t *refs = NULL;
	int r;

	if (m->component)
		return wp_error_set(err, WP_EUNSUPPORTED,
				    "\"%s\" is a component: only core modules are validated",
				    m->name);
	r = type_identities(&v, &canon);
	v.canon = canon;
	if (r == 0)
		r = check_imports_and_defs(&v);
	if (r == 0)
		r = check_exports(&v);
	if (r == 0 && m->has_start) {
		if (m->start >= m->n_funcs)
			r = fail(&v, 8, "unknown function %" PRIu32 " (start)", m->start);
		else if (wp_module_functype(m, m->start)->n_params ||
			 wp_module_functype(m, m->start)->n_results)
			r = fail(&v, 8, "start function must take and return nothing");
	}
	if (r == 0)
		r = check_segments(&v);
	if (r == 0)
		r = declared_refs(&v, &refs);
	v.refs = refs;
	if (r == 0)
		r = validate_bodies(&v);
	free(refs);
	free(canon);
	return r;
}

int wp_validate_file(const char *path, wp_error **err)
{
	wp_module *m = NULL;
	int r = wp_module_read_file(&m, path, err);

	if (r == 0)
		r = wp_module_validate(m, err);
	wp_module_free(m);
	return r;
}
