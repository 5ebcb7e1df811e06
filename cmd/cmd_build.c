/* wasmpack build: a .wasm file → a FROM-scratch wasi/wasm OCI image. */
#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "build_aot.h"
#include "build_annotations.h"
#include "build_format.h"
#include "build_supply_chain.h"
#include "ci_env.h"
#include "build_dockerfile.h"
#include "build_native.h"
#include "build_source.h"
#include "cmd.h"
#include "project_file.h"
#include "push_run.h"
#include "remote_args.h"
#include "../lib/compress.h"
#include "../lib/fileio.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../oci/destination.h"
#include "../oci/image_build.h"
#include "../oci/image_index.h"
#include "../oci/layer.h"
#include "../oci/mediatype.h"
#include "../oci/output.h"
#include "../oci/reference.h"
#include "../wasmopt/module.h"
#include "../wasmopt/optimize.h"
#include "../wasmopt/validate.h"
#include "../wasmopt/wasm_scan.h"
#include "../lib/common.h"

#define DEFAULT_OUTPUT "wasmpack-out"
#define DEFAULT_PLATFORM "wasi/wasm"

static int run_build(int argc, char **argv);

const wp_command cmd_build = {
	"build",
	"build a wasi/wasm OCI image from a WebAssembly module",
	run_build,
	"Usage: wasmpack build [OPTIONS] INPUT...\n"
	"\n"
	"INPUT: a module (MODULE.wasm), WebAssembly text (X.wat, encoded in-process),\n"
	"C/C++ sources (X.c X.cc X.cpp ..., compiled by clang for wasm32-wasi), or a\n"
	"directory holding a Rust project (Cargo.toml: cargo build --release for\n"
	"wasm32-wasip1). What is done with it is printed in one line.\n"
	"\n"
	"Build a FROM-scratch OCI image for the wasi/wasm platform holding MODULE, the\n"
	"image 'docker buildx build --platform wasi/wasm --provenance=false' makes from\n"
	"  FROM scratch\n"
	"  COPY MODULE.wasm /MODULE.wasm\n"
	"  ENTRYPOINT [\"/MODULE.wasm\"]\n"
	"with no daemon and byte-for-byte reproducible. The module is checked first:\n"
	"core modules are fully validated (see 'wasmpack validate'), components have\n"
	"their section layout checked. Prints the manifest digest on stdout.\n"
	"\n"
	"Options:\n"
	"  -t, --tag NAME[:TAG]        name the image (repeatable; default\n"
	"                              <module name>:latest)\n"
	"  -o, --output DEST           where to write the image (default ./" DEFAULT_OUTPUT "):\n"
	"                                DIR or oci:DIR        OCI image layout directory\n"
	"                                oci-archive:FILE      tar of an OCI layout\n"
	"                                docker-archive:FILE   for 'docker load'\n"
	"                                type=oci,dest=FILE[,tar=false]   (buildx forms)\n"
	"                                type=docker,dest=FILE\n"
	"                              FILE may be - for standard output\n"
	"      --platform OS/ARCH      wasi/wasm (default, what Docker writes),\n"
	"                              wasip1/wasm or wasip2/wasm (components)\n"
	"      --format FORMAT         image (default: the Docker-compatible image),\n"
	"                              artifact (the CNCF Wasm OCI artifact: the module\n"
	"                              as one raw application/wasm layer, a\n"
	"                              application/vnd.wasm.config.v0+json config) or\n"
	"                              wasm-layer (runwasi's: an image config with no\n"
	"                              diff_ids and one application/wasm layer)\n"
	"      --author NAME           the image config's author\n"
	"      --sbom                  with --push: attach an SPDX 2.3 SBOM of the module\n"
	"                              to the pushed image as an OCI referrer\n"
	"      --provenance            with --push: attach a SLSA v1 provenance (in-toto)\n"
	"                              as an OCI referrer; neither changes the image's\n"
	"                              digest or adds an index entry\n"
	"      --entrypoint PATH       absolute image path of the module, ending in .wasm\n"
	"                              (default /<module file name>)\n"
	"      --cmd ARG               an argument after the entrypoint (repeatable)\n"
	"  -e, --env KEY=VALUE         an environment variable (repeatable)\n"
	"  -l, --label KEY=VALUE       an image config label (repeatable)\n"
	"      --annotation [LEVEL:]KEY=VALUE\n"
	"                              an annotation (repeatable); LEVEL as buildx and\n"
	"                              metadata-action write it: manifest (default),\n"
	"                              index, manifest-descriptor (both with --aot\n"
	"                              native), comma-separated, [OS/ARCH] after it\n"
	"                              for one platform's images\n"
	"      --workdir DIR           the working directory (absolute)\n"
	"      --user USER             the user to run as\n"
	"      --expose PORT[/PROTO]   a port to document (tcp, udp or sctp; repeatable)\n"
	"      --add SRC:DST           copy a host file or directory into the image at\n"
	"                              DST, with Docker COPY rules (repeatable)\n"
	"      --media-types TYPE      oci (default) or docker (schema2, for old\n"
	"                              registries; no annotations, no zstd)\n"
	"      --no-validate           skip the validation of a core module (the\n"
	"                              section layout is still checked)\n"
	"  -O0, -Os, -Oz               optimize the module before packing it (see\n"
	"                              'wasmpack optimize'); -O0 (default) packs the\n"
	"                              bytes as given. The original's digest is kept\n"
	"                              in the annotation dev.wasmpack.source.digest\n"
	"      --strip                 drop debug and tooling sections only (-Os)\n"
	"  Sources (-Os/-Oz/-O0 are also the compiler's -O; default -O2):\n"
	"      --sysroot DIR           the WASI sysroot for C/C++ (default: WASI_SYSROOT,\n"
	"                              Debian's /usr (wasi-libc), /opt/wasi-sdk)\n"
	"      --cflags FLAGS          more compiler flags, split at spaces (repeatable)\n"
	"      --features LIST         cargo features (repeatable)\n"
	"      --bin NAME              the cargo binary to build\n"
	"      --aot COMPILER          compile ahead of time with a runtime's compiler:\n"
	"                              wasmedge (universal Wasm, replaces the module),\n"
	"                              wasmtime (.cwasm) or wamr (.aot) shipped next to\n"
	"                              the module with the compiler's version in an\n"
	"                              annotation; native: a linux/<arch> image of\n"
	"                              the module compiled natively (wasm2c and a WASI\n"
	"                              host) beside the wasi/wasm one, in an index\n"
	"      --aot-compiler PATH     the compiler to run (default: found on PATH)\n"
	"      --aot-platforms LIST    native: linux/amd64 and/or linux/arm64 (comma-\n"
	"                              separated; default this machine's; another\n"
	"                              needs Debian's cross gcc for it)\n"
	"  Dockerfile (wasmpack build -f Dockerfile [CONTEXT]):\n"
	"  -f, --file DOCKERFILE       build its final stage, which must be FROM scratch:\n"
	"                              COPY/ADD of CONTEXT's files (default .), one\n"
	"                              layer each, ENTRYPOINT, CMD, ENV, LABEL, EXPOSE,\n"
	"                              WORKDIR, USER, ARG; RUN and the like are refused\n"
	"      --build-arg KEY=VALUE   an ARG's value (repeatable)\n"
	"      --from-stage NAME=PATH  what COPY --from=NAME copies from: the stage's\n"
	"                              output built by an earlier step (a file, or a\n"
	"                              directory standing for its filesystem)\n"
	"      --keep-section NAME     keep this custom section when optimizing\n"
	"      --remove-unused-imports let -Oz remove unused function imports\n"
	"      --compression ALG       gzip (default), zstd or none\n"
	"      --compression-level N   gzip 1-9 (default 6), zstd 1-19 (default 3)\n"
	"      --metadata-file FILE    write the digest, media type, size, config digest,\n"
	"                              tags and platform as JSON (for CI steps); - prints\n"
	"                              it on stdout instead of the digest (build's JSON\n"
	"                              output: --format names the image format here)\n"
	"      --push                  push every -t to its registry once built (see\n"
	"                              'wasmpack push --help'; these options apply:)\n" REMOTE_OPTIONS_HELP
	"  -q, --quiet                 print only the digest\n"
	"      --debug                 print every step\n"
	"  -h, --help                  print this help\n"
	"\n"
	"Environment:\n"
	"  SOURCE_DATE_EPOCH           when set, the image's 'created' time and every\n"
	"                              file's mtime; otherwise there are no timestamps\n"
	"\n"
	"Examples:\n"
	"  wasmpack build hello.wasm -t hello:v1\n"
	"  wasmpack build app.wasm -t ghcr.io/acme/app:1.2 -o oci-archive:app.tar\n"
	"  wasmpack build app.wasm -o type=docker,dest=- | docker load\n"
	"  wasmpack build hello.c -t ghcr.io/acme/hello:1 --push\n"
	"  wasmpack build -f Dockerfile --from-stage builder=target/app.wasm .\n"
	"  wasmpack build srv.wasm --cmd --port --cmd 8080 -e RUST_LOG=info --expose 8080\n",
};

