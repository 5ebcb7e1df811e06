/* cmd/sbom: the SPDX 2.3 JSON document for a module. The fields SPDX 2.3
 * requires (its JSON schema's "required" lists, and filesAnalyzed false so
 * that no verification code is due) with their types, the checksums, the
 * producers section as packages and relationships, the WASI imports of a
 * core module and the interfaces of a component as external references,
 * the image as a package, and the same bytes for the same inputs. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>

#include "helpers.h"
#include "../../cmd/sbom.h"
#include "../../lib/digest.h"
#include "../../lib/json.h"
#include "../../lib/version.h"
#include "../../wasmopt/summary.h"
#include "../../lib/common.h"

static void no_sde(void)
{
	unsetenv("SOURCE_DATE_EPOCH");
}

TestSuite(sbom, .init = no_sde);

/* A module read from a file or built here, with what sbom_input needs. */
struct module {
	wp_buf bytes;
	char digest[WP_DIGEST_SIZE];
	wp_module_summary summary;
};

static void module_from(struct module *m, wp_buf *bytes)
{
	wp_error *err = NULL;
	int r;

	m->bytes = *bytes;
	r = wp_sha256_bytes(m->digest, m->bytes.data, m->bytes.len, &err);
	assert_ok(r, err);
	r = wp_module_summarize(&m->summary, (const uint8_t *)m->bytes.data, m->bytes.len, "t.wasm",
				&err);
	assert_ok(r, err);
}

static void module_file(struct module *m, const char *path)
{
	wp_buf b;

	test_read_file(path, &b, TW_MAX);
	module_from(m, &b);
}

static void module_release(struct module *m)
{
	wp_module_summary_release(&m->summary);
	wp_buf_release(&m->bytes);
}

static void put_name(wp_buf *b, const char *s)
{
	tw_uleb(b, strlen(s));
	tw_put(b, s, strlen(s));
}

/* A core module importing fd_write and proc_exit from preview1 and "log"
 * from "env", with a producers section: language Rust 1.79, processed-by
 * rustc 1.79.0 and wasm-opt 116, sdk wasi-sdk 22.0. */
static void built_module(struct module *m)
{
	static const char *const fields[][5] = {
		{"language", "Rust", "1.79", NULL, NULL},
		{"processed-by", "rustc", "1.79.0", "wasm-opt", "116"},
		{"sdk", "wasi-sdk", "22.0", NULL, NULL},
	};
	wp_buf b, p = WP_BUF_INIT(TW_MAX);

	tw_wat("(module (import \"wasi_snapshot_preview1\" \"fd_write\""
	       " (func (param i32 i32 i32 i32) (result i32)))"
	       " (import \"wasi_snapshot_preview1\" \"proc_exit\" (func (param i32)))"
	       " (import \"env\" \"log\" (func)))",
	       &b);
	tw_uleb(&p, WP_ARRAY_SIZE(fields));
	for (size_t f = 0; f < WP_ARRAY_SIZE(fields); f++) {
		size_t n = fields[f][3] ? 2 : 1;

		put_name(&p, fields[f][0]);
		tw_uleb(&p, n);
		for (size_t v = 0; v < n; v++) {
			put_name(&p, fields[f][1 + 2 * v]);
			put_name(&p, fields[f][2 + 2 * v]);
		}
	}
	tw_custom(&b, "producers", p.data, p.len);
	wp_buf_release(&p);
	module_from(m, &b);
}

static struct sbom_input input_for(const struct module *m, const char *name)
{
	return (struct sbom_input){
		.module_name = name,
		.module_digest = m->digest,
		.module_size = m->bytes.len,
		.summary = &m->summary,
		.created = 1700000000,
	};
}

/* Writes the document, which must succeed, into a new buffer. */
static void write_doc(const struct sbom_input *in, wp_buf *out)
{
	wp_error *err = NULL;
	int r;

	wp_buf_init(out, 1 << 24);
	r = sbom_spdx_json(in, out, &err);
	assert_ok(r, err);
}

