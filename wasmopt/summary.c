/* The summary of a binary (summary.h). Core modules come decoded from the
 * reader; what it leaves alone (the producers payload, a component's
 * sections) is read here, every length checked against the bytes left. */
#include "summary.h"
#include "cursor.h"
#include "leb.h"
#include "wasm_scan.h"
#include "../lib/array.h"
#include "../lib/buf.h"
#include "../lib/common.h"

/* A signature lists at most this many parameters (and results). */
#define SIG_MAX_TYPES 64
#define SIG_MAX_BYTES 8192

/* A component value type: a type index or a primitive type (s33). */
static int cur_valtype(wp_cursor *c)
{
	int64_t v;
	int n = wp_leb_s(c->p, c->end, 33, &v);

	if (n < 0)
		return wp_cur_malformed(c, c->p, "%s", wp_leb_reason(n));
	c->p += n;
	return 0;
}

/* An owned copy of a name for display: NUL bytes become U+FFFD. */
static int dup_text(char **out, const uint8_t *p, size_t n, wp_error **err)
{
	size_t nuls = 0, k = 0;
	char *s;

	for (size_t i = 0; i < n; i++)
		nuls += p[i] == 0;
	if (!(s = malloc(n + 2 * nuls + 1)))
		return wp_error_oom(err);
	for (size_t i = 0; i < n; i++) {
		if (p[i]) {
			s[k++] = (char)p[i];
		} else {
			memcpy(s + k, "\xef\xbf\xbd", 3);
			k += 3;
		}
	}
	s[k] = '\0';
	*out = s;
	return 0;
}

static int range_text(char **out, const wp_module *m, wp_range range, wp_error **err)
{
	return dup_text(out, m->bytes + range.offset, range.size, err);
}

/* A name, copied for display. */
static int cur_text(wp_cursor *c, char **out)
{
	wp_range range;
	int e = wp_cur_name(c, &range);

	return e < 0 ? e : range_text(out, c->m, range, c->err);
}

static bool range_is(const wp_module *m, wp_range range, const char *s)
{
	return range.size == strlen(s) && memcmp(m->bytes + range.offset, s, range.size) == 0;
}

/* Makes room for `more` zeroed items after the `have` of *items. */
static int extend(void **items, size_t have, size_t more, size_t size, wp_error **err)
{
	uint8_t *grown = reallocarray(*items, have + more ? have + more : 1, size);

	if (!grown)
		return wp_error_oom(err);
	memset(grown + have * size, 0, more * size);
	*items = grown;
	return 0;
}

const char *wp_wasi_version_name(wp_wasi_version v)
{
	static const char *const names[] = {"none", "preview0", "preview1", "preview2"};

	return (size_t)v < WP_ARRAY_SIZE(names) ? names[v] : "unknown";
}

/* Raises s->wasi to what an import from `name` (a core module name or a
 * component import name) needs, and lists "wasi:*" interfaces. */
static int note_wasi(wp_module_summary *s, const char *name, wp_error **err)
{
	wp_wasi_version v = WP_WASI_NONE;

	if (wp_str_has_prefix(name, "wasi:"))
		v = WP_WASI_PREVIEW2;
	else if (strcmp(name, "wasi_snapshot_preview1") == 0)
		v = WP_WASI_PREVIEW1;
	else if (strcmp(name, "wasi_unstable") == 0)
		v = WP_WASI_PREVIEW0;
	if (v > s->wasi)
		s->wasi = v;
	if (v == WP_WASI_PREVIEW2 && !wp_strv_contains(&s->wasi_interfaces, name))
		return wp_strv_push(&s->wasi_interfaces, name, err);
	return 0;
}

static void release_imports(wp_module_summary *s)
{
	for (size_t i = 0; i < s->n_imports; i++) {
		free(s->imports[i].module);
		free(s->imports[i].name);
		free(s->imports[i].signature);
	}
	free(s->imports);
	s->imports = NULL;
	s->n_imports = 0;
}

static void release_exports(wp_module_summary *s)
{
	for (size_t i = 0; i < s->n_exports; i++) {
		free(s->exports[i].name);
		free(s->exports[i].signature);
	}
	free(s->exports);
	s->exports = NULL;
	s->n_exports = 0;
}

