/* wasmpack ls: the tags of a repository. */
#include "output_format.h"
#include "remote_cmd.h"
#include "../lib/str.h"
#include "../oci/remote.h"
#include "../lib/common.h"

static int run_ls(int argc, char **argv);

const wp_command cmd_ls = {
	"ls",
	"list the tags of a repository",
	run_ls,
	"Usage: wasmpack ls [OPTIONS] REPO\n"
	"\n"
	"Print every tag of REPO ([REGISTRY[:PORT]/]NAME), one per line, in the\n"
	"registry's order, following its pages (Link headers) to the end.\n"
	"\n"
	"Options:\n"
	"      --page-size N           ask for N tags per request (default: the\n"
	"                              registry's own page size)\n" OUTPUT_FORMAT_HELP
		REMOTE_CMD_OPTIONS_HELP "\n"
	"Example:\n"
	"  wasmpack ls ghcr.io/acme/app\n",
};

/* {"repository": "REGISTRY/NAME", "tags": [...]} */
static int print_json(const remote_cmd *c, const wp_strv *tags, wp_error **err)
{
	_cleanup_free_ char *repo = wp_strdup_printf("%s/%s", c->ref.registry, c->ref.repository);
	json_t *list = NULL;
	int r = repo ? output_json_strings(&list, tags, "a tag", err) : wp_error_oom(err);

	if (r == 0)
		r = output_json_pack_print(err, "{s:s,s:o}", "repository", repo, "tags", list);
	return r;
}

static int list_tags(remote_cmd *c, wp_error **err)
{
	wp_strv tags = {0};
	int r = 0;

	if (c->ref.tag || c->ref.digest)
		return wp_error_set(err, WP_EUSAGE,
				    "\"%s\": name a repository, without a tag or digest",
				    c->a.args[0]);
	r = wp_remote_list_tags(c->reg, c->ref.repository, c->a.page, &tags, err);
	for (size_t i = 0; r == 0 && !c->a.json && i < tags.len; i++)
		printf("%s\n", tags.items[i]);
	if (r == 0 && c->a.json)
		r = print_json(c, &tags, err);
	wp_strv_release(&tags);
	return r;
}

static int run_ls(int argc, char **argv)
{
	static const remote_cmd_spec spec = {.min_args = 1,
					     .max_args = 1,
					     .missing = "the repository (REPO)",
					     .paging = true,
					     .action = list_tags};

	return remote_cmd_run(&cmd_ls, argc, argv, &spec);
}