enum {
	OPT_PLATFORM = 0x2000,
	OPT_ENTRYPOINT,
	OPT_CMD,
	OPT_ANNOTATION,
	OPT_WORKDIR,
	OPT_USER,
	OPT_EXPOSE,
	OPT_ADD,
	OPT_MEDIA_TYPES,
	OPT_COMPRESSION,
	OPT_COMPRESSION_LEVEL,
	OPT_METADATA_FILE,
	OPT_PUSH,
	OPT_NO_VALIDATE,
	OPT_STRIP,
	OPT_KEEP_SECTION,
	OPT_REMOVE_IMPORTS,
	OPT_SYSROOT,
	OPT_CFLAGS,
	OPT_FEATURES,
	OPT_BIN,
	OPT_BUILD_ARG,
	OPT_FROM_STAGE,
	OPT_AOT,
	OPT_AOT_COMPILER,
	OPT_AOT_PLATFORMS,
	OPT_FORMAT,
	OPT_AUTHOR,
	OPT_SBOM,
	OPT_PROVENANCE,
};

struct build_args {
	const char *input;	   /* the module to pack (made from sources when given) */
	const char *const *inputs; /* as given: a module, WAT, C sources or a directory */
	size_t n_inputs;
	struct build_source source; /* the module made from them */
	const char *sysroot;
	wp_strv cflags;
	wp_strv features;
	const char *bin;
	bool o_given;		     /* -O on the command line */
	struct project_file project; /* wasmpack.yaml, when built from one */
	const char *dockerfile;	     /* -f: the final stage of this Dockerfile */
	wp_strv build_args;
	wp_strv from_stages;
	struct dockerfile_plan df; /* what it makes */
	bool has_df;
	const char *aot; /* --aot */
	const char *aot_compiler;
	const char *aot_platforms; /* "linux/amd64,linux/arm64" */
	bool has_project;
	wp_strv tags;
	const char *output;
	const char *platform;
	const char *entrypoint;
	wp_strv cmd;
	bool has_cmd;
	wp_strv env;
	wp_strv labels;
	wp_strv annotations;
	const char *workdir;
	const char *user;
	wp_strv expose;
	wp_strv adds;
	const char *media_types;
	const char *compression;
	const char *compression_level;
	const char *metadata_file;
	const char *format; /* image, artifact or wasm-layer */
	const char *author;
	bool sbom, provenance; /* attached as referrers after --push */
	bool push;
	bool no_validate;
	wp_opt_options opt;
	wp_strv keep_sections;
	struct remote_args remote;
};

/* Everything derived from the arguments before any file is written. */
struct build_plan {
	wp_wasm_summary module;
	wp_reference *tags;
	size_t n_tags;
	wp_destination dest;
	wp_image_spec spec;
	wp_layer_plan files;
	int64_t mtime;
	char *history;
	char *entrypoint;
	char *optimized; /* a temporary file holding the optimized module */
	struct aot_result aot;
	struct native_build natives[2]; /* --aot native, per platform */
	size_t n_natives;
	char *native_stem;
	struct build_annotations ann; /* --annotation and CI defaults, by level */
	build_format format;
	int64_t started; /* for the provenance */
};

static void build_args_release(struct build_args *a)
{
	build_source_release(&a->source);
	if (a->has_project)
		project_file_release(&a->project);
	if (a->has_df)
		dockerfile_plan_release(&a->df);
	wp_strv_release(&a->build_args);
	wp_strv_release(&a->from_stages);
	wp_strv_release(&a->cflags);
	wp_strv_release(&a->features);
	wp_strv_release(&a->keep_sections);
	wp_strv_release(&a->tags);
	wp_strv_release(&a->cmd);
	wp_strv_release(&a->env);
	wp_strv_release(&a->labels);
	wp_strv_release(&a->annotations);
	wp_strv_release(&a->expose);
	wp_strv_release(&a->adds);
}

static void build_plan_release(struct build_plan *p)
{
	for (size_t i = 0; i < p->n_tags; i++)
		wp_reference_release(&p->tags[i]);
	free(p->tags);
	wp_destination_release(&p->dest);
	wp_platform_release(&p->spec.platform);
	wp_strv_release(&p->spec.entrypoint);
	wp_strv_release(&p->spec.cmd);
	wp_strv_release(&p->spec.env);
	wp_strv_release(&p->spec.exposed_ports);
	wp_kv_release(&p->spec.labels);
	wp_kv_release(&p->spec.annotations);
	build_annotations_release(&p->ann);
	wp_layer_plan_release(&p->files);
	free(p->history);
	free(p->entrypoint);
	aot_result_release(&p->aot);
	for (size_t i = 0; i < p->n_natives; i++)
		native_build_release(&p->natives[i]);
	free(p->native_stem);
	if (p->optimized)
		unlink(p->optimized);
	free(p->optimized);
}

/* Returns 0, or an exit status after printing a usage error. */
static int parse_args(int argc, char **argv, struct build_args *a)
{
	static const struct option options[] = {
		{"tag", required_argument, NULL, 't'},
		{"output", required_argument, NULL, 'o'},
		{"env", required_argument, NULL, 'e'},
		{"label", required_argument, NULL, 'l'},
		{"platform", required_argument, NULL, OPT_PLATFORM},
		{"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
		{"cmd", required_argument, NULL, OPT_CMD},
		{"annotation", required_argument, NULL, OPT_ANNOTATION},
		{"workdir", required_argument, NULL, OPT_WORKDIR},
		{"user", required_argument, NULL, OPT_USER},
		{"expose", required_argument, NULL, OPT_EXPOSE},
		{"add", required_argument, NULL, OPT_ADD},
		{"media-types", required_argument, NULL, OPT_MEDIA_TYPES},
		{"compression", required_argument, NULL, OPT_COMPRESSION},
		{"compression-level", required_argument, NULL, OPT_COMPRESSION_LEVEL},
		{"metadata-file", required_argument, NULL, OPT_METADATA_FILE},
		{"push", no_argument, NULL, OPT_PUSH},
		{"no-validate", no_argument, NULL, OPT_NO_VALIDATE},
		{"strip", no_argument, NULL, OPT_STRIP},
		{"keep-section", required_argument, NULL, OPT_KEEP_SECTION},
		{"remove-unused-imports", no_argument, NULL, OPT_REMOVE_IMPORTS},
		{"sysroot", required_argument, NULL, OPT_SYSROOT},
		{"cflags", required_argument, NULL, OPT_CFLAGS},
		{"features", required_argument, NULL, OPT_FEATURES},
		{"bin", required_argument, NULL, OPT_BIN},
		{"file", required_argument, NULL, 'f'},
		{"build-arg", required_argument, NULL, OPT_BUILD_ARG},
		{"from-stage", required_argument, NULL, OPT_FROM_STAGE},
		{"aot", required_argument, NULL, OPT_AOT},
		{"aot-compiler", required_argument, NULL, OPT_AOT_COMPILER},
		{"aot-platforms", required_argument, NULL, OPT_AOT_PLATFORMS},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"author", required_argument, NULL, OPT_AUTHOR},
		{"sbom", no_argument, NULL, OPT_SBOM},
		{"provenance", no_argument, NULL, OPT_PROVENANCE},
		REMOTE_OPTIONS,
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	wp_error *err = NULL;
	int c, status, r = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:o:e:l:O:f:qh", options, NULL)) != -1) {
		if (cmd_handle_global(&cmd_build, c, &status))
			return status == EXIT_OK ? -1 : status;
		if ((r = remote_args_handle(&a->remote, c, optarg, &err)) < 0)
			return cmd_usage_from(&cmd_build, err);
		if (r > 0) {
			r = 0;
			continue;
		}
		switch (c) {
		case 't':
			r = wp_strv_push(&a->tags, optarg, &err);
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'e':
			r = wp_strv_push(&a->env, optarg, &err);
			break;
		case 'l':
			r = wp_strv_push(&a->labels, optarg, &err);
			break;
		case OPT_PLATFORM:
			a->platform = optarg;
			break;
		case OPT_ENTRYPOINT:
			a->entrypoint = optarg;
			break;
		case OPT_CMD:
			a->has_cmd = true;
			r = wp_strv_push(&a->cmd, optarg, &err);
			break;
		case OPT_ANNOTATION:
			r = wp_strv_push(&a->annotations, optarg, &err);
			break;
		case OPT_WORKDIR:
			a->workdir = optarg;
			break;
		case OPT_USER:
			a->user = optarg;
			break;
		case OPT_EXPOSE:
			r = wp_strv_push(&a->expose, optarg, &err);
			break;
		case OPT_ADD:
			r = wp_strv_push(&a->adds, optarg, &err);
			break;
		case OPT_MEDIA_TYPES:
			a->media_types = optarg;
			break;
		case OPT_COMPRESSION:
			a->compression = optarg;
			break;
		case OPT_COMPRESSION_LEVEL:
			a->compression_level = optarg;
			break;
		case OPT_METADATA_FILE:
			a->metadata_file = optarg;
			break;
		case OPT_PUSH:
			a->push = true;
			break;
		case OPT_NO_VALIDATE:
			a->no_validate = true;
			break;
		case 'O':
			if (cmd_parse_opt_level(optarg, &a->opt.level) < 0)
				return cmd_usage_error(&cmd_build, "-O%s: expected -O0, -Os or -Oz",
						       optarg);
			a->o_given = true;
			break;
		case OPT_SYSROOT:
			a->sysroot = optarg;
			break;
		case OPT_CFLAGS:
			r = wp_strv_split_words(&a->cflags, optarg, &err);
			break;
		case OPT_FEATURES:
			r = wp_strv_push(&a->features, optarg, &err);
			break;
		case OPT_BIN:
			a->bin = optarg;
			break;
		case 'f':
			a->dockerfile = optarg;
			break;
		case OPT_BUILD_ARG:
			r = wp_strv_push(&a->build_args, optarg, &err);
			break;
		case OPT_FROM_STAGE:
			r = wp_strv_push(&a->from_stages, optarg, &err);
			break;
		case OPT_AOT:
			a->aot = optarg;
			break;
		case OPT_AOT_COMPILER:
			a->aot_compiler = optarg;
			break;
		case OPT_AOT_PLATFORMS:
			a->aot_platforms = optarg;
			break;
		case OPT_FORMAT:
			a->format = optarg;
			break;
		case OPT_AUTHOR:
			a->author = optarg;
			break;
		case OPT_SBOM:
			a->sbom = true;
			break;
		case OPT_PROVENANCE:
			a->provenance = true;
			break;
		case OPT_STRIP:
			a->opt.strip = true;
			break;
		case OPT_KEEP_SECTION:
			r = wp_strv_push(&a->keep_sections, optarg, &err);
			break;
		case OPT_REMOVE_IMPORTS:
			a->opt.remove_unused_imports = true;
			break;
		case 'q':
		case OPT_GLOBAL_DEBUG:
			break;
		default:
			return cmd_bad_option(&cmd_build, argc, argv, c);
		}
		if (r < 0)
			return cmd_fail(err);
	}
	if (a->dockerfile) {
		/* the positional argument is the context */
		static const char *const here[] = {"."};

		if (argc - optind > 1)
			return cmd_usage_error(&cmd_build,
					       "-f: one context directory; unexpected "
					       "\"%s\"",
					       argv[optind + 1]);
		a->inputs = optind < argc ? (const char *const *)argv + optind : here;
		a->n_inputs = 1;
		a->input = a->inputs[0];
		return 0;
	}
	if (optind >= argc && access(PROJECT_FILE_NAME, F_OK) == 0) {
		/* the project in the current directory */
		static const char *const here[] = {"."};

		a->inputs = here;
		a->n_inputs = 1;
		a->input = here[0];
		return 0;
	}
	if (optind >= argc)
		return cmd_usage_error(&cmd_build,
				       "missing the module to build (MODULE.wasm, X.wat, "
				       "X.c, a Cargo project or a directory with wasmpack.yaml)");
	a->inputs = (const char *const *)argv + optind;
	a->n_inputs = (size_t)(argc - optind);
	a->input = argv[optind];
	return 0;
}

