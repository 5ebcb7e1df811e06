/* cmd/annotation_arg, cmd/build_annotations and cmd/ci_env: --annotation
 * as buildx and docker/metadata-action write it (levels, platforms, colons
 * in keys), where each lands, and the OCI keys a CI run implies. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "helpers.h"
#include "../../cmd/annotation_arg.h"
#include "../../cmd/build_annotations.h"
#include "../../cmd/ci_env.h"
#include "../../lib/common.h"

static struct annotation_arg parse_ok(const char *arg)
{
	struct annotation_arg a;
	wp_error *err = NULL;

	assert_ok(annotation_arg_parse(arg, &a, &err), err);
	return a;
}

static void parse_fails(const char *arg, const char *want)
{
	struct annotation_arg a;
	wp_error *err = NULL;

	cr_assert_eq(annotation_arg_parse(arg, &a, &err), WP_EUSAGE, "%s", arg);
	cr_assert(err && strstr(err->message, want), "%s: %s", arg, err ? err->message : "");
	wp_error_free(err);
}

Test(annotation_arg, levels_as_metadata_action_writes_them)
{
	static const struct {
		const char *arg;
		unsigned levels;
		const char *key, *value;
	} cases[] = {
		{"org.opencontainers.image.title=hello", ANNOTATION_MANIFEST,
		 "org.opencontainers.image.title", "hello"},
		{"manifest:org.opencontainers.image.version=1.2.0", ANNOTATION_MANIFEST,
		 "org.opencontainers.image.version", "1.2.0"},
		{"index:org.opencontainers.image.description=a b=c", ANNOTATION_INDEX,
		 "org.opencontainers.image.description", "a b=c"},
		{"manifest-descriptor:k=v", ANNOTATION_MANIFEST_DESCRIPTOR, "k", "v"},
		{"index-descriptor:k=", ANNOTATION_INDEX_DESCRIPTOR, "k", ""},
		{"index,manifest:k=v", ANNOTATION_INDEX | ANNOTATION_MANIFEST, "k", "v"},
		/* a colon that follows no level belongs to the key */
		{"com.example:build=7", ANNOTATION_MANIFEST, "com.example:build", "7"},
		{"manifests:k=v", ANNOTATION_MANIFEST, "manifests:k", "v"},
		{"k=url:http://x", ANNOTATION_MANIFEST, "k", "url:http://x"},
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(cases); i++) {
		struct annotation_arg a = parse_ok(cases[i].arg);

		cr_assert_eq(a.levels, cases[i].levels, "%s: levels %u", cases[i].arg, a.levels);
		cr_assert_str_eq(a.key, cases[i].key, "%s", cases[i].arg);
		cr_assert_str_eq(a.value, cases[i].value, "%s", cases[i].arg);
		cr_assert_null(a.platform, "%s", cases[i].arg);
		annotation_arg_release(&a);
	}
}

Test(annotation_arg, platform_scope)
{
	struct annotation_arg a = parse_ok("manifest[linux/arm64]:k=v");
	wp_platform amd = {0}, arm = {0};
	wp_error *err = NULL;

	assert_ok(wp_platform_parse(&amd, "linux/amd64", &err), err);
	assert_ok(wp_platform_parse(&arm, "linux/arm64", &err), err);
	cr_assert_not_null(a.platform);
	cr_assert(annotation_arg_applies(&a, ANNOTATION_MANIFEST, &arm));
	cr_assert_not(annotation_arg_applies(&a, ANNOTATION_MANIFEST, &amd));
	cr_assert_not(annotation_arg_applies(&a, ANNOTATION_MANIFEST, NULL));
	cr_assert_not(annotation_arg_applies(&a, ANNOTATION_INDEX, &arm));
	annotation_arg_release(&a);
	wp_platform_release(&amd);
	wp_platform_release(&arm);
}

Test(annotation_arg, refused)
{
	parse_fails("no-equals", "expected KEY=VALUE");
	parse_fails("=v", "the key is empty");
	parse_fails("manifest:=v", "the key is empty");
	parse_fails("manifest[nonsense]:k=v", "--annotation \"manifest[nonsense]:k=v\"");
}

/* metadata-action's annotations output, one argument per line, and what
 * lands at each level; a CI default never overrides the command line. */
