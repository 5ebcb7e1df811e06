/* wasmpack inspect: what an image is and what its module needs. */
#include <jansson.h>

#include "cmd.h"
#include "image_view.h"
#include "output_format.h"
#include "remote_cmd.h"
#include "../lib/fileio.h"
#include "../lib/json.h"
#include "../lib/str.h"
#include "../oci/config.h"
#include "../oci/image_wasm.h"
#include "../oci/manifest.h"
#include "../oci/mediatype.h"
#include "../oci/pull.h"
#include "../oci/remote.h"
#include "../oci/source.h"
#include "../wasmopt/module.h"
#include "../wasmopt/summary.h"
#include "../lib/common.h"

static int run_inspect(int argc, char **argv);

const wp_command cmd_inspect = {
	"inspect",
	"show what an image holds and what its module imports and exports",
	run_inspect,
	"Usage: wasmpack inspect [OPTIONS] SOURCE\n"
	"\n"
	"Print a summary of an image: digest, media type, platform, created,\n"
	"entrypoint, cmd, env, labels, annotations, layers (size, compression), and\n"
	"for the module it runs: core module or component, size, WASI version (from\n"
	"the import names: wasi_snapshot_preview1, wasi:* interfaces), imports,\n"
	"exports, custom sections and producers (language, toolchain). An index is\n"
	"shown with the image picked from it (wasi/wasm, wasip1/wasm, wasip2/wasm, or\n"
	"--platform). A registry image is downloaded to a temporary directory,\n"
	"verified, and removed afterwards.\n"
	"\n"
	"SOURCE: REF ([REGISTRY[:PORT]/]NAME[:TAG|@DIGEST]), or DIR, oci:DIR[:NAME],\n"
	"        oci-archive:FILE[:NAME], docker-archive:FILE[:NAME]\n"
	"\n"
	"Options:\n"
	"      --raw                   print the manifest (or index) as stored\n"
	"      --config                print the image config as stored\n" OUTPUT_FORMAT_HELP
	"      --platform OS/ARCH[/VARIANT]\n"
	"                              the image to show from an index\n" REMOTE_CMD_OPTIONS_HELP
	"\n"
	"Examples:\n"
	"  wasmpack inspect ghcr.io/acme/app:1.0\n"
	"  wasmpack inspect oci:wasmpack-out:v1 --format json | jq .module.imports\n"
	"  wasmpack inspect --raw localhost:5000/app:v1\n",
};

enum {
	OPT_RAW = 0x2000,
	OPT_CONFIG,
	OPT_PLATFORM,
};

typedef enum what {
	SHOW_SUMMARY,
	SHOW_RAW,
	SHOW_CONFIG,
} what;

struct inspect_args {
	const char *source;
	const char *platform;
	what show;
	bool json;
	struct remote_args remote;
};

/* ---- the summary, as JSON (printed as is, or as text) ---- */

/* Builders that give up quietly on OOM: the document is checked once. */
static void set_str(json_t *o, const char *key, const char *value)
{
	if (value)
		json_object_set_new(o, key, json_string(value));
}

static json_t *strv_json(const wp_strv *v)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < v->len; i++)
		json_array_append_new(a, json_string(v->items[i]));
	return a;
}

static json_t *kv_json(const wp_kv *kv)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < kv->len; i++)
		json_object_set_new(o, kv->items[i].key, json_string(kv->items[i].value));
	return o;
}

static const char *compression_of(const char *mt)
{
	if (wp_str_has_suffix(mt, "+gzip") || wp_str_has_suffix(mt, ".gzip"))
		return "gzip";
	if (wp_str_has_suffix(mt, "+zstd"))
		return "zstd";
	if (wp_str_has_suffix(mt, ".tar") || wp_str_has_suffix(mt, "v1.tar"))
		return "none";
	return "-";
}

