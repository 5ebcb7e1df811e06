/* cmd/provenance: the in-toto Statement v1 with a SLSA provenance v1
 * predicate. Its type fields, the subject digest (the manifest's), the
 * build inputs, the builder outside and inside GitHub Actions, and that
 * nothing from the environment but the GITHUB_* variables it names gets in
 * (a GITHUB_TOKEN least of all). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>

#include "helpers.h"
#include "../../cmd/provenance.h"
#include "../../lib/json.h"
#include "../../lib/version.h"
#include "../../lib/common.h"

#define MANIFEST "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define MODULE "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define COMMIT "0123456789abcdef0123456789abcdef01234567"

static const char *const github_vars[] = {
	"GITHUB_ACTIONS", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY",	"GITHUB_REF",
	"GITHUB_SHA",	  "GITHUB_RUN_ID",     "GITHUB_RUN_ATTEMPT",	"GITHUB_WORKFLOW_REF",
	"GITHUB_TOKEN",	  "GITHUB_ACTOR",      "ACTIONS_RUNTIME_TOKEN",
};

static void clear_github(void)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(github_vars); i++)
		unsetenv(github_vars[i]);
}

TestSuite(provenance, .init = clear_github);

/* As a workflow run on a push to main sets them, and secrets beside. */
static void set_github(void)
{
	setenv("GITHUB_ACTIONS", "true", 1);
	setenv("GITHUB_SERVER_URL", "https://github.com", 1);
	setenv("GITHUB_REPOSITORY", "acme/hello", 1);
	setenv("GITHUB_REF", "refs/heads/main", 1);
	setenv("GITHUB_SHA", COMMIT, 1);
	setenv("GITHUB_RUN_ID", "4242", 1);
	setenv("GITHUB_RUN_ATTEMPT", "2", 1);
	setenv("GITHUB_WORKFLOW_REF", "acme/hello/.github/workflows/release.yml@refs/heads/main",
	       1);
	setenv("GITHUB_TOKEN", "secret", 1);
	setenv("GITHUB_ACTOR", "mallory-the-actor", 1);
	setenv("ACTIONS_RUNTIME_TOKEN", "runtime-secret", 1);
}

static const char *const tags[] = {"ghcr.io/acme/hello:v1", "ghcr.io/acme/hello:latest",
				   "docker.io/acme/hello:v1"};
static const char *const inputs[] = {"hello.wasm"};
static const struct provenance_material materials[] = {{"hello.wasm", MODULE}};

/* A build of hello.wasm, -O2, tagged three times; github from the
 * environment. */
static struct provenance_input build(struct provenance_github *gh)
{
	return (struct provenance_input){
		.image_digest = MANIFEST,
		.tags = tags,
		.n_tags = WP_ARRAY_SIZE(tags),
		.inputs = inputs,
		.n_inputs = WP_ARRAY_SIZE(inputs),
		.platform = "wasip1/wasm",
		.optimize = "2",
		.materials = materials,
		.n_materials = WP_ARRAY_SIZE(materials),
		.github = provenance_github_from_env(gh) ? gh : NULL,
	};
}

static void write_stmt(const struct provenance_input *in, wp_buf *out)
{
	wp_error *err = NULL;
	int r;

	wp_buf_init(out, 1 << 20);
	r = provenance_intoto_json(in, out, &err);
	assert_ok(r, err);
}

static json_t *parse(const wp_buf *out)
{
	json_t *j = NULL;
	wp_error *err = NULL;
	int r = wp_json_parse(&j, out->data, out->len, "provenance", &err);

	assert_ok(r, err);
	return j;
}

/* The string at a path of keys ("predicate", "runDetails", ...), NULL
 * terminated; NULL when a step is missing. */
static const char *str_path(const json_t *j, ...)
{
	va_list ap;
	const char *key;

	va_start(ap, j);
	while (j && (key = va_arg(ap, const char *)))
		j = json_object_get(j, key);
	va_end(ap);
	return json_is_string(j) ? json_string_value(j) : NULL;
}

static json_t *at(const json_t *j, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(j, a);

	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	return v;
}

