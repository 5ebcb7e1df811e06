#include <jansson.h>

#include "provenance.h"
#include "supply_chain.h"
#include "../lib/json.h"
#include "../lib/str.h"
#include "../lib/version.h"
#include "../oci/config.h"
#include "../oci/reference.h"
#include "../lib/common.h"

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

bool provenance_github_from_env(struct provenance_github *out)
{
	const char *actions = getenv("GITHUB_ACTIONS");

	memset(out, 0, sizeof(*out));
	if (!actions || strcmp(actions, "true") != 0)
		return false;
	out->server_url = env_nonempty("GITHUB_SERVER_URL");
	out->repository = env_nonempty("GITHUB_REPOSITORY");
	out->ref = env_nonempty("GITHUB_REF");
	out->sha = env_nonempty("GITHUB_SHA");
	out->run_id = env_nonempty("GITHUB_RUN_ID");
	out->run_attempt = env_nonempty("GITHUB_RUN_ATTEMPT");
	out->workflow_ref = env_nonempty("GITHUB_WORKFLOW_REF");
	return true;
}

static const char *server(const struct provenance_github *gh)
{
	return gh->server_url ? gh->server_url : "https://github.com";
}

static int set_opt(json_t *obj, const char *key, const char *value, wp_error **err)
{
	return value ? wp_json_set_string(obj, key, value, key, err) : 0;
}

/* obj[key] = the strings, when there are any. */
static int set_strings(json_t *obj, const char *key, const char *const *v, size_t n, wp_error **err)
{
	_cleanup_json_ json_t *arr = json_array();
	int r = arr ? 0 : wp_error_oom(err);

	for (size_t i = 0; r == 0 && i < n; i++)
		r = wp_json_append_string(arr, v[i], key, err);
	if (r == 0 && n > 0)
		r = wp_json_set_new(obj, key, TAKE_PTR(arr), err);
	return r;
}

/* A resource descriptor {uri|name: value, digest: {algorithm: hex}}. */
static int descriptor_new(json_t **out, const char *key, const char *value, const char *algorithm,
			  const char *hex, wp_error **err)
{
	_cleanup_json_ json_t *d = json_pack("{s:{s:s}}", "digest", algorithm, hex);
	int r = d ? wp_json_set_string(d, key, value, key, err) : wp_error_oom(err);

	if (r == 0)
		*out = TAKE_PTR(d);
	return r;
}

/* One subject per distinct repository the tags name ("ghcr.io/acme/app"),
 * or "_" (in-toto: no meaningful name) when there are no tags. */
static int subjects(json_t *stmt, const struct provenance_input *in, const char *hex,
		    wp_error **err)
{
	_cleanup_json_ json_t *arr = json_array();
	wp_strv names = {0};
	int r = arr ? 0 : wp_error_oom(err);

	for (size_t i = 0; r == 0 && i < in->n_tags; i++) {
		wp_reference ref = {0};
		_cleanup_free_ char *name = NULL;

		r = wp_reference_parse(&ref, in->tags[i], err);
		if (r == 0 && !(name = wp_reference_name(&ref)))
			r = wp_error_oom(err);
		if (r == 0 && !wp_strv_contains(&names, name))
			r = wp_strv_push(&names, name, err);
		wp_reference_release(&ref);
	}
	if (r == 0 && names.len == 0)
		r = wp_strv_push(&names, "_", err);
	for (size_t i = 0; r == 0 && i < names.len; i++) {
		json_t *d = NULL;

		r = descriptor_new(&d, "name", names.items[i], "sha256", hex, err);
		if (r == 0)
			r = wp_json_append_new(arr, d, err);
	}
	wp_strv_release(&names);
	if (r == 0)
		r = wp_json_set_new(stmt, "subject", TAKE_PTR(arr), err);
	return r;
}

/* GITHUB_WORKFLOW_REF without "REPOSITORY/" and "@REF": the workflow file's
 * path in the repository; owned, NULL when it has another form or when out
 * of memory (*oom then says which). */
static char *workflow_path(const struct provenance_github *gh, bool *oom)
{
	const char *p = gh->workflow_ref, *end;
	size_t n = gh->repository ? strlen(gh->repository) : 0;
	char *path;

	*oom = false;
	if (!p || !n || strncmp(p, gh->repository, n) != 0 || p[n] != '/')
		return NULL;
	p += n + 1;
	end = gh->ref && wp_str_has_suffix(p, gh->ref) && strlen(p) > strlen(gh->ref) &&
			      p[strlen(p) - strlen(gh->ref) - 1] == '@'
		      ? p + strlen(p) - strlen(gh->ref) - 1
		      : strrchr(p, '@');
	if (!end || end == p)
		return NULL;
	path = strndup(p, (size_t)(end - p));
	*oom = !path;
	return path;
}