/* The module as messages name it: a made one by its file name only (it
 * lives in a temporary directory). */
static const char *shown_input(const struct build_args *a)
{
	return a->source.tmp_dir ? wp_path_basename(a->input) : a->input;
}

/* A usage error from a value: sets WP_EUSAGE so the exit status is 2. */
static int usage(wp_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage(wp_error **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wp_error_setv(err, WP_EUSAGE, fmt, ap);
	va_end(ap);
	return WP_EUSAGE;
}

#ifdef __clang_analyzer__
/* returns a negative code: see lib/error.h */
#define usage(...) wp_error_negative_(usage(__VA_ARGS__))
#endif

/* Turns an error already set by a parser into a usage error (exit 2),
 * prefixed with the option it came from. */
static int as_usage(wp_error **err, const char *option)
{
	if (err && *err) {
		(*err)->code = WP_EUSAGE;
		if (option)
			wp_error_prefix(err, "%s", option);
	}
	return WP_EUSAGE;
}

/* Splits "KEY=VALUE"; the key must be non-empty. */
static int split_kv(const char *arg, const char *option, char **key, const char **value,
		    wp_error **err)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg)
		return usage(err, "%s \"%s\": expected KEY=VALUE", option, arg);
	if (!(*key = strndup(arg, (size_t)(eq - arg))))
		return wp_error_oom(err);
	*value = eq + 1;
	return 0;
}

static int plan_platform(struct build_plan *p, const char *platform, wp_error **err)
{
	static const char *const accepted[] = {"wasi/wasm", "wasip1/wasm", "wasip2/wasm"};
	bool ok = false;

	for (size_t i = 0; i < WP_ARRAY_SIZE(accepted); i++)
		ok |= strcmp(platform, accepted[i]) == 0;
	if (!ok)
		return usage(err,
			     "unsupported platform \"%s\" (accepted: wasi/wasm, wasip1/wasm, "
			     "wasip2/wasm)",
			     platform);
	return wp_platform_parse(&p->spec.platform, platform, err);
}

/* "Hello_World.v2.wasm" → "hello_world.v2": a valid repository name. */
static char *default_name(const char *input)
{
	const char *base = wp_path_basename(input);
	size_t n = strlen(base);
	char *name, *o;

	if (wp_str_has_suffix(base, ".wasm"))
		n -= 5;
	if (!(name = malloc(n + 1)))
		return NULL;
	o = name;
	for (size_t i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)base[i]);

		if (!isalnum((unsigned char)c) && c != '.' && c != '_' && c != '-')
			c = '-';
		/* separators only between letters and digits */
		if (!isalnum((unsigned char)c) && (o == name || !isalnum((unsigned char)o[-1])))
			continue;
		*o++ = c;
	}
	while (o > name && !isalnum((unsigned char)o[-1]))
		o--;
	*o = '\0';
	if (!*name) {
		free(name);
		return strdup("module");
	}
	return name;
}

static int plan_tags(struct build_plan *p, const struct build_args *a, wp_error **err)
{
	wp_strv all = {0};
	int r = 0;

	for (size_t i = 0; r == 0 && i < a->tags.len; i++)
		r = wp_strv_push(&all, a->tags.items[i], err);
	for (size_t i = 0; r == 0 && i < p->dest.names.len; i++)
		r = wp_strv_push(&all, p->dest.names.items[i], err);
	if (r == 0 && all.len == 0) {
		_cleanup_free_ char *name = default_name(a->input);

		r = name ? wp_strv_push(&all, name, err) : wp_error_oom(err);
	}
	if (r == 0 && !(p->tags = calloc(all.len, sizeof(*p->tags))))
		r = wp_error_oom(err);
	for (size_t i = 0; r == 0 && i < all.len; i++) {
		wp_reference ref;
		_cleanup_free_ char *full = NULL;
		bool dup = false;

		if ((r = remote_parse_reference(all.items[i], &ref, err)) < 0) {
			r = as_usage(err, NULL);
			break;
		}
		if (ref.digest) {
			wp_reference_release(&ref);
			r = usage(err, "-t \"%s\": a new image cannot be named by digest",
				  all.items[i]);
			break;
		}
		if (!ref.tag && !(ref.tag = strdup(WP_DEFAULT_TAG))) {
			wp_reference_release(&ref);
			r = wp_error_oom(err);
			break;
		}
		full = wp_reference_string(&ref);
		for (size_t k = 0; full && k < p->n_tags; k++) {
			_cleanup_free_ char *other = wp_reference_string(&p->tags[k]);

			dup |= wp_str_eq(full, other);
		}
		if (dup)
			wp_reference_release(&ref);
		else
			p->tags[p->n_tags++] = ref;
	}
	wp_strv_release(&all);
	return r;
}