static json_t *module_json(const wp_module_summary *s, const char *where)
{
	json_t *o = json_object(), *imports = json_array(), *exports = json_array();
	json_t *customs = json_array(), *producers = json_object();

	set_str(o, "path", where);
	set_str(o, "kind", s->component ? "component" : "core module");
	json_object_set_new(o, "size", json_integer((json_int_t)s->size));
	set_str(o, "wasi", wp_wasi_version_name(s->wasi));
	json_object_set_new(o, "wasiInterfaces", strv_json(&s->wasi_interfaces));
	for (size_t i = 0; i < s->n_imports; i++) {
		json_t *e = json_object();

		set_str(e, "module", s->imports[i].module);
		set_str(e, "name", s->imports[i].name);
		set_str(e, "kind", s->imports[i].kind);
		set_str(e, "signature", s->imports[i].signature);
		json_array_append_new(imports, e);
	}
	for (size_t i = 0; i < s->n_exports; i++) {
		json_t *e = json_object();

		set_str(e, "name", s->exports[i].name);
		set_str(e, "kind", s->exports[i].kind);
		set_str(e, "signature", s->exports[i].signature);
		json_array_append_new(exports, e);
	}
	for (size_t i = 0; i < s->n_customs; i++)
		json_array_append_new(customs, json_pack("{s:s,s:I}", "name", s->customs[i].name,
							 "size", (json_int_t)s->customs[i].size));
	for (size_t i = 0; i < s->n_producers; i++) {
		json_t *values = json_array();

		for (size_t k = 0; k < s->producers[i].n_values; k++)
			json_array_append_new(values,
					      json_pack("{s:s,s:s}", "name",
							s->producers[i].values[k].name, "version",
							s->producers[i].values[k].version));
		json_object_set_new(producers, s->producers[i].name, values);
	}
	json_object_set_new(o, "imports", imports);
	json_object_set_new(o, "exports", exports);
	json_object_set_new(o, "customSections", customs);
	json_object_set_new(o, "producers", producers);
	set_str(o, "importsUnreadable", s->imports_unreadable);
	set_str(o, "exportsUnreadable", s->exports_unreadable);
	set_str(o, "producersUnreadable", s->producers_unreadable);
	return o;
}

/* The module of the image, summarised; a note instead when it cannot be. */
static json_t *module_of(const struct image_view *v, wp_error **err)
{
	wp_image_wasm w = {0};
	wp_module *mod = NULL;
	wp_module_summary s = {0};
	_cleanup_free_ char *tmp = NULL;
	const char *dir = getenv("TMPDIR");
	json_t *o = NULL;
	int fd, r;

	r = wp_image_find_wasm(&v->m, v->has_config ? &v->config : NULL, &w, err);
	if (r == 0 &&
	    !(tmp = wp_strdup_printf("%s/wasmpack-module-XXXXXX", dir && *dir ? dir : "/tmp")))
		r = wp_error_oom(err);
	if (r == 0 && (fd = mkstemp(tmp)) < 0)
		r = wp_error_set_errno(err, errno, "cannot create a temporary file");
	else if (r == 0)
		close(fd);
	if (r == 0)
		r = wp_image_write_wasm(v->l, &v->m, &w, tmp, 0, err);
	if (r == 0)
		r = wp_module_read_file(&mod, tmp, err);
	if (r == 0)
		r = wp_module_summarize_read(&s, mod, err);
	if (r == 0 && !(o = module_json(&s, w.layer ? w.layer->digest : w.path)))
		r = wp_error_oom(err);
	if (tmp)
		unlink(tmp);
	wp_module_summary_release(&s);
	wp_module_free(mod);
	wp_image_wasm_release(&w);
	return r == 0 ? o : NULL;
}

/* What an index lists: each entry's digest and platform, so one inspect
 * shows every platform a tag serves (the one described is picked). */
