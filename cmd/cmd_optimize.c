/* wasmpack optimize: a smaller module that does the same. */
#include "cmd.h"
#include "output_format.h"
#include "../lib/buf.h"
#include "../lib/fileio.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../wasmopt/module.h"
#include "../wasmopt/optimize.h"
#include "../wasmopt/validate.h"
#include "../lib/common.h"

static int run_optimize(int argc, char **argv);

const wp_command cmd_optimize = {
	"optimize",
	"make a WebAssembly module smaller without changing what it does",
	run_optimize,
	"Usage: wasmpack optimize [OPTIONS] IN.wasm -o OUT.wasm\n"
	"\n"
	"Validate IN, then write a smaller module that behaves the same. The result\n"
	"is validated again before it replaces OUT; a failure leaves OUT as it was.\n"
	"\n"
	"Levels:\n"
	"  -O0                         the bytes unchanged\n"
	"  -Os, --strip                drop debug and tooling sections (.debug_*, name,\n"
	"                              producers, sourceMappingURL, external_debug_info,\n"
	"                              build_id, target_features; component-type:* and\n"
	"                              dylink.0 stay), shortest LEB128s everywhere,\n"
	"                              adjacent local declarations merged\n"
	"  -Oz                         also remove unused functions, globals, types,\n"
	"                              tables and element and data segments, merge\n"
	"                              byte-identical functions, make functions that\n"
	"                              differ only in constants thunks of one shared\n"
	"                              function, drop a block's closing failure or\n"
	"                              return code when the same code follows it,\n"
	"                              renumber functions by use, re-cut active data\n"
	"                              segments (merged across small gaps, split at\n"
	"                              runs of zeros)\n"
	"Options:\n"
	"  -o, --output FILE           where to write (- for standard output)\n"
	"      --keep-section NAME     keep this custom section (repeatable)\n"
	"      --remove-unused-imports let -Oz remove function imports nothing calls\n"
	"      --stats                 print the bytes each pass saved\n" OUTPUT_FORMAT_HELP
	"  -q, --quiet                 print nothing but errors\n"
	"  -h, --help                  print this help\n",
};

enum {
	OPT_KEEP = 0x2000,
	OPT_REMOVE_IMPORTS,
	OPT_STATS,
	OPT_STRIP
};

int cmd_parse_opt_level(const char *arg, wp_opt_level *out)
{
	if (strcmp(arg, "0") == 0)
		*out = WP_OPT_NONE;
	else if (strcmp(arg, "s") == 0)
		*out = WP_OPT_SIZE;
	else if (strcmp(arg, "z") == 0)
		*out = WP_OPT_MIN;
	else
		return -1;
	return 0;
}

void cmd_print_opt_stats(const wp_opt_stats *st)
{
	fprintf(stderr, "  custom sections dropped   %12" PRIu64 " bytes\n", st->custom_sections);
	fprintf(stderr, "  unused functions (%u)%*s %12" PRIu64 " bytes\n", st->n_dead_functions,
		st->n_dead_functions < 10    ? 5
		: st->n_dead_functions < 100 ? 4
					     : 1,
		"", st->dead_functions);
	fprintf(stderr, "  merged functions (%u)      %12" PRIu64 " bytes\n",
		st->n_merged_functions, st->merged_functions);
	fprintf(stderr, "  similar functions %u -> %u %12" PRIu64 " bytes (estimated)\n",
		st->n_similar_functions, st->n_shared_functions, st->similar_functions);
	fprintf(stderr, "  repeated tails (%u)        %12" PRIu64 " bytes\n", st->n_folded_tails,
		st->folded_tails);
	fprintf(stderr, "  data segments %u -> %u      %12" PRIu64 " bytes\n", st->n_data_in,
		st->n_data_out, st->data);
	fprintf(stderr, "  indices, LEB128s, locals  %12" PRIu64 " bytes\n", st->leb);
	fprintf(stderr, "  unused globals %u, types %u\n", st->n_dead_globals, st->n_dead_types);
}

/* The result as one JSON document: sizes, and what each pass saved. */
static int print_json(const char *in, const char *out, const wp_opt_stats *st, wp_error **err)
{
	return output_json_pack_print(
		err,
		"{s:s,s:s,s:I,s:I,s:{s:I,s:i,s:I,s:i,s:I,s:i,s:i,s:I,s:i,s:I,s:i,s:i,s:I,s:I,s:i,"
		"s:i}}",
		"input", in, "output", out, "inputSize", (json_int_t)st->input, "outputSize",
		(json_int_t)st->output, "stats", "customSectionBytes",
		(json_int_t)st->custom_sections, "unusedFunctions", (int)st->n_dead_functions,
		"unusedFunctionBytes", (json_int_t)st->dead_functions, "mergedFunctions",
		(int)st->n_merged_functions, "mergedFunctionBytes",
		(json_int_t)st->merged_functions, "similarFunctions", (int)st->n_similar_functions,
		"sharedFunctions", (int)st->n_shared_functions, "similarFunctionBytes",
		(json_int_t)st->similar_functions, "foldedTails", (int)st->n_folded_tails,
		"foldedTailBytes", (json_int_t)st->folded_tails, "dataSegmentsIn",
		(int)st->n_data_in, "dataSegmentsOut", (int)st->n_data_out, "dataBytes",
		(json_int_t)st->data, "lebBytes", (json_int_t)st->leb, "unusedGlobals",
		(int)st->n_dead_globals, "unusedTypes", (int)st->n_dead_types);
}

