/* wasmpack.yaml: libyaml's event stream, checked against the key tables
 * below as it comes; no document tree is built. Every value is taken as
 * the text written (YAML 1.1's "on" or 010 stay strings), so only booleans
 * are interpreted. */
#include <yaml.h>

#include "project_file.h"
#include "../lib/buf.h"
#include "../lib/fileio.h"
#include "../oci/destination.h"
#include "../oci/reference.h"
#include "../lib/common.h"

struct parser {
	yaml_parser_t yaml;
	bool yaml_ready;
	yaml_event_t ev; /* the current event, owned while has_ev */
	bool has_ev;
	const char *path; /* for messages */
	const char *dir;  /* relative paths are resolved against it */
	const char *text; /* the file, to place reader errors */
	size_t len;
};

struct key;

/* Reads the value whose first event is current and leaves its last event
 * current; label is the key as messages name it ("build.bin"). */
typedef int (*key_parse_fn)(struct parser *p, const struct key *k, const char *label, void *target,
			    wp_error **err);

/* Checks one string value, and may replace it (a path resolved). */
typedef int (*value_check_fn)(struct parser *p, char **value, wp_error **err);

#define NO_FLAG SIZE_MAX

struct key {
	const char *name;
	key_parse_fn parse;
	size_t field;		    /* offsetof the value in the target struct */
	size_t has;		    /* offsetof its bool has_ flag, or NO_FLAG */
	const char *const *choices; /* a NULL-terminated enumeration, or NULL */
	value_check_fn check;	    /* for each string (for mappings: each key) */
};

struct key_table {
	const struct key *keys;
	size_t n;
	const char *prefix; /* how labels start: "build." */
	const char *in;	    /* where unknown keys were found: " in build" */
};

/* Sets err to "path:line:column: message" (libyaml's marks are 0-based). */
static int fail(struct parser *p, yaml_mark_t m, wp_error **err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct parser *p, yaml_mark_t m, wp_error **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wp_error_setv(err, WP_EINVALID, fmt, ap);
	va_end(ap);
	wp_error_prefix(err, "%s:%zu:%zu", p->path, m.line + 1, m.column + 1);
	return WP_EINVALID;
}

#ifdef __clang_analyzer__
/* returns a negative code: see lib/error.h */
#define fail(...) wp_error_negative_(fail(__VA_ARGS__))
#endif

/* Places the error r that a check set (a reference parser's) at m. */
static int locate(struct parser *p, yaml_mark_t m, const char *label, int r, wp_error **err)
{
	if (r == WP_ENOMEM || !err || !*err)
		return r;
	wp_error_prefix(err, "%s:%zu:%zu: \"%s\"", p->path, m.line + 1, m.column + 1, label);
	return r;
}

/* The line and column of a byte offset, counting characters as libyaml
 * does (UTF-8 continuation bytes are not characters). */