static int plan_entrypoint(struct build_plan *p, const struct build_args *a, wp_error **err)
{
	_cleanup_free_ char *rel = NULL;
	const char *base = wp_path_basename(a->input);
	int r;

	if (a->has_df && !a->entrypoint) {
		/* the Dockerfile's, as it wrote it */
		const wp_strv *argv = &a->df.df.entrypoint.argv;
		int k = 0;

		for (size_t i = 0; k == 0 && i < argv->len; i++)
			k = wp_strv_push(&p->spec.entrypoint, argv->items[i], err);
		if (k == 0 && !(p->entrypoint = strdup(argv->items[0])))
			k = wp_error_oom(err);
		return k;
	}
	if (a->entrypoint)
		p->entrypoint = strdup(a->entrypoint);
	else if (wp_str_has_suffix(base, ".wasm"))
		p->entrypoint = wp_strdup_printf("/%s", base);
	else
		p->entrypoint = wp_strdup_printf("/%s.wasm", base);
	if (!p->entrypoint)
		return wp_error_oom(err);
	if (p->entrypoint[0] != '/' || !wp_str_has_suffix(p->entrypoint, ".wasm") ||
	    wp_str_has_suffix(p->entrypoint, "/.wasm"))
		return usage(err,
			     "--entrypoint \"%s\": must be an absolute path ending in .wasm (what "
			     "crun, youki and runwasi look for)",
			     p->entrypoint);
	if ((r = wp_layer_normalize_path(p->entrypoint, false, &rel, err)) < 0)
		return as_usage(err, "--entrypoint");
	return wp_strv_push(&p->spec.entrypoint, p->entrypoint, err);
}

static int plan_env(struct build_plan *p, const struct build_args *a, wp_error **err)
{
	wp_kv env = {0};
	int r = 0;

	for (size_t i = 0; r == 0 && i < a->env.len; i++) {
		_cleanup_free_ char *key = NULL;
		const char *value;

		r = split_kv(a->env.items[i], "--env", &key, &value, err);
		if (r == 0)
			r = wp_kv_set(&env, key, value, err);
	}
	for (size_t i = 0; r == 0 && i < env.len; i++) {
		_cleanup_free_ char *s =
			wp_strdup_printf("%s=%s", env.items[i].key, env.items[i].value);

		r = s ? wp_strv_push(&p->spec.env, s, err) : wp_error_oom(err);
	}
	wp_kv_release(&env);
	return r;
}

static int plan_labels(struct build_plan *p, const struct build_args *a, wp_error **err)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < a->labels.len; i++) {
		_cleanup_free_ char *key = NULL;
		const char *value;

		r = split_kv(a->labels.items[i], "--label", &key, &value, err);
		if (r == 0)
			r = wp_kv_set(&p->spec.labels, key, value, err);
	}
	return r;
}

/* --annotation at every level buildx and metadata-action know
 * (annotation_arg.h); the manifest level applies now to the Wasm image, the
 * others when the native images and the index are made. In CI, the OCI
 * keys the run implies (ci_env.h) as labels and annotations, unless given:
 * what docker/metadata-action would add. */
static int plan_annotations(struct build_plan *p, const struct build_args *a, wp_error **err)
{
	bool docker = a->media_types && strcmp(a->media_types, "docker") == 0;
	wp_kv ci = {0};
	int r = build_annotations_parse(&p->ann, &a->annotations, err);

	if (r == 0)
		r = ci_env_annotations(&ci, err);
	for (size_t i = 0; r == 0 && i < ci.len; i++) {
		const wp_kv_pair *kv = &ci.items[i];

		if (!wp_kv_get(&p->spec.labels, kv->key))
			r = wp_kv_set(&p->spec.labels, kv->key, kv->value, err);
		/* Docker schema2 manifests cannot carry annotations */
		if (r == 0 && !docker)
			r = build_annotations_default(&p->ann, kv->key, kv->value, err);
	}
	wp_kv_release(&ci);
	if (r == 0)
		r = build_annotations_apply(&p->ann, ANNOTATION_MANIFEST, &p->spec.platform,
					    &p->spec.annotations, err);
	if (r == 0)
		build_annotations_warn_unused(&p->ann, a->aot && strcmp(a->aot, "native") == 0);
	return r;
}

static int plan_expose(struct build_plan *p, const struct build_args *a, wp_error **err)
{
	for (size_t i = 0; i < a->expose.len; i++) {
		const char *arg = a->expose.items[i], *slash = strchr(arg, '/');
		const char *proto = slash ? slash + 1 : "tcp";
		_cleanup_free_ char *port =
			slash ? strndup(arg, (size_t)(slash - arg)) : strdup(arg);
		_cleanup_free_ char *norm = NULL;
		int64_t n;
		int r;

		if (!port)
			return wp_error_oom(err);
		if (wp_parse_int64(port, 1, 65535, "port", &n, NULL) < 0 ||
		    (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 &&
		     strcmp(proto, "sctp") != 0))
			return usage(err,
				     "--expose \"%s\": expected PORT[/tcp|udp|sctp] with PORT in "
				     "1-65535",
				     arg);
		if (!(norm = wp_strdup_printf("%" PRId64 "/%s", n, proto)))
			return wp_error_oom(err);
		if (!wp_strv_contains(&p->spec.exposed_ports, norm) &&
		    (r = wp_strv_push(&p->spec.exposed_ports, norm, err)) < 0)
			return r;
	}
	return 0;
}

/* --aot native: one build per --aot-platforms entry (default: this
 * machine's). */
static int plan_natives(struct build_plan *p, const struct build_args *a, wp_error **err)
{
	_cleanup_free_ char *list = NULL;
	const char *host = native_host_arch();
	char *save = NULL;
	int r = 0;

	if (!a->aot_platforms && !host)
		return wp_error_set(err, WP_EUNSUPPORTED,
				    "--aot native: no OCI architecture name for this machine; name "
				    "one with --aot-platforms");
	if (!(list = a->aot_platforms ? strdup(a->aot_platforms)
				      : wp_strdup_printf("linux/%s", host)))
		return wp_error_oom(err);
	for (char *pf = strtok_r(list, ",", &save); r == 0 && pf; pf = strtok_r(NULL, ",", &save)) {
		if (!wp_str_has_prefix(pf, "linux/"))
			return usage(err,
				     "--aot-platforms \"%s\": expected linux/amd64 or "
				     "linux/arm64",
				     pf);
		if (p->n_natives == WP_ARRAY_SIZE(p->natives))
			return usage(err, "--aot-platforms: at most %zu platforms",
				     WP_ARRAY_SIZE(p->natives));
		r = native_build_make(p->optimized ? p->optimized : a->input, pf + 6,
				      &p->natives[p->n_natives], err);
		if (r == 0)
			p->n_natives++;
	}
	return r;
}

/* --aot: the runtime's compiler on the module as it will be packed. */
static int plan_aot(struct build_plan *p, const struct build_args *a, wp_error **err)
{
	_cleanup_free_ char *stem = NULL;
	const char *base;
	aot_kind kind = AOT_NONE;
	int r;

	if (!a->aot)
		return 0;
	if ((r = aot_parse(a->aot, &kind, err)) < 0 || kind == AOT_NONE)
		return r;
	if (a->has_df)
		return usage(err, "--aot cannot be used with -f yet");
	base = wp_path_basename(p->entrypoint);
	if (!(stem = strndup(base, strlen(base) - 5))) /* without ".wasm" */
		return wp_error_oom(err);
	if (kind == AOT_NATIVE) {
		if (p->dest.kind == WP_DEST_DOCKER_ARCHIVE)
			return usage(err,
				     "--aot native makes an index of two images, which a "
				     "docker-archive cannot hold; use oci-archive: or a layout");
		if (p->module.kind != WP_WASM_CORE_MODULE)
			return usage(err, "--aot native: only core modules (WASI preview1) can be "
					  "compiled natively");
		p->native_stem = TAKE_PTR(stem);
		return plan_natives(p, a, err);
	}
	r = aot_compile(kind, a->aot_compiler, p->optimized ? p->optimized : a->input, stem,
			&p->aot, err);
	if (r == 0)
		r = p->spec.docker_media_types
			    ? wp_kv_set(&p->spec.labels, p->aot.annotation_key, p->aot.version, err)
			    : wp_kv_set(&p->spec.annotations, p->aot.annotation_key, p->aot.version,
					err);
	return r;
}

/* -f: the Dockerfile's layers, the optimized module in place of the one
 * its ENTRYPOINT names. */
static int plan_dockerfile_files(struct build_plan *p, const struct build_args *a, wp_error **err)
{
	wp_layer_item *module = a->df.module;
	struct stat st;

	if (p->optimized) {
		if (stat(p->optimized, &st) < 0)
			return wp_error_set_errno(err, errno, "cannot read \"%s\"", p->optimized);
		free(module->src);
		if (!(module->src = strdup(p->optimized)))
			return wp_error_oom(err);
		module->size = (int64_t)st.st_size;
	}
	p->spec.layers = a->df.layers;
	p->spec.n_layers = a->df.n_layers;
	p->spec.author = a->author ? a->author : a->df.df.author;
	return 0;
}

/* The module the image holds: compiled by a runtime, optimized, or given. */
static const char *module_of(const struct build_plan *p, const struct build_args *a)
{
	return p->aot.module ? p->aot.module : p->optimized ? p->optimized : a->input;
}