static json_t *doc_of(const struct sbom_input *in)
{
	wp_buf out;
	json_t *j = NULL;
	wp_error *err = NULL;
	int r;

	write_doc(in, &out);
	cr_assert(out.len > 0 && out.data[out.len - 1] == '}', "compact, no final newline");
	r = wp_json_parse(&j, out.data, out.len, "SBOM", &err);
	assert_ok(r, err);
	wp_buf_release(&out);
	return j;
}

static const char *str_at(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	cr_assert(json_is_string(v), "\"%s\" is not a string", key);
	return json_string_value(v);
}

static json_t *array_at(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	cr_assert(json_is_array(v), "\"%s\" is not an array", key);
	return v;
}

static json_t *package(const json_t *doc, const char *id)
{
	json_t *pkgs = array_at(doc, "packages"), *p;
	size_t i;

	json_array_foreach (pkgs, i, p)
		if (strcmp(str_at(p, "SPDXID"), id) == 0)
			return p;
	cr_assert_fail("no package \"%s\"", id);
	return NULL;
}

/* arr has an object whose three string fields keys[] hold values a, b, c. */
static bool has_entry(const json_t *arr, const char *const keys[3], const char *a, const char *b,
		      const char *c)
{
	json_t *e;
	size_t i;

	json_array_foreach (arr, i, e) {
		if (strcmp(str_at(e, keys[0]), a) == 0 && strcmp(str_at(e, keys[1]), b) == 0 &&
		    strcmp(str_at(e, keys[2]), c) == 0)
			return true;
	}
	return false;
}

static bool has_relationship(const json_t *doc, const char *a, const char *type, const char *b)
{
	static const char *const keys[] = {"spdxElementId", "relationshipType",
					   "relatedSpdxElement"};

	return has_entry(array_at(doc, "relationships"), keys, a, type, b);
}

/* The package has the external reference category, type, locator. */
static bool has_ref(const json_t *pkg, const char *category, const char *type, const char *locator)
{
	static const char *const keys[] = {"referenceCategory", "referenceType",
					   "referenceLocator"};

	return has_entry(json_object_get(pkg, "externalRefs"), keys, category, type, locator);
}

/* What SPDX 2.3 requires of a document, package and relationship: the
 * "required" fields of its JSON schema, with their types, and that every
 * SPDXID is "SPDXRef-" letters, digits, '.' and '-'. */