/* externalParameters.workflow, as the GitHub Actions buildType names it:
 * {ref, repository, path}. */
static int workflow(json_t *ext, const struct provenance_github *gh, wp_error **err)
{
	_cleanup_json_ json_t *w = json_object();
	_cleanup_free_ char *repo =
		gh->repository ? wp_strdup_printf("%s/%s", server(gh), gh->repository) : NULL;
	bool oom = false;
	_cleanup_free_ char *path = workflow_path(gh, &oom);
	int r = w && !oom && (repo || !gh->repository) ? 0 : wp_error_oom(err);

	if (r == 0)
		r = set_opt(w, "ref", gh->ref, err);
	if (r == 0)
		r = set_opt(w, "repository", repo, err);
	if (r == 0)
		r = set_opt(w, "path", path, err);
	if (r == 0 && json_object_size(w) > 0)
		r = wp_json_set_new(ext, "workflow", TAKE_PTR(w), err);
	return r;
}

static int external_parameters(json_t *def, const struct provenance_input *in, wp_error **err)
{
	_cleanup_json_ json_t *ext = json_object();
	int r = ext ? 0 : wp_error_oom(err);

	if (r == 0)
		r = set_strings(ext, "inputs", in->inputs, in->n_inputs, err);
	if (r == 0)
		r = set_strings(ext, "tags", in->tags, in->n_tags, err);
	if (r == 0)
		r = set_opt(ext, "platform", in->platform, err);
	if (r == 0)
		r = set_opt(ext, "optimize", in->optimize, err);
	if (r == 0)
		r = set_opt(ext, "aot", in->aot, err);
	if (r == 0)
		r = set_opt(ext, "dockerfile", in->dockerfile, err);
	if (r == 0)
		r = set_opt(ext, "context", in->context, err);
	if (r == 0 && in->github)
		r = workflow(ext, in->github, err);
	if (r == 0)
		r = wp_json_set_new(def, "externalParameters", TAKE_PTR(ext), err);
	return r;
}

/* 40 (SHA-1) or 64 (SHA-256) lowercase hex digits, as git names commits. */
static bool is_commit_id(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return !s[n] && (n == 40 || n == 64);
}

/* The files read, then (in Actions) the repository at the commit:
 * git+SERVER/REPOSITORY@REF with digest gitCommit. */
static int resolved_dependencies(json_t *def, const struct provenance_input *in, wp_error **err)
{
	const struct provenance_github *gh = in->github;
	_cleanup_json_ json_t *deps = json_array();
	int r = deps ? 0 : wp_error_oom(err);

	for (size_t i = 0; r == 0 && i < in->n_materials; i++) {
		const struct provenance_material *m = &in->materials[i];
		const char *hex = NULL;
		json_t *d = NULL;

		if (!m->uri)
			r = wp_error_set(err, WP_EINVALID, "resolved dependency %zu has no uri", i);
		if (r == 0 && (r = supply_chain_sha256_hex(m->digest, "digest", &hex, err)) < 0)
			wp_error_prefix(err, "resolved dependency \"%s\"", m->uri);
		if (r == 0)
			r = descriptor_new(&d, "uri", m->uri, "sha256", hex, err);
		if (r == 0)
			r = wp_json_append_new(deps, d, err);
	}
	if (r == 0 && gh && gh->sha && !is_commit_id(gh->sha))
		r = wp_error_set(err, WP_EINVALID, "GITHUB_SHA \"%.80s\": not a commit id",
				 gh->sha);
	if (r == 0 && gh && gh->repository && gh->ref && gh->sha) {
		_cleanup_free_ char *uri =
			wp_strdup_printf("git+%s/%s@%s", server(gh), gh->repository, gh->ref);
		json_t *d = NULL;

		r = uri ? descriptor_new(&d, "uri", uri, "gitCommit", gh->sha, err)
			: wp_error_oom(err);
		if (r == 0)
			r = wp_json_append_new(deps, d, err);
	}
	if (r == 0 && json_array_size(deps) > 0)
		r = wp_json_set_new(def, "resolvedDependencies", TAKE_PTR(deps), err);
	return r;
}