static yaml_mark_t mark_at(const char *text, size_t len, size_t offset)
{
	yaml_mark_t m = {0};

	for (size_t i = 0; i < offset && i < len; i++) {
		if (text[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			m.column++;
		}
	}
	m.index = offset;
	return m;
}

static int syntax_error(struct parser *p, wp_error **err)
{
	const yaml_parser_t *y = &p->yaml;
	const char *problem = y->problem ? y->problem : "malformed YAML";

	switch (y->error) {
	case YAML_MEMORY_ERROR:
		return wp_error_oom(err);
	case YAML_READER_ERROR:
		if (y->problem_value >= 0)
			return fail(p, mark_at(p->text, p->len, y->problem_offset), err,
				    "%s (0x%02X)", problem, (unsigned)y->problem_value);
		return fail(p, mark_at(p->text, p->len, y->problem_offset), err, "%s", problem);
	default:
		if (y->context)
			return fail(p, y->problem_mark, err, "%s (%s at %zu:%zu)", problem,
				    y->context, y->context_mark.line + 1,
				    y->context_mark.column + 1);
		return fail(p, y->problem_mark, err, "%s", problem);
	}
}

/* Makes the next event current, refusing what a project file never needs:
 * anchors and aliases (one value, one place) and explicit tags. */
static int next(struct parser *p, wp_error **err)
{
	const yaml_event_t *e = &p->ev;
	const yaml_char_t *anchor = NULL, *tag = NULL;

	if (p->has_ev)
		yaml_event_delete(&p->ev);
	p->has_ev = false;
	if (!yaml_parser_parse(&p->yaml, &p->ev))
		return syntax_error(p, err);
	p->has_ev = true;
	switch (e->type) {
	case YAML_ALIAS_EVENT:
		return fail(p, e->start_mark, err,
			    "aliases (*%s) are not supported; write the value out",
			    (const char *)e->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		anchor = e->data.scalar.anchor;
		tag = e->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = e->data.sequence_start.anchor;
		tag = e->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = e->data.mapping_start.anchor;
		tag = e->data.mapping_start.tag;
		break;
	default:
		break;
	}
	if (anchor)
		return fail(p, e->start_mark, err, "anchors (&%s) are not supported",
			    (const char *)anchor);
	if (tag)
		return fail(p, e->start_mark, err, "tags (%s) are not supported",
			    (const char *)tag);
	return 0;
}

static bool is_null(const yaml_event_t *e)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (e->type != YAML_SCALAR_EVENT || e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < WP_ARRAY_SIZE(nulls); i++)
		if (strcmp((const char *)e->data.scalar.value, nulls[i]) == 0)
			return true;
	return false;
}

static const char *describe(const yaml_event_t *e)
{
	switch (e->type) {
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	default:
		return is_null(e) ? "empty" : "a string";
	}
}

static const char *scalar(const yaml_event_t *e)
{
	return (const char *)e->data.scalar.value;
}

/* "0, s, z" */
static int join_names(wp_buf *out, const char *const *names, size_t stride, size_t n,
		      wp_error **err)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++)
		r = wp_buf_appendf(out, err, "%s%s", i ? ", " : "",
				   *(const char *const *)((const char *)names + i * stride));
	return r;
}

static size_t count_choices(const char *const *choices)
{
	size_t n = 0;

	while (choices[n])
		n++;
	return n;
}

/* Reads a scalar string into *out (owned). `item` names it as an item of
 * label's list. Empty strings pass only when allow_empty. */
static int read_string(struct parser *p, const char *label, bool item, bool allow_empty,
		       const char *const *choices, value_check_fn check, char **out, wp_error **err)
{
	const yaml_event_t *e = &p->ev;
	yaml_mark_t m = e->start_mark;
	const char *what = item ? "an item of " : "";
	_cleanup_free_ char *s = NULL;
	int r;

	if (e->type != YAML_SCALAR_EVENT)
		return fail(p, m, err, "%s\"%s\" must be a string, not %s", what, label,
			    describe(e));
	if (is_null(e))
		return fail(p, m, err, "%s\"%s\" has no value", what, label);
	if (memchr(scalar(e), '\0', e->data.scalar.length))
		return fail(p, m, err, "%s\"%s\" contains a NUL character", what, label);
	if (!allow_empty && !*scalar(e))
		return fail(p, m, err, "%s\"%s\" is empty", what, label);
	if (choices) {
		wp_buf names = WP_BUF_INIT(4096);
		bool ok = false;

		for (size_t i = 0; choices[i]; i++)
			ok |= strcmp(choices[i], scalar(e)) == 0;
		if (!ok) {
			r = join_names(&names, choices, sizeof(*choices), count_choices(choices),
				       err);
			if (r == 0)
				r = fail(p, m, err, "\"%s\" must be one of %s (got \"%s\")", label,
					 wp_buf_cstr(&names), scalar(e));
			wp_buf_release(&names);
			return r;
		}
	}
	if (!(s = strdup(scalar(e))))
		return wp_error_oom(err);
	if (check && (r = check(p, &s, err)) < 0)
		return locate(p, m, label, r, err);
	free(*out);
	*out = TAKE_PTR(s);
	return 0;
}

static void *field(void *target, const struct key *k)
{
	return (char *)target + k->field;
}

static void mark_set(void *target, const struct key *k)
{
	if (k->has != NO_FLAG)
		*(bool *)((char *)target + k->has) = true;
}

static int parse_string(struct parser *p, const struct key *k, const char *label, void *target,
			wp_error **err)
{
	return read_string(p, label, false, false, k->choices, k->check, field(target, k), err);
}

/* At a list value: 1 when its items follow, 0 for an empty value (an
 * empty list), or an error saying what the list must hold (`of`). */
