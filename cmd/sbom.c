#include <jansson.h>

#include "sbom.h"
#include "supply_chain.h"
#include "../lib/digest.h"
#include "../lib/json.h"
#include "../lib/str.h"
#include "../lib/version.h"
#include "../oci/config.h"
#include "../oci/reference.h"
#include "../lib/common.h"

#define NAMESPACE_PREFIX "https://wasmpack.dev/spdx/"
#define DOCUMENT_ID "SPDXRef-DOCUMENT"
#define MODULE_ID "SPDXRef-Module"
#define IMAGE_ID "SPDXRef-Image"

/* How a producers field becomes packages: the SPDXID stem, the purpose,
 * and the relationship, read "module TYPE package" or, reversed, "package
 * TYPE module". */
struct producer_role {
	const char *field;
	const char *id_stem;
	const char *purpose;
	const char *relationship;
	bool package_first;
	const char *comment;
};

static const struct producer_role roles[] = {
	{"language", "Language", "SOURCE", "GENERATED_FROM", false,
	 "source language (producers section \"language\")"},
	{"processed-by", "Tool", "APPLICATION", "BUILD_TOOL_OF", true,
	 "tool that processed the module (producers section \"processed-by\")"},
	{"sdk", "SDK", "OTHER", "BUILD_TOOL_OF", true,
	 "SDK the module was built with (producers section \"sdk\")"},
};

/* creationInfo.created: SOURCE_DATE_EPOCH when set, else fallback. */
static int created_time(int64_t fallback, char out[32], wp_error **err)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	int64_t t = fallback;
	int r = 0;

	if (sde && *sde)
		r = wp_parse_int64(sde, 0, INT64_MAX, "SOURCE_DATE_EPOCH", &t, err);
	return r < 0 ? r : wp_format_rfc3339(t, out, err);
}

/* A new package that is not a download and whose files were not analyzed;
 * version and comment may be NULL (or "" for version). */
static int package_new(json_t **out, const char *id, const char *name, const char *version,
		       const char *purpose, const char *comment, wp_error **err)
{
	_cleanup_json_ json_t *p =
		json_pack("{s:s,s:s,s:b,s:s}", "SPDXID", id, "downloadLocation", "NOASSERTION",
			  "filesAnalyzed", 0, "primaryPackagePurpose", purpose);
	int r = p ? 0 : wp_error_oom(err);

	if (r == 0)
		r = wp_json_set_string(p, "name", name, "package name", err);
	if (r == 0 && version && *version)
		r = wp_json_set_string(p, "versionInfo", version, "package version", err);
	if (r == 0 && comment)
		r = wp_json_set_string(p, "comment", comment, "package comment", err);
	if (r == 0)
		*out = TAKE_PTR(p);
	return r;
}

static int set_sha256(json_t *pkg, const char *hex, wp_error **err)
{
	return wp_json_set_new(
		pkg, "checksums",
		json_pack("[{s:s,s:s}]", "algorithm", "SHA256", "checksumValue", hex), err);
}

static int relate(json_t *rels, const char *a, const char *type, const char *b, wp_error **err)
{
	return wp_json_append_new(rels,
				  json_pack("{s:s,s:s,s:s}", "spdxElementId", a, "relationshipType",
					    type, "relatedSpdxElement", b),
				  err);
}

/* A locator has no spaces (SPDX 2.3 7.21): whitespace is percent-encoded
 * (purls, the only locators with '%' in them, have none). Returns an owned string or NULL when out
 * of memory. */
static char *locator_escape(const char *s)
{
	wp_buf b = WP_BUF_INIT(1 << 20);
	int r = 0;

	for (const char *p = s; r == 0 && *p; p++)
		r = strchr(" \t\r\n\v\f", *p)
			    ? wp_buf_appendf(&b, NULL, "%%%02X", (unsigned char)*p)
			    : wp_buf_append(&b, p, 1, NULL);
	if (r < 0) {
		wp_buf_release(&b);
		return NULL;
	}
	return wp_buf_detach(&b, NULL);
}

/* Appends {category, type, locator} to the array refs; locator is
 * module "/" name when module is not NULL. */
static int external_ref(json_t *refs, const char *category, const char *type, const char *module,
			const char *name, wp_error **err)
{
	_cleanup_free_ char *joined = module ? wp_strdup_printf("%s/%s", module, name) : NULL;
	_cleanup_free_ char *locator = locator_escape(joined ? joined : name);
	_cleanup_json_ json_t *ref =
		json_pack("{s:s,s:s}", "referenceCategory", category, "referenceType", type);
	int r = ref && locator && (joined || !module) ? 0 : wp_error_oom(err);

	if (r == 0)
		r = wp_json_set_string(ref, "referenceLocator", locator, "import name", err);
	if (r == 0)
		r = wp_json_append_new(refs, TAKE_PTR(ref), err);
	return r;
}

static bool is_wasi_module(const char *module)
{
	return module &&
	       (strcmp(module, "wasi_snapshot_preview1") == 0 ||
		strcmp(module, "wasi_unstable") == 0 || wp_str_has_prefix(module, "wasi:"));
}