static void release_producers(wp_module_summary *s)
{
	for (size_t i = 0; i < s->n_producers; i++) {
		wp_producer_field *f = &s->producers[i];

		for (size_t k = 0; k < f->n_values; k++) {
			free(f->values[k].name);
			free(f->values[k].version);
		}
		free(f->values);
		free(f->name);
	}
	free(s->producers);
	s->producers = NULL;
	s->n_producers = 0;
}

/* A part the rest of the summary does without: when it is malformed, its
 * entries go and the reason (perr's message) stays in *reason; any other
 * failure (out of memory) fails the summary. perr is consumed. */
static int tolerate(wp_error *perr, char **reason, void (*release)(wp_module_summary *),
		    wp_module_summary *s, wp_error **err)
{
	int r;

	if (!perr)
		return 0;
	if (perr->code != WP_EINVALID)
		return wp_error_move(err, perr, perr->code);
	release(s);
	r = wp_strdup(reason, perr->message, err);
	wp_error_free(perr);
	return r;
}

/* "i32, i64" (with parentheses unless one bare type is wanted). */
static int append_types(wp_buf *b, const wp_valtype *t, uint32_t n, bool bare_single,
			wp_error **err)
{
	bool parens = !(bare_single && n == 1);
	char tmp[48];
	int r = parens ? wp_buf_append_str(b, "(", err) : 0;

	for (uint32_t i = 0; r == 0 && i < n && i < SIG_MAX_TYPES; i++)
		r = wp_buf_appendf(b, err, "%s%s", i ? ", " : "", wp_valtype_name(t[i], tmp));
	if (r == 0 && n > SIG_MAX_TYPES)
		r = wp_buf_appendf(b, err, ", ... (%" PRIu32 " in all)", n);
	if (r == 0 && parens)
		r = wp_buf_append_str(b, ")", err);
	return r;
}

/* "(i32, i32) -> i32", "() -> ()"; NULL for an index the reader left
 * unchecked (validation's business) that names no function or type. */
static int signature(char **out, const wp_module *m, uint32_t func, wp_error **err)
{
	wp_buf b = WP_BUF_INIT(SIG_MAX_BYTES);
	const wp_functype *t;
	int r;

	*out = NULL;
	if (func >= m->n_funcs || m->funcs[func].type >= m->n_types)
		return 0;
	t = wp_module_functype(m, func);
	r = append_types(&b, t->types, t->n_params, false, err);
	if (r == 0)
		r = wp_buf_append_str(&b, " -> ", err);
	if (r == 0)
		r = append_types(&b, t->types + t->n_params, t->n_results, true, err);
	if (r == 0 && !(*out = wp_buf_detach(&b, NULL)))
		r = wp_error_oom(err);
	wp_buf_release(&b);
	return r;
}

/* tool-conventions ProducersSection.md: fields, each a name and a list of
 * (name, version) pairs; every name is a length and UTF-8. */
static int read_producers(wp_cursor *c, wp_module_summary *s)
{
	uint32_t n;
	int e = wp_cur_count(c, 2, &n);

	if (e < 0 || (e = extend((void **)&s->producers, 0, n, sizeof(*s->producers), c->err)) < 0)
		return e;
	for (uint32_t i = 0; i < n; i++) {
		wp_producer_field *f = &s->producers[i];
		uint32_t k;

		s->n_producers = i + 1;
		if ((e = cur_text(c, &f->name)) < 0 || (e = wp_cur_count(c, 2, &k)) < 0 ||
		    (e = extend((void **)&f->values, 0, k, sizeof(*f->values), c->err)) < 0)
			return e;
		for (uint32_t j = 0; j < k; j++) {
			f->n_values = j + 1;
			if ((e = cur_text(c, &f->values[j].name)) < 0 ||
			    (e = cur_text(c, &f->values[j].version)) < 0)
				return e;
		}
	}
	if (c->p != c->end)
		return wp_cur_malformed(c, c->p, "%zu bytes after the last field",
					(size_t)(c->end - c->p));
	return 0;
}

static int summarize_producers(wp_module_summary *s, const wp_module *m, const wp_section *sec,
			       wp_error **err)
{
	wp_error *perr = NULL;
	wp_cursor c = {m, m->bytes + sec->name.offset + sec->name.size,
		       m->bytes + sec->payload.offset + sec->payload.size, &perr};

	/* the conventions allow one; which would be right is anyone's guess */
	if (s->has_producers)
		wp_cur_malformed(&c, m->bytes + sec->header.offset, "a second producers section");
	else
		read_producers(&c, s);
	s->has_producers = true;
	return tolerate(perr, &s->producers_unreadable, release_producers, s, err);
}