static int list_start(struct parser *p, const char *label, const char *of, wp_error **err)
{
	if (is_null(&p->ev))
		return 0;
	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail(p, p->ev.start_mark, err, "\"%s\" must be a list%s, not %s", label, of,
			    describe(&p->ev));
	return 1;
}

/* A list of strings: an empty value is an empty list (cmd: with nothing
 * after it clears the default arguments). */
static int parse_list(struct parser *p, const struct key *k, const char *label, void *target,
		      wp_error **err)
{
	wp_strv *out = field(target, k);
	int r;

	mark_set(target, k);
	if ((r = list_start(p, label, " of strings", err)) <= 0)
		return r;
	while ((r = next(p, err)) == 0 && p->ev.type != YAML_SEQUENCE_END_EVENT) {
		_cleanup_free_ char *s = NULL;

		if ((r = read_string(p, label, true, true, k->choices, k->check, &s, err)) < 0 ||
		    (r = wp_strv_push(out, s, err)) < 0)
			break;
	}
	return r;
}

/* A mapping of strings in file order; k->check applies to the keys. */
static int read_pairs(struct parser *p, const struct key *k, const char *label, wp_kv *out,
		      wp_error **err)
{
	int r;

	if (is_null(&p->ev))
		return 0;
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return fail(p, p->ev.start_mark, err,
			    "\"%s\" must be a mapping (KEY: VALUE), not %s", label,
			    describe(&p->ev));
	while ((r = next(p, err)) == 0 && p->ev.type != YAML_MAPPING_END_EVENT) {
		_cleanup_free_ char *key = NULL, *value = NULL, *sub = NULL;
		yaml_mark_t m = p->ev.start_mark;

		if (p->ev.type != YAML_SCALAR_EVENT || is_null(&p->ev)) {
			r = fail(p, m, err, "the keys of \"%s\" must be strings, not %s", label,
				 describe(&p->ev));
			break;
		}
		if ((r = read_string(p, label, false, false, NULL, k->check, &key, err)) < 0)
			break;
		if (wp_kv_get(out, key)) {
			r = fail(p, m, err, "duplicate key \"%s\" in \"%s\"", key, label);
			break;
		}
		if (!(sub = wp_strdup_printf("%s.%s", label, key))) {
			r = wp_error_oom(err);
			break;
		}
		if ((r = next(p, err)) < 0 ||
		    (r = read_string(p, sub, false, true, NULL, NULL, &value, err)) < 0 ||
		    (r = wp_kv_add(out, key, value, err)) < 0)
			break;
	}
	return r;
}

static int parse_pairs(struct parser *p, const struct key *k, const char *label, void *target,
		       wp_error **err)
{
	mark_set(target, k);
	return read_pairs(p, k, label, field(target, k), err);
}

/* env: the pairs as "KEY=VALUE", the form --env takes. */
static int parse_env(struct parser *p, const struct key *k, const char *label, void *target,
		     wp_error **err)
{
	wp_strv *out = field(target, k);
	wp_kv pairs = {0};
	int r = read_pairs(p, k, label, &pairs, err);

	mark_set(target, k);
	for (size_t i = 0; r == 0 && i < pairs.len; i++) {
		_cleanup_free_ char *s =
			wp_strdup_printf("%s=%s", pairs.items[i].key, pairs.items[i].value);

		r = s ? wp_strv_push(out, s, err) : wp_error_oom(err);
	}
	wp_kv_release(&pairs);
	return r;
}

static int parse_bool(struct parser *p, const struct key *k, const char *label, void *target,
		      wp_error **err)
{
	static const char *const yes[] = {"true", "True", "TRUE"};
	static const char *const no[] = {"false", "False", "FALSE"};
	const yaml_event_t *e = &p->ev;
	bool *out = field(target, k);

	for (size_t i = 0; e->type == YAML_SCALAR_EVENT && i < WP_ARRAY_SIZE(yes); i++) {
		if (strcmp(scalar(e), yes[i]) == 0 || strcmp(scalar(e), no[i]) == 0) {
			*out = strcmp(scalar(e), yes[i]) == 0;
			mark_set(target, k);
			return 0;
		}
	}
	if (e->type == YAML_SCALAR_EVENT && !is_null(e))
		return fail(p, e->start_mark, err, "\"%s\" must be true or false, not \"%s\"",
			    label, scalar(e));
	return fail(p, e->start_mark, err, "\"%s\" must be true or false, not %s", label,
		    describe(e));
}