static void assert_spdx_23(const json_t *doc)
{
	json_t *ci = json_object_get(doc, "creationInfo"), *p, *rel;
	size_t i;

	cr_assert_str_eq(str_at(doc, "spdxVersion"), "SPDX-2.3");
	cr_assert_str_eq(str_at(doc, "dataLicense"), "CC0-1.0");
	cr_assert_str_eq(str_at(doc, "SPDXID"), "SPDXRef-DOCUMENT");
	cr_assert(*str_at(doc, "name"));
	cr_assert(
		wp_str_has_prefix(str_at(doc, "documentNamespace"), "https://wasmpack.dev/spdx/"));
	cr_assert_null(strchr(str_at(doc, "documentNamespace"), '#'), "no '#' in the namespace");
	cr_assert(json_is_object(ci));
	cr_assert_eq(strlen(str_at(ci, "created")), 20, "YYYY-MM-DDThh:mm:ssZ");
	cr_assert(json_array_size(array_at(ci, "creators")) >= 1);
	cr_assert_str_eq(json_string_value(json_array_get(array_at(ci, "creators"), 0)),
			 "Tool: wasmpack-" WASMPACK_VERSION);
	json_array_foreach (array_at(doc, "packages"), i, p) {
		const char *id = str_at(p, "SPDXID");

		cr_assert(wp_str_has_prefix(id, "SPDXRef-") && id[8], "%s", id);
		cr_assert_eq(strspn(id + 8, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789.-"),
			     strlen(id + 8), "%s", id);
		cr_assert(*str_at(p, "name"));
		cr_assert_str_eq(str_at(p, "downloadLocation"), "NOASSERTION");
		cr_assert(json_is_false(json_object_get(p, "filesAnalyzed")), "%s", id);
		cr_assert(*str_at(p, "primaryPackagePurpose"));
	}
	json_array_foreach (array_at(doc, "relationships"), i, rel) {
		str_at(rel, "spdxElementId");
		str_at(rel, "relatedSpdxElement");
		str_at(rel, "relationshipType");
	}
	cr_assert(has_relationship(doc, "SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Module"));
}

Test(sbom, clang_built_module)
{
	struct module m;
	struct sbom_input in;
	json_t *doc, *mod, *sums;

	module_file(&m, "../data/wasm/hello.wasm");
	in = input_for(&m, "examples/hello/hello.wasm");
	doc = doc_of(&in);
	assert_spdx_23(doc);
	cr_assert_str_eq(str_at(doc, "name"), "hello.wasm");
	cr_assert_str_eq(str_at(json_object_get(doc, "creationInfo"), "created"),
			 "2023-11-14T22:13:20Z");
	mod = package(doc, "SPDXRef-Module");
	cr_assert_str_eq(str_at(mod, "name"), "hello.wasm");
	cr_assert_str_eq(str_at(mod, "primaryPackagePurpose"), "APPLICATION");
	cr_assert_str_eq(str_at(mod, "comment"),
			 "WebAssembly core module, 25260 bytes, WASI preview1");
	sums = array_at(mod, "checksums");
	cr_assert_eq(json_array_size(sums), 1);
	cr_assert_str_eq(str_at(json_array_get(sums, 0), "algorithm"), "SHA256");
	cr_assert_str_eq(str_at(json_array_get(sums, 0), "checksumValue"), m.digest + 7);
	cr_assert_eq(strlen(m.digest + 7), 64);
	cr_assert(has_ref(mod, "OTHER", "wasi-import", "wasi_snapshot_preview1/fd_seek"));
	cr_assert_eq(json_array_size(array_at(mod, "externalRefs")), 9, "all 9 imports are WASI");
	/* language C99, processed-by "Debian clang" 14.0.6 */
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-Language-1"), "name"), "C99");
	cr_assert_null(json_object_get(package(doc, "SPDXRef-Language-1"), "versionInfo"),
		       "no version given, none written");
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-Tool-1"), "name"), "Debian clang");
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-Tool-1"), "versionInfo"), "14.0.6");
	cr_assert(has_relationship(doc, "SPDXRef-Module", "GENERATED_FROM", "SPDXRef-Language-1"));
	cr_assert(has_relationship(doc, "SPDXRef-Tool-1", "BUILD_TOOL_OF", "SPDXRef-Module"));
	cr_assert_eq(json_array_size(array_at(doc, "packages")), 3);
	json_decref(doc);
	module_release(&m);
}

Test(sbom, producers_mapped)
{
	struct module m;
	struct sbom_input in;
	json_t *doc, *mod;

	built_module(&m);
	in = input_for(&m, "app.wasm");
	doc = doc_of(&in);
	assert_spdx_23(doc);
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-Language-1"), "name"), "Rust");
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-Language-1"), "versionInfo"), "1.79");
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-Language-1"), "primaryPackagePurpose"),
			 "SOURCE");
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-Tool-1"), "name"), "rustc");
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-Tool-2"), "name"), "wasm-opt");
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-Tool-2"), "versionInfo"), "116");
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-SDK-1"), "name"), "wasi-sdk");
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-SDK-1"), "versionInfo"), "22.0");
	cr_assert(has_relationship(doc, "SPDXRef-Module", "GENERATED_FROM", "SPDXRef-Language-1"));
	cr_assert(has_relationship(doc, "SPDXRef-Tool-1", "BUILD_TOOL_OF", "SPDXRef-Module"));
	cr_assert(has_relationship(doc, "SPDXRef-Tool-2", "BUILD_TOOL_OF", "SPDXRef-Module"));
	cr_assert(has_relationship(doc, "SPDXRef-SDK-1", "BUILD_TOOL_OF", "SPDXRef-Module"));
	cr_assert_eq(json_array_size(array_at(doc, "relationships")), 5);
	mod = package(doc, "SPDXRef-Module");
	cr_assert(has_ref(mod, "OTHER", "wasi-import", "wasi_snapshot_preview1/fd_write"));
	cr_assert(has_ref(mod, "OTHER", "wasi-import", "wasi_snapshot_preview1/proc_exit"));
	cr_assert_eq(json_array_size(array_at(mod, "externalRefs")), 2, "env.log is not WASI");
	json_decref(doc);
	module_release(&m);
}