static int plan_files(struct build_plan *p, const struct build_args *a, wp_error **err)
{
	wp_buf history = WP_BUF_INIT(1 << 20);
	const char *module = module_of(p, a);
	int r = wp_layer_plan_add_file(&p->files, p->entrypoint, module, 0755, err);

	/* a runtime's compiled file next to the module, never the entrypoint */
	if (r == 0 && p->aot.extra) {
		_cleanup_free_ char *dir = wp_path_dirname(p->entrypoint);
		_cleanup_free_ char *at = dir ? wp_path_join(dir, p->aot.extra_name) : NULL;

		r = at ? wp_layer_plan_add_file(&p->files, at, p->aot.extra, 0644, err)
		       : wp_error_oom(err);
	}

	if (r == 0)
		r = wp_buf_appendf(&history, err, "COPY %s %s", wp_path_basename(a->input),
				   p->entrypoint);
	for (size_t i = 0; r == 0 && i < a->adds.len; i++) {
		const char *arg = a->adds.items[i], *colon = strrchr(arg, ':');
		_cleanup_free_ char *src = NULL;

		if (!colon || colon == arg || colon[1] != '/') {
			r = usage(err, "--add \"%s\": expected SRC:DST with an absolute DST", arg);
			break;
		}
		if (!(src = strndup(arg, (size_t)(colon - arg)))) {
			r = wp_error_oom(err);
			break;
		}
		r = wp_layer_plan_add_path(&p->files, colon + 1, src, err);
		if (r == 0)
			r = wp_buf_appendf(&history, err, " && COPY %s %s", wp_path_basename(src),
					   colon + 1);
	}
	if (r == 0)
		r = wp_layer_plan_finish(&p->files, err);
	if (r == 0)
		r = wp_buf_append_str(&history, " # wasmpack", err);
	if (r == 0 && !(p->history = wp_buf_detach(&history, NULL)))
		r = wp_error_oom(err);
	wp_buf_release(&history);
	return r;
}

static int plan_layer_options(struct build_plan *p, const struct build_args *a, wp_error **err)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	int64_t level = 0;
	int r;

	p->spec.created = -1;
	p->mtime = 0;
	if (sde && *sde) {
		if (wp_parse_int64(sde, 0, 253402300799LL, "SOURCE_DATE_EPOCH", &p->mtime, err) < 0)
			return as_usage(err, NULL);
		p->spec.created = p->mtime;
	}
	r = wp_compression_parse(a->compression ? a->compression : "gzip",
				 &p->spec.layer.compression, err);
	if (r == 0 && a->compression_level &&
	    (r = wp_parse_int64(a->compression_level, 1, 22, "--compression-level", &level, err)) ==
		    0)
		r = wp_compression_check_level(p->spec.layer.compression, (int)level, err);
	if (r < 0)
		return as_usage(err, NULL);
	p->spec.layer.level = (int)level;
	p->spec.layer.mtime = p->mtime;
	p->spec.layer.tee_fd = -1;
	if (a->media_types && strcmp(a->media_types, "docker") == 0)
		p->spec.docker_media_types = true;
	else if (a->media_types && strcmp(a->media_types, "oci") != 0)
		return usage(err, "--media-types \"%s\": expected oci or docker", a->media_types);
	if ((r = wp_image_spec_check(&p->spec, err)) < 0)
		return as_usage(err, NULL);
	return 0;
}

/* The metadata file is written after the image: a path that cannot be
 * written must fail before the image is. */
static int plan_metadata_file(const char *path, wp_error **err)
{
	_cleanup_free_ char *dir = NULL;
	struct stat st;

	if (!path)
		return 0;
	if (!*path)
		return usage(err, "--metadata-file: empty path");
	if (strcmp(path, "-") == 0) /* standard output, instead of the digest */
		return 0;
	if (!(dir = wp_path_dirname(path)))
		return wp_error_oom(err);
	if (stat(dir, &st) < 0)
		return wp_error_set_errno(err, errno, "--metadata-file \"%s\": cannot use \"%s\"",
					  path, dir);
	if (!S_ISDIR(st.st_mode))
		return wp_error_set(err, WP_EINVALID,
				    "--metadata-file \"%s\": \"%s\" is not a directory", path, dir);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return wp_error_set(err, WP_EEXISTS, "--metadata-file \"%s\" is a directory", path);
	return 0;
}

/* -Os/-Oz: the optimized module goes to a temporary file that the layer
 * reads; the original's digest is recorded in the image. */
