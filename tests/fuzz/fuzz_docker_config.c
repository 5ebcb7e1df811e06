/* Docker's config.json and the Podman auth file: looking credentials up
 * for a few hosts, then storing and erasing some, with the input as both
 * files. PATH names an empty directory, so a credential helper the input
 * configures is looked for but never run; HOME and the rest point into the
 * scratch directory, so nothing of the user's is read or written. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "../../lib/str.h"
#include "../../oci/credentials.h"

#define SECRET "fuzz-secret-Pa55"

static const char *const hosts[] = {"docker.io", "ghcr.io", "localhost:5000", "[::1]:5000"};

static char *docker_file, *podman_file;

static void set_up(void)
{
	char *home = fuzz_path("home"), *bin = fuzz_path("bin"), *docker = fuzz_path("docker");

	FUZZ_CHECK(mkdir(home, 0700) == 0 && mkdir(bin, 0700) == 0 && mkdir(docker, 0700) == 0);
	setenv("HOME", home, 1);
	setenv("PATH", bin, 1);
	setenv("DOCKER_CONFIG", docker, 1);
	unsetenv("XDG_RUNTIME_DIR");
	docker_file = fuzz_path("docker/config.json");
	podman_file = fuzz_path("auth.json");
	setenv("REGISTRY_AUTH_FILE", podman_file, 1);
	free(home);
	free(bin);
	free(docker);
}

/* The input holds the secret itself (as a helper's name, say) */
static bool input_has_secret;

/* No message may carry the secret that was stored, unless the input put
 * the same text where a message may name it. */
static void check_error(wp_error **err)
{
	if (*err && !input_has_secret)
		FUZZ_CHECK(strstr((*err)->message, SECRET) == NULL);
	fuzz_clear(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wp_credential stored = {.username = "fuzz", .password = SECRET};
	wp_error *err = NULL;

	if (!docker_file)
		set_up();
	input_has_secret = memmem(data, size, SECRET, strlen(SECRET)) != NULL;
	fuzz_write(docker_file, data, size);
	fuzz_write(podman_file, data, size);
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		wp_credential c;
		bool found = false;

		if (wp_credentials_lookup(hosts[i], &c, &found, &err) < 0)
			FUZZ_CHECK(err != NULL && !found);
		check_error(&err);
		wp_credential_release(&c);
	}
	if (wp_credentials_store("ghcr.io", &stored, NULL, &err) == 0) {
		wp_credential c;
		bool found = false;

		/* what was stored in the file is what is found, unless a
		 * helper is configured (and missing) */
		if (wp_credentials_lookup("ghcr.io", &c, &found, &err) == 0)
			FUZZ_CHECK(found && wp_str_eq(c.password, SECRET));
		check_error(&err);
		wp_credential_release(&c);
	}
	check_error(&err);
	if (wp_credentials_erase("docker.io", NULL, &err) < 0)
		FUZZ_CHECK(err != NULL);
	check_error(&err);
	return 0;
}