static int parse_keys(struct parser *p, const struct key_table *t, void *target, wp_error **err);

static const char *const optimize_levels[] = {"0", "s", "z", NULL};

static int parse_optimize(struct parser *p, const struct key *k, const char *label, void *target,
			  wp_error **err)
{
	static const wp_opt_level levels[] = {WP_OPT_NONE, WP_OPT_SIZE, WP_OPT_MIN};
	_cleanup_free_ char *s = NULL;
	int r = read_string(p, label, false, false, optimize_levels, NULL, &s, err);

	for (size_t i = 0; r == 0 && i < WP_ARRAY_SIZE(levels); i++)
		if (strcmp(s, optimize_levels[i]) == 0)
			*(wp_opt_level *)field(target, k) = levels[i];
	if (r == 0)
		mark_set(target, k);
	return r;
}

/* ---- checks of single values ---- */

/* A relative path becomes relative to the current directory. */
static int check_path(struct parser *p, char **value, wp_error **err)
{
	char *joined;

	if ((*value)[0] == '/' || strcmp(p->dir, ".") == 0)
		return 0;
	if (!(joined = wp_path_join(p->dir, *value)))
		return wp_error_oom(err);
	free(*value);
	*value = joined;
	return 0;
}

int project_file_check_name(const char *name, wp_error **err)
{
	wp_reference ref;
	int r = wp_reference_parse(&ref, name, err);

	if (r < 0)
		return r;
	if (ref.tag || ref.digest)
		r = wp_error_set(err, WP_EINVALID,
				 "image name \"%s\" must not have a %s (the tags go in \"tags\")",
				 name, ref.digest ? "digest" : "tag");
	wp_reference_release(&ref);
	return r;
}

static int check_name(struct parser *p, char **value, wp_error **err)
{
	(void)p;
	return project_file_check_name(*value, err);
}

static int check_tag(struct parser *p, char **value, wp_error **err)
{
	(void)p;
	return wp_tag_validate(*value, err);
}

/* A destination spec whose path is resolved; names belong to name/tags. */
static int check_output(struct parser *p, char **value, wp_error **err)
{
	wp_destination d = {0};
	char *formatted = NULL;
	int r = wp_destination_parse(&d, *value, err);

	if (r == 0 && d.names.len)
		r = wp_error_set(err, WP_EINVALID,
				 "\"%s\": name= is not taken here; use \"name\" and \"tags\"",
				 *value);
	if (r == 0 && strcmp(d.path, "-") != 0)
		r = check_path(p, &d.path, err);
	if (r == 0 && !(formatted = wp_destination_format(&d)))
		r = wp_error_oom(err);
	if (r == 0) {
		free(*value);
		*value = formatted;
	}
	wp_destination_release(&d);
	return r;
}

static int check_env_name(struct parser *p, char **value, wp_error **err)
{
	(void)p;
	if (strchr(*value, '='))
		return wp_error_set(err, WP_EINVALID, "variable name \"%s\" contains '='", *value);
	return 0;
}

/* An image path for files: absolute, and without ':' (SRC:DEST is split at
 * the last one). */
static int check_dest(struct parser *p, char **value, wp_error **err)
{
	(void)p;
	if ((*value)[0] != '/' || strchr(*value, ':'))
		return wp_error_set(err, WP_EINVALID,
				    "destination \"%s\" must be an absolute path without ':'",
				    *value);
	return 0;
}

/* ---- keys whose value has more than one form ---- */

static project_source_kind source_kind(const char *path)
{
	static const char *const c_suffixes[] = {".c", ".cc", ".cpp"};

	if (wp_str_has_suffix(path, ".wasm"))
		return PROJECT_SOURCE_WASM;
	if (wp_str_has_suffix(path, ".wat"))
		return PROJECT_SOURCE_WAT;
	for (size_t i = 0; i < WP_ARRAY_SIZE(c_suffixes); i++)
		if (wp_str_has_suffix(path, c_suffixes[i]))
			return PROJECT_SOURCE_C;
	return PROJECT_SOURCE_CARGO;
}