static int run_optimize(int argc, char **argv)
{
	static const struct option options[] = {
		{"output", required_argument, NULL, 'o'},
		{"keep-section", required_argument, NULL, OPT_KEEP},
		{"remove-unused-imports", no_argument, NULL, OPT_REMOVE_IMPORTS},
		{"stats", no_argument, NULL, OPT_STATS},
		{"strip", no_argument, NULL, OPT_STRIP},
		OUTPUT_FORMAT_OPTION,
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	wp_opt_options o = {WP_OPT_SIZE, false, false, NULL, 0, NULL, false};
	wp_strv keep = {0};
	const char *output = NULL;
	bool stats = false, json = false;
	wp_buf out = WP_BUF_INIT((size_t)1 << 32);
	wp_opt_stats st;
	wp_atomic_file file = WP_ATOMIC_FILE_INIT;
	wp_module *m = NULL;
	wp_error *err = NULL;
	int c, status, r = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:O:qh", options, NULL)) != -1) {
		if (cmd_handle_global(&cmd_optimize, c, &status))
			return status;
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'O':
			if (cmd_parse_opt_level(optarg, &o.level) < 0)
				return cmd_usage_error(&cmd_optimize,
						       "-O%s: expected -O0, -Os or -Oz", optarg);
			break;
		case OPT_STRIP:
			o.strip = true;
			break;
		case OPT_KEEP:
			if (wp_strv_push(&keep, optarg, &err) < 0)
				return cmd_fail(err);
			break;
		case OPT_REMOVE_IMPORTS:
			o.remove_unused_imports = true;
			break;
		case OPT_STATS:
			stats = true;
			break;
		case OPT_OUTPUT_FORMAT:
			if ((status = output_format_parse(&cmd_optimize, optarg, &json)))
				return status;
			break;
		case 'q':
		case OPT_GLOBAL_DEBUG:
			break;
		default:
			return cmd_bad_option(&cmd_optimize, argc, argv, c);
		}
	}
	o.keep_sections = &keep;
	if (optind >= argc)
		status = cmd_usage_error(&cmd_optimize, "missing the module to optimize");
	else if (optind + 1 < argc)
		status = cmd_usage_error(&cmd_optimize, "one module at a time; unexpected \"%s\"",
					 argv[optind + 1]);
	else if (!output)
		status = cmd_usage_error(&cmd_optimize, "missing -o OUT.wasm");
	else if (json && strcmp(output, "-") == 0)
		status = cmd_usage_error(&cmd_optimize, "--format json: the module goes to "
							"standard output with -o -; name a file");
	else
		status = -1;
	if (status >= 0) {
		wp_strv_release(&keep);
		return status;
	}
	r = wp_module_read_file(&m, argv[optind], &err);
	/* validated by wp_optimize, at -Oz in the same pass as its own reading */
	o.validate_input = true;
	if (r == 0 && strcmp(output, "-") != 0) {
		r = wp_atomic_file_open(&file, output, 0644, &err);
		/* written as it is made, validated again, renamed only then */
		o.out_file = &file;
	}
	if (r == 0)
		r = wp_optimize(m, &o, &out, &st, &err);
	if (r == 0 && strcmp(output, "-") == 0)
		r = wp_write_all(STDOUT_FILENO, out.data, out.len, "standard output", &err);
	else if (r == 0)
		r = wp_atomic_file_commit(&file, &err);
	wp_atomic_file_abort(&file);
	if (r == 0 && wp_log_get_level() >= WP_LOG_INFO)
		fprintf(stderr, "%s: %" PRIu64 " -> %" PRIu64 " bytes (%.1f%% smaller)\n",
			argv[optind], st.input, st.output,
			st.input ? 100.0 * (double)(st.input - st.output) / (double)st.input : 0.0);
	if (r == 0 && stats)
		cmd_print_opt_stats(&st);
	if (r == 0 && json)
		r = print_json(argv[optind], output, &st, &err);
	wp_module_free(m);
	wp_buf_release(&out);
	wp_strv_release(&keep);
	return r < 0 ? cmd_fail(err) : EXIT_OK;
}
