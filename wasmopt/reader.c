/* The module reader: sections and their contents, with every length and
 * count checked against the bytes that remain. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "cursor.h"
#include "module.h"
#include "wasm_error.h"
#include "insn.h"
#include "leb.h"
#include "../lib/fileio.h"
#include "../lib/str.h"
#include "../lib/common.h"

/* Heap types: an abstract one (negative s33) or a type index. */
static int heaptype(wp_cursor *c, uint32_t *out)
{
	const uint8_t *at = c->p;
	int64_t v;
	int n = wp_leb_s(c->p, c->end, 33, &v);

	if (n < 0)
		return wp_cur_malformed(c, at, "%s", wp_leb_reason(n));
	c->p += n;
	if (v >= 0) {
		/* no module has 2^31 types; such an index would read as an
		 * abstract heap type (WP_HT_ABSTRACT is its top bit) */
		if (v >= WP_HT_ABSTRACT)
			return wp_cur_malformed(c, at, "unknown type %" PRId64, v);
		*out = (uint32_t)v;
		return 0;
	}
	/* an abstract heap type is one byte, never a longer negative s33 */
	if (n != 1)
		return wp_cur_malformed(c, at, "malformed reference type: heap type %" PRId64, v);
	switch ((uint8_t)(v & 0x7f)) {
	case WP_HT_FUNC:
	case WP_HT_EXTERN:
	case WP_HT_EXN:
	case WP_HT_NOFUNC:
	case WP_HT_NOEXTERN:
	case WP_HT_NOEXN:
		*out = WP_HT_ABSTRACT | (uint8_t)(v & 0x7f);
		return 0;
	default:
		return wp_cur_malformed(c, at,
					"malformed reference type: heap type 0x%02x (GC types are "
					"not supported)",
					(unsigned)(v & 0x7f));
	}
}

int wp_read_valtype(const uint8_t **p, const uint8_t *end, const wp_module *m, wp_valtype *out,
		    wp_error **err);

static int valtype(wp_cursor *c, wp_valtype *out)
{
	const uint8_t *at = c->p;
	uint8_t b = 0;
	uint32_t heap = 0;
	int r = wp_cur_u8(c, &b);

	if (r < 0)
		return r;
	switch (b) {
	case WP_VT_I32:
	case WP_VT_I64:
	case WP_VT_F32:
	case WP_VT_F64:
	case WP_VT_V128:
		*out = b;
		return 0;
	case 0x70:
	case 0x6f:
	case 0x69:
	case 0x73:
	case 0x72:
	case 0x74:
		*out = wp_vt_abstract(true, b);
		return 0;
	case 0x64:
	case 0x63:
		if ((r = heaptype(c, &heap)) < 0)
			return r;
		*out = wp_vt_ref(b == 0x63, heap);
		return 0;
	default:
		return wp_cur_malformed(c, at, "malformed value type 0x%02x", b);
	}
}

int wp_read_valtype(const uint8_t **p, const uint8_t *end, const wp_module *m, wp_valtype *out,
		    wp_error **err)
{
	wp_cursor c = {m, *p, end, err};
	int r = valtype(&c, out);

	*p = c.p;
	return r;
}

static int reftype(wp_cursor *c, wp_valtype *out)
{
	const uint8_t *at = c->p;
	int r = valtype(c, out);

	if (r == 0 && wp_vt_kind(*out) != WP_VT_REF)
		return wp_cur_malformed(c, at, "malformed reference type");
	return r;
}

static int limits(wp_cursor *c, bool memory, wp_limits *out)
{
	const uint8_t *at = c->p;
	uint8_t flags = 0;
	int r = wp_cur_u8(c, &flags);
	unsigned allowed = memory ? 0x07 : 0x05;

	if (r < 0)
		return r;
	if (flags & ~allowed)
		return wp_cur_malformed(c, at, "malformed limits flags 0x%02x", flags);
	out->has_max = flags & 1;
	out->shared = (flags & 2) != 0;
	out->is64 = (flags & 4) != 0;
	if (out->is64) {
		r = wp_cur_u64(c, &out->min);
		if (r == 0 && out->has_max)
			r = wp_cur_u64(c, &out->max);
	} else {
		uint32_t v = 0;

		r = wp_cur_u32(c, &v);
		out->min = v;
		if (r == 0 && out->has_max && (r = wp_cur_u32(c, &v)) == 0)
			out->max = v;
	}
	return r;
}