/* The module's external references: a core module's WASI function imports
 * ("wasi-import", "wasi_snapshot_preview1/fd_write"); a component's WASI
 * interfaces ("wasi-interface", "wasi:cli/environment@0.2.0") and its other
 * instance imports and exports ("component-import", "component-export"). */
static int module_refs(json_t *pkg, const wp_module_summary *s, wp_error **err)
{
	_cleanup_json_ json_t *refs = json_array();
	int r = refs ? 0 : wp_error_oom(err);

	for (size_t i = 0; r == 0 && !s->component && i < s->n_imports; i++)
		if (is_wasi_module(s->imports[i].module))
			r = external_ref(refs, "OTHER", "wasi-import", s->imports[i].module,
					 s->imports[i].name, err);
	for (size_t i = 0; r == 0 && s->component && i < s->wasi_interfaces.len; i++)
		r = external_ref(refs, "OTHER", "wasi-interface", NULL, s->wasi_interfaces.items[i],
				 err);
	for (size_t i = 0; r == 0 && s->component && i < s->n_imports; i++)
		if (strcmp(s->imports[i].kind, "instance") == 0 &&
		    !wp_str_has_prefix(s->imports[i].name, "wasi:"))
			r = external_ref(refs, "OTHER", "component-import", NULL,
					 s->imports[i].name, err);
	for (size_t i = 0; r == 0 && s->component && i < s->n_exports; i++)
		if (strcmp(s->exports[i].kind, "instance") == 0)
			r = external_ref(refs, "OTHER", "component-export", NULL,
					 s->exports[i].name, err);
	if (r == 0 && json_array_size(refs) > 0)
		r = wp_json_set_new(pkg, "externalRefs", TAKE_PTR(refs), err);
	return r;
}

static int module_package(json_t *pkgs, const struct sbom_input *in, const char *hex,
			  wp_error **err)
{
	const wp_module_summary *s = in->summary;
	_cleanup_free_ char *comment =
		wp_strdup_printf("WebAssembly %s, %" PRIu64 " bytes%s%s",
				 !s		? "binary"
				 : s->component ? "component"
						: "core module",
				 in->module_size, s && s->wasi != WP_WASI_NONE ? ", WASI " : "",
				 s && s->wasi != WP_WASI_NONE ? wp_wasi_version_name(s->wasi) : "");
	_cleanup_json_ json_t *pkg = NULL;
	int r = comment ? 0 : wp_error_oom(err);

	if (r == 0)
		r = package_new(&pkg, MODULE_ID, wp_path_basename(in->module_name), NULL,
				"APPLICATION", comment, err);
	if (r == 0)
		r = set_sha256(pkg, hex, err);
	if (r == 0 && s)
		r = module_refs(pkg, s, err);
	if (r == 0)
		r = wp_json_append_new(pkgs, TAKE_PTR(pkg), err);
	return r;
}

/* pkg:oci/NAME@sha256%3AHEX?repository_url=REGISTRY/REPOSITORY[&tag=TAG]
 * (the purl "oci" type), for one image name. */
static int image_purl(json_t *refs, const char *image, const char *hex, wp_error **err)
{
	wp_reference ref = {0};
	_cleanup_free_ char *purl = NULL;
	const char *last;
	int r = wp_reference_parse(&ref, image, err);

	if (r < 0)
		return r;
	last = strrchr(ref.repository, '/');
	purl = wp_strdup_printf("pkg:oci/%s@sha256%%3A%s?repository_url=%s/%s%s%s",
				last ? last + 1 : ref.repository, hex, ref.registry, ref.repository,
				ref.tag ? "&tag=" : "", ref.tag ? ref.tag : "");
	r = purl ? external_ref(refs, "PACKAGE-MANAGER", "purl", NULL, purl, err)
		 : wp_error_oom(err);
	wp_reference_release(&ref);
	return r;
}

/* The image (when its digest is known): a container package that contains
 * the module, named after its first image name. */
static int image_package(json_t *pkgs, json_t *rels, const struct sbom_input *in, wp_error **err)
{
	_cleanup_json_ json_t *pkg = NULL, *refs = json_array();
	_cleanup_free_ char *name = NULL;
	const char *hex = NULL; /* set when r == 0, which cppcheck cannot follow */
	int r = refs ? 0 : wp_error_oom(err);

	if (r == 0)
		r = supply_chain_sha256_hex(in->image_digest, "image digest", &hex, err);
	if (r == 0 && in->n_image_names > 0) {
		wp_reference ref = {0};

		r = wp_reference_parse(&ref, in->image_names[0], err);
		if (r == 0 && !(name = wp_reference_name(&ref)))
			r = wp_error_oom(err);
		wp_reference_release(&ref);
	}
	for (size_t i = 0; r == 0 && i < in->n_image_names; i++)
		r = image_purl(refs, in->image_names[i], hex, err);
	if (r == 0)
		r = package_new(&pkg, IMAGE_ID, name ? name : "image", in->image_digest,
				"CONTAINER", "OCI image that carries the module", err);
	if (r == 0)
		r = set_sha256(pkg, hex, err);
	if (r == 0 && json_array_size(refs) > 0)
		r = wp_json_set_new(pkg, "externalRefs", TAKE_PTR(refs), err);
	if (r == 0)
		r = wp_json_append_new(pkgs, TAKE_PTR(pkg), err);
	if (r == 0)
		r = relate(rels, IMAGE_ID, "CONTAINS", MODULE_ID, err);
	return r;
}