/* The statement layer and the predicate's required fields. */
static void assert_statement(const json_t *st)
{
	json_t *subject = json_object_get(st, "subject"), *s;
	size_t i;

	cr_assert_str_eq(str_path(st, "_type", NULL), "https://in-toto.io/Statement/v1");
	cr_assert_str_eq(str_path(st, "predicateType", NULL), "https://slsa.dev/provenance/v1");
	cr_assert(json_is_array(subject) && json_array_size(subject) >= 1);
	json_array_foreach (subject, i, s) {
		cr_assert_str_eq(str_path(s, "digest", "sha256", NULL), MANIFEST + 7,
				 "subject %zu: the manifest digest", i);
		cr_assert_eq(json_object_size(json_object_get(s, "digest")), 1);
	}
	cr_assert_str_eq(str_path(st, "predicate", "buildDefinition", "buildType", NULL),
			 "https://wasmpack.dev/build/v1");
	cr_assert(json_is_object(at(st, "predicate", "buildDefinition", "externalParameters")));
	cr_assert(str_path(st, "predicate", "runDetails", "builder", "id", NULL));
	cr_assert_str_eq(str_path(st, "predicate", "buildDefinition", "internalParameters",
				  "wasmpackVersion", NULL),
			 WASMPACK_VERSION);
}

Test(provenance, local_build)
{
	struct provenance_github gh;
	struct provenance_input in = build(&gh);
	json_t *st, *ext, *deps, *subject;
	wp_buf out;

	cr_assert_null(in.github);
	write_stmt(&in, &out);
	cr_assert(out.data[out.len - 1] == '}', "compact, no final newline");
	st = parse(&out);
	assert_statement(st);
	/* two repositories among the three tags: one subject each */
	subject = json_object_get(st, "subject");
	cr_assert_eq(json_array_size(subject), 2);
	cr_assert_str_eq(str_path(json_array_get(subject, 0), "name", NULL), "ghcr.io/acme/hello");
	cr_assert_str_eq(str_path(json_array_get(subject, 1), "name", NULL),
			 "docker.io/acme/hello");
	cr_assert_str_eq(str_path(st, "predicate", "runDetails", "builder", "id", NULL),
			 "https://wasmpack.dev/local");
	cr_assert_null(at(st, "predicate", "runDetails", "metadata"), "no run, no times");
	ext = at(st, "predicate", "buildDefinition", "externalParameters");
	cr_assert_str_eq(str_path(ext, "platform", NULL), "wasip1/wasm");
	cr_assert_str_eq(str_path(ext, "optimize", NULL), "2");
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(ext, "inputs"), 0)),
			 "hello.wasm");
	cr_assert_eq(json_array_size(json_object_get(ext, "tags")), 3);
	cr_assert_null(json_object_get(ext, "aot"));
	cr_assert_null(json_object_get(ext, "workflow"));
	deps = at(st, "predicate", "buildDefinition", "resolvedDependencies");
	cr_assert_eq(json_array_size(deps), 1);
	cr_assert_str_eq(str_path(json_array_get(deps, 0), "uri", NULL), "hello.wasm");
	cr_assert_str_eq(str_path(json_array_get(deps, 0), "digest", "sha256", NULL), MODULE + 7);
	json_decref(st);
	wp_buf_release(&out);
}

Test(provenance, github_actions)
{
	struct provenance_github gh;
	struct provenance_input in;
	json_t *st, *deps, *wf;
	wp_buf out;

	set_github();
	in = build(&gh);
	cr_assert_not_null(in.github);
	write_stmt(&in, &out);
	st = parse(&out);
	assert_statement(st);
	cr_assert_str_eq(
		str_path(st, "predicate", "runDetails", "builder", "id", NULL),
		"https://github.com/acme/hello/.github/workflows/release.yml@refs/heads/main");
	cr_assert_str_eq(str_path(st, "predicate", "runDetails", "metadata", "invocationId", NULL),
			 "https://github.com/acme/hello/actions/runs/4242/attempts/2");
	wf = at(st, "predicate", "buildDefinition", "externalParameters");
	wf = json_object_get(wf, "workflow");
	cr_assert_str_eq(str_path(wf, "ref", NULL), "refs/heads/main");
	cr_assert_str_eq(str_path(wf, "repository", NULL), "https://github.com/acme/hello");
	cr_assert_str_eq(str_path(wf, "path", NULL), ".github/workflows/release.yml");
	deps = at(st, "predicate", "buildDefinition", "resolvedDependencies");
	cr_assert_eq(json_array_size(deps), 2);
	cr_assert_str_eq(str_path(json_array_get(deps, 1), "uri", NULL),
			 "git+https://github.com/acme/hello@refs/heads/main");
	cr_assert_str_eq(str_path(json_array_get(deps, 1), "digest", "gitCommit", NULL), COMMIT);
	/* only the GITHUB_* variables named are read */
	cr_assert_null(strstr(out.data, "secret"), "a token leaked:\n%s", out.data);
	cr_assert_null(strstr(out.data, "mallory"), "GITHUB_ACTOR leaked:\n%s", out.data);
	json_decref(st);
	wp_buf_release(&out);
}