/* source: one path, or a list of C files. */
static int parse_source(struct parser *p, const struct key *k, const char *label, void *target,
			wp_error **err)
{
	struct project_file *pf = target;
	yaml_mark_t start = p->ev.start_mark;
	int r;

	(void)k;
	if (p->ev.type != YAML_SEQUENCE_START_EVENT) {
		_cleanup_free_ char *s = NULL;

		if ((r = read_string(p, label, false, false, NULL, check_path, &s, err)) < 0)
			return r;
		pf->source_kind = source_kind(s);
		return wp_strv_push(&pf->source, s, err);
	}
	while ((r = next(p, err)) == 0 && p->ev.type != YAML_SEQUENCE_END_EVENT) {
		_cleanup_free_ char *s = NULL;
		yaml_mark_t m = p->ev.start_mark;

		if ((r = read_string(p, label, true, false, NULL, NULL, &s, err)) < 0)
			break;
		if (source_kind(s) != PROJECT_SOURCE_C) {
			r = fail(p, m, err,
				 "a \"%s\" list holds C files (.c, .cc, .cpp), not \"%s\"", label,
				 s);
			break;
		}
		if ((r = check_path(p, &s, err)) < 0 || (r = wp_strv_push(&pf->source, s, err)) < 0)
			break;
	}
	if (r == 0 && pf->source.len == 0)
		return fail(p, start, err, "\"%s\" is an empty list", label);
	pf->source_kind = PROJECT_SOURCE_C;
	return r;
}

struct file_entry {
	char *src;
	char *dest;
};

static const struct key file_entry_keys[] = {
	{.name = "src",
	 .parse = parse_string,
	 .field = offsetof(struct file_entry, src),
	 .has = NO_FLAG,
	 .check = check_path},
	{.name = "dest",
	 .parse = parse_string,
	 .field = offsetof(struct file_entry, dest),
	 .has = NO_FLAG,
	 .check = check_dest},
};

static const struct key_table file_entry_table = {
	file_entry_keys,
	WP_ARRAY_SIZE(file_entry_keys),
	"files.",
	" in a \"files\" entry",
};

/* One "SRC:DEST" string, split at the last ':'. */
static int split_file(struct parser *p, const char *label, struct file_entry *e, wp_error **err)
{
	yaml_mark_t m = p->ev.start_mark;
	_cleanup_free_ char *s = NULL;
	const char *colon;
	int r;

	if ((r = read_string(p, label, true, false, NULL, NULL, &s, err)) < 0)
		return r;
	colon = strrchr(s, ':');
	if (!colon || colon == s || colon[1] != '/')
		return fail(p, m, err,
			    "an item of \"%s\" must be SRC:DEST with an absolute DEST, not \"%s\"",
			    label, s);
	if (!(e->src = strndup(s, (size_t)(colon - s))) || !(e->dest = strdup(colon + 1)))
		return wp_error_oom(err);
	if ((r = check_path(p, &e->src, err)) < 0)
		return locate(p, m, label, r, err);
	return 0;
}

/* files: "SRC:DEST" strings or {src: SRC, dest: DEST} mappings. */
static int parse_files(struct parser *p, const struct key *k, const char *label, void *target,
		       wp_error **err)
{
	wp_strv *out = field(target, k);
	int r;

	mark_set(target, k);
	if ((r = list_start(p, label, "", err)) <= 0)
		return r;
	while ((r = next(p, err)) == 0 && p->ev.type != YAML_SEQUENCE_END_EVENT) {
		struct file_entry e = {0};
		yaml_mark_t m = p->ev.start_mark;
		_cleanup_free_ char *joined = NULL;

		if (p->ev.type == YAML_MAPPING_START_EVENT) {
			r = parse_keys(p, &file_entry_table, &e, err);
			if (r == 0 && (!e.src || !e.dest))
				r = fail(p, m, err, "a \"%s\" entry needs both src and dest",
					 label);
		} else {
			r = split_file(p, label, &e, err);
		}
		if (r == 0 && !(joined = wp_strdup_printf("%s:%s", e.src, e.dest)))
			r = wp_error_oom(err);
		if (r == 0)
			r = wp_strv_push(out, joined, err);
		free(e.src);
		free(e.dest);
		if (r < 0)
			break;
	}
	return r;
}

/* ---- the tables ---- */

static const char *const opt_levels[] = {"0", "1", "2", "3", "s", "z", NULL};

#define BUILD_STRING(n, chk, ch)                                                               \
	{                                                                                      \
		.name = #n, .parse = parse_string, .field = offsetof(struct project_build, n), \
		.has = NO_FLAG, .choices = ch, .check = chk                                    \
	}
