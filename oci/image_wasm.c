#include "image_wasm.h"
#include "extract.h"
#include "mediatype.h"
#include "../lib/common.h"

#define WP_MT_WASM_COMPONENT_LAYER "application/vnd.bytecodealliance.wasm.component.layer.v0+wasm"

static bool is_wasm_layer(const wp_descriptor *d)
{
	return strcmp(d->media_type, WP_MT_WASM_LAYER) == 0 ||
	       strcmp(d->media_type, WP_MT_WASM_COMPONENT_LAYER) == 0;
}

int wp_image_find_wasm(const wp_manifest *m, const wp_image_config *config, wp_image_wasm *out,
		       wp_error **err)
{
	const wp_strv *argv = NULL;
	const char *first;

	*out = (wp_image_wasm){0};
	for (size_t i = 0; i < m->n_layers; i++)
		if (is_wasm_layer(&m->layers[i])) {
			out->layer = &m->layers[i];
			return 0;
		}
	if (config && config->entrypoint.len)
		argv = &config->entrypoint;
	else if (config && config->cmd.len)
		argv = &config->cmd;
	if (!argv)
		return wp_error_set(err, WP_ENOTFOUND,
				    "the image has no application/wasm layer and no entrypoint "
				    "naming a module");
	first = argv->items[0];
	/* "path#func": the module is the path */
	out->path = strndup(first, strcspn(first, "#"));
	return out->path ? 0 : wp_error_oom(err);
}

void wp_image_wasm_release(wp_image_wasm *w)
{
	free(w->path);
	*w = (wp_image_wasm){0};
}

/* The layers of m as extract.h takes them; paths owned by the array. */
static int layer_files(const wp_layout *l, const wp_manifest *m, wp_extract_layer **out,
		       wp_error **err)
{
	wp_extract_layer *layers = calloc(m->n_layers + 1, sizeof(*layers));

	if (!layers)
		return wp_error_oom(err);
	for (size_t i = 0; i < m->n_layers; i++) {
		layers[i].media_type = m->layers[i].media_type;
		layers[i].name = m->layers[i].digest;
		if (!(layers[i].path = wp_layout_blob_path(l, m->layers[i].digest))) {
			for (size_t k = 0; k < i; k++)
				free((char *)layers[k].path);
			free(layers);
			return wp_error_oom(err);
		}
	}
	*out = layers;
	return 0;
}

static void layer_files_free(wp_extract_layer *layers, size_t n)
{
	for (size_t i = 0; layers && i < n; i++)
		free((char *)layers[i].path);
	free(layers);
}

int wp_image_write_wasm(const wp_layout *l, const wp_manifest *m, const wp_image_wasm *w,
			const char *out_path, uint64_t max_size, wp_error **err)
{
	wp_extract_options o = {.max_size = max_size, .wasm = true};
	wp_extract_layer *layers = NULL;
	int r;

	if (w->layer) {
		_cleanup_free_ char *blob = wp_layout_blob_path(l, w->layer->digest);

		return blob ? wp_extract_blob(out_path, blob, &o, err) : wp_error_oom(err);
	}
	if ((r = layer_files(l, m, &layers, err)) < 0)
		return r;
	r = wp_extract_file(out_path, layers, m->n_layers, w->path, &o, err);
	layer_files_free(layers, m->n_layers);
	return r;
}

int wp_image_extract(const wp_layout *l, const wp_manifest *m, const char *dir,
		     const wp_extract_options *o, wp_error **err)
{
	wp_extract_layer *layers = NULL;
	int r = layer_files(l, m, &layers, err);

	if (r == 0)
		r = wp_extract_layers(dir, layers, m->n_layers, o, err);
	layer_files_free(layers, m->n_layers);
	return r;
}
