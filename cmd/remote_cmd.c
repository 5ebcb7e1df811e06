#include "remote_cmd.h"
#include "output_format.h"
#include "../lib/str.h"
#include "../lib/common.h"

enum {
	OPT_PAGE_SIZE = 0x2000,
};

/* The command's options, --page-size when `paging`, the registry and
 * global ones; owned, NULL when out of memory. */
static struct option *option_table(const remote_cmd_spec *spec)
{
	static const struct option common[] = {
		{"page-size", required_argument, NULL, OPT_PAGE_SIZE},
		OUTPUT_FORMAT_OPTION,
		REMOTE_OPTIONS,
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	const struct option *base = common + (spec->paging ? 0 : 1);
	size_t n_extra = 0, n_base = WP_ARRAY_SIZE(common) - (spec->paging ? 0 : 1);
	struct option *all;

	while (spec->options && spec->options[n_extra].name)
		n_extra++;
	if (!(all = calloc(n_extra + n_base, sizeof(*all))))
		return NULL;
	if (n_extra)
		memcpy(all, spec->options, n_extra * sizeof(*all));
	memcpy(all + n_extra, base, n_base * sizeof(*all));
	return all;
}

/* Parses argv into c->a: spec's options, min..max positional arguments
 * (`missing` named when there are too few). Returns -1 to go on, else the
 * exit status. */
static int parse(const wp_command *cmd, int argc, char **argv, const remote_cmd_spec *spec,
		 remote_cmd *c)
{
	_cleanup_free_ struct option *options = option_table(spec);
	remote_cmd_args *out = &c->a;
	wp_error *err = NULL;
	int64_t v;
	int opt, status;

	*out = (remote_cmd_args){.remote = REMOTE_ARGS_INIT};
	if (!options)
		return cmd_fail(NULL);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":qh", options, NULL)) != -1) {
		int handled;

		if (cmd_handle_global(cmd, opt, &status))
			return status;
		if ((handled = remote_args_handle(&out->remote, opt, optarg, &err)) < 0)
			return cmd_usage_from(cmd, err);
		if (handled)
			continue;
		switch (opt) {
		case OPT_PAGE_SIZE:
			if (wp_parse_int64(optarg, 1, 100000, "--page-size", &v, &err) < 0)
				return cmd_usage_from(cmd, err);
			out->page = (int)v;
			break;
		case OPT_OUTPUT_FORMAT:
			if ((status = output_format_parse(cmd, optarg, &out->json)))
				return status;
			break;
		case 'q':
			out->quiet = true;
			break;
		case OPT_GLOBAL_DEBUG:
			break;
		default:
			if (!spec->option || (handled = spec->option(c, opt, optarg, &err)) == 0)
				return cmd_bad_option(cmd, argc, argv, opt);
			if (handled < 0)
				return err && err->code == WP_EUSAGE ? cmd_usage_from(cmd, err)
								     : cmd_fail(err);
		}
	}
	if (argc - optind < spec->min_args)
		return cmd_usage_error(cmd, "missing %s", spec->missing);
	if (argc - optind > spec->max_args)
		return cmd_usage_error(cmd, "unexpected \"%s\"", argv[optind + spec->max_args]);
	out->args = argv + optind;
	out->n_args = argc - optind;
	return -1;
}

int remote_cmd_run(const wp_command *cmd, int argc, char **argv, const remote_cmd_spec *spec)
{
	remote_cmd c = {.reg = NULL, .ctx = spec->ctx};
	wp_error *err = NULL;
	int r = parse(cmd, argc, argv, spec, &c);

	if (r >= 0)
		return r;
	r = remote_parse_reference(c.a.args[0], &c.ref, &err);
	if (r == 0 && spec->check)
		r = spec->check(&c, &err);
	if (r == 0)
		r = remote_args_open(&c.a.remote, c.ref.registry, &c.reg, &err);
	if (r == 0)
		r = spec->action(&c, &err);
	wp_registry_free(c.reg);
	wp_reference_release(&c.ref);
	if (r == 0)
		return EXIT_OK;
	if (err && err->code == WP_EUSAGE)
		return cmd_usage_from(cmd, err);
	return cmd_fail(err);
}

const char *remote_ref_target(const wp_reference *ref)
{
	return ref->digest ? ref->digest : ref->tag ? ref->tag : WP_DEFAULT_TAG;
}

char *remote_ref_full(const wp_reference *ref)
{
	return wp_strdup_printf("%s/%s%s%s", ref->registry, ref->repository,
				ref->digest ? "@" : ":", remote_ref_target(ref));
}

int remote_cmd_common_option(const wp_command *cmd, struct remote_args *ra, int c, int *status)
{
	wp_error *err = NULL;
	int handled;

	if (cmd_handle_global(cmd, c, status))
		return -1;
	if ((handled = remote_args_handle(ra, c, optarg, &err)) < 0) {
		*status = cmd_usage_from(cmd, err);
		return -1;
	}
	return handled;
}