static int build_definition(json_t *pred, const struct provenance_input *in, wp_error **err)
{
	_cleanup_json_ json_t *def =
		json_pack("{s:s,s:{s:s}}", "buildType", PROVENANCE_BUILD_TYPE, "internalParameters",
			  "wasmpackVersion", WASMPACK_VERSION);
	int r = def ? 0 : wp_error_oom(err);

	if (r == 0)
		r = external_parameters(def, in, err);
	if (r == 0)
		r = resolved_dependencies(def, in, err);
	if (r == 0)
		r = wp_json_set_new(pred, "buildDefinition", TAKE_PTR(def), err);
	return r;
}

/* builder.id: in Actions the workflow (SERVER/GITHUB_WORKFLOW_REF), else
 * the repository; outside Actions PROVENANCE_LOCAL_BUILDER. Owned; NULL
 * when out of memory. */
static char *builder_id(const struct provenance_github *gh)
{
	if (gh && gh->workflow_ref)
		return wp_strdup_printf("%s/%s", server(gh), gh->workflow_ref);
	if (gh && gh->repository)
		return wp_strdup_printf("%s/%s", server(gh), gh->repository);
	return strdup(PROVENANCE_LOCAL_BUILDER);
}

static int set_time(json_t *obj, const char *key, int64_t t, wp_error **err)
{
	char when[32];
	int r = t ? wp_format_rfc3339(t, when, err) : 0;

	if (r == 0 && t)
		r = wp_json_set_new(obj, key, json_string(when), err);
	return r;
}

/* metadata: invocationId SERVER/REPOSITORY/actions/runs/ID/attempts/N in
 * Actions; startedOn and finishedOn when given. */
static int metadata(json_t *run, const struct provenance_input *in, wp_error **err)
{
	const struct provenance_github *gh = in->github;
	_cleanup_json_ json_t *md = json_object();
	_cleanup_free_ char *id = NULL;
	int r = md ? 0 : wp_error_oom(err);

	if (r == 0 && gh && gh->repository && gh->run_id) {
		id = wp_strdup_printf("%s/%s/actions/runs/%s%s%s", server(gh), gh->repository,
				      gh->run_id, gh->run_attempt ? "/attempts/" : "",
				      gh->run_attempt ? gh->run_attempt : "");
		r = id ? wp_json_set_string(md, "invocationId", id, "invocation id", err)
		       : wp_error_oom(err);
	}
	if (r == 0)
		r = set_time(md, "startedOn", in->started_on, err);
	if (r == 0)
		r = set_time(md, "finishedOn", in->finished_on, err);
	if (r == 0 && json_object_size(md) > 0)
		r = wp_json_set_new(run, "metadata", TAKE_PTR(md), err);
	return r;
}

static int run_details(json_t *pred, const struct provenance_input *in, wp_error **err)
{
	_cleanup_free_ char *id = builder_id(in->github);
	_cleanup_json_ json_t *run = json_object(), *builder = NULL;
	int r = id && run ? 0 : wp_error_oom(err);

	if (r == 0 && !(builder = json_pack("{s:{s:s}}", "version", "wasmpack", WASMPACK_VERSION)))
		r = wp_error_oom(err);
	if (r == 0)
		r = wp_json_set_string(builder, "id", id, "builder id", err);
	if (r == 0)
		r = wp_json_set_new(run, "builder", TAKE_PTR(builder), err);
	if (r == 0)
		r = metadata(run, in, err);
	if (r == 0)
		r = wp_json_set_new(pred, "runDetails", TAKE_PTR(run), err);
	return r;
}

int provenance_intoto_json(const struct provenance_input *in, wp_buf *out, wp_error **err)
{
	_cleanup_json_ json_t *stmt =
		json_pack("{s:s,s:s}", "_type", "https://in-toto.io/Statement/v1", "predicateType",
			  "https://slsa.dev/provenance/v1");
	_cleanup_json_ json_t *pred = json_object();
	const char *hex = NULL;
	int r = stmt && pred ? 0 : wp_error_oom(err);

	if (r == 0)
		r = supply_chain_sha256_hex(in->image_digest, "image digest", &hex, err);
	if (r == 0)
		r = subjects(stmt, in, hex, err);
	if (r == 0)
		r = build_definition(pred, in, err);
	if (r == 0)
		r = run_details(pred, in, err);
	if (r == 0)
		r = wp_json_set_new(stmt, "predicate", TAKE_PTR(pred), err);
	if (r == 0)
		r = wp_json_dump_canonical(stmt, out, err);
	if (r < 0)
		wp_error_prefix(err, "provenance");
	return r;
}
