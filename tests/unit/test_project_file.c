/* cmd/project_file: wasmpack.yaml as read, refused (with the line and
 * column of the offending node), and as `wasmpack init` writes it. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <sys/stat.h>

#include "helpers.h"
#include "../../cmd/project_file.h"
#include "../../cmd/project_starter.h"
#include "../../lib/common.h"

TEST_TMPDIR_SUITE(project_file);

/* Writes text as tmp/NAME and loads it; returns the status, err set. */
static int load_text(const char *name, const char *text, size_t len, struct project_file *pf,
		     wp_error **err)
{
	_cleanup_free_ char *path = test_write_file(tmp, name, text, len, 0644);

	return project_file_load(path, pf, err);
}

static void load_ok(const char *text, struct project_file *pf)
{
	wp_error *err = NULL;
	int r = load_text(PROJECT_FILE_NAME, text, strlen(text), pf, &err);

	assert_ok(r, err);
}

/* tmp/rel as an owned string. */
static char *in_tmp(const char *rel)
{
	return test_path(tmp, rel);
}

static void assert_strv(const wp_strv *v, const char *const *want, size_t n, const char *what)
{
	cr_assert_eq(v->len, n, "%s: %zu items, expected %zu", what, v->len, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(v->items[i], want[i], "%s[%zu]", what, i);
	cr_assert_null(v->items ? v->items[n] : NULL, "%s is NULL-terminated", what);
}

#define ASSERT_STRV(v, ...)                                  \
	assert_strv((v), (const char *const[]){__VA_ARGS__}, \
		    sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *), #v)

static void assert_kv(const wp_kv *kv, const char *const *pairs, size_t n, const char *what)
{
	cr_assert_eq(kv->len * 2, n, "%s: %zu pairs, expected %zu", what, kv->len, n / 2);
	for (size_t i = 0; i < kv->len; i++) {
		cr_assert_str_eq(kv->items[i].key, pairs[2 * i], "%s key %zu", what, i);
		cr_assert_str_eq(kv->items[i].value, pairs[2 * i + 1], "%s value %zu", what, i);
	}
}

#define ASSERT_KV(kv, ...)                                  \
	assert_kv((kv), (const char *const[]){__VA_ARGS__}, \
		  sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *), #kv)

static const char full[] =
	"# every key, in another order than the documentation's\n"
	"name: ghcr.io/acme/app\n"
	"source: src/app.wasm\n"
	"tags: [v1, \"1.0\", latest]\n"
	"platform: wasip2/wasm\n"
	"format: artifact\n"
	"output: oci-archive:out/app.tar\n"
	"entrypoint: /app.wasm\n"
	"cmd:\n"
	"  - --port\n"
	"  - 8080\n"
	"  - \"\"\n"
	"env:\n"
	"  RUST_LOG: info\n"
	"  PORT: 8080\n"
	"  OCTAL: 010\n"
	"  EMPTY: \"\"\n"
	"labels:\n"
	"  org.opencontainers.image.source: https://github.com/acme/app\n"
	"  on: yes\n"
	"annotations: {org.opencontainers.image.description: \"Ünïcode ✓ \\u00e9\"}\n"
	"files:\n"
	"  - static:/static\n"
	"  - {src: config.toml, dest: /etc/app/config.toml}\n"
	"  - src: /abs/data\n"
	"    dest: /data\n"
	"optimize: z\n"
	"strip: true\n"
	"keep_sections: [producers, name]\n"
	"aot: wasmtime\n"
	"compression: zstd\n"
	"media_types: docker\n"
	"build:\n"
	"  cflags: [-Wall, -DX=1]\n"
	"  features: [serde]\n"
	"  bin: app\n"
	"  sysroot: sysroot\n"
	"  opt_level: s\n";

Test(project_file, every_key)
{
	_cleanup_free_ char *source = in_tmp("src/app.wasm");
	_cleanup_free_ char *output = wp_strdup_printf("oci-archive:%s/out/app.tar", tmp);
	_cleanup_free_ char *static_dir = wp_strdup_printf("%s/static:/static", tmp);
	_cleanup_free_ char *config = wp_strdup_printf("%s/config.toml:/etc/app/config.toml", tmp);
	_cleanup_free_ char *sysroot = in_tmp("sysroot");
	struct project_file pf;

	load_ok(full, &pf);
	cr_assert_str_eq(pf.dir, tmp);
	ASSERT_STRV(&pf.source, source);
	cr_assert_eq(pf.source_kind, PROJECT_SOURCE_WASM);
	cr_assert_str_eq(pf.name, "ghcr.io/acme/app");
	cr_assert(pf.has_tags);
	ASSERT_STRV(&pf.tags, "v1", "1.0", "latest");
	cr_assert_str_eq(pf.platform, "wasip2/wasm");
	cr_assert_str_eq(pf.format, "artifact");
	cr_assert_str_eq(pf.output, output);
	cr_assert_str_eq(pf.entrypoint, "/app.wasm");
	cr_assert(pf.has_cmd);
	ASSERT_STRV(&pf.cmd, "--port", "8080", "");
	cr_assert(pf.has_env);
	/* values as written: no YAML 1.1 octal, no booleans */
	ASSERT_STRV(&pf.env, "RUST_LOG=info", "PORT=8080", "OCTAL=010", "EMPTY=");
	cr_assert(pf.has_labels);
	ASSERT_KV(&pf.labels, "org.opencontainers.image.source", "https://github.com/acme/app",
		  "on", "yes");
	cr_assert(pf.has_annotations);
	ASSERT_KV(&pf.annotations, "org.opencontainers.image.description",
		  "\xc3\x9cn\xc3\xaf"
		  "code \xe2\x9c\x93 \xc3\xa9");
	cr_assert(pf.has_files);
	ASSERT_STRV(&pf.files, static_dir, config, "/abs/data:/data");
	cr_assert(pf.has_optimize);
	cr_assert_eq(pf.optimize, WP_OPT_MIN);
	cr_assert(pf.has_strip);
	cr_assert(pf.strip);
	cr_assert(pf.has_keep_sections);
	ASSERT_STRV(&pf.keep_sections, "producers", "name");
	cr_assert_str_eq(pf.aot, "wasmtime");
	cr_assert_str_eq(pf.compression, "zstd");
	cr_assert_str_eq(pf.media_types, "docker");
	cr_assert(pf.build.has_cflags);
	ASSERT_STRV(&pf.build.cflags, "-Wall", "-DX=1");
	cr_assert(pf.build.has_features);
	ASSERT_STRV(&pf.build.features, "serde");
	cr_assert_str_eq(pf.build.bin, "app");
	cr_assert_str_eq(pf.build.sysroot, sysroot);
	cr_assert_str_eq(pf.build.opt_level, "s");
	project_file_release(&pf);
}

static void assert_absent(const struct project_file *pf)
{
	cr_assert_eq(pf->source.len, 0);
	cr_assert_eq(pf->source_kind, PROJECT_SOURCE_NONE);
	cr_assert_null(pf->name);
	cr_assert_not(pf->has_tags || pf->has_cmd || pf->has_env || pf->has_labels ||
		      pf->has_annotations || pf->has_files || pf->has_optimize || pf->has_strip ||
		      pf->has_keep_sections || pf->build.has_cflags || pf->build.has_features);
	cr_assert_null(pf->platform);
	cr_assert_null(pf->format);
	cr_assert_null(pf->output);
	cr_assert_null(pf->entrypoint);
	cr_assert_null(pf->aot);
	cr_assert_null(pf->compression);
	cr_assert_null(pf->media_types);
	cr_assert_null(pf->build.bin);
	cr_assert_null(pf->build.sysroot);
	cr_assert_null(pf->build.opt_level);
}

Test(project_file, minimal)
{
	struct project_file pf;

	cr_assert_eq(chdir(tmp), 0);
	free(test_write_file(".", "wasmpack.yaml", "source: app.wat\n", 16, 0644));
	{
		wp_error *err = NULL;
		int r = project_file_load("wasmpack.yaml", &pf, &err);

		assert_ok(r, err);
	}
	/* next to the current directory, paths stay as written */
	cr_assert_str_eq(pf.dir, ".");
	ASSERT_STRV(&pf.source, "app.wat");
	cr_assert_eq(pf.source_kind, PROJECT_SOURCE_WAT);
	pf.source_kind = PROJECT_SOURCE_NONE;
	wp_strv_release(&pf.source);
	assert_absent(&pf);
	project_file_release(&pf);
}

Test(project_file, empty_files_are_empty_projects)
{
	static const char *const empty[] = {
		"",	      "\n\n", "# only a comment\n", "---\n", "--- ~\n",
		"---\n...\n", "{}\n", "build:\n",
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(empty); i++) {
		struct project_file pf;

		load_ok(empty[i], &pf);
		assert_absent(&pf);
		project_file_release(&pf);
	}
}

Test(project_file, empty_values_set_empty_lists)
{
	struct project_file pf;

	load_ok("cmd:\ntags: []\nenv: {}\nfiles: ~\nstrip: false\noptimize: 0\n", &pf);
	cr_assert(pf.has_cmd && pf.cmd.len == 0);
	cr_assert(pf.has_tags && pf.tags.len == 0);
	cr_assert(pf.has_env && pf.env.len == 0);
	cr_assert(pf.has_files && pf.files.len == 0);
	cr_assert(pf.has_strip && !pf.strip);
	cr_assert(pf.has_optimize && pf.optimize == WP_OPT_NONE);
	cr_assert_not(pf.has_labels);
	project_file_release(&pf);
}

Test(project_file, source_forms)
{
	static const struct {
		const char *text;
		project_source_kind kind;
		size_t n;
	} cases[] = {
		{"source: app.wasm", PROJECT_SOURCE_WASM, 1},
		{"source: app.wat", PROJECT_SOURCE_WAT, 1},
		{"source: main.c", PROJECT_SOURCE_C, 1},
		{"source: main.cc", PROJECT_SOURCE_C, 1},
		{"source: main.cpp", PROJECT_SOURCE_C, 1},
		{"source: [a.c, lib/b.cpp, c.cc]", PROJECT_SOURCE_C, 3},
		{"source: .", PROJECT_SOURCE_CARGO, 1},
		{"source: crates/app", PROJECT_SOURCE_CARGO, 1},
		{"source: /abs/app.wasm", PROJECT_SOURCE_WASM, 1},
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(cases); i++) {
		struct project_file pf;

		load_ok(cases[i].text, &pf);
		cr_assert_eq(pf.source_kind, cases[i].kind, "%s", cases[i].text);
		cr_assert_eq(pf.source.len, cases[i].n, "%s", cases[i].text);
		project_file_release(&pf);
	}
}

Test(project_file, paths_are_relative_to_the_file)
{
	_cleanup_free_ char *sub = in_tmp("sub");
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *want_out = wp_strdup_printf("oci:%s/sub/layout", tmp);
	_cleanup_free_ char *want_src = wp_strdup_printf("%s/sub/../shared/a.c", tmp);
	static const char text[] = "source: [../shared/a.c, /abs/b.c]\n"
				   "output: layout\n"
				   "build: {sysroot: /usr}\n";
	struct project_file pf;
	wp_error *err = NULL;
	int r;

	cr_assert_eq(mkdir(sub, 0755), 0);
	path = test_write_file(sub, PROJECT_FILE_NAME, text, strlen(text), 0644);
	r = project_file_load(path, &pf, &err);
	assert_ok(r, err);
	ASSERT_STRV(&pf.source, want_src, "/abs/b.c");
	cr_assert_str_eq(pf.output, want_out);
	cr_assert_str_eq(pf.build.sysroot, "/usr");
	project_file_release(&pf);

	load_ok("output: oci-archive:-\n", &pf);
	cr_assert_str_eq(pf.output, "oci-archive:-", "standard output is not a path");
	project_file_release(&pf);
}

/* Each refusal names the file and the 1-based line:column of the node. */
static const struct test_refusal refused[] = {
	/* unknown keys */
	{"name: a\ntagz: [v1]\n",
	 "wasmpack.yaml:2:1: unknown key \"tagz\" (known: source, name, tags, platform, format, "
	 "output, entrypoint, cmd, env, labels, annotations, files, optimize, strip, "
	 "keep_sections, aot, compression, media_types, build)"},
	{"build:\n  cflags: []\n  opt: 2\n",
	 "wasmpack.yaml:3:3: unknown key \"opt\" in \"build\" (known: cflags, features, bin, "
	 "sysroot, opt_level)"},
	{"files:\n  - {src: a, to: /b}\n",
	 "wasmpack.yaml:2:14: unknown key \"to\" in a \"files\" entry (known: src, dest)"},
	{"? [a]\n: b\n", "wasmpack.yaml:1:3: keys must be strings, not a list"},
	/* types */
	{"name: [a]\n", "wasmpack.yaml:1:7: \"name\" must be a string, not a list"},
	{"entrypoint: {a: b}\n",
	 "wasmpack.yaml:1:13: \"entrypoint\" must be a string, not a mapping"},
	{"name:\n", "wasmpack.yaml:1:6: \"name\" has no value"},
	{"aot: ~\n", "wasmpack.yaml:1:6: \"aot\" has no value"},
	{"entrypoint: \"\"\n", "wasmpack.yaml:1:13: \"entrypoint\" is empty"},
	{"entrypoint: \"/a\\0b.wasm\"\n",
	 "wasmpack.yaml:1:13: \"entrypoint\" contains a NUL character"},
	{"tags: v1\n", "wasmpack.yaml:1:7: \"tags\" must be a list of strings, not a string"},
	{"tags:\n  - v1\n  - [a]\n",
	 "wasmpack.yaml:3:5: an item of \"tags\" must be a string, not a list"},
	{"cmd: [a, ~]\n", "wasmpack.yaml:1:10: an item of \"cmd\" has no value"},
	{"env: [A=1]\n", "wasmpack.yaml:1:6: \"env\" must be a mapping (KEY: VALUE), not a list"},
	{"env:\n  A:\n", "wasmpack.yaml:2:5: \"env.A\" has no value"},
	{"labels:\n  a: [1]\n", "wasmpack.yaml:2:6: \"labels.a\" must be a string, not a list"},
	{"annotations:\n  [a]: b\n",
	 "wasmpack.yaml:2:3: the keys of \"annotations\" must be strings, not a list"},
	{"strip: yes\n", "wasmpack.yaml:1:8: \"strip\" must be true or false, not \"yes\""},
	{"strip: [true]\n", "wasmpack.yaml:1:8: \"strip\" must be true or false, not a list"},
	{"build: [a]\n", "wasmpack.yaml:1:8: \"build\" must be a mapping, not a list"},
	{"files: a:/b\n", "wasmpack.yaml:1:8: \"files\" must be a list, not a string"},
	{"source: {a: b}\n", "wasmpack.yaml:1:9: \"source\" must be a string, not a mapping"},
	{"- a\n", "wasmpack.yaml:1:1: the file must be a mapping of keys"},
	{"just text\n", "wasmpack.yaml:1:1: the file must be a mapping of keys"},
	/* enumerations */
	{"name: a\nsource: a.wasm\noptimize: 3\n",
	 "wasmpack.yaml:3:11: \"optimize\" must be one of 0, s, z (got \"3\")"},
	{"platform: linux/amd64\n", "wasmpack.yaml:1:11: \"platform\" must be one of wasi/wasm, "
				    "wasip1/wasm, wasip2/wasm (got \"linux/amd64\")"},
	{"format: tar\n", "wasmpack.yaml:1:9: \"format\" must be one of image, artifact"},
	{"compression: xz\n",
	 "wasmpack.yaml:1:14: \"compression\" must be one of gzip, zstd, none"},
	{"media_types: OCI\n", "wasmpack.yaml:1:14: \"media_types\" must be one of oci, docker"},
	{"build: {opt_level: 4}\n",
	 "wasmpack.yaml:1:20: \"build.opt_level\" must be one of 0, 1, 2, 3, s, z (got \"4\")"},
	/* values checked further */
	{"name: ghcr.io/acme/app:v1\n",
	 "wasmpack.yaml:1:7: \"name\": image name \"ghcr.io/acme/app:v1\" must not have a tag"},
	{"name: Acme/App\n", "wasmpack.yaml:1:7: \"name\": invalid reference \"Acme/App\": "
			     "repository names must be lowercase"},
	{"tags: [v1, -x]\n", "wasmpack.yaml:1:12: \"tags\": invalid tag \"-x\""},
	{"source: [a.c, b.wasm]\n",
	 "wasmpack.yaml:1:15: a \"source\" list holds C files (.c, .cc, .cpp), not \"b.wasm\""},
	{"source: []\n", "wasmpack.yaml:1:9: \"source\" is an empty list"},
	{"files: [static]\n",
	 "wasmpack.yaml:1:9: an item of \"files\" must be SRC:DEST with an absolute DEST"},
	{"files: [\"a:b\"]\n",
	 "wasmpack.yaml:1:9: an item of \"files\" must be SRC:DEST with an absolute DEST"},
	{"files:\n  - {src: a}\n", "wasmpack.yaml:2:5: a \"files\" entry needs both src and dest"},
	{"files:\n  - {src: a, dest: \"/x:y\"}\n",
	 "wasmpack.yaml:2:20: \"files.dest\": destination \"/x:y\" must be an absolute path"},
	{"output: type=oci,dest=a.tar,name=x\n",
	 "wasmpack.yaml:1:9: \"output\": \"type=oci,dest=a.tar,name=x\": name= is not taken here"},
	{"output: type=zip,dest=a\n",
	 "wasmpack.yaml:1:9: \"output\": output \"type=zip,dest=a\": type \"zip\" is not "
	 "supported"},
	{"env: {\"A=B\": 1}\n", "wasmpack.yaml:1:7: \"env\": variable name \"A=B\" contains '='"},
	/* duplicates */
	{"name: a\ntags: []\nname: b\n", "wasmpack.yaml:3:1: duplicate key \"name\""},
	{"env:\n  A: 1\n  B: 2\n  A: 3\n", "wasmpack.yaml:4:3: duplicate key \"A\" in \"env\""},
	{"build:\n  bin: a\n  bin: b\n", "wasmpack.yaml:3:3: duplicate key \"build.bin\""},
	{"files:\n  - {src: a, src: b, dest: /c}\n",
	 "wasmpack.yaml:2:14: duplicate key \"files.src\""},
	/* anchors, aliases, tags, documents */
	{"name: &n app\n", "wasmpack.yaml:1:7: anchors (&n) are not supported"},
	{"tags: [v1, *t]\n", "wasmpack.yaml:1:12: aliases (*t) are not supported"},
	{"labels: &b {a: 1}\n", "wasmpack.yaml:1:9: anchors (&b) are not supported"},
	{"name: !!str app\n", "wasmpack.yaml:1:7: tags (tag:yaml.org,2002:str) are not supported"},
	{"name: a\n---\nname: b\n", "wasmpack.yaml:2:1: a second document"},
	{"name: a\n...\n---\nname: b\n", "wasmpack.yaml:3:1: a second document"},
	/* syntax: libyaml's own message and position */
	{"name: a\ntags: [v1\n",
	 "wasmpack.yaml:3:1: did not find expected ',' or ']' (while parsing a flow sequence at "
	 "2:7)"},
	{"name: a: b\n", "wasmpack.yaml:1:8: mapping values are not allowed in this context"},
	{"tags:\n  - a\n  b: c\n", "wasmpack.yaml:3:3: did not find expected '-' indicator (while "
				   "parsing a block collection at 2:3)"},
	{"name: a\nname b\n", "wasmpack.yaml:3:1: could not find expected ':' (while scanning a "
			      "simple key at 2:1)"},
	{"name: a\n\tb: c\n", "wasmpack.yaml:2:1: found a tab character that violates indentation"},
	{"name: \"a\n", "wasmpack.yaml:2:1: found unexpected end of stream (while scanning a "
			"quoted scalar at 1:7)"},
	{"name: \xff\n", "wasmpack.yaml:1:7: invalid leading UTF-8 octet (0xFF)"},
	{"name: a\x01\n", "wasmpack.yaml:1:8: control characters are not allowed (0x01)"},
};

Test(project_file, refusals_name_line_and_column)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(refused); i++) {
		struct project_file pf = {.name = (char *)"untouched"};
		wp_error *err = NULL;
		int r = load_text(PROJECT_FILE_NAME, refused[i].input, strlen(refused[i].input),
				  &pf, &err);

		assert_error_in(refused[i].input, r, err, WP_EINVALID, refused[i].needle);
		cr_assert_str_eq(pf.name, "untouched", "\"%s\": out untouched on failure",
				 refused[i].input);
	}
}