/* Skips a constant expression up to and including its end; out excludes
 * the end byte. Validity is the validator's business. */
static int expr(wp_cursor *c, wp_range *out)
{
	wp_insn_reader ir;
	wp_insn in;
	uint32_t depth = 0;
	const uint8_t *start = c->p;
	int r;

	wp_insn_reader_init(&ir, c->m, c->p, c->end);
	for (;;) {
		if ((r = wp_insn_next(&ir, &in, c->err)) < 0)
			return r;
		if (in.info->imm == WP_IMM_BLOCK || in.info->imm == WP_IMM_TRY_TABLE)
			depth++;
		else if (in.info->prefix == 0 && in.info->code == 0x0b) {
			if (depth == 0)
				break;
			depth--;
		}
	}
	out->offset = wp_cur_off(c, start);
	out->size = (uint32_t)(c->m->bytes + in.offset - start);
	c->p = in.end;
	return 0;
}

/* Arrays that grow as sections add to them. */
#define GROW(m, arr, n, err)                                                                 \
	({                                                                                   \
		__typeof__(arr) grown_ = realloc((arr), ((size_t)(n) + 1) * sizeof(*(arr))); \
		int rg_ = 0;                                                                 \
		if (!grown_)                                                                 \
			rg_ = wp_error_oom(err);                                             \
		else                                                                         \
			(arr) = grown_;                                                      \
		rg_;                                                                         \
	})

static int read_types(wp_cursor *c, wp_module *m)
{
	uint32_t n;
	int r = wp_cur_count(c, 3, &n);

	if (r < 0)
		return r;
	if (!(m->types = calloc(n ? n : 1, sizeof(*m->types))))
		return wp_error_oom(c->err);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *at = c->p;
		uint8_t form = 0;
		uint32_t np, nr;
		wp_functype *t = &m->types[i];

		if ((r = wp_cur_u8(c, &form)) < 0)
			return r;
		if (form != 0x60)
			return wp_cur_malformed(c, at, "malformed type: form 0x%02x%s", form,
						form >= 0x4e && form <= 0x5f
							? " (GC types are not supported)"
							: "");
		if ((r = wp_cur_count(c, 1, &np)) < 0)
			return r;
		if (!(t->types = calloc((size_t)np + 1, sizeof(wp_valtype))))
			return wp_error_oom(c->err);
		m->n_types = i + 1;
		for (uint32_t k = 0; k < np; k++)
			if ((r = valtype(c, &t->types[k])) < 0)
				return r;
		t->n_params = np;
		if ((r = wp_cur_count(c, 1, &nr)) < 0)
			return r;
		if (nr) {
			wp_valtype *grown =
				realloc(t->types, ((size_t)np + nr) * sizeof(wp_valtype));

			if (!grown)
				return wp_error_oom(c->err);
			t->types = grown;
		}
		for (uint32_t k = 0; k < nr; k++)
			if ((r = valtype(c, &t->types[np + k])) < 0)
				return r;
		t->n_results = nr;
	}
	m->n_types = n;
	return 0;
}

static int read_tabletype(wp_cursor *c, wp_table *t)
{
	int r = reftype(c, &t->elem);

	return r < 0 ? r : limits(c, false, &t->limits);
}

static int read_globaltype(wp_cursor *c, wp_global *g)
{
	const uint8_t *at;
	uint8_t mut = 0;
	int r = valtype(c, &g->type);

	at = c->p;
	if (r == 0 && (r = wp_cur_u8(c, &mut)) == 0) {
		if (mut > 1)
			return wp_cur_malformed(c, at, "malformed mutability 0x%02x", mut);
		g->mutable_ = mut == 1;
	}
	return r;
}

static int read_tagtype(wp_cursor *c, wp_tag *t)
{
	const uint8_t *at = c->p;
	uint8_t attr = 0;
	int r = wp_cur_u8(c, &attr);

	if (r == 0 && attr != 0)
		return wp_cur_malformed(c, at, "malformed tag attribute 0x%02x", attr);
	return r < 0 ? r : wp_cur_u32(c, &t->type);
}