static int summarize_customs(wp_module_summary *s, const wp_module *m, const wp_section *secs,
			     uint32_t n, wp_error **err)
{
	size_t customs = 0;
	int r;

	for (uint32_t i = 0; i < n; i++)
		customs += secs[i].id == 0;
	if ((r = extend((void **)&s->customs, 0, customs, sizeof(*s->customs), err)) < 0)
		return r;
	for (uint32_t i = 0; i < n; i++) {
		wp_summary_custom *c;

		if (secs[i].id != 0)
			continue;
		c = &s->customs[s->n_customs++];
		c->size = secs[i].payload.size;
		if ((r = range_text(&c->name, m, secs[i].name, err)) < 0)
			return r;
		if (range_is(m, secs[i].name, "producers") &&
		    (r = summarize_producers(s, m, &secs[i], err)) < 0)
			return r;
	}
	return 0;
}

static const char *const core_kinds[] = {"func", "table", "memory", "global", "tag"};

static int summarize_core(wp_module_summary *s, const wp_module *m, wp_error **err)
{
	int r;

	if ((r = extend((void **)&s->imports, 0, m->n_imports, sizeof(*s->imports), err)) < 0 ||
	    (r = extend((void **)&s->exports, 0, m->n_exports, sizeof(*s->exports), err)) < 0)
		return r;
	for (uint32_t i = 0; i < m->n_imports; i++) {
		const wp_import *in = &m->imports[i];
		wp_summary_import *im = &s->imports[i];

		s->n_imports = i + 1;
		im->kind = core_kinds[in->kind];
		if ((r = range_text(&im->module, m, in->module, err)) < 0 ||
		    (r = range_text(&im->name, m, in->name, err)) < 0 ||
		    (r = note_wasi(s, im->module, err)) < 0)
			return r;
		if (in->kind == WP_EXTERN_FUNC &&
		    (r = signature(&im->signature, m, in->index, err)) < 0)
			return r;
	}
	for (uint32_t i = 0; i < m->n_exports; i++) {
		const wp_export *in = &m->exports[i];
		wp_summary_export *ex = &s->exports[i];

		s->n_exports = i + 1;
		ex->kind = core_kinds[in->kind];
		ex->index = in->index;
		if ((r = range_text(&ex->name, m, in->name, err)) < 0)
			return r;
		if (in->kind == WP_EXTERN_FUNC &&
		    (r = signature(&ex->signature, m, in->index, err)) < 0)
			return r;
	}
	return summarize_customs(s, m, m->sections, m->n_sections, err);
}

/* ---- components: only the top-level sections are looked at ---- */

/* Component sorts 1..5 and extern types 1..5 share their numbering. */
static const char *const component_kinds[] = {NULL,   "func",	   "value",
					      "type", "component", "instance"};

static const char *core_sort_name(uint8_t sort)
{
	switch (sort) {
	case 0x00:
		return "core func";
	case 0x01:
		return "core table";
	case 0x02:
		return "core memory";
	case 0x03:
		return "core global";
	case 0x10:
		return "core type";
	case 0x11:
		return "core module";
	case 0x12:
		return "core instance";
	default:
		return NULL;
	}
}

/* An import or export name: a form byte, the name, and (form 2) attributes,
 * of which a version suffix is appended to the name. */
static int cur_extern_name(wp_cursor *c, char **out)
{
	const uint8_t *at = c->p;
	wp_range name, suffix = {0, 0};
	uint32_t n_attrs;
	_cleanup_free_ uint8_t *joined = NULL;
	uint8_t form = 0;
	int e = wp_cur_u8(c, &form);

	if (e < 0)
		return e;
	if (form > 2)
		return wp_cur_malformed(c, at, "unknown name form 0x%02x", form);
	if ((e = wp_cur_name(c, &name)) < 0)
		return e;
	if (form == 2 && (e = wp_cur_count(c, 2, &n_attrs)) == 0) {
		for (uint32_t i = 0; e == 0 && i < n_attrs; i++) {
			const uint8_t *attr_at = c->p;
			wp_range value;
			uint8_t tag = 0;

			/* every attribute is a tag and a string */
			if ((e = wp_cur_u8(c, &tag)) < 0 || (e = wp_cur_name(c, &value)) < 0)
				break;
			if (tag > 2)
				e = wp_cur_malformed(c, attr_at, "unknown name attribute 0x%02x",
						     tag);
			if (tag == 1)
				suffix = value;
		}
	}
	if (e < 0)
		return e;
	if (!suffix.size)
		return range_text(out, c->m, name, c->err);
	if (!(joined = malloc((size_t)name.size + suffix.size)))
		return wp_error_oom(c->err);
	memcpy(joined, c->m->bytes + name.offset, name.size);
	memcpy(joined + name.size, c->m->bytes + suffix.offset, suffix.size);
	return dup_text(out, joined, (size_t)name.size + suffix.size, c->err);
}