Test(sbom, component_interfaces_listed)
{
	struct module m;
	struct sbom_input in;
	json_t *doc, *mod;

	module_file(&m, "../data/component/hello.wasm");
	in = input_for(&m, "hello.wasm");
	doc = doc_of(&in);
	assert_spdx_23(doc);
	mod = package(doc, "SPDXRef-Module");
	cr_assert_str_eq(str_at(mod, "comment"),
			 "WebAssembly component, 53120 bytes, WASI preview2");
	cr_assert(has_ref(mod, "OTHER", "wasi-interface", "wasi:cli/environment@0.2.12"));
	cr_assert(has_ref(mod, "OTHER", "wasi-interface", "wasi:filesystem/preopens@0.2.12"));
	cr_assert(has_ref(mod, "OTHER", "component-export", "wasi:cli/run@0.2.12"));
	cr_assert_eq(json_array_size(array_at(mod, "externalRefs")), 15 + 1);
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-Tool-1"), "name"), "wit-component");
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-Tool-1"), "versionInfo"), "0.259.0");
	json_decref(doc);
	module_release(&m);
}

Test(sbom, image_package)
{
	static const char *const names[] = {"ghcr.io/acme/hello:v1", "localhost:5000/hello"};
	static const char manifest[] =
		"sha256:1111111111111111111111111111111111111111111111111111111111111111";
	struct module m;
	struct sbom_input in;
	json_t *doc, *img;

	built_module(&m);
	in = input_for(&m, "app.wasm");
	in.image_names = names;
	in.n_image_names = WP_ARRAY_SIZE(names);
	in.image_digest = manifest;
	doc = doc_of(&in);
	assert_spdx_23(doc);
	img = package(doc, "SPDXRef-Image");
	cr_assert_str_eq(str_at(img, "name"), "ghcr.io/acme/hello");
	cr_assert_str_eq(str_at(img, "versionInfo"), manifest);
	cr_assert_str_eq(str_at(img, "primaryPackagePurpose"), "CONTAINER");
	cr_assert_str_eq(str_at(json_array_get(array_at(img, "checksums"), 0), "checksumValue"),
			 manifest + 7);
	cr_assert(has_ref(img, "PACKAGE-MANAGER", "purl",
			  "pkg:oci/hello@sha256%3A1111111111111111111111111111111111111111111111111"
			  "111111111111111?repository_url=ghcr.io/acme/hello&tag=v1"));
	cr_assert(has_ref(img, "PACKAGE-MANAGER", "purl",
			  "pkg:oci/hello@sha256%3A1111111111111111111111111111111111111111111111111"
			  "111111111111111?repository_url=localhost:5000/hello"));
	cr_assert(has_relationship(doc, "SPDXRef-Image", "CONTAINS", "SPDXRef-Module"));
	json_decref(doc);
	module_release(&m);
}

Test(sbom, without_summary)
{
	static const char digest[] =
		"sha256:2222222222222222222222222222222222222222222222222222222222222222";
	struct sbom_input in = {.module_name = "x.wasm", .module_digest = digest, .module_size = 8};
	json_t *doc = doc_of(&in);

	assert_spdx_23(doc);
	cr_assert_str_eq(str_at(package(doc, "SPDXRef-Module"), "comment"),
			 "WebAssembly binary, 8 bytes");
	cr_assert_str_eq(str_at(json_object_get(doc, "creationInfo"), "created"),
			 "1970-01-01T00:00:00Z");
	cr_assert_eq(json_array_size(array_at(doc, "packages")), 1);
	json_decref(doc);
}