static int plan_optimize(struct build_plan *p, struct build_args *a, wp_error **err)
{
	const char *tmp = getenv("TMPDIR");
	_cleanup_free_ char *path =
		wp_strdup_printf("%s/wasmpack-opt-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	wp_buf out = WP_BUF_INIT((size_t)1 << 32);
	char digest[WP_DIGEST_SIZE];
	wp_module *m = NULL;
	wp_opt_stats st;
	int fd, r;

	if (!path)
		return wp_error_oom(err);
	a->opt.keep_sections = &a->keep_sections;
	r = wp_module_read_file(&m, a->input, err);
	/* validated here even with --no-validate (the optimizer needs a valid
	 * module), at -Oz in the same pass as the optimizer's own reading */
	a->opt.validate_input = true;
	if (r == 0)
		r = wp_optimize(m, &a->opt, &out, &st, err);
	if (r == 0)
		r = wp_sha256_bytes(digest, m->bytes, m->size, err);
	if (r == 0 && (fd = mkostemp(path, O_CLOEXEC)) < 0)
		r = wp_error_set_errno(err, errno, "cannot create a temporary file in \"%s\"",
				       tmp && *tmp ? tmp : "/tmp");
	if (r == 0) {
		p->optimized = TAKE_PTR(path);
		r = wp_write_all(fd, out.data, out.len, p->optimized, err);
		close(fd);
	}
	if (r == 0)
		r = p->spec.docker_media_types
			    ? wp_kv_set(&p->spec.labels, "dev.wasmpack.source.digest", digest, err)
			    : wp_kv_set(&p->spec.annotations, "dev.wasmpack.source.digest", digest,
					err);
	if (r == 0)
		wp_log_info("%s: optimized %" PRIu64 " -> %" PRIu64 " bytes", shown_input(a),
			    st.input, st.output);
	wp_module_free(m);
	wp_buf_release(&out);
	return r;
}

/* --format artifact and wasm-layer hold the module alone, as one raw
 * layer: nothing that needs a file system, a second file or a tar; the
 * artifact's config has no runtime settings at all. */
static int plan_format(struct build_plan *p, const struct build_args *a, wp_error **err)
{
	const char *name;

	if (a->author)
		p->spec.author = a->author;
	if (!a->format)
		return 0;
	if (build_format_parse(a->format, &p->format, err) < 0)
		return WP_EUSAGE;
	if (p->format == BUILD_FORMAT_IMAGE)
		return 0;
	name = build_format_name(p->format);
	if (a->has_df)
		return usage(err, "--format %s cannot be used with -f: a Dockerfile makes an image",
			     name);
	if (a->adds.len)
		return usage(err, "--add: a %s holds the module alone", name);
	if (p->dest.kind == WP_DEST_DOCKER_ARCHIVE)
		return usage(err,
			     "--format %s: docker load reads images only; use a layout or "
			     "oci-archive:",
			     name);
	if (a->media_types && strcmp(a->media_types, "docker") == 0)
		return usage(err, "--format %s is OCI only: drop --media-types docker", name);
	if (a->compression)
		return usage(err, "--compression: a %s stores the module raw, uncompressed", name);
	if (a->aot && strcmp(a->aot, "wasmedge") != 0 && strcmp(a->aot, "none") != 0)
		return usage(err,
			     "--aot %s: a %s holds the module alone (--aot wasmedge, which "
			     "replaces the module, can be used)",
			     a->aot, name);
	if (a->expose.len || a->workdir || a->user)
		return usage(err, "--format %s: the config has no %s", name,
			     a->expose.len ? "ExposedPorts (--expose)"
			     : a->workdir  ? "WorkingDir (--workdir)"
					   : "User (--user)");
	if (p->format == BUILD_FORMAT_ARTIFACT && (a->env.len || a->cmd.len || a->labels.len))
		return usage(err,
			     "--format artifact: the Wasm artifact config has no %s; use "
			     "--annotation, or --format image or wasm-layer",
			     a->env.len	  ? "Env (-e)"
			     : a->cmd.len ? "Cmd (--cmd)"
					  : "Labels (-l)");
	return 0;
}

/* Checks the module and every option; nothing is written here. */
static int make_plan(struct build_plan *p, struct build_args *a, wp_error **err)
{
	p->started = (int64_t)time(NULL);
	int r = plan_platform(p, a->platform ? a->platform : DEFAULT_PLATFORM, err);

	if (r == 0 &&
	    (r = wp_destination_parse(&p->dest, a->output ? a->output : DEFAULT_OUTPUT, err)) < 0)
		r = as_usage(err, NULL);
	if (r == 0)
		r = plan_format(p, a, err);
	if (r == 0)
		r = plan_tags(p, a, err);
	if (r == 0)
		r = plan_entrypoint(p, a, err);
	if (r == 0)
		r = plan_env(p, a, err);
	if (r == 0)
		r = plan_labels(p, a, err);
	if (r == 0)
		r = plan_annotations(p, a, err);
	if (r == 0)
		r = plan_expose(p, a, err);
	if (r == 0 && a->workdir && a->workdir[0] != '/')
		r = usage(err, "--workdir \"%s\": must be an absolute path", a->workdir);
	if (r == 0 && a->user && !*a->user)
		r = usage(err, "--user: empty");
	if (r == 0)
		r = plan_layer_options(p, a, err);
	if (r == 0)
		r = plan_metadata_file(a->metadata_file, err);
	if (r == 0 && a->metadata_file && strcmp(a->metadata_file, "-") == 0 &&
	    strcmp(p->dest.path, "-") == 0)
		r = usage(err, "--metadata-file - and -o ...- both want standard output");
	if (r == 0 && (a->sbom || a->provenance) && !a->push)
		r = usage(err,
			  "--%s is attached to the pushed image as an OCI referrer: add --push",
			  a->sbom ? "sbom" : "provenance");
	if (r == 0 && a->push && strcmp(p->dest.path, "-") == 0)
		r = usage(err, "--push reads the image back from the output; it cannot be "
			       "standard output");
	for (size_t i = 0; r == 0 && i < a->cmd.len; i++)
		r = wp_strv_push(&p->spec.cmd, a->cmd.items[i], err);
	p->spec.has_cmd = a->has_cmd;
	p->spec.working_dir = a->workdir;
	p->spec.user = a->user;
	if (r == 0)
		r = wp_wasm_scan_file(a->input, &p->module, err);
	/* full validation of core modules, unless asked not to; an optimized
	 * one is validated by the optimizer (plan_optimize) */
	if (r == 0 && p->module.kind == WP_WASM_CORE_MODULE && !a->no_validate &&
	    a->opt.level == WP_OPT_NONE && !a->opt.strip)
		r = wp_validate_file(a->input, err);
	if (r == 0 && p->module.kind == WP_WASM_CORE_MODULE &&
	    strcmp(p->spec.platform.os, "wasip2") == 0)
		r = usage(
			err,
			"\"%s\" is a core module; wasip2/wasm is for components (use wasi/wasm or "
			"wasip1/wasm)",
			a->input);
	if (r == 0 && p->module.kind == WP_WASM_COMPONENT &&
	    strcmp(p->spec.platform.os, "wasip1") == 0)
		r = usage(
			err,
			"\"%s\" is a component; wasip1/wasm is for core modules (use wasi/wasm or "
			"wasip2/wasm)",
			a->input);
	if (r == 0 && p->module.kind == WP_WASM_CORE_MODULE &&
	    (a->opt.level != WP_OPT_NONE || a->opt.strip))
		r = plan_optimize(p, a, err);
	else if (r == 0 && p->module.kind == WP_WASM_COMPONENT &&
		 (a->opt.level != WP_OPT_NONE || a->opt.strip))
		wp_log_warn(
			"\"%s\" is a component: only core modules are optimized; packed as it is",
			a->input);
	if (r == 0)
		r = plan_aot(p, a, err);
	if (r == 0 && a->has_df)
		r = plan_dockerfile_files(p, a, err);
	else if (r == 0)
		r = plan_files(p, a, err);
	p->spec.files = &p->files;
	p->spec.history = p->history;
	return r;
}

static int write_metadata(const char *path, const struct build_plan *p, const wp_built_image *img,
			  const char *dest, wp_error **err)
{
	_cleanup_json_ json_t *j = json_object();
	_cleanup_free_ char *platform = wp_platform_format(&p->spec.platform);
	json_t *tags = json_array(), *desc = NULL, *config = NULL, *layer = NULL;
	wp_buf names = WP_BUF_INIT(1 << 20);
	char *text;
	int r = j && tags && platform ? 0 : wp_error_oom(err);

	for (size_t i = 0; r == 0 && i < p->n_tags; i++) {
		_cleanup_free_ char *t = wp_reference_string(&p->tags[i]);

		r = t ? wp_json_append_string(tags, t, "tag", err) : wp_error_oom(err);
		if (r == 0)
			r = wp_buf_appendf(&names, err, "%s%s", i ? "," : "", t);
	}
	if (r == 0)
		r = wp_json_set_new(j, "tags", json_incref(tags), err);
	if (r == 0)
		r = wp_descriptor_to_json(&img->manifest, &desc, err);
	if (r == 0)
		r = wp_json_set_new(j, "containerimage.descriptor", desc, err);
	if (r == 0)
		r = wp_descriptor_to_json(&img->config, &config, err);
	if (r == 0)
		r = wp_json_set_new(j, "config", config, err);
	if (r == 0 && !(layer = json_array()))
		r = wp_error_oom(err);
	for (size_t i = 0; r == 0 && i < img->n_layers; i++) {
		const wp_layer_result *l = &img->layers[i];

		r = wp_json_append_new(layer,
				       json_pack("{s:s,s:s,s:I,s:s}", "digest", l->digest, "diffID",
						 l->diff_id, "size", (json_int_t)l->size,
						 "compression",
						 wp_compression_name(l->compression)),
				       err);
	}
	if (r == 0)
		r = wp_json_set_new(j, "layers", TAKE_PTR(layer), err);
	if (r == 0)
		r = wp_json_set_new(j, "digest", json_string(img->manifest.digest), err);
	if (r == 0)
		r = wp_json_set_new(j, "mediaType", json_string(img->manifest.media_type), err);
	if (r == 0)
		r = wp_json_set_new(j, "size", json_integer(img->manifest.size), err);
	if (r == 0)
		r = wp_json_set_new(j, "platform", json_string(platform), err);
	if (r == 0)
		r = wp_json_set_new(j, "output", json_string(dest), err);
	if (r == 0)
		r = wp_json_set_new(j, "containerimage.digest", json_string(img->manifest.digest),
				    err);
	if (r == 0)
		r = wp_json_set_new(j, "containerimage.config.digest",
				    json_string(img->config.digest), err);
	if (r == 0)
		r = wp_json_set_string(j, "image.name", wp_buf_cstr(&names), "image name", err);
	if (r == 0)
		r = wp_json_set_new(j, "module",
				    json_pack("{s:s,s:I,s:i}", "kind",
					      wp_wasm_kind_name(p->module.kind), "size",
					      (json_int_t)p->module.size, "sections",
					      (int)p->module.sections),
				    err);
	json_decref(tags);
	wp_buf_release(&names);
	if (r < 0)
		return r;
	if (!(text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS)))
		return wp_error_oom(err);
	r = wp_buf_append_str(&names, text, err);
	free(text);
	if (r == 0)
		r = wp_buf_append_str(&names, "\n", err);
	if (r == 0)
		r = strcmp(path, "-") == 0
			    ? wp_write_all(STDOUT_FILENO, names.data, names.len, "standard output",
					   err)
			    : wp_write_file_atomic(path, names.data, names.len, 0644, err);
	wp_buf_release(&names);
	return r < 0 ? wp_error_prefix(err, "--metadata-file") : 0;
}

/* --push: every -t, read back from what was just written. */
static int push_tags(const struct build_plan *p, const struct build_args *a, const char *dest,
		     bool no_stdout, wp_error **err)
{
	_cleanup_free_ char **refs = calloc(p->n_tags, sizeof(char *));
	struct push_request req = {.source = dest,
				   .remote = &a->remote,
				   .quiet = wp_log_get_level() < WP_LOG_INFO,
				   .no_stdout = no_stdout};
	int r = refs ? 0 : wp_error_oom(err);

	for (size_t i = 0; r == 0 && i < p->n_tags; i++)
		if (!(refs[i] = wp_reference_string(&p->tags[i])))
			r = wp_error_oom(err);
	req.refs = (const char *const *)refs;
	req.n_refs = p->n_tags;
	if (r == 0)
		r = push_run(&req, err);
	for (size_t i = 0; refs && i < p->n_tags; i++)
		free(refs[i]);
	return r;
}

/* One native build as a linux/<arch> image in l, described (with its
 * platform) in *out. */