/* Skips an extern type, naming its kind. */
static int cur_externtype(wp_cursor *c, const char **kind)
{
	const uint8_t *at = c->p;
	uint8_t tag = 0, sub = 0;
	uint32_t idx;
	int e = wp_cur_u8(c, &tag);

	if (e < 0)
		return e;
	switch (tag) {
	case 0x00: /* core module (type i) */
		*kind = "core module";
		if ((e = wp_cur_u8(c, &sub)) < 0)
			return e;
		if (sub != 0x11)
			return wp_cur_malformed(c, at, "malformed core module type 0x%02x", sub);
		return wp_cur_u32(c, &idx);
	case 0x02: /* value: eq i, or a value type */
	case 0x03: /* type: eq i, or sub resource */
		*kind = component_kinds[tag];
		if ((e = wp_cur_u8(c, &sub)) < 0)
			return e;
		if (sub == 0)
			return wp_cur_u32(c, &idx);
		if (sub != 1)
			return wp_cur_malformed(c, at, "malformed %s bound 0x%02x", *kind, sub);
		return tag == 0x02 ? cur_valtype(c) : 0;
	case 0x01:
	case 0x04:
	case 0x05:
		*kind = component_kinds[tag];
		return wp_cur_u32(c, &idx);
	default:
		return wp_cur_malformed(c, at, "unknown extern type 0x%02x", tag);
	}
}

static int read_component_imports(wp_cursor *c, wp_module_summary *s)
{
	uint32_t n;
	int e = wp_cur_count(c, 4, &n);

	if (e < 0 ||
	    (e = extend((void **)&s->imports, s->n_imports, n, sizeof(*s->imports), c->err)) < 0)
		return e;
	for (uint32_t i = 0; i < n; i++) {
		wp_summary_import *im = &s->imports[s->n_imports++];

		if ((e = cur_extern_name(c, &im->name)) < 0 ||
		    (e = cur_externtype(c, &im->kind)) < 0)
			return e;
	}
	return c->p == c->end
		       ? 0
		       : wp_cur_malformed(c, c->p, "section size mismatch in the import section");
}

static int cur_sort(wp_cursor *c, const char **kind)
{
	const uint8_t *at = c->p;
	uint8_t sort = 0, core = 0;
	int e = wp_cur_u8(c, &sort);

	if (e < 0 || (sort == 0 && (e = wp_cur_u8(c, &core)) < 0))
		return e;
	*kind = sort == 0				? core_sort_name(core)
		: sort < WP_ARRAY_SIZE(component_kinds) ? component_kinds[sort]
							: NULL;
	if (!*kind && sort == 0)
		return wp_cur_malformed(c, at + 1, "unknown core sort 0x%02x", core);
	if (!*kind)
		return wp_cur_malformed(c, at, "unknown sort 0x%02x", sort);
	return 0;
}

static int read_component_exports(wp_cursor *c, wp_module_summary *s)
{
	uint32_t n;
	int e = wp_cur_count(c, 5, &n);

	if (e < 0 ||
	    (e = extend((void **)&s->exports, s->n_exports, n, sizeof(*s->exports), c->err)) < 0)
		return e;
	for (uint32_t i = 0; i < n; i++) {
		wp_summary_export *ex = &s->exports[s->n_exports++];
		const char *ascribed;
		const uint8_t *at;
		uint8_t has_type = 0;

		if ((e = cur_extern_name(c, &ex->name)) < 0 || (e = cur_sort(c, &ex->kind)) < 0 ||
		    (e = wp_cur_u32(c, &ex->index)) < 0)
			return e;
		at = c->p;
		if ((e = wp_cur_u8(c, &has_type)) < 0)
			return e;
		if (has_type > 1)
			return wp_cur_malformed(c, at, "malformed export type flag 0x%02x",
						has_type);
		if (has_type && (e = cur_externtype(c, &ascribed)) < 0)
			return e;
	}
	return c->p == c->end
		       ? 0
		       : wp_cur_malformed(c, c->p, "section size mismatch in the export section");
}