#define BUILD_LIST(n)                                                                        \
	{                                                                                    \
		.name = #n, .parse = parse_list, .field = offsetof(struct project_build, n), \
		.has = offsetof(struct project_build, has_##n)                               \
	}

static const struct key build_keys[] = {
	BUILD_LIST(cflags),
	BUILD_LIST(features),
	BUILD_STRING(bin, NULL, NULL),
	BUILD_STRING(sysroot, check_path, NULL),
	BUILD_STRING(opt_level, NULL, opt_levels),
};

static const struct key_table build_table = {
	build_keys,
	WP_ARRAY_SIZE(build_keys),
	"build.",
	" in \"build\"",
};

static int parse_build(struct parser *p, const struct key *k, const char *label, void *target,
		       wp_error **err)
{
	if (is_null(&p->ev))
		return 0;
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return fail(p, p->ev.start_mark, err, "\"%s\" must be a mapping, not %s", label,
			    describe(&p->ev));
	return parse_keys(p, &build_table, field(target, k), err);
}

static const char *const platforms[] = {"wasi/wasm", "wasip1/wasm", "wasip2/wasm", NULL};
static const char *const formats[] = {"image", "artifact", "wasm-layer", NULL};
static const char *const compressions[] = {"gzip", "zstd", "none", NULL};
static const char *const media_types[] = {"oci", "docker", NULL};

#define TOP(n, fn, chk, ch)                                                         \
	{                                                                           \
		.name = #n, .parse = fn, .field = offsetof(struct project_file, n), \
		.has = NO_FLAG, .choices = ch, .check = chk                         \
	}
#define TOP_HAS(n, fn, chk)                                                         \
	{                                                                           \
		.name = #n, .parse = fn, .field = offsetof(struct project_file, n), \
		.has = offsetof(struct project_file, has_##n), .check = chk         \
	}

static const struct key top_keys[] = {
	TOP(source, parse_source, NULL, NULL),
	TOP(name, parse_string, check_name, NULL),
	TOP_HAS(tags, parse_list, check_tag),
	TOP(platform, parse_string, NULL, platforms),
	TOP(format, parse_string, NULL, formats),
	TOP(output, parse_string, check_output, NULL),
	TOP(entrypoint, parse_string, NULL, NULL),
	TOP_HAS(cmd, parse_list, NULL),
	TOP_HAS(env, parse_env, check_env_name),
	TOP_HAS(labels, parse_pairs, NULL),
	TOP_HAS(annotations, parse_pairs, NULL),
	TOP_HAS(files, parse_files, NULL),
	TOP_HAS(optimize, parse_optimize, NULL),
	TOP_HAS(strip, parse_bool, NULL),
	TOP_HAS(keep_sections, parse_list, NULL),
	TOP(aot, parse_string, NULL, NULL),
	TOP(compression, parse_string, NULL, compressions),
	TOP(media_types, parse_string, NULL, media_types),
	TOP(build, parse_build, NULL, NULL),
};

static const struct key_table top_table = {top_keys, WP_ARRAY_SIZE(top_keys), "", ""};

#define MAX_KEYS 32
_Static_assert(WP_ARRAY_SIZE(top_keys) <= MAX_KEYS, "parse_keys marks seen keys in an array");

/* The mapping whose start is the current event, into target. */
static int parse_keys(struct parser *p, const struct key_table *t, void *target, wp_error **err)
{
	bool seen[MAX_KEYS] = {false};
	int r;

	while ((r = next(p, err)) == 0 && p->ev.type != YAML_MAPPING_END_EVENT) {
		const yaml_event_t *e = &p->ev;
		const struct key *k = NULL;
		char label[64];

		if (e->type != YAML_SCALAR_EVENT || is_null(e))
			return fail(p, e->start_mark, err, "keys must be strings, not %s",
				    describe(e));
		for (size_t i = 0; !k && i < t->n; i++)
			if (strcmp(t->keys[i].name, scalar(e)) == 0)
				k = &t->keys[i];
		if (!k) {
			wp_buf known = WP_BUF_INIT(4096);

			r = join_names(&known, &t->keys[0].name, sizeof(*t->keys), t->n, err);
			if (r == 0)
				r = fail(p, e->start_mark, err, "unknown key \"%s\"%s (known: %s)",
					 scalar(e), t->in, wp_buf_cstr(&known));
			wp_buf_release(&known);
			return r;
		}
		if (seen[k - t->keys])
			return fail(p, e->start_mark, err, "duplicate key \"%s%s\"", t->prefix,
				    k->name);
		seen[k - t->keys] = true;
		snprintf(label, sizeof(label), "%s%s", t->prefix, k->name);
		if ((r = next(p, err)) < 0 || (r = k->parse(p, k, label, target, err)) < 0)
			return r;
	}
	return r;
}

/* stream: at most one document, whose top is a mapping (or nothing). */
static int parse_stream(struct parser *p, struct project_file *pf, wp_error **err)
{
	int r;

	if ((r = next(p, err)) < 0 || (r = next(p, err)) < 0) /* stream start, then */
		return r;
	if (p->ev.type == YAML_STREAM_END_EVENT) /* no document at all */
		return 0;
	if ((r = next(p, err)) < 0) /* past the document start */
		return r;
	if (p->ev.type == YAML_MAPPING_START_EVENT)
		r = parse_keys(p, &top_table, pf, err);
	else if (!is_null(&p->ev))
		r = fail(p, p->ev.start_mark, err,
			 "the file must be a mapping of keys (source: ..., name: ...), not %s",
			 describe(&p->ev));
	if (r < 0 || (r = next(p, err)) < 0 || (r = next(p, err)) < 0) /* document end */
		return r;
	if (p->ev.type == YAML_DOCUMENT_START_EVENT)
		return fail(p, p->ev.start_mark, err,
			    "a second document: a project file holds one (remove the \"---\")");
	return 0;
}

void project_file_release(struct project_file *pf)
{
	struct project_build *b = &pf->build;

	free(pf->path);
	free(pf->dir);
	wp_strv_release(&pf->source);
	free(pf->name);
	wp_strv_release(&pf->tags);
	free(pf->platform);
	free(pf->format);
	free(pf->output);
	free(pf->entrypoint);
	wp_strv_release(&pf->cmd);
	wp_strv_release(&pf->env);
	wp_kv_release(&pf->labels);
	wp_kv_release(&pf->annotations);
	wp_strv_release(&pf->files);
	wp_strv_release(&pf->keep_sections);
	free(pf->aot);
	free(pf->compression);
	free(pf->media_types);
	wp_strv_release(&b->cflags);
	wp_strv_release(&b->features);
	free(b->bin);
	free(b->sysroot);
	free(b->opt_level);
	memset(pf, 0, sizeof(*pf));
}

int project_file_load(const char *path, struct project_file *out, wp_error **err)
{
	struct project_file pf = {0};
	struct parser p = {.path = path};
	wp_buf text = WP_BUF_INIT(PROJECT_FILE_MAX);
	int r;

	if ((r = wp_read_file(path, &text, err)) < 0)
		goto out;
	if (!(pf.path = strdup(path)) || !(pf.dir = wp_path_dirname(path))) {
		r = wp_error_oom(err);
		goto out;
	}
	if (!yaml_parser_initialize(&p.yaml)) {
		r = wp_error_oom(err);
		goto out;
	}
	p.yaml_ready = true;
	p.dir = pf.dir;
	p.text = wp_buf_cstr(&text);
	p.len = text.len;
	yaml_parser_set_input_string(&p.yaml, (const unsigned char *)p.text, p.len);
	yaml_parser_set_encoding(&p.yaml, YAML_UTF8_ENCODING);
	r = parse_stream(&p, &pf, err);
out:
	if (p.has_ev)
		yaml_event_delete(&p.ev);
	if (p.yaml_ready)
		yaml_parser_delete(&p.yaml);
	wp_buf_release(&text);
	if (r < 0)
		project_file_release(&pf);
	else
		*out = pf;
	return r;
}

int project_file_refs(const struct project_file *pf, const char *default_name, wp_strv *out,
		      wp_error **err)
{
	const char *name = pf->name ? pf->name : default_name;
	int r = 0;

	if (!name)
		return 0;
	if (pf->tags.len == 0)
		return pf->name ? wp_strv_push(out, name, err) : 0;
	for (size_t i = 0; r == 0 && i < pf->tags.len; i++) {
		_cleanup_free_ char *ref = wp_strdup_printf("%s:%s", name, pf->tags.items[i]);

		r = ref ? wp_strv_push(out, ref, err) : wp_error_oom(err);
	}
	return r;
}