static json_t *index_json(const struct image_view *v)
{
	wp_index idx = {0};
	wp_error *ignored = NULL;
	json_t *o = json_pack("{s:s,s:s}", "digest", v->top.digest, "mediaType", v->top.media_type);
	json_t *list = json_array();

	if (wp_index_parse(&idx, v->top_bytes.data, v->top_bytes.len, v->top.digest, &ignored) ==
	    0) {
		for (size_t i = 0; i < idx.n_manifests; i++) {
			const wp_descriptor *d = &idx.manifests[i];
			_cleanup_free_ char *pf =
				d->platform ? wp_platform_format(d->platform) : NULL;
			json_t *e = json_pack("{s:s,s:s}", "digest", d->digest, "mediaType",
					      d->media_type);

			if (e && pf)
				json_object_set_new(e, "platform", json_string(pf));
			json_array_append_new(list, e);
		}
	}
	wp_error_free(ignored);
	wp_index_release(&idx);
	json_object_set_new(o, "manifests", list);
	return o;
}

static json_t *summary_json(const struct image_view *v, const char *source)
{
	json_t *o = json_object(), *layers = json_array();
	const wp_image_config *c = &v->config;

	set_str(o, "name", source);
	set_str(o, "digest", v->image.digest);
	set_str(o, "mediaType", v->image.media_type);
	json_object_set_new(o, "size", json_integer(v->image.size));
	if (strcmp(v->top.digest, v->image.digest) != 0)
		json_object_set_new(o, "index", index_json(v));
	if (v->has_config) {
		_cleanup_free_ char *pf = wp_platform_format(&c->platform);

		set_str(o, "platform", pf);
		set_str(o, "created", c->created);
		if (c->has_entrypoint || c->entrypoint.len)
			json_object_set_new(o, "entrypoint", strv_json(&c->entrypoint));
		if (c->has_cmd || c->cmd.len)
			json_object_set_new(o, "cmd", strv_json(&c->cmd));
		json_object_set_new(o, "env", strv_json(&c->env));
		json_object_set_new(o, "labels", kv_json(&c->labels));
	} else {
		set_str(o, "platform", v->platform);
		set_str(o, "configMediaType", v->m.config.media_type);
	}
	set_str(o, "artifactType", v->m.artifact_type);
	json_object_set_new(o, "annotations", kv_json(&v->m.annotations));
	for (size_t i = 0; i < v->m.n_layers; i++)
		json_array_append_new(
			layers, json_pack("{s:s,s:s,s:I,s:s}", "digest", v->m.layers[i].digest,
					  "mediaType", v->m.layers[i].media_type, "size",
					  (json_int_t)v->m.layers[i].size, "compression",
					  compression_of(v->m.layers[i].media_type)));
	json_object_set_new(o, "layers", layers);
	return o;
}

static void print_field(const char *label, const char *value)
{
	printf("%-14s %s\n", label, value);
}

static void print_list(const char *label, const json_t *a)
{
	_cleanup_free_ char *text = json_dumps(a, JSON_COMPACT);

	if (text && json_array_size(a))
		print_field(label, text);
}

static void print_kv(const char *label, const json_t *o)
{
	const char *key;
	json_t *value;
	bool first = true;

	json_object_foreach ((json_t *)o, key, value) {
		printf("%-14s %s=%s\n", first ? label : "", key, json_string_value(value));
		first = false;
	}
}