/* The top-level sections of a component whose framing wp_wasm_scan_bytes
 * checked; *out is owned by the caller. */
static int component_sections(const wp_module *m, wp_section **out, uint32_t *n, wp_error **err)
{
	wp_cursor c = {m, m->bytes + 8, m->bytes + m->size, err};
	size_t cap = 0;
	int e = 0;

	*n = 0;
	while (e == 0 && c.p < c.end) {
		wp_section sec = {0};
		uint32_t size;

		sec.header.offset = wp_cur_off(&c, c.p);
		if ((e = wp_cur_u8(&c, &sec.id)) < 0 || (e = wp_cur_u32(&c, &size)) < 0 ||
		    (e = wp_cur_bytes(&c, size, &sec.payload)) < 0)
			break;
		sec.header.size = sec.payload.offset - sec.header.offset;
		if (sec.id == 0) {
			wp_cursor in = {m, m->bytes + sec.payload.offset, c.p, err};

			if ((e = wp_cur_name(&in, &sec.name)) < 0)
				break;
		}
		if (wp_array_reserve((void **)out, &cap, (size_t)*n + 1, sizeof(**out)) < 0)
			e = wp_error_oom(err);
		else
			(*out)[(*n)++] = sec;
	}
	return e;
}

static int summarize_component(wp_module_summary *s, const wp_module *m, wp_error **err)
{
	_cleanup_free_ wp_section *secs = NULL;
	wp_wasm_summary scanned;
	uint32_t n = 0;
	int r = wp_wasm_scan_bytes(m->bytes, m->size, m->name, &scanned, err);

	if (r < 0 || (r = component_sections(m, &secs, &n, err)) < 0 ||
	    (r = summarize_customs(s, m, secs, n, err)) < 0)
		return r;
	for (uint32_t i = 0; r == 0 && i < n; i++) {
		wp_error *perr = NULL;
		wp_cursor in = {m, m->bytes + secs[i].payload.offset,
				m->bytes + secs[i].payload.offset + secs[i].payload.size, &perr};

		/* once a section is unreadable, its list stays empty */
		if (secs[i].id == 10 && !s->imports_unreadable) {
			read_component_imports(&in, s);
			r = tolerate(perr, &s->imports_unreadable, release_imports, s, err);
		} else if (secs[i].id == 11 && !s->exports_unreadable) {
			read_component_exports(&in, s);
			r = tolerate(perr, &s->exports_unreadable, release_exports, s, err);
		}
	}
	for (size_t i = 0; r == 0 && i < s->n_imports; i++)
		r = note_wasi(s, s->imports[i].name, err);
	return r;
}

int wp_module_summarize_read(wp_module_summary *out, const wp_module *m, wp_error **err)
{
	wp_module_summary s = {0};
	int r;

	s.component = m->component;
	s.size = m->size;
	r = m->component ? summarize_component(&s, m, err) : summarize_core(&s, m, err);
	if (r < 0) {
		wp_module_summary_release(&s);
		return r;
	}
	*out = s;
	return 0;
}

int wp_module_summarize(wp_module_summary *out, const uint8_t *bytes, size_t size, const char *name,
			wp_error **err)
{
	wp_module *m = NULL;
	int r = wp_module_read_bytes(&m, bytes, size, name, err);

	if (r == 0)
		r = wp_module_summarize_read(out, m, err);
	wp_module_free(m);
	return r;
}

void wp_module_summary_release(wp_module_summary *s)
{
	if (!s)
		return;
	release_imports(s);
	release_exports(s);
	release_producers(s);
	for (size_t i = 0; i < s->n_customs; i++)
		free(s->customs[i].name);
	free(s->customs);
	free(s->imports_unreadable);
	free(s->exports_unreadable);
	free(s->producers_unreadable);
	wp_strv_release(&s->wasi_interfaces);
	memset(s, 0, sizeof(*s));
}

const wp_producer_field *wp_module_summary_producers(const wp_module_summary *s, const char *name)
{
	for (size_t i = 0; i < s->n_producers; i++)
		if (strcmp(s->producers[i].name, name) == 0)
			return &s->producers[i];
	return NULL;
}