static int read_imports(wp_cursor *c, wp_module *m)
{
	uint32_t n;
	int r = wp_cur_count(c, 4, &n);

	if (r < 0)
		return r;
	if (!(m->imports = calloc(n ? n : 1, sizeof(*m->imports))))
		return wp_error_oom(c->err);
	for (uint32_t i = 0; i < n; i++) {
		wp_import *im = &m->imports[i];
		const uint8_t *at;
		uint8_t kind = 0;

		if ((r = wp_cur_name(c, &im->module)) < 0 || (r = wp_cur_name(c, &im->name)) < 0)
			return r;
		at = c->p;
		if ((r = wp_cur_u8(c, &kind)) < 0)
			return r;
		im->kind = (wp_extern_kind)kind;
		m->n_imports = i + 1;
		switch (kind) {
		case WP_EXTERN_FUNC:
			if ((r = GROW(m, m->funcs, m->n_funcs, c->err)) < 0)
				return r;
			memset(&m->funcs[m->n_funcs], 0, sizeof(wp_func));
			m->funcs[m->n_funcs].imported = true;
			im->index = m->n_funcs++;
			m->n_imported_funcs++;
			r = wp_cur_u32(c, &m->funcs[im->index].type);
			break;
		case WP_EXTERN_TABLE:
			if ((r = GROW(m, m->tables, m->n_tables, c->err)) < 0)
				return r;
			memset(&m->tables[m->n_tables], 0, sizeof(wp_table));
			m->tables[m->n_tables].imported = true;
			im->index = m->n_tables++;
			m->n_imported_tables++;
			r = read_tabletype(c, &m->tables[im->index]);
			break;
		case WP_EXTERN_MEMORY:
			if ((r = GROW(m, m->memories, m->n_memories, c->err)) < 0)
				return r;
			memset(&m->memories[m->n_memories], 0, sizeof(wp_memory));
			m->memories[m->n_memories].imported = true;
			im->index = m->n_memories++;
			m->n_imported_memories++;
			r = limits(c, true, &m->memories[im->index].limits);
			break;
		case WP_EXTERN_GLOBAL:
			if ((r = GROW(m, m->globals, m->n_globals, c->err)) < 0)
				return r;
			memset(&m->globals[m->n_globals], 0, sizeof(wp_global));
			m->globals[m->n_globals].imported = true;
			im->index = m->n_globals++;
			m->n_imported_globals++;
			r = read_globaltype(c, &m->globals[im->index]);
			break;
		case WP_EXTERN_TAG:
			if ((r = GROW(m, m->tags, m->n_tags, c->err)) < 0)
				return r;
			memset(&m->tags[m->n_tags], 0, sizeof(wp_tag));
			m->tags[m->n_tags].imported = true;
			im->index = m->n_tags++;
			m->n_imported_tags++;
			r = read_tagtype(c, &m->tags[im->index]);
			break;
		default:
			return wp_cur_malformed(c, at, "malformed import kind 0x%02x", kind);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_functions(wp_cursor *c, wp_module *m)
{
	uint32_t n;
	int r = wp_cur_count(c, 1, &n);

	if (r < 0)
		return r;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t type;

		if ((r = wp_cur_u32(c, &type)) < 0)
			return r;
		if ((r = GROW(m, m->funcs, m->n_funcs, c->err)) < 0)
			return r;
		memset(&m->funcs[m->n_funcs], 0, sizeof(wp_func));
		m->funcs[m->n_funcs++].type = type;
	}
	return 0;
}

static int read_tables(wp_cursor *c, wp_module *m)
{
	uint32_t n;
	int r = wp_cur_count(c, 2, &n);

	if (r < 0)
		return r;
	for (uint32_t i = 0; i < n; i++) {
		wp_table *t;

		if ((r = GROW(m, m->tables, m->n_tables, c->err)) < 0)
			return r;
		t = &m->tables[m->n_tables++];
		memset(t, 0, sizeof(*t));
		if (c->p + 1 < c->end && c->p[0] == 0x40) {
			/* 0x40 0x00 tabletype expr: a table with an initializer */
			if (c->p[1] != 0)
				return wp_cur_malformed(c, c->p, "malformed table type");
			c->p += 2;
			if ((r = read_tabletype(c, t)) < 0 || (r = expr(c, &t->init)) < 0)
				return r;
		} else if ((r = read_tabletype(c, t)) < 0) {
			return r;
		}
	}
	return 0;
}

static int read_memories(wp_cursor *c, wp_module *m)
{
	uint32_t n;
	int r = wp_cur_count(c, 2, &n);

	if (r < 0)
		return r;
	for (uint32_t i = 0; i < n; i++) {
		if ((r = GROW(m, m->memories, m->n_memories, c->err)) < 0)
			return r;
		memset(&m->memories[m->n_memories], 0, sizeof(wp_memory));
		if ((r = limits(c, true, &m->memories[m->n_memories++].limits)) < 0)
			return r;
	}
	return 0;
}

static int read_globals(wp_cursor *c, wp_module *m)
{
	uint32_t n;
	int r = wp_cur_count(c, 3, &n);

	if (r < 0)
		return r;
	for (uint32_t i = 0; i < n; i++) {
		wp_global *g;

		if ((r = GROW(m, m->globals, m->n_globals, c->err)) < 0)
			return r;
		g = &m->globals[m->n_globals++];
		memset(g, 0, sizeof(*g));
		if ((r = read_globaltype(c, g)) < 0 || (r = expr(c, &g->init)) < 0)
			return r;
	}
	return 0;
}

static int read_tags(wp_cursor *c, wp_module *m)
{
	uint32_t n;
	int r = wp_cur_count(c, 2, &n);

	if (r < 0)
		return r;
	for (uint32_t i = 0; i < n; i++) {
		if ((r = GROW(m, m->tags, m->n_tags, c->err)) < 0)
			return r;
		memset(&m->tags[m->n_tags], 0, sizeof(wp_tag));
		if ((r = read_tagtype(c, &m->tags[m->n_tags++])) < 0)
			return r;
	}
	return 0;
}

static int read_exports(wp_cursor *c, wp_module *m)
{
	uint32_t n;
	int r = wp_cur_count(c, 3, &n);

	if (r < 0)
		return r;
	if (!(m->exports = calloc(n ? n : 1, sizeof(*m->exports))))
		return wp_error_oom(c->err);
	for (uint32_t i = 0; i < n; i++) {
		wp_export *e = &m->exports[i];
		const uint8_t *at;
		uint8_t kind = 0;

		if ((r = wp_cur_name(c, &e->name)) < 0)
			return r;
		at = c->p;
		if ((r = wp_cur_u8(c, &kind)) < 0)
			return r;
		if (kind > WP_EXTERN_TAG)
			return wp_cur_malformed(c, at, "malformed export kind 0x%02x", kind);
		e->kind = (wp_extern_kind)kind;
		if ((r = wp_cur_u32(c, &e->index)) < 0)
			return r;
		m->n_exports = i + 1;
	}
	return 0;
}

/* Element items: function indices, or constant expressions. */
static int elem_items(wp_cursor *c, wp_elem *e)
{
	const uint8_t *start;
	int r = wp_cur_count(c, 1, &e->n_items);

	if (r < 0)
		return r;
	start = c->p;
	for (uint32_t i = 0; i < e->n_items; i++) {
		wp_range ignored;
		uint32_t idx;

		if ((r = e->exprs ? expr(c, &ignored) : wp_cur_u32(c, &idx)) < 0)
			return r;
	}
	e->items.offset = wp_cur_off(c, start);
	e->items.size = (uint32_t)(c->p - start);
	return 0;
}

static int read_elems(wp_cursor *c, wp_module *m)
{
	uint32_t n;
	int r = wp_cur_count(c, 1, &n);

	if (r < 0)
		return r;
	if (!(m->elems = calloc(n ? n : 1, sizeof(*m->elems))))
		return wp_error_oom(c->err);
	for (uint32_t i = 0; i < n; i++) {
		wp_elem *e = &m->elems[i];
		const uint8_t *at = c->p;
		uint32_t flags;
		uint8_t kind = 0;

		e->at = wp_cur_off(c, at);
		if ((r = wp_cur_u32(c, &flags)) < 0)
			return r;
		if (flags > 7)
			return wp_cur_malformed(c, at, "malformed elements segment kind %" PRIu32,
						flags);
		m->n_elems = i + 1;
		e->mode = (flags & 1) ? ((flags & 2) ? WP_SEG_DECLARATIVE : WP_SEG_PASSIVE)
				      : WP_SEG_ACTIVE;
		e->exprs = (flags & 4) != 0;
		e->type = WP_VT_FUNCREF;
		if (e->mode == WP_SEG_ACTIVE && (flags & 2) && (r = wp_cur_u32(c, &e->table)) < 0)
			return r;
		if (e->mode == WP_SEG_ACTIVE && (r = expr(c, &e->offset)) < 0)
			return r;
		if (flags & 3) {
			/* an element kind (indices) or a reference type (exprs) */
			if (e->exprs) {
				if ((r = reftype(c, &e->type)) < 0)
					return r;
			} else {
				at = c->p;
				if ((r = wp_cur_u8(c, &kind)) < 0)
					return r;
				if (kind != 0)
					return wp_cur_malformed(
						c, at, "malformed element kind 0x%02x", kind);
			}
		}
		if ((r = elem_items(c, e)) < 0)
			return r;
	}
	return 0;
}

static int read_datas(wp_cursor *c, wp_module *m)
{
	size_t released = wp_cur_off(c, c->p);
	uint32_t n;
	int r = wp_cur_count(c, 1, &n);

	if (r < 0)
		return r;
	if (m->has_data_count && n != m->data_count)
		return wp_cur_malformed(c, c->p,
					"data count and data section have inconsistent lengths "
					"(%" PRIu32 " and %" PRIu32 ")",
					m->data_count, n);
	if (!(m->datas = calloc(n ? n : 1, sizeof(*m->datas))))
		return wp_error_oom(c->err);
	for (uint32_t i = 0; i < n; i++) {
		wp_data *d = &m->datas[i];
		const uint8_t *at = c->p;
		uint32_t flags, len;

		/* only headers are read here: the pages of a large data section
		 * need not stay */
		wp_module_release_behind(m, &released, wp_cur_off(c, at));
		d->at = wp_cur_off(c, at);
		if ((r = wp_cur_u32(c, &flags)) < 0)
			return r;
		if (flags > 2)
			return wp_cur_malformed(c, at, "malformed data segment kind %" PRIu32,
						flags);
		m->n_datas = i + 1;
		d->mode = flags == 1 ? WP_SEG_PASSIVE : WP_SEG_ACTIVE;
		if (flags == 2 && (r = wp_cur_u32(c, &d->memory)) < 0)
			return r;
		if (d->mode == WP_SEG_ACTIVE && (r = expr(c, &d->offset)) < 0)
			return r;
		if ((r = wp_cur_u32(c, &len)) < 0 || (r = wp_cur_bytes(c, len, &d->bytes)) < 0)
			return r;
	}
	return 0;
}

static int read_code(wp_cursor *c, wp_module *m)
{
	const uint8_t *at = c->p;
	uint32_t n, defined = m->n_funcs - m->n_imported_funcs;
	int r = wp_cur_count(c, 1, &n);

	if (r < 0)
		return r;
	if (n != defined)
		return wp_cur_malformed(c, at,
					"function and code section have inconsistent lengths "
					"(%" PRIu32 " and %" PRIu32 ")",
					defined, n);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t size;

		if ((r = wp_cur_u32(c, &size)) < 0)
			return r;
		if ((r = wp_cur_bytes(c, size, &m->funcs[m->n_imported_funcs + i].body)) < 0)
			return r;
	}
	m->has_code = true;
	m->n_code = n;
	return 0;
}

/* Where each section must come; custom sections (0) anywhere. */
static int rank(uint8_t id)
{
	static const int8_t order[] = {
		[1] = 1, [2] = 2, [3] = 3,  [4] = 4,   [5] = 5,	  [13] = 6, [6] = 7,
		[7] = 8, [8] = 9, [9] = 10, [12] = 11, [10] = 12, [11] = 13};

	return id < WP_ARRAY_SIZE(order) ? order[id] : -1;
}

static int read_section(wp_cursor *c, wp_module *m, uint8_t id)
{
	switch (id) {
	case 1:
		return read_types(c, m);
	case 2:
		return read_imports(c, m);
	case 3:
		return read_functions(c, m);
	case 4:
		return read_tables(c, m);
	case 5:
		return read_memories(c, m);
	case 6:
		return read_globals(c, m);
	case 7:
		return read_exports(c, m);
	case 8:
		m->has_start = true;
		return wp_cur_u32(c, &m->start);
	case 9:
		return read_elems(c, m);
	case 10:
		return read_code(c, m);
	case 11:
		return read_datas(c, m);
	case 12:
		m->has_data_count = true;
		return wp_cur_u32(c, &m->data_count);
	case 13:
		return read_tags(c, m);
	default:
		return 0;
	}
}

static int read_module(wp_module *m, wp_error **err)
{
	wp_cursor c = {m, m->bytes, m->bytes + m->size, err};
	int last = 0, r;

	if (m->size < 4 || memcmp(m->bytes, "\0asm", 4) != 0)
		return wp_cur_malformed(&c, m->bytes, "magic header not detected");
	if (m->size < 8)
		return wp_cur_malformed(&c, m->bytes + 4, "unexpected end: no version");
	if (m->bytes[6] == 1 && m->bytes[7] == 0) {
		m->component = true;
		return 0;
	}
	if (memcmp(m->bytes + 4, "\1\0\0\0", 4) != 0)
		return wp_cur_malformed(&c, m->bytes + 4, "unknown binary version");
	c.p = m->bytes + 8;
	while (c.p < c.end) {
		const uint8_t *header = c.p;
		wp_section s = {0};
		uint32_t size;
		uint8_t id;
		int rk;

		if ((r = wp_cur_u8(&c, &id)) < 0 || (r = wp_cur_u32(&c, &size)) < 0)
			return r;
		if (size > (uint64_t)(c.end - c.p))
			return wp_cur_malformed(&c, header,
						"length out of bounds: section %u declares %" PRIu32
						" bytes, %zu remain",
						id, size, (size_t)(c.end - c.p));
		if ((rk = rank(id)) < 0)
			return wp_cur_malformed(&c, header, "malformed section id %u", id);
		if (id != 0) {
			if (rk <= last)
				return wp_cur_malformed(&c, header,
							rk == last ? "duplicate section %u"
								   : "unexpected section %u: "
								     "out of order",
							id);
			last = rk;
		}
		s.id = id;
		s.header.offset = wp_cur_off(&c, header);
		s.header.size = (uint32_t)(c.p - header);
		s.payload.offset = wp_cur_off(&c, c.p);
		s.payload.size = size;
		{
			wp_cursor sc = {m, c.p, c.p + size, err};

			if (id == 0) {
				if ((r = wp_cur_name(&sc, &s.name)) < 0)
					return r;
			} else if ((r = read_section(&sc, m, id)) < 0) {
				return r;
			} else if (sc.p != sc.end) {
				return wp_cur_malformed(&sc, sc.p,
							"section size mismatch: %zu bytes left in "
							"section %u",
							(size_t)(sc.end - sc.p), id);
			}
		}
		if ((r = GROW(m, m->sections, m->n_sections, err)) < 0)
			return r;
		m->sections[m->n_sections++] = s;
		c.p += size;
	}
	if (m->n_funcs > m->n_imported_funcs && !m->has_code)
		return wp_cur_malformed(
			&c, c.end,
			"function and code section have inconsistent lengths (%" PRIu32 " and 0)",
			m->n_funcs - m->n_imported_funcs);
	if (m->has_data_count && m->data_count && !m->n_datas)
		return wp_cur_malformed(&c, c.end,
					"data count and data section have inconsistent lengths "
					"(%" PRIu32 " and 0)",
					m->data_count);
	return 0;
}

void wp_module_free(wp_module *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; i < m->n_types; i++)
		free(m->types[i].types);
	free(m->types);
	free(m->imports);
	free(m->funcs);
	free(m->tables);
	free(m->memories);
	free(m->globals);
	free(m->tags);
	free(m->exports);
	free(m->elems);
	free(m->datas);
	free(m->sections);
	if (m->mapping)
		munmap(m->mapping, m->mapping_size);
	free(m);
}