Test(project_file, messages_start_with_the_path)
{
	_cleanup_free_ char *want = wp_strdup_printf("%s/wasmpack.yaml:1:1: unknown key", tmp);
	struct project_file pf;
	wp_error *err = NULL;
	int r = load_text(PROJECT_FILE_NAME, "x: 1\n", 5, &pf, &err);

	cr_assert_eq(r, WP_EINVALID);
	cr_assert(wp_str_has_prefix(err->message, want), "%s", err->message);
	wp_error_free(err);
}

Test(project_file, unreadable_files)
{
	_cleanup_free_ char *missing = in_tmp("nope.yaml");
	struct project_file pf;
	wp_error *err = NULL;
	char *text = test_padded("name: a\n#", PROJECT_FILE_MAX + 1, "\n");
	int r = project_file_load(missing, &pf, &err);

	assert_error(r, err, WP_ENOTFOUND, "nope.yaml");
	r = load_text("big.yaml", text, PROJECT_FILE_MAX + 1, &pf, &err);
	assert_error(r, err, WP_ELIMIT, "big.yaml");
	free(text);
}

/* The references of a file's text, with default_name. */
static void refs_of(const char *text, const char *default_name, wp_strv *out)
{
	struct project_file pf;
	wp_error *err = NULL;
	int r;

	load_ok(text, &pf);
	*out = (wp_strv){0};
	r = project_file_refs(&pf, default_name, out, &err);
	assert_ok(r, err);
	project_file_release(&pf);
}