static int build_native_image(struct build_plan *p, const struct native_build *nb, wp_layout *l,
			      wp_descriptor *out, wp_error **err)
{
	wp_image_spec spec = p->spec;
	wp_layer_plan files = {0};
	wp_built_image native = {0};
	_cleanup_free_ char *at = wp_strdup_printf("/%s", p->native_stem);
	_cleanup_free_ char *history = wp_strdup_printf("COPY %s /%s # wasmpack --aot native",
							p->native_stem, p->native_stem);
	_cleanup_free_ char *platform = wp_strdup_printf("linux/%s", nb->arch);
	int r = at && history && platform ? 0 : wp_error_oom(err);

	spec.platform = (wp_platform){0};
	spec.entrypoint = (wp_strv){0};
	spec.env = (wp_strv){0};
	spec.annotations = (wp_kv){0};
	spec.files = &files;
	spec.history = history;
	spec.layers = NULL;
	spec.n_layers = 0;
	spec.layer.tee_fd = -1;
	if (r == 0)
		r = wp_platform_parse(&spec.platform, platform, err);
	if (r == 0)
		r = wp_strv_push(&spec.entrypoint, at, err);
	/* wasmpack's own annotations (no --annotation names them), then the
	 * arguments that apply to this platform */
	for (size_t i = 0; r == 0 && i < p->spec.annotations.len; i++) {
		const wp_kv_pair *kv = &p->spec.annotations.items[i];
		bool given = false;

		for (size_t j = 0; j < p->ann.n; j++)
			given |= strcmp(p->ann.args[j].key, kv->key) == 0;
		if (!given)
			r = wp_kv_set(&spec.annotations, kv->key, kv->value, err);
	}
	if (r == 0)
		r = build_annotations_apply(&p->ann, ANNOTATION_MANIFEST, &spec.platform,
					    &spec.annotations, err);
	/* the guest sees only what WASMPACK_ENV hands over (docs/aot-native.md):
	 * the image's environment, as a Wasm runtime would give it */
	for (size_t i = 0; r == 0 && i < p->spec.env.len; i++)
		r = wp_strv_push(&spec.env, p->spec.env.items[i], err);
	if (r == 0 && p->spec.env.len) {
		wp_buf all = WP_BUF_INIT(1 << 20);

		r = wp_buf_append_str(&all, "WASMPACK_ENV=", err);
		for (size_t i = 0; r == 0 && i < p->spec.env.len; i++)
			r = wp_buf_appendf(&all, err, "%s%s", i ? "\n" : "", p->spec.env.items[i]);
		if (r == 0)
			r = wp_strv_push(&spec.env, wp_buf_cstr(&all), err);
		wp_buf_release(&all);
	}
	if (r == 0)
		r = wp_layer_plan_add_file(&files, at, nb->exe, 0755, err);
	if (r == 0)
		r = wp_layer_plan_finish(&files, err);
	if (r == 0)
		r = wp_image_build(l, &spec, &native, err);
	if (r == 0)
		r = wp_descriptor_copy(out, &native.manifest, err);
	if (r == 0 && !(out->platform = calloc(1, sizeof(wp_platform))))
		r = wp_error_oom(err);
	if (r == 0)
		r = wp_platform_copy(out->platform, &spec.platform, err);
	if (r == 0)
		wp_log_info("native image %s (%s)", native.manifest.digest, platform);
	wp_built_image_release(&native);
	wp_layer_plan_release(&files);
	wp_strv_release(&spec.entrypoint);
	wp_strv_release(&spec.env);
	wp_kv_release(&spec.annotations);
	wp_platform_release(&spec.platform);
	return r;
}

/* --aot native: the native images beside the Wasm image, and the index of
 * them all (the Wasm image first); img->manifest then describes the index. */