int wp_module_read_bytes(wp_module **out, const uint8_t *data, size_t size, const char *what,
			 wp_error **err)
{
	wp_module *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return wp_error_oom(err);
	if (size > UINT32_MAX) {
		free(m);
		return wp_error_set(err, WP_ELIMIT, "\"%s\": larger than 4 GiB", what);
	}
	m->bytes = data;
	m->size = size;
	m->name = what;
	if ((r = read_module(m, err)) < 0) {
		wp_module_free(m);
		return r;
	}
	*out = m;
	return 0;
}

void wp_module_release(const wp_module *m, size_t from, size_t to)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), start, end;

	if (!m->mapping || to > m->mapping_size || from >= to)
		return;
	/* every byte below `to` is done with, so the page holding `from` is too */
	start = from / page * page;
	end = to / page * page;
	if (end > start)
		madvise((uint8_t *)m->mapping + start, end - start, MADV_DONTNEED);
}

int wp_module_read_fd(wp_module **out, int fd, size_t size, const char *name, wp_error **err)
{
	wp_module *m;
	void *map;
	int r;

	if (size > UINT32_MAX)
		return wp_error_set(err, WP_ELIMIT, "\"%s\": larger than 4 GiB", name);
	if (!(m = calloc(1, sizeof(*m))))
		return wp_error_oom(err);
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		free(m);
		return wp_error_set_errno(err, errno, "cannot map \"%s\"", name);
	}
	/* one sequential pass: let the kernel read ahead */
	madvise(map, size, MADV_SEQUENTIAL);
	m->bytes = map;
	m->size = size;
	m->name = name;
	m->mapping = map; /* set now: reading releases pages behind it */
	m->mapping_size = size;
	if ((r = read_module(m, err)) < 0) {
		wp_module_free(m);
		return r;
	}
	*out = m;
	return 0;
}