Test(sbom, deterministic)
{
	static const char *const names[] = {"ghcr.io/acme/hello:v1"};
	static const char manifest[] =
		"sha256:1111111111111111111111111111111111111111111111111111111111111111";
	struct module m;
	struct sbom_input in;
	wp_buf a, b, c;
	json_t *doc;
	char want_ns[256];

	built_module(&m);
	in = input_for(&m, "app.wasm");
	write_doc(&in, &a);
	write_doc(&in, &b);
	cr_assert_eq(a.len, b.len);
	cr_assert_arr_eq(a.data, b.data, a.len, "same input, same bytes");
	/* the namespace follows the content: another image, another document */
	in.image_names = names;
	in.n_image_names = 1;
	in.image_digest = manifest;
	write_doc(&in, &c);
	doc = doc_of(&in);
	snprintf(want_ns, sizeof(want_ns), "https://wasmpack.dev/spdx/%s/", m.digest + 7);
	cr_assert(wp_str_has_prefix(str_at(doc, "documentNamespace"), want_ns), "%s",
		  str_at(doc, "documentNamespace"));
	cr_assert_eq(strlen(str_at(doc, "documentNamespace")), strlen(want_ns) + 64);
	cr_assert_null(strstr(a.data, str_at(doc, "documentNamespace")));
	json_decref(doc);
	wp_buf_release(&a);
	wp_buf_release(&b);
	wp_buf_release(&c);
	module_release(&m);
}

Test(sbom, source_date_epoch)
{
	struct module m;
	struct sbom_input in;
	json_t *doc;
	wp_buf out = WP_BUF_INIT(1 << 20);
	wp_error *err = NULL;
	int r;

	built_module(&m);
	in = input_for(&m, "app.wasm");
	setenv("SOURCE_DATE_EPOCH", "86400", 1);
	doc = doc_of(&in);
	cr_assert_str_eq(str_at(json_object_get(doc, "creationInfo"), "created"),
			 "1970-01-02T00:00:00Z", "SOURCE_DATE_EPOCH wins over the given time");
	json_decref(doc);
	setenv("SOURCE_DATE_EPOCH", "yesterday", 1);
	r = sbom_spdx_json(&in, &out, &err);
	assert_error(r, err, WP_EINVALID, "SOURCE_DATE_EPOCH");
	wp_buf_release(&out);
	module_release(&m);
}

Test(sbom, refused)
{
	static const char good[] =
		"sha256:2222222222222222222222222222222222222222222222222222222222222222";
	static const char *const bad_name[] = {"Not A Reference"};
	static const struct {
		struct sbom_input in;
		const char *needle;
	} cases[] = {
		{{.module_name = "x.wasm", .module_digest = "sha256:abc"}, "module digest"},
		{{.module_name = "x.wasm", .module_digest = NULL}, "module digest: missing"},
		{{.module_name = "x.wasm",
		  .module_digest =
			  "sha512:2222222222222222222222222222222222222222222222222222222222"
			  "2222222222222222222222222222222222222222222222222222222222222222"
			  "2222"},
		 "expected sha256"},
		{{.module_name = NULL, .module_digest = good}, "no module file name"},
		{{.module_name = "x.wasm", .module_digest = good, .image_digest = "sha256:x"},
		 "image digest"},
		{{.module_name = "x.wasm",
		  .module_digest = good,
		  .image_digest = good,
		  .image_names = bad_name,
		  .n_image_names = 1},
		 "Not A Reference"},
		{{.module_name = "\xff.wasm", .module_digest = good}, "UTF-8"},
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(cases); i++) {
		wp_buf out = WP_BUF_INIT(1 << 20);
		wp_error *err = NULL;
		int r = sbom_spdx_json(&cases[i].in, &out, &err);

		assert_error_in(cases[i].needle, r, err, WP_EINVALID, cases[i].needle);
		wp_buf_release(&out);
	}
}
