/* wasmpack tag: more tags for an image already in a repository. */
#include "output_format.h"
#include "remote_cmd.h"
#include "../lib/json.h"
#include "../lib/str.h"
#include "../oci/remote.h"
#include "../lib/common.h"

static int run_tag(int argc, char **argv);

const wp_command cmd_tag = {
	"tag",
	"add tags to an image in a registry",
	run_tag,
	"Usage: wasmpack tag [OPTIONS] REF NEWTAG...\n"
	"\n"
	"Point each NEWTAG of REF's repository at the image REF names. The manifest\n"
	"is read once and put again under each tag, byte for byte (same digest): no\n"
	"blob moves.\n"
	"\n"
	"Options:\n" OUTPUT_FORMAT_HELP REMOTE_CMD_QUIET_HELP REMOTE_CMD_OPTIONS_HELP "\n"
	"Example:\n"
	"  wasmpack tag ghcr.io/acme/app:1.0.3 1.0 1 latest\n",
};

static int add_tags(remote_cmd *c, wp_error **err)
{
	wp_remote_manifest m = {0};
	json_t *tagged = c->a.json ? json_array() : NULL;
	int r = !c->a.json || tagged ? 0 : wp_error_oom(err);

	for (int i = 1; r == 0 && i < c->a.n_args; i++)
		if ((r = wp_tag_validate(c->a.args[i], err)) < 0)
			(*err)->code = WP_EUSAGE;
	if (r == 0)
		r = wp_remote_get_manifest(c->reg, c->ref.repository, remote_ref_target(&c->ref),
					   &m, err);
	for (int i = 1; r == 0 && i < c->a.n_args; i++) {
		_cleanup_free_ char *ref = wp_strdup_printf("%s/%s:%s", c->ref.registry,
							    c->ref.repository, c->a.args[i]);

		r = ref ? wp_remote_put_manifest(c->reg, c->ref.repository, c->a.args[i],
						 m.media_type, m.bytes.data, m.bytes.len, err)
			: wp_error_oom(err);
		if (r == 0 && tagged)
			r = wp_json_append_new(
				tagged,
				json_pack("{s:s,s:s}", "reference", ref, "digest", m.digest), err);
		else if (r == 0 && !c->a.quiet)
			printf("%s@%s\n", ref, m.digest);
	}
	if (r == 0 && tagged)
		r = output_json_pack_print(err, "{s:s,s:s,s:O}", "digest", m.digest, "mediaType",
					   m.media_type, "tagged", tagged);
	json_decref(tagged);
	wp_remote_manifest_release(&m);
	return r;
}

static int run_tag(int argc, char **argv)
{
	static const remote_cmd_spec spec = {.min_args = 2,
					     .max_args = 1000,
					     .missing = "the new tag (NEWTAG)",
					     .action = add_tags};

	return remote_cmd_run(&cmd_tag, argc, argv, &spec);
}
