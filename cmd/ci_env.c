#include "ci_env.h"
#include "../lib/buf.h"
#include "../lib/log.h"
#include "../lib/process.h"
#include "../oci/config.h"
#include "../lib/common.h"

#define OCI_KEY(k) "org.opencontainers.image." k

static bool env_true(const char *name)
{
	const char *v = getenv(name);

	return v && strcmp(v, "true") == 0;
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int set_if(wp_kv *out, const char *key, const char *value, wp_error **err)
{
	return value ? wp_kv_set(out, key, value, err) : 0;
}

/* The commit's time from git, or 0 when git cannot say (no checkout, a
 * shallow clone without the commit, no git): created is then left out. */
static int64_t git_commit_time(const char *dir)
{
	const char *argv[] = {"git", "-C", dir, "log", "-1", "--format=%ct", NULL};
	wp_buf out = WP_BUF_INIT(4096), errout = WP_BUF_INIT(4096);
	wp_error *err = NULL;
	int status = -1;
	int64_t t = 0;

	if (wp_process_run(argv, NULL, 0, &out, &errout, 10, &status, &err) == 0 && status == 0)
		t = strtoll(wp_buf_cstr(&out), NULL, 10);
	else
		wp_log_debug("no commit time from git in %s", dir);
	wp_error_free(err);
	wp_buf_release(&out);
	wp_buf_release(&errout);
	return t > 0 ? t : 0;
}

static int created(wp_kv *out, int64_t commit_time, const char *iso, wp_error **err)
{
	const char *sde = env_nonempty("SOURCE_DATE_EPOCH");
	char when[32];
	int64_t t = sde ? strtoll(sde, NULL, 10) : commit_time;

	if (t > 0 && wp_format_rfc3339(t, when, err) == 0)
		return wp_kv_set(out, OCI_KEY("created"), when, err);
	return set_if(out, OCI_KEY("created"), sde ? NULL : iso, err);
}

static int github(wp_kv *out, wp_error **err)
{
	const char *server = env_nonempty("GITHUB_SERVER_URL"),
		   *repo = env_nonempty("GITHUB_REPOSITORY");
	const char *ref = env_nonempty("GITHUB_REF"), *ws = env_nonempty("GITHUB_WORKSPACE");
	_cleanup_free_ char *url =
		repo ? wp_strdup_printf("%s/%s", server ? server : "https://github.com", repo)
		     : NULL;
	int r = repo && !url ? wp_error_oom(err) : 0;

	if (r == 0)
		r = set_if(out, OCI_KEY("source"), url, err);
	if (r == 0)
		r = set_if(out, OCI_KEY("url"), url, err);
	if (r == 0)
		r = set_if(out, OCI_KEY("revision"), env_nonempty("GITHUB_SHA"), err);
	if (r == 0 && ref && wp_str_has_prefix(ref, "refs/tags/") && ref[10])
		r = wp_kv_set(out, OCI_KEY("version"), ref + 10, err);
	if (r == 0)
		r = created(out,
			    env_nonempty("SOURCE_DATE_EPOCH") ? 0 : git_commit_time(ws ? ws : "."),
			    NULL, err);
	return r;
}

static int gitlab(wp_kv *out, wp_error **err)
{
	const char *url = env_nonempty("CI_PROJECT_URL");
	int r = set_if(out, OCI_KEY("source"), url, err);

	if (r == 0)
		r = set_if(out, OCI_KEY("url"), url, err);
	if (r == 0)
		r = set_if(out, OCI_KEY("revision"), env_nonempty("CI_COMMIT_SHA"), err);
	if (r == 0)
		r = set_if(out, OCI_KEY("version"), env_nonempty("CI_COMMIT_TAG"), err);
	if (r == 0)
		r = created(out, 0, env_nonempty("CI_COMMIT_TIMESTAMP"), err);
	return r;
}

int ci_env_annotations(wp_kv *out, wp_error **err)
{
	if (env_true("GITHUB_ACTIONS"))
		return github(out, err);
	if (env_true("GITLAB_CI"))
		return gitlab(out, err);
	return 0;
}