Test(project_file, refs)
{
	wp_strv refs;

	refs_of("name: ghcr.io/acme/app\ntags: [v1, latest]\n", "fallback", &refs);
	ASSERT_STRV(&refs, "ghcr.io/acme/app:v1", "ghcr.io/acme/app:latest");
	wp_strv_release(&refs);
	refs_of("name: app\n", "fallback", &refs);
	ASSERT_STRV(&refs, "app");
	wp_strv_release(&refs);
	refs_of("tags: [v2]\n", "fallback", &refs);
	ASSERT_STRV(&refs, "fallback:v2");
	wp_strv_release(&refs);
	refs_of("tags: [v2]\n", NULL, &refs);
	cr_assert_eq(refs.len, 0, "tags without any name");
	refs_of("", "fallback", &refs);
	cr_assert_eq(refs.len, 0, "no name, no tag: the build's own default");
}

/* ---- the starter file of `wasmpack init` ---- */

static void starter(wp_buf *out, const char *name, const char *source, const char *note)
{
	wp_error *err = NULL;
	int r;

	wp_buf_init(out, PROJECT_FILE_MAX);
	r = project_starter_text(out, name, source, note, &err);
	assert_ok(r, err);
}

Test(project_file, starter_parses)
{
	_cleanup_free_ char *wat = in_tmp("app.wat");
	_cleanup_free_ char *odd = in_tmp("my \"odd\\ dir\"/caf\xc3\xa9 #1.c");
	wp_buf text;
	struct project_file pf;

	starter(&text, "ghcr.io/acme/app", "app.wat", NULL);
	load_ok(wp_buf_cstr(&text), &pf);
	ASSERT_STRV(&pf.source, wat);
	cr_assert_str_eq(pf.name, "ghcr.io/acme/app");
	ASSERT_STRV(&pf.tags, "latest");
	/* everything else is commented out */
	cr_assert_null(pf.platform);
	cr_assert_null(pf.output);
	cr_assert_not(pf.has_cmd || pf.has_env || pf.has_files || pf.has_optimize);
	project_file_release(&pf);
	wp_buf_release(&text);

	/* the placeholder and its note, whose newline cannot end the comment;
	 * a source needing quotes */
	starter(&text, "app", "my \"odd\\ dir\"/caf\xc3\xa9 #1.c", "a placeholder:\nname: x");
	cr_assert_not_null(strstr(wp_buf_cstr(&text), "# a placeholder: name: x\nsource: "));
	load_ok(wp_buf_cstr(&text), &pf);
	ASSERT_STRV(&pf.source, odd);
	cr_assert_eq(pf.source_kind, PROJECT_SOURCE_C);
	cr_assert_str_eq(pf.name, "app");
	project_file_release(&pf);
	wp_buf_release(&text);
}

