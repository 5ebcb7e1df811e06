/* What a CI run says about the image it builds, as the OCI pre-defined
 * annotation keys (image-spec annotations.md) that docker/metadata-action
 * sets: org.opencontainers.image.source, .url, .revision, .created and, for
 * a tag build, .version. From GitHub Actions (GITHUB_ACTIONS=true) or
 * GitLab CI (GITLAB_CI=true); nothing elsewhere. */
#ifndef WP_CI_ENV_H
#define WP_CI_ENV_H

#include "../lib/error.h"
#include "../lib/str.h"

/* Fills out (empty on entry) with the keys the environment gives. created:
 * SOURCE_DATE_EPOCH, else the commit's time (GitHub: `git log -1` in
 * GITHUB_WORKSPACE; GitLab: CI_COMMIT_TIMESTAMP), else left out. */
int ci_env_annotations(wp_kv *out, wp_error **err);

#endif
