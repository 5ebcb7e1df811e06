/* wasmpack delete: remove an image's manifest from a registry. */
#include "output_format.h"
#include "remote_cmd.h"
#include "../oci/remote.h"
#include "../lib/common.h"

static int run_delete(int argc, char **argv);

const wp_command cmd_delete = {
	"delete",
	"delete an image (its manifest) from a registry",
	run_delete,
	"Usage: wasmpack delete [OPTIONS] REF\n"
	"\n"
	"Resolve REF to its digest and delete that manifest: every tag naming it goes\n"
	"with it, and the registry's garbage collection may then reclaim the blobs.\n"
	"Many registries refuse deletes unless configured for them (a distribution\n"
	"registry needs REGISTRY_STORAGE_DELETE_ENABLED=true); the message says so.\n"
	"\n"
	"Options:\n" OUTPUT_FORMAT_HELP REMOTE_CMD_QUIET_HELP REMOTE_CMD_OPTIONS_HELP "\n"
	"Example:\n"
	"  wasmpack delete localhost:5000/app:old\n",
};

static int delete_manifest(remote_cmd *c, wp_error **err)
{
	wp_descriptor d = {0};
	_cleanup_free_ char *ref = NULL;
	int r = wp_remote_resolve(c->reg, c->ref.repository, remote_ref_target(&c->ref), &d, err);

	if (r == 0)
		r = wp_remote_delete_manifest(c->reg, c->ref.repository, d.digest, err);
	if (r == 0 && !c->a.json && !c->a.quiet)
		printf("deleted %s/%s@%s\n", c->ref.registry, c->ref.repository, d.digest);
	else if (r == 0 && c->a.json && !(ref = remote_ref_full(&c->ref)))
		r = wp_error_oom(err);
	else if (r == 0 && c->a.json)
		r = output_json_pack_print(err, "{s:s,s:s,s:s}", "reference", ref, "digest",
					   d.digest, "mediaType", d.media_type);
	wp_descriptor_release(&d);
	return r;
}

static int run_delete(int argc, char **argv)
{
	static const remote_cmd_spec spec = {.min_args = 1,
					     .max_args = 1,
					     .missing = "the image to delete (REF)",
					     .action = delete_manifest};

	return remote_cmd_run(&cmd_delete, argc, argv, &spec);
}