void wp_module_release_behind(const wp_module *m, size_t *mark, size_t pos)
{
	if (m->mapping && pos >= *mark + ((size_t)1 << 18)) {
		wp_module_release(m, *mark, pos);
		*mark = pos;
	}
}

int wp_module_read_file(wp_module **out, const char *path, wp_error **err)
{
	struct stat st;
	_cleanup_close_ int fd = wp_open_read(path, &st, err);

	if (fd < 0)
		return fd;
	if (S_ISDIR(st.st_mode))
		return wp_error_set(err, WP_EINVALID, "\"%s\" is a directory, not a .wasm file",
				    path);
	if (!S_ISREG(st.st_mode))
		return wp_error_set(err, WP_EINVALID, "\"%s\" is not a regular file", path);
	if (st.st_size == 0)
		return wp_error_set(err, WP_EINVALID,
				    "\"%s\": not a WebAssembly binary: the file is empty", path);
	return wp_module_read_fd(out, fd, (size_t)st.st_size, path, err);
}

const char *wp_valtype_name(wp_valtype t, char buf[48])
{
	static const char *const abstract[] = {
		[WP_HT_FUNC] = "func",	   [WP_HT_EXTERN] = "extern",	  [WP_HT_EXN] = "exn",
		[WP_HT_NOFUNC] = "nofunc", [WP_HT_NOEXTERN] = "noextern", [WP_HT_NOEXN] = "noexn"};
	uint32_t heap = 0;

	switch (wp_vt_kind(t)) {
	case WP_VT_I32:
		return "i32";
	case WP_VT_I64:
		return "i64";
	case WP_VT_F32:
		return "f32";
	case WP_VT_F64:
		return "f64";
	case WP_VT_V128:
		return "v128";
	case WP_VT_REF:
		heap = wp_vt_heap(t);
		if (heap & WP_HT_ABSTRACT) {
			uint8_t code = (uint8_t)heap;

			if (wp_vt_nullable(t) && code == WP_HT_FUNC)
				return "funcref";
			if (wp_vt_nullable(t) && code == WP_HT_EXTERN)
				return "externref";
			snprintf(buf, 48, "(ref %s%s)", wp_vt_nullable(t) ? "null " : "",
				 code < WP_ARRAY_SIZE(abstract) && abstract[code] ? abstract[code]
										  : "?");
		} else {
			snprintf(buf, 48, "(ref %s%" PRIu32 ")", wp_vt_nullable(t) ? "null " : "",
				 heap);
		}
		return buf;
	default:
		return "unknown";
	}
}
