/* wasmpack pull: an image from a registry → a layout or an archive, every
 * blob verified on the way. */
#include "cmd.h"
#include "output_format.h"
#include "pull_run.h"
#include "remote_cmd.h"
#include "../lib/str.h"
#include "../lib/common.h"

static int run_pull(int argc, char **argv);

const wp_command cmd_pull = {
	"pull",
	"download an image from a registry, verifying every blob",
	run_pull,
	"Usage: wasmpack pull [OPTIONS] REF [-o DEST]\n"
	"       wasmpack pull [OPTIONS] REF|SOURCE --wasm FILE | --extract DIR\n"
	"\n"
	"Download an image. Every blob's digest and size is checked while it streams\n"
	"in; a blob that does not match is an error and is not kept, and a failed\n"
	"pull leaves DEST as it was. An index (a multi-platform image) is resolved to\n"
	"one image: wasi/wasm, then wasip1/wasm, then wasip2/wasm, or --platform;\n"
	"buildx attestation manifests are skipped (--platform all keeps the index\n"
	"whole). OCI and Docker schema2 manifests, gzip, zstd and uncompressed\n"
	"layers and CNCF Wasm artifacts are all kept as the registry has them (same\n"
	"digests). Prints REF@DIGEST on stdout.\n"
	"\n"
	"REF: [REGISTRY[:PORT]/]NAME[:TAG|@DIGEST] (the tag defaults to latest).\n"
	"\n"
	"DEST (default ./" PULL_DEFAULT_DEST "; none with --wasm or --extract alone):\n"
	"  DIR, oci:DIR                 an OCI image layout (created if missing; other\n"
	"                               images in it stay)\n"
	"  oci-archive:FILE             a tar of an OCI image layout\n"
	"  docker-archive:FILE          for 'docker load' (layers stored uncompressed,\n"
	"                               each checked against the config's diff_ids)\n"
	"\n"
	"Options:\n"
	"  -o, --output DEST           where to write the image\n"
	"      --platform OS/ARCH[/VARIANT]\n"
	"                              the image to take from an index; 'all' keeps\n"
	"                              the index with every image it lists (not into\n"
	"                              a docker-archive)\n"
	"  -j, --jobs N                download N blobs at a time (default 4)\n"
	"      --wasm FILE             write the module the image runs to FILE: its\n"
	"                              application/wasm layer, or the file its Entrypoint\n"
	"                              (else Cmd) names in the layers; must start \\0asm\n"
	"      --extract DIR           apply the layers to DIR (missing or empty):\n"
	"                              whiteouts honoured; absolute or .. paths, links\n"
	"                              out of DIR, devices and FIFOs refused\n"
	"      --max-size BYTES        largest file --wasm or --extract writes (1 GiB)\n"
	"      --max-total BYTES       most bytes --extract writes in all (8 GiB)\n"
	"                              (--wasm and --extract also read SOURCE: DIR,\n"
	"                              oci:DIR[:NAME], oci-archive:FILE,\n"
	"                              docker-archive:FILE)\n" OUTPUT_FORMAT_HELP
		REMOTE_OPTIONS_HELP
	"  -q, --quiet                 print only the REF@DIGEST line (or the JSON)\n"
	"      --debug                 log every request (credentials and tokens are\n"
	"                              never printed)\n"
	"  -h, --help                  print this help\n"
	"\n"
	"Examples:\n"
	"  wasmpack pull ghcr.io/acme/app:1.0\n"
	"  wasmpack pull localhost:5000/hello@sha256:0123... -o oci-archive:hello.tar\n"
	"  wasmpack pull ghcr.io/acme/app:1.0 --wasm app.wasm\n"
	"  wasmpack pull oci-archive:app.tar --extract rootfs\n",
};

enum {
	OPT_PLATFORM = 0x2000,
	OPT_WASM,
	OPT_EXTRACT,
	OPT_MAX_SIZE,
	OPT_MAX_TOTAL,
};

static int run_pull(int argc, char **argv)
{
	static const struct option options[] = {
		{"output", required_argument, NULL, 'o'},
		{"platform", required_argument, NULL, OPT_PLATFORM},
		{"jobs", required_argument, NULL, 'j'},
		{"wasm", required_argument, NULL, OPT_WASM},
		{"extract", required_argument, NULL, OPT_EXTRACT},
		{"max-size", required_argument, NULL, OPT_MAX_SIZE},
		{"max-total", required_argument, NULL, OPT_MAX_TOTAL},
		OUTPUT_FORMAT_OPTION,
		REMOTE_OPTIONS,
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct remote_args remote = REMOTE_ARGS_INIT;
	struct pull_args a = {.remote = &remote};
	wp_error *err = NULL;
	int64_t v;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:j:qh", options, NULL)) != -1) {
		int handled = remote_cmd_common_option(&cmd_pull, &remote, c, &status);

		if (handled < 0)
			return status;
		if (handled)
			continue;
		switch (c) {
		case 'o':
			a.dest = optarg;
			break;
		case OPT_PLATFORM:
			a.platform = optarg;
			break;
		case OPT_WASM:
			a.wasm = optarg;
			break;
		case OPT_EXTRACT:
			a.extract = optarg;
			break;
		case OPT_MAX_SIZE:
			if (wp_parse_int64(optarg, 1, INT64_MAX, "--max-size", &v, &err) < 0)
				return cmd_usage_from(&cmd_pull, err);
			a.max_size = (uint64_t)v;
			break;
		case OPT_MAX_TOTAL:
			if (wp_parse_int64(optarg, 1, INT64_MAX, "--max-total", &v, &err) < 0)
				return cmd_usage_from(&cmd_pull, err);
			a.max_total = (uint64_t)v;
			break;
		case 'j':
			if (wp_parse_int64(optarg, 1, 64, "--jobs", &v, &err) < 0)
				return cmd_usage_from(&cmd_pull, err);
			a.jobs = (int)v;
			break;
		case OPT_OUTPUT_FORMAT:
			if ((status = output_format_parse(&cmd_pull, optarg, &a.json)))
				return status;
			break;
		case 'q':
			a.quiet = true;
			break;
		case OPT_GLOBAL_DEBUG:
			break;
		default:
			return cmd_bad_option(&cmd_pull, argc, argv, c);
		}
	}
	if (optind >= argc)
		return cmd_usage_error(&cmd_pull, "missing the image to pull (REF)");
	if (optind + 1 < argc)
		return cmd_usage_error(&cmd_pull, "one image at a time; unexpected \"%s\"",
				       argv[optind + 1]);
	a.ref = argv[optind];
	if (pull_run(&a, &err) < 0) {
		if (err && err->code == WP_EUSAGE)
			return cmd_usage_from(&cmd_pull, err);
		return cmd_fail(err);
	}
	return EXIT_OK;
}