Test(provenance, github_without_workflow_ref)
{
	struct provenance_github gh;
	struct provenance_input in;
	json_t *st;
	wp_buf out;

	set_github();
	unsetenv("GITHUB_WORKFLOW_REF");
	unsetenv("GITHUB_RUN_ATTEMPT");
	setenv("GITHUB_SERVER_URL", "", 1);
	in = build(&gh);
	write_stmt(&in, &out);
	st = parse(&out);
	cr_assert_str_eq(str_path(st, "predicate", "runDetails", "builder", "id", NULL),
			 "https://github.com/acme/hello");
	cr_assert_str_eq(str_path(st, "predicate", "runDetails", "metadata", "invocationId", NULL),
			 "https://github.com/acme/hello/actions/runs/4242");
	cr_assert_null(str_path(st, "predicate", "buildDefinition", "externalParameters",
				"workflow", "path", NULL));
	json_decref(st);
	wp_buf_release(&out);
}

Test(provenance, not_github_unless_actions_is_true)
{
	struct provenance_github gh;

	set_github();
	setenv("GITHUB_ACTIONS", "false", 1);
	cr_assert_not(provenance_github_from_env(&gh));
	cr_assert_null(gh.repository);
}

Test(provenance, dockerfile_aot_times_and_no_tags)
{
	struct provenance_input in = {
		.image_digest = MANIFEST,
		.inputs = inputs,
		.n_inputs = 1,
		.dockerfile = "Dockerfile",
		.context = ".",
		.aot = "native",
		.started_on = 1700000000,
		.finished_on = 1700000061,
	};
	json_t *st, *ext;
	wp_buf out;

	write_stmt(&in, &out);
	st = parse(&out);
	assert_statement(st);
	cr_assert_eq(json_array_size(json_object_get(st, "subject")), 1);
	cr_assert_str_eq(str_path(json_array_get(json_object_get(st, "subject"), 0), "name", NULL),
			 "_", "in-toto: \"_\" when no name is meaningful");
	ext = at(st, "predicate", "buildDefinition", "externalParameters");
	cr_assert_str_eq(str_path(ext, "dockerfile", NULL), "Dockerfile");
	cr_assert_str_eq(str_path(ext, "context", NULL), ".");
	cr_assert_str_eq(str_path(ext, "aot", NULL), "native");
	cr_assert_null(json_object_get(ext, "tags"));
	cr_assert_null(at(st, "predicate", "buildDefinition", "resolvedDependencies"));
	cr_assert_str_eq(str_path(st, "predicate", "runDetails", "metadata", "startedOn", NULL),
			 "2023-11-14T22:13:20Z");
	cr_assert_str_eq(str_path(st, "predicate", "runDetails", "metadata", "finishedOn", NULL),
			 "2023-11-14T22:14:21Z");
	json_decref(st);
	wp_buf_release(&out);
}

Test(provenance, deterministic)
{
	struct provenance_github gh;
	struct provenance_input in;
	wp_buf a, b;

	set_github();
	in = build(&gh);
	write_stmt(&in, &a);
	write_stmt(&in, &b);
	cr_assert_eq(a.len, b.len);
	cr_assert_arr_eq(a.data, b.data, a.len, "same input, same bytes");
	wp_buf_release(&a);
	wp_buf_release(&b);
}

Test(provenance, refused)
{
	static const char *const bad_tag[] = {"Not A Tag"};
	static const struct provenance_material bad_material[] = {{"hello.wasm", "sha256:zz"}};
	static const struct provenance_github bad_sha = {.repository = "a/b", .sha = "HEAD"};
	static const struct {
		struct provenance_input in;
		const char *needle;
	} cases[] = {
		{{.image_digest = NULL}, "image digest: missing"},
		{{.image_digest = "sha256:1234"}, "image digest \"sha256:1234\""},
		{{.image_digest = MANIFEST, .tags = bad_tag, .n_tags = 1}, "Not A Tag"},
		{{.image_digest = MANIFEST, .materials = bad_material, .n_materials = 1},
		 "resolved dependency \"hello.wasm\": digest"},
		{{.image_digest = MANIFEST, .github = &bad_sha}, "GITHUB_SHA \"HEAD\""},
		{{.image_digest = MANIFEST, .platform = "wasi\xff"}, "UTF-8"},
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(cases); i++) {
		wp_buf out = WP_BUF_INIT(1 << 20);
		wp_error *err = NULL;
		int r = provenance_intoto_json(&cases[i].in, &out, &err);

		assert_error_in(cases[i].needle, r, err, WP_EINVALID, cases[i].needle);
		wp_buf_release(&out);
	}
}