/* One package per value of the producers fields of roles[], numbered per
 * role from 1 in the order of the section. */
static int producer_packages(json_t *pkgs, json_t *rels, const wp_module_summary *s, wp_error **err)
{
	int r = 0;

	for (size_t k = 0; r == 0 && k < WP_ARRAY_SIZE(roles); k++) {
		const struct producer_role *role = &roles[k];
		size_t n = 0;

		for (size_t f = 0; r == 0 && f < s->n_producers; f++) {
			const wp_producer_field *field = &s->producers[f];

			if (strcmp(field->name, role->field) != 0)
				continue;
			for (size_t v = 0; r == 0 && v < field->n_values; v++) {
				char id[64];
				json_t *pkg = NULL;

				snprintf(id, sizeof(id), "SPDXRef-%s-%zu", role->id_stem, ++n);
				r = package_new(&pkg, id, field->values[v].name,
						field->values[v].version, role->purpose,
						role->comment, err);
				if (r == 0)
					r = wp_json_append_new(pkgs, pkg, err);
				if (r == 0)
					r = role->package_first
						    ? relate(rels, id, role->relationship,
							     MODULE_ID, err)
						    : relate(rels, MODULE_ID, role->relationship,
							     id, err);
			}
		}
	}
	return r;
}

/* The document without its namespace, which is derived from the rest. */
static int document(json_t *doc, const struct sbom_input *in, const char *hex, wp_error **err)
{
	_cleanup_json_ json_t *pkgs = json_array(), *rels = json_array();
	char when[32];
	int r = pkgs && rels ? 0 : wp_error_oom(err);

	if (r == 0)
		r = created_time(in->created, when, err);
	if (r == 0)
		r = wp_json_set_new(doc, "creationInfo",
				    json_pack("{s:s,s:[s]}", "created", when, "creators",
					      "Tool: wasmpack-" WASMPACK_VERSION),
				    err);
	if (r == 0)
		r = wp_json_set_string(doc, "name", wp_path_basename(in->module_name),
				       "module name", err);
	if (r == 0)
		r = relate(rels, DOCUMENT_ID, "DESCRIBES", MODULE_ID, err);
	if (r == 0)
		r = module_package(pkgs, in, hex, err);
	if (r == 0 && in->image_digest)
		r = image_package(pkgs, rels, in, err);
	if (r == 0 && in->summary)
		r = producer_packages(pkgs, rels, in->summary, err);
	if (r == 0)
		r = wp_json_set_new(doc, "packages", TAKE_PTR(pkgs), err);
	if (r == 0)
		r = wp_json_set_new(doc, "relationships", TAKE_PTR(rels), err);
	return r;
}

/* documentNamespace: NAMESPACE_PREFIX MODULE-HEX "/" the sha256 of the
 * rest of the document, unique per content as SPDX 2.3 6.5 asks and the
 * same for the same inputs. */
static int set_namespace(json_t *doc, const char *module_hex, wp_error **err)
{
	wp_buf rest = WP_BUF_INIT(64 << 20);
	char digest[WP_DIGEST_SIZE];
	_cleanup_free_ char *ns = NULL;
	int r = wp_json_dump_canonical(doc, &rest, err);

	if (r == 0)
		r = wp_sha256_bytes(digest, rest.data, rest.len, err);
	wp_buf_release(&rest);
	if (r < 0)
		return r;
	if (!(ns = wp_strdup_printf(NAMESPACE_PREFIX "%s/%s", module_hex, wp_digest_hex(digest))))
		return wp_error_oom(err);
	return wp_json_set_new(doc, "documentNamespace", json_string(ns), err);
}

int sbom_spdx_json(const struct sbom_input *in, wp_buf *out, wp_error **err)
{
	_cleanup_json_ json_t *doc = json_pack("{s:s,s:s,s:s}", "spdxVersion", "SPDX-2.3",
					       "dataLicense", "CC0-1.0", "SPDXID", DOCUMENT_ID);
	const char *hex = NULL;
	int r = doc ? 0 : wp_error_oom(err);

	if (r == 0 && (!in->module_name || !*wp_path_basename(in->module_name)))
		r = wp_error_set(err, WP_EINVALID, "no module file name given");
	if (r == 0)
		r = supply_chain_sha256_hex(in->module_digest, "module digest", &hex, err);
	if (r == 0)
		r = document(doc, in, hex, err);
	if (r == 0)
		r = set_namespace(doc, hex, err);
	if (r == 0)
		r = wp_json_dump_canonical(doc, out, err);
	if (r < 0)
		wp_error_prefix(err, "SBOM for \"%s\"", in->module_name ? in->module_name : "");
	return r;
}