static int build_native_index(struct build_plan *p, wp_layout *l, wp_built_image *img,
			      wp_error **err)
{
	wp_descriptor images[1 + WP_ARRAY_SIZE(p->natives)] = {{0}};
	wp_descriptor index = {0};
	wp_kv index_annotations = {0};
	size_t n = 1 + p->n_natives;
	int r = wp_descriptor_copy(&images[0], &img->manifest, err);

	if (r == 0 && !(images[0].platform = calloc(1, sizeof(wp_platform))))
		r = wp_error_oom(err);
	if (r == 0)
		r = wp_platform_copy(images[0].platform, &p->spec.platform, err);
	for (size_t i = 0; r == 0 && i < p->n_natives; i++)
		r = build_native_image(p, &p->natives[i], l, &images[1 + i], err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = build_annotations_apply(&p->ann, ANNOTATION_MANIFEST_DESCRIPTOR,
					    images[i].platform, &images[i].annotations, err);
	if (r == 0)
		r = build_annotations_apply(&p->ann, ANNOTATION_INDEX, NULL, &index_annotations,
					    err);
	if (r == 0)
		r = wp_image_index_build(l, images, n, &index_annotations,
					 p->spec.docker_media_types, &index, err);
	if (r == 0) {
		wp_descriptor_release(&img->manifest);
		img->manifest = index;
		wp_log_info("index %s: wasi/wasm and %zu native image%s", img->manifest.digest,
			    p->n_natives, p->n_natives == 1 ? "" : "s");
	}
	for (size_t i = 0; i < n; i++)
		wp_descriptor_release(&images[i]);
	wp_kv_release(&index_annotations);
	return r;
}

/* --sbom, --provenance: made before the push (a failure pushes nothing),
 * attached after it as referrers of what was pushed. */
static void supply_chain_of(const struct build_plan *p, const struct build_args *a,
			    const wp_built_image *img, const char *platform,
			    struct build_supply_chain *out)
{
	*out = (struct build_supply_chain){
		.sbom = a->sbom,
		.provenance = a->provenance,
		.module = module_of(p, a),
		.module_name = wp_path_basename(p->entrypoint),
		.image = &img->manifest,
		.tags = p->tags,
		.n_tags = p->n_tags,
		.inputs = a->inputs,
		.n_inputs = a->n_inputs,
		.input_module = a->input,
		.platform = platform,
		.optimize = a->opt.level == WP_OPT_SIZE	 ? "s"
			    : a->opt.level == WP_OPT_MIN ? "z"
							 : NULL,
		.aot = a->aot,
		.dockerfile = a->dockerfile,
		.context = a->dockerfile ? a->input : NULL,
		.started_on = p->started,
		.remote = &a->remote,
	};
}

static int build_image(struct build_plan *p, const struct build_args *a, wp_error **err)
{
	_cleanup_free_ char *dest = wp_destination_format(&p->dest);
	_cleanup_free_ char *first = p->n_tags ? wp_reference_familiar(&p->tags[0]) : NULL;
	wp_output *out = NULL;
	wp_built_image img = {0};
	_cleanup_free_ char *platform = wp_platform_format(&p->spec.platform);
	struct build_supply_chain sc;
	struct supply_chain_docs docs = {0};
	bool to_stdout, meta_stdout;
	int r;

	if (!dest || !first || !platform)
		return wp_error_oom(err);
	to_stdout = strcmp(p->dest.path, "-") == 0;
	r = wp_output_open(&out, &p->dest, p->mtime, err);
	if (r == 0)
		p->spec.layer.tee_fd = wp_output_layer_tee(out, &p->spec.layer.tee_name);
	if (r == 0 && p->format != BUILD_FORMAT_IMAGE)
		r = build_format_wasm_image(wp_output_layout(out), p->format, module_of(p, a),
					    p->module.kind == WP_WASM_COMPONENT, p->entrypoint,
					    &p->spec, &img, err);
	else if (r == 0)
		r = wp_image_build(wp_output_layout(out), &p->spec, &img, err);
	if (r == 0 && p->n_natives)
		r = build_native_index(p, wp_output_layout(out), &img, err);
	/* the documents before anything is committed or pushed */
	if (r == 0 && (a->sbom || a->provenance)) {
		supply_chain_of(p, a, &img, platform, &sc);
		r = build_supply_chain_make(&sc, &docs, err);
	}
	if (r == 0 && p->n_natives)
		r = wp_output_commit_manifest(out, &img.manifest, p->tags, p->n_tags, err);
	else if (r == 0)
		r = wp_output_commit(out, &img, p->tags, p->n_tags, err);
	wp_output_free(out);
	if (r < 0)
		goto done;
	/* logged only now: a failed build prints its error and nothing else */
	wp_log_info("%s: %s, %" PRIu64 " bytes, %u sections", shown_input(a),
		    wp_wasm_kind_name(p->module.kind), p->module.size, p->module.sections);
	for (size_t i = 0; p->format == BUILD_FORMAT_IMAGE && i < img.n_layers; i++)
		wp_log_info("layer %s: %" PRId64 " bytes (%s, %" PRId64 " uncompressed)",
			    img.layers[i].digest, img.layers[i].size,
			    wp_compression_name(img.layers[i].compression),
			    img.layers[i].uncompressed_size);
	if (p->format != BUILD_FORMAT_IMAGE)
		wp_log_info("%s: the module as a raw application/wasm layer %s", a->format,
			    img.layer.digest);
	for (size_t i = 0; i < p->n_tags; i++) {
		_cleanup_free_ char *t = wp_reference_familiar(&p->tags[i]);

		wp_log_info("tagged %s in %s", t ? t : "?", dest);
	}
	meta_stdout = a->metadata_file && strcmp(a->metadata_file, "-") == 0;
	if (a->metadata_file && !meta_stdout &&
	    (r = write_metadata(a->metadata_file, p, &img, dest, err)) < 0)
		goto done;
	/* docker-archive is for `docker load`, which knows images by their
	 * config digest (the image ID); every other output by manifest digest.
	 * The built image's digest comes first, the push's REF@DIGEST lines
	 * after; the JSON document (--metadata-file -) only once all is done. */
	if (!meta_stdout && to_stdout)
		fprintf(stderr, "%s\n",
			p->dest.kind == WP_DEST_DOCKER_ARCHIVE ? img.config.digest
							       : img.manifest.digest);
	else if (!meta_stdout)
		printf("%s\n", p->dest.kind == WP_DEST_DOCKER_ARCHIVE ? img.config.digest
								      : img.manifest.digest);
	fflush(stdout);
	if (a->push && (r = push_tags(p, a, dest, meta_stdout, err)) < 0)
		goto done;
	if (docs.n && (r = build_supply_chain_attach(&sc, &docs, err)) < 0)
		goto done;
	if (meta_stdout)
		r = write_metadata("-", p, &img, dest, err);
done:
	supply_chain_docs_release(&docs);
	wp_built_image_release(&img);
	return r;
}

/* Prepends the file's values ("KEY=VALUE" forms of its pairs) to list:
 * the command line's, after them, win (a later key replaces an earlier). */
static int prepend(wp_strv *list, const wp_strv *file, const wp_kv *file_kv, wp_error **err)
{
	wp_strv merged = {0};
	int r = 0;

	for (size_t i = 0; r == 0 && file && i < file->len; i++)
		r = wp_strv_push(&merged, file->items[i], err);
	for (size_t i = 0; r == 0 && file_kv && i < file_kv->len; i++) {
		_cleanup_free_ char *kv =
			wp_strdup_printf("%s=%s", file_kv->items[i].key, file_kv->items[i].value);

		r = kv ? wp_strv_push(&merged, kv, err) : wp_error_oom(err);
	}
	for (size_t i = 0; r == 0 && i < list->len; i++)
		r = wp_strv_push(&merged, list->items[i], err);
	if (r < 0) {
		wp_strv_release(&merged);
		return r;
	}
	wp_strv_release(list);
	*list = merged;
	return 0;
}

/* Whatever the command line left unset comes from wasmpack.yaml
 * (docs/project-file.md, Precedence). */
static int apply_project(struct build_args *a, wp_error **err)
{
	const struct project_file *pf = &a->project;
	int r = 0;

	if (pf->source.len == 0)
		return wp_error_set(err, WP_EUSAGE, "%s: no source to build (set \"source\")",
				    pf->path);
	a->inputs = (const char *const *)pf->source.items;
	a->n_inputs = pf->source.len;
	a->input = pf->source.items[0];
	if (a->tags.len == 0)
		r = project_file_refs(pf, NULL, &a->tags, err);
	a->platform = a->platform ? a->platform : pf->platform;
	a->format = a->format ? a->format : pf->format;
	a->output = a->output ? a->output : pf->output;
	a->entrypoint = a->entrypoint ? a->entrypoint : pf->entrypoint;
	a->compression = a->compression ? a->compression : pf->compression;
	a->media_types = a->media_types ? a->media_types : pf->media_types;
	if (r == 0 && !a->has_cmd && pf->has_cmd) {
		a->has_cmd = true;
		r = prepend(&a->cmd, &pf->cmd, NULL, err);
	}
	if (r == 0)
		r = prepend(&a->env, &pf->env, NULL, err);
	if (r == 0)
		r = prepend(&a->labels, NULL, &pf->labels, err);
	if (r == 0)
		r = prepend(&a->annotations, NULL, &pf->annotations, err);
	if (r == 0)
		r = prepend(&a->adds, &pf->files, NULL, err);
	if (!a->o_given && pf->has_optimize)
		a->opt.level = pf->optimize;
	if (!a->opt.strip && pf->has_strip)
		a->opt.strip = pf->strip;
	if (r == 0 && a->keep_sections.len == 0)
		r = prepend(&a->keep_sections, &pf->keep_sections, NULL, err);
	if (r == 0 && a->cflags.len == 0)
		r = prepend(&a->cflags, &pf->build.cflags, NULL, err);
	if (r == 0 && a->features.len == 0)
		r = prepend(&a->features, &pf->build.features, NULL, err);
	a->bin = a->bin ? a->bin : pf->build.bin;
	a->aot = a->aot ? a->aot : pf->aot;
	a->sysroot = a->sysroot ? a->sysroot : pf->build.sysroot;
	return r;
}

/* DIR/wasmpack.yaml, when the one input is a directory holding one. */
static int load_project(struct build_args *a, wp_error **err)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;
	int r;

	if (a->n_inputs != 1 || stat(a->inputs[0], &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (!(path = wp_path_join(a->inputs[0], PROJECT_FILE_NAME)))
		return wp_error_oom(err);
	if (access(path, F_OK) != 0)
		return 0;
	if ((r = project_file_load(path, &a->project, err)) < 0)
		return r;
	a->has_project = true;
	if ((r = apply_project(a, err)) == 0)
		wp_log_info("%s: project file, building %s", path, a->input);
	return r;
}

/* -f Dockerfile: its final stage's layers; the module is the file its
 * ENTRYPOINT names. */
static int load_dockerfile(struct build_args *a, wp_error **err)
{
	int r;

	if (a->adds.len)
		return wp_error_set(err, WP_EUSAGE,
				    "--add cannot be used with -f: COPY the files "
				    "in the Dockerfile");
	if ((r = dockerfile_plan_load(a->dockerfile, a->inputs[0], &a->build_args, &a->from_stages,
				      &a->df, err)) < 0)
		return r;
	a->has_df = true;
	if (!a->df.module)
		return wp_error_set(err, WP_EINVALID,
				    "%s: the ENTRYPOINT names no file the final stage copies; a "
				    "Wasm image runs the module its ENTRYPOINT names",
				    a->dockerfile);
	if (a->df.df.entrypoint.shell_form)
		wp_log_warn("%s:%u: ENTRYPOINT in shell form runs /bin/sh, which a Wasm image "
			    "does not have; write it as [\"/%s\"]",
			    a->dockerfile, a->df.df.entrypoint.line, a->df.module->dest);
	a->input = a->df.module->src;
	/* the command line's values win, as over wasmpack.yaml */
	r = prepend(&a->env, &a->df.df.env, NULL, err);
	if (r == 0)
		r = prepend(&a->labels, NULL, &a->df.df.labels, err);
	if (r == 0)
		r = prepend(&a->expose, &a->df.df.exposed_ports, NULL, err);
	if (r == 0 && !a->has_cmd && a->df.df.cmd.set) {
		a->has_cmd = true;
		r = prepend(&a->cmd, &a->df.df.cmd.argv, NULL, err);
	}
	if (r < 0)
		return r;
	if (!a->workdir && a->df.df.workdir && strcmp(a->df.df.workdir, "/") != 0)
		a->workdir = a->df.df.workdir;
	a->user = a->user ? a->user : a->df.df.user;
	wp_log_info("%s: Dockerfile, final stage (line %u), %zu layer%s, context \"%s\"",
		    a->dockerfile, a->df.df.from_line, a->df.n_layers,
		    a->df.n_layers == 1 ? "" : "s", a->inputs[0]);
	return 0;
}

/* The module from the inputs: as given, or made from sources. */
static int make_source(struct build_args *a, wp_error **err)
{
	static const char *const levels[] = {
		[WP_OPT_NONE] = "0", [WP_OPT_SIZE] = "s", [WP_OPT_MIN] = "z"};
	struct build_source_options o;
	int r;

	if (a->dockerfile)
		return load_dockerfile(a, err);
	r = load_project(a, err);

	o = (struct build_source_options){a->sysroot, &a->cflags,
					  a->o_given || (a->has_project && a->project.has_optimize)
						  ? levels[a->opt.level]
					  : a->has_project ? a->project.build.opt_level
							   : NULL,
					  &a->features, a->bin};
	if (r == 0)
		r = build_source_make(a->inputs, a->n_inputs, &o, &a->source, err);

	if (r < 0)
		return r;
	a->input = a->source.module;
	if (a->source.summary)
		wp_log_info("%s", a->source.summary);
	return 0;
}

static int run_build(int argc, char **argv)
{
	struct build_args a = {.remote = REMOTE_ARGS_INIT};
	struct build_plan p = {0};
	wp_error *err = NULL;
	int status = parse_args(argc, argv, &a);

	if (status != 0) {
		build_args_release(&a);
		return status < 0 ? EXIT_OK : status;
	}
	if (make_source(&a, &err) < 0) {
		status = err && err->code == WP_EUSAGE ? cmd_usage_from(&cmd_build, TAKE_PTR(err))
						       : cmd_fail(TAKE_PTR(err));
	} else if (make_plan(&p, &a, &err) < 0) {
		status = err && err->code == WP_EUSAGE ? cmd_usage_from(&cmd_build, TAKE_PTR(err))
						       : cmd_fail(TAKE_PTR(err));
	} else if (build_image(&p, &a, &err) < 0) {
		status = cmd_fail(TAKE_PTR(err));
	}
	build_plan_release(&p);
	build_args_release(&a);
	return status;
}
