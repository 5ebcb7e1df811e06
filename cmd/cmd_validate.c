/* wasmpack validate: full WebAssembly validation of one or more modules. */
#include <jansson.h>

#include "cmd.h"
#include "output_format.h"
#include "../lib/json.h"
#include "../wasmopt/validate.h"
#include "../lib/common.h"

static int run_validate(int argc, char **argv);

const wp_command cmd_validate = {
	"validate",
	"check that WebAssembly modules are valid",
	run_validate,
	"Usage: wasmpack validate [OPTIONS] MODULE.wasm...\n"
	"\n"
	"Check each module against the WebAssembly binary format and validation\n"
	"rules in one pass: Wasm 1.0 and 2.0 (multi-value, reference types, bulk\n"
	"memory, SIMD and relaxed SIMD, sign extension, saturating conversions,\n"
	"mutable globals), threads, tail calls, exception handling, memory64,\n"
	"multi-memory, extended constant expressions and typed function references.\n"
	"Components are recognised and reported as such (only core modules are\n"
	"validated). Failures name the function, the byte offset and the rule.\n"
	"\n"
	"Options:\n" OUTPUT_FORMAT_HELP
	"      --json                  one JSON object per module and line on stdout:\n"
	"                              {\"file\":...,\"valid\":true|false,\"error\":...}\n"
	"      --features all|default  accepted for compatibility; every feature above\n"
	"                              is always enabled\n"
	"  -q, --quiet                 print nothing, only set the exit status\n"
	"  -h, --help                  print this help\n"
	"\n"
	"Exit status: 0 when every module is valid, 1 otherwise, 2 on usage errors.\n",
};

enum {
	OPT_JSON = 0x2000,
	OPT_FEATURES
};

/* {"file", "valid", "error"}: a line of --json, an entry of --format json. */
static json_t *module_json(const char *file, const wp_error *e)
{
	return json_pack("{s:s,s:b,s:s*}", "file", file, "valid", e == NULL, "error",
			 e ? e->message : NULL);
}

static void print_json_line(const char *file, const wp_error *e)
{
	_cleanup_json_ json_t *j = module_json(file, e);
	_cleanup_free_ char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	if (text)
		printf("%s\n", text);
}

static int run_validate(int argc, char **argv)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, OPT_JSON},
		OUTPUT_FORMAT_OPTION,
		{"features", required_argument, NULL, OPT_FEATURES},
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	bool json = false, document = false, quiet = false, all_valid = true;
	_cleanup_json_ json_t *modules = NULL;
	wp_error *err = NULL;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", options, NULL)) != -1) {
		if (cmd_handle_global(&cmd_validate, c, &status))
			return status;
		if (c == OPT_JSON)
			json = true;
		else if (c == OPT_OUTPUT_FORMAT) {
			if ((status = output_format_parse(&cmd_validate, optarg, &document)))
				return status;
		} else if (c == OPT_FEATURES) {
			if (strcmp(optarg, "all") != 0 && strcmp(optarg, "default") != 0)
				return cmd_usage_error(&cmd_validate,
						       "--features \"%s\": expected all or default",
						       optarg);
		} else if (c == 'q')
			quiet = true;
		else if (c != OPT_GLOBAL_DEBUG)
			return cmd_bad_option(&cmd_validate, argc, argv, c);
	}
	if (optind >= argc)
		return cmd_usage_error(&cmd_validate, "missing the module to validate");
	if (json && document)
		return cmd_usage_error(&cmd_validate,
				       "--json and --format json exclude each other");
	if (document && !(modules = json_array())) {
		wp_error_oom(&err);
		return cmd_fail(err);
	}
	for (int i = optind; i < argc; i++) {
		wp_error *e = NULL;

		if (wp_validate_file(argv[i], &e) < 0)
			all_valid = false;
		if (json)
			print_json_line(argv[i], e);
		else if (e && !quiet)
			fprintf(stderr, "wasmpack: %s\n", e->message);
		if (document && !err)
			wp_json_append_new(modules, module_json(argv[i], e), &err);
		wp_error_free(e);
	}
	fflush(stdout);
	/* the verdict is the result: printed, invalid or not */
	if (document && !err)
		output_json_pack_print(&err, "{s:b,s:O}", "valid", all_valid, "modules", modules);
	if (err)
		return cmd_fail(err);
	return all_valid ? EXIT_OK : EXIT_FAIL;
}
