#include "build_format.h"
#include "../lib/str.h"
#include "../wasmopt/module.h"
#include "../wasmopt/summary.h"
#include "../lib/common.h"

static const char *const names[] = {
	[BUILD_FORMAT_IMAGE] = "image",
	[BUILD_FORMAT_ARTIFACT] = "artifact",
	[BUILD_FORMAT_WASM_LAYER] = "wasm-layer",
};

int build_format_parse(const char *s, build_format *out, wp_error **err)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (build_format)i;
			return 0;
		}
	return wp_error_set(err, WP_EUSAGE,
			    "--format \"%s\": expected image, artifact or wasm-layer", s);
}

const char *build_format_name(build_format f)
{
	return names[f];
}

/* The component's import and export names: its WIT interfaces. */
static int component_names(const char *module, wp_strv *imports, wp_strv *exports, wp_error **err)
{
	wp_module *m = NULL;
	wp_module_summary s = {0};
	int r = wp_module_read_file(&m, module, err);

	if (r == 0)
		r = wp_module_summarize_read(&s, m, err);
	if (r == 0 && (s.imports_unreadable || s.exports_unreadable))
		r = wp_error_set(err, WP_EINVALID,
				 "%s: the component's %s cannot be read (%s), and the Wasm "
				 "artifact config must list them",
				 module, s.imports_unreadable ? "imports" : "exports",
				 s.imports_unreadable ? s.imports_unreadable
						      : s.exports_unreadable);
	for (size_t i = 0; r == 0 && i < s.n_imports; i++)
		r = wp_strv_push(imports, s.imports[i].name, err);
	for (size_t i = 0; r == 0 && i < s.n_exports; i++)
		r = wp_strv_push(exports, s.exports[i].name, err);
	wp_module_summary_release(&s);
	wp_module_free(m);
	return r;
}

int build_format_wasm_image(wp_layout *l, build_format f, const char *module, bool component,
			    const char *entrypoint, const wp_image_spec *spec, wp_built_image *out,
			    wp_error **err)
{
	wp_strv imports = {0}, exports = {0};
	wp_wasm_image_spec w = {
		.kind = f == BUILD_FORMAT_ARTIFACT ? WP_WASM_IMAGE_ARTIFACT
						   : WP_WASM_IMAGE_WASM_LAYER,
		.module_path = module,
		.title = wp_path_basename(entrypoint),
		.os = component ? "wasip2" : "wasip1",
		.created = spec->created,
		.author = spec->author,
		.component = component,
		.component_imports = &imports,
		.component_exports = &exports,
		.cmd = &spec->cmd,
		.env = &spec->env,
		.labels = &spec->labels,
		.annotations = &spec->annotations,
	};
	int r = 0;

	if (component && f == BUILD_FORMAT_ARTIFACT)
		r = component_names(module, &imports, &exports, err);
	if (r == 0)
		r = wp_wasm_image_build(l, &w, out, err);
	wp_strv_release(&imports);
	wp_strv_release(&exports);
	return r;
}