Test(build_annotations, apply_by_level_and_defaults)
{
	const char *lines[] = {
		"manifest:org.opencontainers.image.version=1.0",
		"index:org.opencontainers.image.version=1.0",
		"manifest-descriptor:d=1",
		"manifest[wasi/wasm]:only=wasm",
	};
	wp_strv args = {0};
	struct build_annotations b = {0};
	wp_kv manifest = {0}, index = {0}, native_manifest = {0};
	wp_platform wasm = {0}, native = {0};
	wp_error *err = NULL;

	for (size_t i = 0; i < WP_ARRAY_SIZE(lines); i++)
		assert_ok(wp_strv_push(&args, lines[i], &err), err);
	assert_ok(wp_platform_parse(&wasm, "wasi/wasm", &err), err);
	assert_ok(wp_platform_parse(&native, "linux/amd64", &err), err);
	assert_ok(build_annotations_parse(&b, &args, &err), err);
	assert_ok(build_annotations_default(&b, "org.opencontainers.image.version", "ci", &err),
		  err);
	assert_ok(build_annotations_default(&b, "org.opencontainers.image.revision", "abc", &err),
		  err);
	assert_ok(build_annotations_apply(&b, ANNOTATION_MANIFEST, &wasm, &manifest, &err), err);
	assert_ok(build_annotations_apply(&b, ANNOTATION_MANIFEST, &native, &native_manifest, &err),
		  err);
	assert_ok(build_annotations_apply(&b, ANNOTATION_INDEX, NULL, &index, &err), err);
	cr_assert_eq(manifest.len, 3);
	cr_assert_str_eq(wp_kv_get(&manifest, "org.opencontainers.image.version"), "1.0");
	cr_assert_str_eq(wp_kv_get(&manifest, "org.opencontainers.image.revision"), "abc");
	cr_assert_str_eq(wp_kv_get(&manifest, "only"), "wasm");
	cr_assert_null(wp_kv_get(&native_manifest, "only"));
	cr_assert_eq(index.len, 1);
	cr_assert_null(wp_kv_get(&index, "d"));
	build_annotations_release(&b);
	wp_kv_release(&manifest);
	wp_kv_release(&native_manifest);
	wp_kv_release(&index);
	wp_strv_release(&args);
	wp_platform_release(&wasm);
	wp_platform_release(&native);
}

static void clear_ci(void)
{
	static const char *const names[] = {
		"GITHUB_ACTIONS", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY",   "GITHUB_SHA",
		"GITHUB_REF",	  "GITHUB_WORKSPACE",  "GITLAB_CI",	      "CI_PROJECT_URL",
		"CI_COMMIT_SHA",  "CI_COMMIT_TAG",     "CI_COMMIT_TIMESTAMP", "SOURCE_DATE_EPOCH",
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(names); i++)
		unsetenv(names[i]);
}

Test(ci_env, nothing_outside_ci, .init = clear_ci)
{
	wp_kv kv = {0};
	wp_error *err = NULL;

	assert_ok(ci_env_annotations(&kv, &err), err);
	cr_assert_eq(kv.len, 0);
}

Test(ci_env, github_tag_build, .init = clear_ci)
{
	wp_kv kv = {0};
	wp_error *err = NULL;

	setenv("GITHUB_ACTIONS", "true", 1);
	setenv("GITHUB_SERVER_URL", "https://github.example.com", 1);
	setenv("GITHUB_REPOSITORY", "Acme/Hello", 1);
	setenv("GITHUB_SHA", "0123abcd", 1);
	setenv("GITHUB_REF", "refs/tags/v1.2.3", 1);
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	assert_ok(ci_env_annotations(&kv, &err), err);
	cr_assert_str_eq(wp_kv_get(&kv, "org.opencontainers.image.source"),
			 "https://github.example.com/Acme/Hello");
	cr_assert_str_eq(wp_kv_get(&kv, "org.opencontainers.image.url"),
			 "https://github.example.com/Acme/Hello");
	cr_assert_str_eq(wp_kv_get(&kv, "org.opencontainers.image.revision"), "0123abcd");
	cr_assert_str_eq(wp_kv_get(&kv, "org.opencontainers.image.version"), "v1.2.3");
	cr_assert_str_eq(wp_kv_get(&kv, "org.opencontainers.image.created"),
			 "2023-11-14T22:13:20Z");
	wp_kv_release(&kv);
}

Test(ci_env, github_branch_build_has_no_version, .init = clear_ci)
{
	wp_kv kv = {0};
	wp_error *err = NULL;

	setenv("GITHUB_ACTIONS", "true", 1);
	setenv("GITHUB_REPOSITORY", "acme/hello", 1);
	setenv("GITHUB_REF", "refs/heads/main", 1);
	setenv("GITHUB_WORKSPACE", "/nonexistent-wasmpack-test", 1);
	assert_ok(ci_env_annotations(&kv, &err), err);
	cr_assert_str_eq(wp_kv_get(&kv, "org.opencontainers.image.source"),
			 "https://github.com/acme/hello");
	cr_assert_null(wp_kv_get(&kv, "org.opencontainers.image.version"));
	/* no checkout to ask git: no created, rather than a made-up one */
	cr_assert_null(wp_kv_get(&kv, "org.opencontainers.image.created"));
	wp_kv_release(&kv);
}

Test(ci_env, gitlab, .init = clear_ci)
{
	wp_kv kv = {0};
	wp_error *err = NULL;

	setenv("GITLAB_CI", "true", 1);
	setenv("CI_PROJECT_URL", "https://gitlab.example.com/g/p", 1);
	setenv("CI_COMMIT_SHA", "feed", 1);
	setenv("CI_COMMIT_TAG", "2.0", 1);
	setenv("CI_COMMIT_TIMESTAMP", "2026-01-02T03:04:05+00:00", 1);
	assert_ok(ci_env_annotations(&kv, &err), err);
	cr_assert_str_eq(wp_kv_get(&kv, "org.opencontainers.image.source"),
			 "https://gitlab.example.com/g/p");
	cr_assert_str_eq(wp_kv_get(&kv, "org.opencontainers.image.revision"), "feed");
	cr_assert_str_eq(wp_kv_get(&kv, "org.opencontainers.image.version"), "2.0");
	cr_assert_str_eq(wp_kv_get(&kv, "org.opencontainers.image.created"),
			 "2026-01-02T03:04:05+00:00");
	wp_kv_release(&kv);
}