static void print_module(const json_t *mod)
{
	const json_t *e;
	size_t i;
	const char *key;
	json_t *values;

	printf("Module:        %s (%s, %" JSON_INTEGER_FORMAT " bytes)\n",
	       json_string_value(json_object_get(mod, "path")),
	       json_string_value(json_object_get(mod, "kind")),
	       json_integer_value(json_object_get(mod, "size")));
	printf("  WASI:        %s", json_string_value(json_object_get(mod, "wasi")));
	json_array_foreach (json_object_get(mod, "wasiInterfaces"), i, e)
		printf("%s%s", i ? ", " : " (", json_string_value(e));
	printf("%s\n", json_array_size(json_object_get(mod, "wasiInterfaces")) ? ")" : "");
	printf("  Imports:     %zu\n", json_array_size(json_object_get(mod, "imports")));
	json_array_foreach (json_object_get(mod, "imports"), i, e) {
		const char *m = json_string_value(json_object_get(e, "module"));
		const char *sig = json_string_value(json_object_get(e, "signature"));

		printf("    %s%s%s  %s%s%s\n", m ? m : "", m ? "." : "",
		       json_string_value(json_object_get(e, "name")),
		       json_string_value(json_object_get(e, "kind")), sig ? " " : "",
		       sig ? sig : "");
	}
	printf("  Exports:     %zu\n", json_array_size(json_object_get(mod, "exports")));
	json_array_foreach (json_object_get(mod, "exports"), i, e) {
		const char *sig = json_string_value(json_object_get(e, "signature"));

		printf("    %s  %s%s%s\n", json_string_value(json_object_get(e, "name")),
		       json_string_value(json_object_get(e, "kind")), sig ? " " : "",
		       sig ? sig : "");
	}
	printf("  Custom sections:\n");
	json_array_foreach (json_object_get(mod, "customSections"), i, e)
		printf("    %-24s %" JSON_INTEGER_FORMAT " bytes\n",
		       json_string_value(json_object_get(e, "name")),
		       json_integer_value(json_object_get(e, "size")));
	json_object_foreach (json_object_get(mod, "producers"), key, values) {
		printf("  %-12s", key);
		json_array_foreach (values, i, e) {
			const char *ver = json_string_value(json_object_get(e, "version"));

			printf("%s%s%s%s", i ? ", " : " ",
			       json_string_value(json_object_get(e, "name")),
			       ver && *ver ? " " : "", ver ? ver : "");
		}
		printf("\n");
	}
}

static void print_text(const json_t *o)
{
	const json_t *idx = json_object_get(o, "index"), *layers = json_object_get(o, "layers");
	const json_t *mod = json_object_get(o, "module"), *l;
	const char *note = json_string_value(json_object_get(o, "moduleNote"));
	size_t i;

	print_field("Name:", json_string_value(json_object_get(o, "name")));
	print_field("Digest:", json_string_value(json_object_get(o, "digest")));
	print_field("Media type:", json_string_value(json_object_get(o, "mediaType")));
	if (idx)
		printf("%-14s %s (%s)\n",
		       "Index:", json_string_value(json_object_get(idx, "digest")),
		       json_string_value(json_object_get(idx, "mediaType")));
	json_array_foreach (json_object_get(idx, "manifests"), i, l) {
		const char *pf = json_string_value(json_object_get(l, "platform"));

		printf("  %-12s %s\n", pf ? pf : "-",
		       json_string_value(json_object_get(l, "digest")));
	}
	if (json_object_get(o, "platform"))
		print_field("Platform:", json_string_value(json_object_get(o, "platform")));
	if (json_object_get(o, "artifactType"))
		print_field("Artifact type:",
			    json_string_value(json_object_get(o, "artifactType")));
	if (json_object_get(o, "configMediaType"))
		print_field("Config:", json_string_value(json_object_get(o, "configMediaType")));
	if (json_object_get(o, "created"))
		print_field("Created:", json_string_value(json_object_get(o, "created")));
	if (json_object_get(o, "entrypoint"))
		print_list("Entrypoint:", json_object_get(o, "entrypoint"));
	if (json_object_get(o, "cmd"))
		print_list("Cmd:", json_object_get(o, "cmd"));
	json_array_foreach (json_object_get(o, "env"), i, l)
		print_field(i ? "" : "Env:", json_string_value(l));
	print_kv("Labels:", json_object_get(o, "labels"));
	print_kv("Annotations:", json_object_get(o, "annotations"));
	printf("Layers:        %zu\n", json_array_size(layers));
	json_array_foreach (layers, i, l)
		printf("  %s  %" JSON_INTEGER_FORMAT " bytes  %s  %s\n",
		       json_string_value(json_object_get(l, "digest")),
		       json_integer_value(json_object_get(l, "size")),
		       json_string_value(json_object_get(l, "compression")),
		       json_string_value(json_object_get(l, "mediaType")));
	if (mod)
		print_module(mod);
	else if (note)
		print_field("Module:", note);
}