Test(project_file, starter_refuses_bad_utf8)
{
	wp_buf text = WP_BUF_INIT(PROJECT_FILE_MAX);
	wp_error *err = NULL;
	int r = project_starter_text(&text, "app", "a\xff.wasm", NULL, &err);

	assert_error(r, err, WP_EINVALID, "UTF-8");
	r = project_starter_text(&text, "app", "a.wasm", "in \"\xc0\"", &err);
	assert_error(r, err, WP_EINVALID, "UTF-8");
	wp_buf_release(&text);
}

/* Every commented-out example ("#key:" and "#  ..." lines) uncommented. */
static char *uncomment(const char *text)
{
	wp_buf out = WP_BUF_INIT(PROJECT_FILE_MAX);
	wp_error *err = NULL;
	char *copy = test_xstrdup(text), *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bool example = line[0] == '#' && (isalpha((unsigned char)line[1]) ||
						  wp_str_has_prefix(line + 1, "  "));
		int r = wp_buf_appendf(&out, &err, "%s\n", example ? line + 1 : line);

		assert_ok(r, err);
	}
	free(copy);
	return wp_buf_detach(&out, NULL);
}

Test(project_file, starter_examples_parse)
{
	_cleanup_free_ char *examples = NULL;
	_cleanup_free_ char *files0 = NULL, *files1 = NULL;
	wp_buf text;
	struct project_file pf;

	starter(&text, "app", "app.wasm", NULL);
	examples = uncomment(wp_buf_cstr(&text));
	load_ok(examples, &pf);
	/* every key of the file is now set, with the example's value */
	cr_assert_str_eq(pf.platform, "wasi/wasm");
	cr_assert_str_eq(pf.format, "image");
	cr_assert(wp_str_has_suffix(pf.output, "/app.tar"), "%s", pf.output);
	cr_assert_str_eq(pf.entrypoint, "/app.wasm");
	ASSERT_STRV(&pf.cmd, "--port", "8080");
	ASSERT_STRV(&pf.env, "RUST_LOG=info");
	ASSERT_KV(&pf.labels, "org.opencontainers.image.source", "https://github.com/acme/app");
	ASSERT_KV(&pf.annotations, "org.opencontainers.image.description", "An example");
	files0 = in_tmp("static:/static");
	files1 = in_tmp("config.toml:/etc/app/config.toml");
	ASSERT_STRV(&pf.files, files0, files1);
	cr_assert(pf.has_optimize && pf.optimize == WP_OPT_SIZE);
	cr_assert(pf.has_strip && !pf.strip);
	ASSERT_STRV(&pf.keep_sections, "producers");
	cr_assert_str_eq(pf.aot, "none");
	cr_assert_str_eq(pf.compression, "gzip");
	cr_assert_str_eq(pf.media_types, "oci");
	ASSERT_STRV(&pf.build.cflags, "-Wall");
	cr_assert(pf.build.has_features && pf.build.features.len == 0);
	cr_assert_str_eq(pf.build.bin, "app");
	cr_assert_str_eq(pf.build.sysroot, "/usr");
	cr_assert_str_eq(pf.build.opt_level, "2");
	project_file_release(&pf);
	wp_buf_release(&text);
}

static void touch(const char *dir, const char *name)
{
	free(test_write_file(dir, name, "", 0, 0644));
}

static void assert_guess(const char *dir, const char *want)
{
	_cleanup_free_ char *got = NULL;
	wp_error *err = NULL;
	int r = project_guess_source(dir, &got, &err);

	assert_ok(r, err);
	if (want)
		cr_assert_str_eq(got, want);
	else
		cr_assert_null(got, "guessed \"%s\"", got);
}

Test(project_file, guess_source)
{
	_cleanup_free_ char *d = NULL;
	wp_error *err = NULL;
	char *got = NULL;
	int r;

	assert_guess(tmp, NULL);
	touch(tmp, "notes.txt");
	touch(tmp, ".wasm"); /* no name before the extension */
	assert_guess(tmp, NULL);
	touch(tmp, "main.c");
	assert_guess(tmp, "main.c");
	touch(tmp, "app.wat");
	assert_guess(tmp, "app.wat");
	touch(tmp, "app.wasm");
	assert_guess(tmp, "app.wasm");
	touch(tmp, "other.wasm"); /* two modules: no guess */
	assert_guess(tmp, NULL);
	touch(tmp, "Cargo.toml");
	assert_guess(tmp, ".");

	d = in_tmp("dirs");
	cr_assert_eq(mkdir(d, 0755), 0);
	{
		_cleanup_free_ char *sub = test_path(d, "mod.wasm");

		cr_assert_eq(mkdir(sub, 0755), 0, "a directory is not a module");
	}
	assert_guess(d, NULL);

	r = project_guess_source("/nonexistent/dir", &got, &err);
	assert_error(r, err, WP_ENOTFOUND, "cannot read directory \"/nonexistent/dir\"");
}