static int show(const struct inspect_args *a, const struct image_view *v, wp_error **err)
{
	_cleanup_json_ json_t *o = NULL;
	wp_error *e = NULL;
	json_t *mod;

	if (a->show == SHOW_RAW || a->show == SHOW_CONFIG) {
		const wp_buf *b = a->show == SHOW_RAW ? &v->top_bytes : &v->config_bytes;

		return wp_write_all(STDOUT_FILENO, b->data, b->len, "standard output", err);
	}
	if (!(o = summary_json(v, a->source)))
		return wp_error_oom(err);
	/* an image without a module (or with one that cannot be read) is
	 * still shown, with why */
	if ((mod = module_of(v, &e)))
		json_object_set_new(o, "module", mod);
	else
		json_object_set_new(o, "moduleNote", json_string(e ? e->message : "out of memory"));
	wp_error_free(e);
	if (a->json)
		return output_json_print(o, err);
	print_text(o);
	return 0;
}

static int inspect(const struct inspect_args *a, wp_error **err)
{
	struct image_view v = {0};
	wp_platform platform = {0};
	int r = 0;

	if (a->platform && (r = wp_platform_parse(&platform, a->platform, err)) < 0)
		(*err)->code = WP_EUSAGE;
	if (r == 0)
		r = image_view_open(&v, a->source, a->platform ? &platform : NULL, &a->remote,
				    a->show == SHOW_RAW, err);
	if (r == 0)
		r = show(a, &v, err);
	if (r < 0 && (*err)->code != WP_EUSAGE)
		wp_error_prefix(err, "inspect \"%s\"", a->source);
	fflush(stdout);
	image_view_release(&v);
	wp_platform_release(&platform);
	return r;
}

static int run_inspect(int argc, char **argv)
{
	static const struct option options[] = {
		{"raw", no_argument, NULL, OPT_RAW},
		{"config", no_argument, NULL, OPT_CONFIG},
		OUTPUT_FORMAT_OPTION,
		{"platform", required_argument, NULL, OPT_PLATFORM},
		REMOTE_OPTIONS,
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct inspect_args a = {.remote = REMOTE_ARGS_INIT};
	wp_error *err = NULL;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", options, NULL)) != -1) {
		int handled = remote_cmd_common_option(&cmd_inspect, &a.remote, c, &status);

		if (handled < 0)
			return status;
		if (handled)
			continue;
		switch (c) {
		case OPT_RAW:
			a.show = SHOW_RAW;
			break;
		case OPT_CONFIG:
			a.show = SHOW_CONFIG;
			break;
		case OPT_OUTPUT_FORMAT:
			if ((status = output_format_parse(&cmd_inspect, optarg, &a.json)))
				return status;
			break;
		case OPT_PLATFORM:
			a.platform = optarg;
			break;
		case 'q':
		case OPT_GLOBAL_DEBUG:
			break;
		default:
			return cmd_bad_option(&cmd_inspect, argc, argv, c);
		}
	}
	if (optind >= argc)
		return cmd_usage_error(&cmd_inspect, "missing the image to inspect (SOURCE)");
	if (optind + 1 < argc)
		return cmd_usage_error(&cmd_inspect, "one image at a time; unexpected \"%s\"",
				       argv[optind + 1]);
	a.source = argv[optind];
	if (inspect(&a, &err) < 0) {
		if (err && err->code == WP_EUSAGE)
			return cmd_usage_from(&cmd_inspect, err);
		return cmd_fail(err);
	}
	return EXIT_OK;
}