Test(project_file, default_name)
{
	static const char *const cases[][2] = {
		{"My App_v2", "my-app-v2"}, {"acme", "acme"}, {"--x--", "x"}, {"___", "app"},
		{"caf\xc3\xa9", "caf"},
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *dir = in_tmp(cases[i][0]);
		_cleanup_free_ char *name = NULL;

		cr_assert_eq(mkdir(dir, 0755), 0);
		name = project_default_name(dir);
		cr_assert_str_eq(name, cases[i][1], "\"%s\"", cases[i][0]);
	}
	{
		_cleanup_free_ char *root = project_default_name("/");

		cr_assert_str_eq(root, "app");
	}
}

/* The example of docs/project-file.md (the tests run in tests/unit). */
Test(project_file, documented_example_parses)
{
	wp_buf doc;
	const char *start, *end;
	_cleanup_free_ char *example = NULL;
	struct project_file pf;

	test_read_file("../../docs/project-file.md", &doc, 1 << 20);
	start = strstr(wp_buf_cstr(&doc), "## Example\n\n```yaml\n");
	cr_assert_not_null(start, "no example in docs/project-file.md");
	start += strlen("## Example\n\n```yaml\n");
	end = strstr(start, "```");
	cr_assert_not_null(end);
	example = strndup(start, (size_t)(end - start));
	cr_assert_not_null(example);
	load_ok(example, &pf);
	cr_assert_eq(pf.source_kind, PROJECT_SOURCE_C);
	cr_assert_str_eq(pf.name, "ghcr.io/acme/hello");
	ASSERT_STRV(&pf.tags, "v1.2.0", "latest");
	ASSERT_STRV(&pf.cmd, "--greeting", "hello, world");
	cr_assert_eq(pf.optimize, WP_OPT_MIN);
	cr_assert_str_eq(pf.build.opt_level, "s");
	project_file_release(&pf);
	wp_buf_release(&doc);
}
