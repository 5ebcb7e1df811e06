/* oci/credentials: where credentials come from (Docker's config.json and
 * its helpers, Podman's auth files), in which order, under which keys; store
 * and erase; and that no secret ever reaches an error message. Every test
 * gets its own HOME, PATH (with a fake docker-credential-fake helper first)
 * and no DOCKER_CONFIG, XDG_RUNTIME_DIR or REGISTRY_AUTH_FILE; the
 * environment is restored afterwards. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "helpers.h"
#include "../../lib/base64.h"
#include "../../oci/credentials.h"
#include "../../lib/common.h"

/* The secrets used below: none may appear in any error message. */
#define PASSWORD "s3cr3t-Pa55:word"
#define AUTH_B64 "dXNlcjpzM2NyM3QtUGE1NTp3b3Jk" /* user:s3cr3t-Pa55:word */
#define NOCOLON "s3cr3tnocolon"
#define NOCOLON_B64 "czNjcjN0bm9jb2xvbg=="
#define ID_TOKEN "id-tok-3xyzzy"
#define REG_TOKEN "reg-tok-9plugh"
#define HELPER_SECRET "helper-s3cret-42"

static const char *const secrets[] = {PASSWORD, AUTH_B64,  NOCOLON,	  NOCOLON_B64,
				      ID_TOKEN, REG_TOKEN, HELPER_SECRET, "s3cr3t"};

/* A credential helper that keeps what it stores in $FAKE_STORE/<its name>/,
 * logs every call to $FAKE_LOG and misbehaves as $FAKE_MODE says. */
static const char fake_helper[] =
	"#!/bin/sh\n"
	"name=${0##*/}\n"
	"action=$1\n"
	"input=$(cat)\n"
	"printf '%s %s %s\\n' \"$name\" \"$action\" \"$input\" >> \"$FAKE_LOG\"\n"
	"case \"${FAKE_MODE:-}\" in\n"
	"fail) echo 'stdout noise'; echo 'fake: the keychain is locked' >&2; exit 3 ;;\n"
	"fail-stdout) echo 'error: backend unreachable'; exit 5 ;;\n"
	"json-fail) printf '{\"Username\":\"u\",\"Secret\":\"%s\"}\\n' \"$FAKE_SECRET\"; exit 5 ;;\n"
	"garbage) printf '{\"Username\":\"u\",\"Secret\":\"%s\"' \"$FAKE_SECRET\"; exit 0 ;;\n"
	"not-string) printf '{\"Username\":7,\"Secret\":\"%s\"}' \"$FAKE_SECRET\"; exit 0 ;;\n"
	"echo-input) printf '%s\\n' \"$input\" >&2; exit 4 ;;\n"
	"echo-input-late) printf '%0180d %s\\n' 0 \"$input\" >&2; exit 4 ;;\n"
	"empty) exit 0 ;;\n"
	"ok-not-found) echo 'credentials not found in native keychain'; exit 0 ;;\n"
	"esac\n"
	"key=$(printf '%s' \"$input\" | sed -n 's/.*\"ServerURL\":\"\\([^\"]*\\)\".*/\\1/p')\n"
	"[ -n \"$key\" ] || key=$input\n"
	"dir=$FAKE_STORE/$name\n"
	"mkdir -p \"$dir\"\n"
	"file=$dir/$(printf '%s' \"$key\" | tr '/:' '__')\n"
	"case \"$action\" in\n"
	"get) [ -f \"$file\" ] && exec cat \"$file\" ;;\n"
	"store) printf '%s' \"$input\" > \"$file\"; exit 0 ;;\n"
	"erase) [ -f \"$file\" ] && exec rm \"$file\" ;;\n"
	"*) echo \"unknown action $action\" >&2; exit 2 ;;\n"
	"esac\n"
	"echo 'credentials not found in native keychain'\n"
	"exit 1\n";

static const char *const env_names[] = {
	"HOME",	      "DOCKER_CONFIG", "XDG_RUNTIME_DIR", "REGISTRY_AUTH_FILE", "PATH",
	"FAKE_STORE", "FAKE_LOG",      "FAKE_MODE",	  "FAKE_SECRET"};
static char *saved_env[sizeof(env_names) / sizeof(env_names[0])];

static char *tmp;	/* everything of the test */
static char *home;	/* $HOME */
static char *config;	/* $HOME/.docker/config.json */
static char *store_dir; /* the fake helpers' store */
static char *log_path;	/* the fake helpers' log */

static void set_env(const char *name, const char *value)
{
	if (value)
		cr_assert_eq(setenv(name, value, 1), 0);
	else
		cr_assert_eq(unsetenv(name), 0);
}

static void creds_setup(void)
{
	char *bin, *path, *script;

	for (size_t i = 0; i < WP_ARRAY_SIZE(env_names); i++) {
		const char *v = getenv(env_names[i]);

		saved_env[i] = v ? test_xstrdup(v) : NULL;
	}
	tmp = test_mkdtemp();
	home = test_path(tmp, "home");
	config = test_path(home, ".docker/config.json");
	store_dir = test_path(tmp, "store");
	log_path = test_path(tmp, "helper.log");
	bin = test_path(tmp, "bin");
	cr_assert_eq(mkdir(home, 0700), 0);
	cr_assert_eq(mkdir(bin, 0700), 0);
	script = test_write_file(bin, "docker-credential-fake", fake_helper, strlen(fake_helper),
				 0755);
	free(script);
	script = test_write_file(bin, "docker-credential-fake2", fake_helper, strlen(fake_helper),
				 0755);
	free(script);
	path = wp_strdup_printf("%s:%s", bin, saved_env[4] ? saved_env[4] : "/usr/bin:/bin");
	cr_assert_not_null(path);
	set_env("HOME", home);
	set_env("DOCKER_CONFIG", NULL);
	set_env("XDG_RUNTIME_DIR", NULL);
	set_env("REGISTRY_AUTH_FILE", NULL);
	set_env("PATH", path);
	set_env("FAKE_STORE", store_dir);
	set_env("FAKE_LOG", log_path);
	set_env("FAKE_MODE", NULL);
	set_env("FAKE_SECRET", HELPER_SECRET);
	free(path);
	free(bin);
}

static void creds_teardown(void)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(env_names); i++) {
		if (saved_env[i])
			setenv(env_names[i], saved_env[i], 1);
		else
			unsetenv(env_names[i]);
		free(saved_env[i]);
		saved_env[i] = NULL;
	}
	test_rmtree(tmp);
	free(home);
	free(config);
	free(store_dir);
	free(log_path);
	tmp = home = config = store_dir = log_path = NULL;
}

TestSuite(credentials, .init = creds_setup, .fini = creds_teardown);

/* Helpers */

static void assert_no_secret(const char *message)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(secrets); i++)
		cr_assert_null(strstr(message, secrets[i]), "a secret leaked into \"%s\"", message);
}

/* A failure with this code and a message containing needle and no secret. */
#define assert_failure(r, err, code, needle)                         \
	do {                                                         \
		cr_assert_not_null((err), "no error (r = %d)", (r)); \
		assert_no_secret((err)->message);                    \
		assert_error((r), (err), (code), (needle));          \
	} while (0)

/* Writes path (making its directory) with the given content, mode 0600. */
static void write_at(const char *path, const char *content)
{
	_cleanup_free_ char *dir = wp_path_dirname(path);
	_cleanup_free_ char *p = NULL;
	wp_error *err = NULL;
	int r = wp_mkdir_p(dir, 0700, NULL, &err);

	assert_ok(r, err);
	p = test_write_file(dir, wp_path_basename(path), content, strlen(content), 0600);
}

static void write_config(const char *content)
{
	write_at(config, content);
}

static void set_mode(const char *mode)
{
	set_env("FAKE_MODE", mode);
}

/* Puts credentials into the fake helper `name` as its store action would. */
static void helper_put(const char *name, const char *server, const char *user, const char *secret)
{
	_cleanup_free_ char *dir = wp_path_join(store_dir, name);
	_cleanup_free_ char *file = wp_strdup_printf("%s", server);
	_cleanup_free_ char *json =
		wp_strdup_printf("{\"Secret\":\"%s\",\"ServerURL\":\"%s\",\"Username\":\"%s\"}",
				 secret, server, user);
	_cleanup_free_ char *path = NULL;

	cr_assert(dir && file && json);
	for (char *c = file; *c; c++)
		if (*c == '/' || *c == ':')
			*c = '_';
	path = wp_path_join(dir, file);
	write_at(path, json);
}

static bool helper_has(const char *name, const char *server)
{
	_cleanup_free_ char *file = test_xstrdup(server);
	_cleanup_free_ char *path = NULL;

	for (char *c = file; *c; c++)
		if (*c == '/' || *c == ':')
			*c = '_';
	path = wp_strdup_printf("%s/%s/%s", store_dir, name, file);
	cr_assert_not_null(path);
	return test_exists(path);
}

/* What the fake helpers were asked, one "name action input" per line. */
static char *helper_log(void)
{
	wp_buf b;

	if (!test_exists(log_path))
		return test_xstrdup("");
	test_read_file(log_path, &b, 1 << 16);
	return wp_buf_detach(&b, NULL);
}

static wp_credential lookup_found(const char *registry)
{
	wp_credential c;
	wp_error *err = NULL;
	bool found = false;
	int r = wp_credentials_lookup(registry, &c, &found, &err);

	assert_ok(r, err);
	cr_assert(found, "no credentials for \"%s\"", registry);
	cr_assert_not_null(c.source);
	return c;
}

static void assert_not_found(const char *registry)
{
	wp_credential c;
	wp_error *err = NULL;
	bool found = true;
	int r = wp_credentials_lookup(registry, &c, &found, &err);

	assert_ok(r, err);
	cr_assert_not(found, "\"%s\": unexpected credentials from %s", registry,
		      c.source ? c.source : "?");
	cr_assert_null(c.username);
	cr_assert_null(c.password);
	cr_assert_null(c.identity_token);
	cr_assert_null(c.registry_token);
	cr_assert_null(c.source);
	wp_credential_release(&c);
}

/* Looks up registry and checks username and password (NULL: none). */
static void assert_user_pass(const char *registry, const char *user, const char *pass)
{
	wp_credential c = lookup_found(registry);

	if (user)
		cr_assert_str_eq(c.username ? c.username : "(null)", user, "\"%s\"", registry);
	else
		cr_assert_null(c.username);
	if (pass)
		cr_assert_str_eq(c.password ? c.password : "(null)", pass, "\"%s\"", registry);
	else
		cr_assert_null(c.password);
	wp_credential_release(&c);
}

static void assert_source(const char *registry, const char *source)
{
	wp_credential c = lookup_found(registry);

	cr_assert_str_eq(c.source, source);
	wp_credential_release(&c);
}

static json_t *load_json(const char *path)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);

	cr_assert_not_null(j, "\"%s\": %s", path, je.text);
	return j;
}

static const char *auths_field(json_t *root, const char *key, const char *field)
{
	json_t *v = json_object_get(json_object_get(json_object_get(root, "auths"), key), field);

	return json_string_value(v);
}

static wp_credential basic(const char *user, const char *pass)
{
	wp_credential c = {0};

	c.username = (char *)user;
	c.password = (char *)pass;
	return c;
}

static char *store_ok(const char *registry, const wp_credential *c)
{
	char *where = NULL;
	wp_error *err = NULL;
	int r = wp_credentials_store(registry, c, &where, &err);

	assert_ok(r, err);
	cr_assert_not_null(where);
	return where;
}

static bool erase_ok(const char *registry)
{
	wp_error *err = NULL;
	bool existed = false;
	int r = wp_credentials_erase(registry, &existed, &err);

	assert_ok(r, err);
	return existed;
}

/* Basics */

Test(credentials, server_url_of_docker_hub_and_others)
{
	const char *host = "ghcr.io";

	cr_assert_str_eq(wp_credentials_server_url("docker.io"), "https://index.docker.io/v1/");
	cr_assert_str_eq(wp_credentials_server_url("index.docker.io"),
			 "https://index.docker.io/v1/");
	cr_assert_str_eq(wp_credentials_server_url("registry-1.docker.io"),
			 "https://index.docker.io/v1/");
	cr_assert_eq(wp_credentials_server_url(host), host);
	cr_assert_str_eq(wp_credentials_server_url("localhost:5000"), "localhost:5000");
	cr_assert_str_eq(wp_credentials_server_url("[::1]:5000"), "[::1]:5000");
}

Test(credentials, config_path_follows_docker_config_then_home)
{
	_cleanup_free_ char *p1 = NULL, *p2 = NULL;
	_cleanup_free_ char *dc = test_path(tmp, "dc");
	_cleanup_free_ char *want = test_path(dc, "config.json");
	wp_error *err = NULL;
	int r = wp_credentials_config_path(&p1, &err);

	assert_ok(r, err);
	cr_assert_str_eq(p1, config);
	set_env("DOCKER_CONFIG", dc);
	r = wp_credentials_config_path(&p2, &err);
	assert_ok(r, err);
	cr_assert_str_eq(p2, want);
}

Test(credentials, nothing_configured_is_not_an_error)
{
	assert_not_found("ghcr.io");
	assert_not_found("docker.io");
	write_config("");
	assert_not_found("ghcr.io");
	write_config("{}");
	assert_not_found("ghcr.io");
	write_config("{\"auths\":{}}");
	assert_not_found("ghcr.io");
}

Test(credentials, release_wipes_and_can_be_repeated)
{
	wp_credential c = {0};

	c.username = test_xstrdup("u");
	c.password = test_xstrdup(PASSWORD);
	c.identity_token = test_xstrdup(ID_TOKEN);
	c.registry_token = test_xstrdup(REG_TOKEN);
	c.source = test_xstrdup("x");
	wp_credential_release(&c);
	cr_assert_null(c.username);
	cr_assert_null(c.password);
	cr_assert_null(c.source);
	wp_credential_release(&c);
	wp_credential_release(NULL);
}

Test(credentials, invalid_registry_is_refused)
{
	static const char *const bad[] = {"", "ghcr.io/acme", "https://ghcr.io", "a b", "a\"b"};

	for (size_t i = 0; i < WP_ARRAY_SIZE(bad); i++) {
		wp_credential c = basic("u", PASSWORD);
		wp_error *err = NULL;
		bool found = false;
		int r = wp_credentials_lookup(bad[i], &c, &found, &err);

		assert_failure(r, err, WP_EINVALID, "registry");
		r = wp_credentials_store(bad[i], &c, NULL, &err);
		assert_failure(r, err, WP_EINVALID, "registry");
		r = wp_credentials_erase(bad[i], NULL, &err);
		assert_failure(r, err, WP_EINVALID, "registry");
	}
}

/* auths in config.json */

Test(credentials, auths_auth_field_password_may_contain_colons)
{
	write_config("{\"auths\":{\"ghcr.io\":{\"auth\":\"" AUTH_B64 "\"}}}");
	assert_user_pass("ghcr.io", "user", PASSWORD);
	assert_source("ghcr.io", config);
}

Test(credentials, auths_username_and_password_fields)
{
	write_config("{\"auths\":{\"ghcr.io\":{\"username\":\"bob\",\"password\":\"pw\"}}}");
	assert_user_pass("ghcr.io", "bob", "pw");
}

Test(credentials, auth_field_wins_over_username_and_password)
{
	write_config("{\"auths\":{\"ghcr.io\":{\"username\":\"bob\",\"password\":\"pw\","
		     "\"auth\":\"" AUTH_B64 "\"}}}");
	assert_user_pass("ghcr.io", "user", PASSWORD);
}

Test(credentials, identity_and_registry_tokens)
{
	wp_credential c;

	write_config("{\"auths\":{\"a.io\":{\"auth\":\"" AUTH_B64 "\",\"identitytoken\":\"" ID_TOKEN
		     "\"},\"b.io\":{\"registrytoken\":\"" REG_TOKEN "\"},"
		     "\"c.io\":{\"identitytoken\":\"" ID_TOKEN "\",\"email\":\"x@y\"}}}");
	c = lookup_found("a.io");
	cr_assert_str_eq(c.username, "user");
	cr_assert_str_eq(c.identity_token, ID_TOKEN);
	cr_assert_null(c.registry_token);
	wp_credential_release(&c);
	c = lookup_found("b.io");
	cr_assert_null(c.username);
	cr_assert_null(c.password);
	cr_assert_str_eq(c.registry_token, REG_TOKEN);
	wp_credential_release(&c);
	c = lookup_found("c.io");
	cr_assert_null(c.username);
	cr_assert_str_eq(c.identity_token, ID_TOKEN);
	wp_credential_release(&c);
}

Test(credentials, key_forms_that_match_a_host)
{
	static const char *const keys[] = {
		"ghcr.io",
		"GHCR.io",
		"https://ghcr.io",
		"http://ghcr.io",
		"https://ghcr.io/",
		"https://ghcr.io/v1/",
		"https://ghcr.io/v2/",
		"HTTPS://ghcr.io/v2",
		"ghcr.io/acme",
		"ghcr.io/acme/app",
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(keys); i++) {
		_cleanup_free_ char *json =
			wp_strdup_printf("{\"auths\":{\"%s\":{\"auth\":\"YTpwYQ==\"}}}", keys[i]);

		write_config(json);
		assert_user_pass("ghcr.io", "a", "pa");
	}
}

Test(credentials, key_forms_that_do_not_match)
{
	static const char *const keys[] = {
		"ghcr.io.evil.example", "https://evil.example/ghcr.io",
		"ghcr.io:5000",		"notghcr.io",
		"https://ghcr.iox/",	"evil.example/ghcr.io",
		"ftp://ghcr.io",	"",
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(keys); i++) {
		_cleanup_free_ char *json =
			wp_strdup_printf("{\"auths\":{\"%s\":{\"auth\":\"YTpwYQ==\"}}}", keys[i]);

		write_config(json);
		assert_not_found("ghcr.io");
	}
}

Test(credentials, docker_hub_key_aliases)
{
	static const char *const keys[] = {
		"https://index.docker.io/v1/",
		"index.docker.io",
		"docker.io",
		"registry-1.docker.io",
		"https://index.docker.io/v2/",
		"https://docker.io",
		"http://registry-1.docker.io/",
	};
	static const char *const hosts[] = {"docker.io", "index.docker.io", "registry-1.docker.io"};

	for (size_t i = 0; i < WP_ARRAY_SIZE(keys); i++) {
		_cleanup_free_ char *json = wp_strdup_printf(
			"{\"auths\":{\"%s\":{\"auth\":\"aHViOmh1YnBhc3M=\"}}}", keys[i]);

		write_config(json);
		for (size_t h = 0; h < WP_ARRAY_SIZE(hosts); h++)
			assert_user_pass(hosts[h], "hub", "hubpass");
	}
	write_config("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"YTpwYQ==\"}}}");
	assert_not_found("ghcr.io");
	assert_not_found("docker.com");
}

Test(credentials, hosts_with_ports_and_ipv6)
{
	write_config("{\"auths\":{\"http://localhost:5000\":{\"auth\":\"YTpwYQ==\"},"
		     "\"[::1]:5000\":{\"auth\":\"YjpwYg==\"},"
		     "\"localhost\":{\"auth\":\"aHViOmh1YnBhc3M=\"}}}");
	assert_user_pass("localhost:5000", "a", "pa");
	assert_user_pass("[::1]:5000", "b", "pb");
	assert_user_pass("localhost", "hub", "hubpass");
	assert_not_found("localhost:5001");
	assert_not_found("[::1]");
}

Test(credentials, best_key_form_wins_whatever_the_order)
{
	write_config("{\"auths\":{\"ghcr.io/acme\":{\"auth\":\"aHViOmh1YnBhc3M=\"},"
		     "\"https://ghcr.io\":{\"auth\":\"YTpwYQ==\"},"
		     "\"ghcr.io\":{\"auth\":\"YjpwYg==\"}}}");
	assert_user_pass("ghcr.io", "b", "pb");
	write_config("{\"auths\":{\"quay.io/ns\":{\"auth\":\"aHViOmh1YnBhc3M=\"},"
		     "\"https://quay.io/v2/\":{\"auth\":\"YTpwYQ==\"}}}");
	assert_user_pass("quay.io", "a", "pa");
	write_config("{\"auths\":{\"docker.io\":{\"auth\":\"YTpwYQ==\"},"
		     "\"https://index.docker.io/v1/\":{\"auth\":\"YjpwYg==\"}}}");
	assert_user_pass("docker.io", "b", "pb");
}

Test(credentials, entries_without_credentials_are_skipped)
{
	/* what Docker leaves in auths beside a credsStore */
	write_config("{\"auths\":{\"ghcr.io\":{},\"https://ghcr.io\":{\"auth\":\"YTpwYQ==\"},"
		     "\"quay.io\":{\"auth\":\"\",\"email\":\"x\"}}}");
	assert_user_pass("ghcr.io", "a", "pa");
	assert_not_found("quay.io");
}

Test(credentials, docker_config_env_wins_over_home)
{
	_cleanup_free_ char *dc = test_path(tmp, "dc");
	_cleanup_free_ char *dc_config = test_path(dc, "config.json");

	write_config("{\"auths\":{\"ghcr.io\":{\"auth\":\"YTpwYQ==\"}}}");
	write_at(dc_config, "{\"auths\":{\"ghcr.io\":{\"auth\":\"YjpwYg==\"}}}");
	set_env("DOCKER_CONFIG", dc);
	assert_user_pass("ghcr.io", "b", "pb");
	assert_source("ghcr.io", dc_config);
	/* the config.json in HOME is not read at all */
	write_config("{broken");
	assert_user_pass("ghcr.io", "b", "pb");
}

/* Podman's auth files */

Test(credentials, podman_auth_files_in_order)
{
	_cleanup_free_ char *raf = test_path(tmp, "raf.json");
	_cleanup_free_ char *xdg = test_path(tmp, "run");
	_cleanup_free_ char *xdg_file = test_path(xdg, "containers/auth.json");
	_cleanup_free_ char *home_file = test_path(home, ".config/containers/auth.json");

	write_at(home_file, "{\"auths\":{\"quay.io\":{\"auth\":\"cG9kOnBvZHBhc3M=\"}}}");
	assert_user_pass("quay.io", "pod", "podpass");
	assert_source("quay.io", home_file);

	write_at(xdg_file, "{\"auths\":{\"quay.io\":{\"auth\":\"YjpwYg==\"}}}");
	assert_source("quay.io", home_file); /* XDG_RUNTIME_DIR unset */
	set_env("XDG_RUNTIME_DIR", xdg);
	assert_user_pass("quay.io", "b", "pb");
	assert_source("quay.io", xdg_file);

	write_at(raf, "{\"auths\":{\"quay.io\":{\"auth\":\"YTpwYQ==\"}}}");
	set_env("REGISTRY_AUTH_FILE", raf);
	assert_user_pass("quay.io", "a", "pa");
	assert_source("quay.io", raf);

	/* Docker's config.json comes first */
	write_config("{\"auths\":{\"quay.io\":{\"auth\":\"aHViOmh1YnBhc3M=\"}}}");
	assert_user_pass("quay.io", "hub", "hubpass");
	assert_source("quay.io", config);
}

Test(credentials, podman_namespaced_keys_match_by_host)
{
	_cleanup_free_ char *raf = test_path(tmp, "auth.json");

	write_at(raf, "{\"auths\":{\"quay.io/team/app\":{\"auth\":\"YTpwYQ==\"},"
		      "\"docker.io/library\":{\"auth\":\"YjpwYg==\"}}}");
	set_env("REGISTRY_AUTH_FILE", raf);
	assert_user_pass("quay.io", "a", "pa");
	assert_user_pass("docker.io", "b", "pb");
	assert_not_found("ghcr.io");
}

Test(credentials, lookup_falls_through_files_without_an_entry)
{
	_cleanup_free_ char *raf = test_path(tmp, "auth.json");
	_cleanup_free_ char *home_file = test_path(home, ".config/containers/auth.json");

	write_config("{\"auths\":{\"ghcr.io\":{\"auth\":\"YTpwYQ==\"}}}");
	write_at(raf, "{\"auths\":{\"other.io\":{}}}");
	write_at(home_file, "{\"auths\":{\"quay.io\":{\"auth\":\"YjpwYg==\"}}}");
	set_env("REGISTRY_AUTH_FILE", raf);
	assert_user_pass("quay.io", "b", "pb");
	assert_user_pass("ghcr.io", "a", "pa");
}

/* Helpers */

Test(credentials, creds_store_helper)
{
	_cleanup_free_ char *log = NULL;

	write_config("{\"credsStore\":\"fake\"}");
	helper_put("docker-credential-fake", "ghcr.io", "hel", HELPER_SECRET);
	assert_user_pass("ghcr.io", "hel", HELPER_SECRET);
	assert_source("ghcr.io", "credential helper docker-credential-fake");
	log = helper_log();
	cr_assert_not_null(strstr(log, "docker-credential-fake get ghcr.io\n"), "%s", log);
}

Test(credentials, helper_is_asked_for_docker_hub_by_its_server_url)
{
	_cleanup_free_ char *log = NULL;

	write_config("{\"credsStore\":\"fake\"}");
	helper_put("docker-credential-fake", "https://index.docker.io/v1/", "hub", HELPER_SECRET);
	assert_user_pass("docker.io", "hub", HELPER_SECRET);
	assert_user_pass("registry-1.docker.io", "hub", HELPER_SECRET);
	log = helper_log();
	cr_assert_not_null(strstr(log, "docker-credential-fake get https://index.docker.io/v1/\n"),
			   "%s", log);
}

Test(credentials, token_username_means_identity_token)
{
	wp_credential c;

	write_config("{\"credsStore\":\"fake\"}");
	helper_put("docker-credential-fake", "ghcr.io", "<token>", ID_TOKEN);
	c = lookup_found("ghcr.io");
	cr_assert_null(c.username);
	cr_assert_null(c.password);
	cr_assert_str_eq(c.identity_token, ID_TOKEN);
	wp_credential_release(&c);
}

Test(credentials, cred_helpers_win_over_creds_store_and_auths)
{
	write_config("{\"credsStore\":\"fake\",\"credHelpers\":{\"ghcr.io\":\"fake2\"},"
		     "\"auths\":{\"ghcr.io\":{\"auth\":\"YTpwYQ==\"}}}");
	helper_put("docker-credential-fake", "ghcr.io", "store", "s1");
	helper_put("docker-credential-fake2", "ghcr.io", "host", "s2");
	assert_user_pass("ghcr.io", "host", "s2");
	assert_source("ghcr.io", "credential helper docker-credential-fake2");
}

Test(credentials, creds_store_wins_over_auths)
{
	write_config("{\"credsStore\":\"fake\",\"auths\":{\"ghcr.io\":{\"auth\":\"YTpwYQ==\"}}}");
	helper_put("docker-credential-fake", "ghcr.io", "store", "s1");
	assert_user_pass("ghcr.io", "store", "s1");
}

Test(credentials, helper_not_found_answer_passes_to_the_next_source)
{
	_cleanup_free_ char *log = NULL;

	write_config("{\"credsStore\":\"fake\",\"credHelpers\":{\"ghcr.io\":\"fake2\"},"
		     "\"auths\":{\"ghcr.io\":{\"auth\":\"YTpwYQ==\"}}}");
	/* fake2 has nothing: credsStore is asked */
	helper_put("docker-credential-fake", "ghcr.io", "store", "s1");
	assert_user_pass("ghcr.io", "store", "s1");
	/* neither has anything: auths */
	write_config("{\"credsStore\":\"fake\",\"credHelpers\":{\"quay.io\":\"fake2\"},"
		     "\"auths\":{\"quay.io\":{\"auth\":\"YTpwYQ==\"}}}");
	assert_user_pass("quay.io", "a", "pa");
	assert_not_found("other.io");
	log = helper_log();
	cr_assert_not_null(strstr(log, "docker-credential-fake2 get quay.io\n"), "%s", log);
	cr_assert_not_null(strstr(log, "docker-credential-fake get quay.io\n"), "%s", log);
}

Test(credentials, cred_helpers_key_forms)
{
	write_config(
		"{\"credHelpers\":{\"https://ghcr.io\":\"fake2\",\"index.docker.io\":\"fake2\"}}");
	helper_put("docker-credential-fake2", "ghcr.io", "g", "s1");
	helper_put("docker-credential-fake2", "https://index.docker.io/v1/", "d", "s2");
	assert_user_pass("ghcr.io", "g", "s1");
	assert_user_pass("docker.io", "d", "s2");
	assert_not_found("quay.io");
}

Test(credentials, same_helper_is_asked_once)
{
	_cleanup_free_ char *log = NULL;

	write_config("{\"credsStore\":\"fake\",\"credHelpers\":{\"ghcr.io\":\"fake\"}}");
	assert_not_found("ghcr.io");
	log = helper_log();
	cr_assert_str_eq(log, "docker-credential-fake get ghcr.io\n");
}

Test(credentials, helper_with_empty_answer_has_nothing)
{
	write_config("{\"credsStore\":\"fake\"}");
	set_mode("empty");
	assert_not_found("ghcr.io");
	/* "not found" with exit status 0, as some helpers do */
	set_mode("ok-not-found");
	assert_not_found("ghcr.io");
}

Test(credentials, helper_not_installed)
{
	wp_credential c;
	wp_error *err = NULL;
	bool found = false;
	int r;

	write_config("{\"credsStore\":\"desktop\"}");
	r = wp_credentials_lookup("ghcr.io", &c, &found, &err);
	cr_assert_not_null(err);
	cr_assert_not_null(strstr(err->message, config), "%s", err->message);
	cr_assert_not_null(strstr(err->message, "remove \"credsStore\""), "%s", err->message);
	assert_failure(r, err, WP_ENOTFOUND, "credential helper \"docker-credential-desktop\"");
	cr_assert_not(found);
	cr_assert_null(c.source);

	write_config("{\"credHelpers\":{\"ghcr.io\":\"gone\"}}");
	r = wp_credentials_lookup("ghcr.io", &c, &found, &err);
	cr_assert_not_null(err);
	cr_assert_not_null(strstr(err->message, "remove \"ghcr.io\" from \"credHelpers\""), "%s",
			   err->message);
	assert_failure(r, err, WP_ENOTFOUND, "\"docker-credential-gone\" is not installed");
}

Test(credentials, helper_failure_names_helper_status_and_stderr)
{
	wp_credential c;
	wp_error *err = NULL;
	bool found = false;
	int r;

	write_config("{\"credsStore\":\"fake\",\"auths\":{\"ghcr.io\":{\"auth\":\"YTpwYQ==\"}}}");
	set_mode("fail");
	r = wp_credentials_lookup("ghcr.io", &c, &found, &err);
	cr_assert_not_null(err);
	cr_assert_null(strstr(err->message, "stdout noise"), "%s", err->message);
	assert_failure(r, err, WP_EAUTH,
		       "credential helper \"docker-credential-fake\" failed to get credentials "
		       "(exit status 3): fake: the keychain is locked");
	/* errors on stdout (docker-credential-helpers) when stderr is empty */
	set_mode("fail-stdout");
	r = wp_credentials_lookup("ghcr.io", &c, &found, &err);
	assert_failure(r, err, WP_EAUTH, "(exit status 5): error: backend unreachable");
	/* but never an answer */
	set_mode("json-fail");
	r = wp_credentials_lookup("ghcr.io", &c, &found, &err);
	assert_failure(r, err, WP_EAUTH, "(exit status 5)");
}

Test(credentials, helper_answer_that_is_not_json)
{
	wp_credential c;
	wp_error *err = NULL;
	bool found = false;
	int r;

	write_config("{\"credsStore\":\"fake\"}");
	set_mode("garbage");
	r = wp_credentials_lookup("ghcr.io", &c, &found, &err);
	assert_failure(r, err, WP_EINVALID, "\"docker-credential-fake\" answered with something");
	set_mode("not-string");
	r = wp_credentials_lookup("ghcr.io", &c, &found, &err);
	assert_failure(r, err, WP_EINVALID, "\"Username\" in its answer is not a string");
}

Test(credentials, helper_name_with_a_slash_is_refused)
{
	wp_credential c;
	wp_error *err = NULL;
	bool found = false;
	int r;

	write_config("{\"credsStore\":\"../../bin/sh\"}");
	r = wp_credentials_lookup("ghcr.io", &c, &found, &err);
	assert_failure(r, err, WP_EINVALID, "invalid credential helper name \"../../bin/sh\"");
}

/* Malformed files */

Test(credentials, broken_json_names_the_file_never_the_text)
{
	/* jansson's own message would quote the password here */
	static const char *const broken[] = {
		"{\"auths\":{\"ghcr.io\":{\"password\":\"" PASSWORD,
		"{\"auths\":{\"ghcr.io\":{\"password\":\"s3cr3t\\q\"}}}",
		"{\"auths\":{\"ghcr.io\":{\"auth\":\"" AUTH_B64 "\" \"x\"}}}",
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(broken); i++) {
		json_error_t je;
		wp_credential c;
		wp_error *err = NULL;
		bool found = false;
		int r;

		cr_assert_null(json_loads(broken[i], 0, &je));
		if (i < 2)
			cr_assert_not_null(strstr(je.text, "s3cr3t"), "%s", je.text);
		write_config(broken[i]);
		r = wp_credentials_lookup("ghcr.io", &c, &found, &err);
		cr_assert_not_null(err);
		cr_assert_not_null(strstr(err->message, "line 1 column"), "%s", err->message);
		assert_failure(r, err, WP_EINVALID, config);
	}
}

Test(credentials, malformed_documents_are_refused)
{
	static const struct test_refusal bad[] = {
		{"[]", "expected a JSON object"},
		{"\"x\"", "is not valid JSON"},
		{"{\"auths\":[]}", "auths: expected an object"},
		{"{\"auths\":{\"ghcr.io\":\"" AUTH_B64 "\"}}",
		 "auths[\"ghcr.io\"]: expected an object"},
		{"{\"auths\":{\"ghcr.io\":{\"auth\":[\"" AUTH_B64 "\"]}}}",
		 "auths[\"ghcr.io\"].auth: expected a string"},
		{"{\"auths\":{\"ghcr.io\":{\"password\":7}}}", "password: expected a string"},
		{"{\"auths\":{\"ghcr.io\":{\"auth\":\"" PASSWORD "\"}}}", "auth: not valid base64"},
		{"{\"auths\":{\"ghcr.io\":{\"auth\":\"" NOCOLON_B64 "\"}}}",
		 "expected the base64 of \"username:password\""},
		{"{\"credsStore\":7}", "credsStore: expected a string"},
		{"{\"credHelpers\":[\"fake\"]}", "credHelpers: expected an object"},
		{"{\"credHelpers\":{\"ghcr.io\":true}}",
		 "credHelpers[\"ghcr.io\"]: expected a string"},
		{"{\"a\":1,\"a\":2}", "duplicate"},
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(bad); i++) {
		wp_credential c;
		wp_error *err = NULL;
		bool found = false;
		int r;

		write_config(bad[i].input);
		r = wp_credentials_lookup("ghcr.io", &c, &found, &err);
		cr_assert_not_null(err, "%s: accepted", bad[i].input);
		cr_assert_not_null(strstr(err->message, config), "%s", err->message);
		assert_no_secret(err->message);
		assert_error_in(bad[i].input, r, err, WP_EINVALID, bad[i].needle);
	}
}

Test(credentials, broken_podman_file_is_an_error_naming_it)
{
	_cleanup_free_ char *raf = test_path(tmp, "auth.json");
	wp_credential c;
	wp_error *err = NULL;
	bool found = false;
	int r;

	write_at(raf, "{\"auths\":{\"quay.io\":{\"auth\":\"" AUTH_B64);
	set_env("REGISTRY_AUTH_FILE", raf);
	r = wp_credentials_lookup("quay.io", &c, &found, &err);
	assert_failure(r, err, WP_EINVALID, raf);
}

/* Store */

Test(credentials, store_creates_config_with_mode_0600)
{
	wp_credential in = basic("user", PASSWORD);
	_cleanup_free_ char *where = NULL;
	_cleanup_free_ char *dir = test_path(home, ".docker");
	json_t *root;
	struct stat st;

	mode_t old_umask = umask(0);

	where = store_ok("ghcr.io", &in);
	umask(old_umask);
	cr_assert_str_eq(where, config);
	cr_assert_eq(stat(config, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0700);
	root = load_json(config);
	cr_assert_str_eq(auths_field(root, "ghcr.io", "auth"), AUTH_B64);
	json_decref(root);
	assert_user_pass("ghcr.io", "user", PASSWORD);
	assert_source("ghcr.io", config);
	cr_assert_eq(test_count_entries(dir, NULL), 1, "a temporary file was left");
}

Test(credentials, store_into_docker_config_dir)
{
	_cleanup_free_ char *dc = test_path(tmp, "a/b/dc");
	_cleanup_free_ char *want = test_path(dc, "config.json");
	_cleanup_free_ char *where = NULL;
	wp_credential in = basic("user", PASSWORD);

	set_env("DOCKER_CONFIG", dc);
	where = store_ok("ghcr.io", &in);
	cr_assert_str_eq(where, want);
	cr_assert(test_exists(want));
	cr_assert_not(test_exists(config));
}

Test(credentials, store_keeps_every_other_key)
{
	static const char before[] =
		"{\"psFormat\":\"table {{.ID}}\",\"experimental\":\"enabled\","
		"\"proxies\":{\"default\":{\"httpProxy\":\"http://p:3128\"}},"
		"\"HttpHeaders\":{\"X-Meta\":\"1\"},\"currentContext\":\"ctx\",\"n\":1.5,"
		"\"auths\":{\"other.io\":{\"auth\":\"b3RoZXI6b3RoZXJwYXNz\",\"email\":\"o@x\"},"
		"\"ghcr.io/acme\":{\"auth\":\"YjpwYg==\"},"
		"\"https://ghcr.io\":{\"auth\":\"YTpwYQ==\"},\"http://ghcr.io/v2/\":{}}}";
	wp_credential in = basic("user", PASSWORD);
	_cleanup_free_ char *where = NULL;
	json_t *old, *now, *auths;
	const char *key;
	json_t *v;

	write_config(before);
	where = store_ok("ghcr.io", &in);
	old = json_loads(before, 0, NULL);
	now = load_json(config);
	/* every top-level key but auths is unchanged */
	json_object_foreach (old, key, v) {
		if (strcmp(key, "auths") != 0)
			cr_assert(json_equal(v, json_object_get(now, key)), "\"%s\" changed", key);
	}
	cr_assert_eq(json_object_size(now), json_object_size(old));
	auths = json_object_get(now, "auths");
	cr_assert(json_equal(json_object_get(auths, "other.io"),
			     json_object_get(json_object_get(old, "auths"), "other.io")));
	/* the other forms of the host are replaced, the namespaced one stays */
	cr_assert_null(json_object_get(auths, "https://ghcr.io"));
	cr_assert_null(json_object_get(auths, "http://ghcr.io/v2/"));
	cr_assert_str_eq(auths_field(now, "ghcr.io/acme", "auth"), "YjpwYg==");
	cr_assert_str_eq(auths_field(now, "ghcr.io", "auth"), AUTH_B64);
	cr_assert_eq(json_object_size(auths), 3);
	json_decref(old);
	json_decref(now);
	assert_user_pass("ghcr.io", "user", PASSWORD);
	assert_user_pass("other.io", "other", "otherpass");
}

Test(credentials, store_docker_hub_under_its_server_url)
{
	wp_credential in = basic("hub", "hubpass");
	_cleanup_free_ char *where = NULL;
	json_t *now;

	write_config("{\"auths\":{\"docker.io\":{\"auth\":\"YTpwYQ==\"},"
		     "\"index.docker.io\":{\"auth\":\"YTpwYQ==\"}}}");
	where = store_ok("registry-1.docker.io", &in);
	now = load_json(config);
	cr_assert_eq(json_object_size(json_object_get(now, "auths")), 1);
	cr_assert_str_eq(auths_field(now, "https://index.docker.io/v1/", "auth"),
			 "aHViOmh1YnBhc3M=");
	json_decref(now);
	assert_user_pass("docker.io", "hub", "hubpass");
}

Test(credentials, store_tokens_in_the_file)
{
	wp_credential in = {0}, got;
	_cleanup_free_ char *w1 = NULL, *w2 = NULL;
	json_t *now;

	in.identity_token = (char *)ID_TOKEN;
	w1 = store_ok("a.io", &in);
	in.identity_token = NULL;
	in.registry_token = (char *)REG_TOKEN;
	w2 = store_ok("b.io", &in);
	now = load_json(config);
	cr_assert_str_eq(auths_field(now, "a.io", "identitytoken"), ID_TOKEN);
	cr_assert_null(auths_field(now, "a.io", "auth"));
	cr_assert_str_eq(auths_field(now, "b.io", "registrytoken"), REG_TOKEN);
	json_decref(now);
	got = lookup_found("a.io");
	cr_assert_null(got.username);
	cr_assert_str_eq(got.identity_token, ID_TOKEN);
	wp_credential_release(&got);
	got = lookup_found("b.io");
	cr_assert_str_eq(got.registry_token, REG_TOKEN);
	wp_credential_release(&got);
}

Test(credentials, store_replaces_earlier_credentials)
{
	wp_credential a = basic("a", "pa"), b = basic("b", "pb");
	_cleanup_free_ char *w1 = store_ok("ghcr.io", &a);
	_cleanup_free_ char *w2 = store_ok("ghcr.io", &b);

	assert_user_pass("ghcr.io", "b", "pb");
}

Test(credentials, store_follows_a_symbolic_link)
{
	_cleanup_free_ char *real = test_path(tmp, "real-config.json");
	_cleanup_free_ char *dir = test_path(home, ".docker");
	_cleanup_free_ char *where = NULL;
	wp_credential in = basic("user", PASSWORD);
	json_t *now;
	struct stat st;

	write_at(real, "{\"psFormat\":\"x\"}");
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(symlink(real, config), 0);
	where = store_ok("ghcr.io", &in);
	cr_assert_eq(lstat(config, &st), 0);
	cr_assert(S_ISLNK(st.st_mode), "the link was replaced");
	now = load_json(real);
	cr_assert_str_eq(auths_field(now, "ghcr.io", "auth"), AUTH_B64);
	cr_assert_str_eq(json_string_value(json_object_get(now, "psFormat")), "x");
	json_decref(now);
}

Test(credentials, store_refuses_incomplete_credentials)
{
	wp_credential none = {0}, no_pass = basic("u", NULL), colon = basic("a:b", PASSWORD);
	wp_credential bad_utf8 = basic("u", "s3cr3t\xff");
	wp_error *err = NULL;
	int r = wp_credentials_store("ghcr.io", &none, NULL, &err);

	assert_failure(r, err, WP_EINVALID, "no credentials to store for \"ghcr.io\"");
	r = wp_credentials_store("ghcr.io", &no_pass, NULL, &err);
	assert_failure(r, err, WP_EINVALID, "no credentials to store");
	r = wp_credentials_store("ghcr.io", NULL, NULL, &err);
	assert_failure(r, err, WP_EINVALID, "no credentials to store");
	r = wp_credentials_store("ghcr.io", &colon, NULL, &err);
	assert_failure(r, err, WP_EINVALID, "the username contains ':'");
	cr_assert_not(test_exists(config));
	/* helpers get JSON, which has no room for invalid UTF-8 */
	write_config("{\"credsStore\":\"fake\"}");
	r = wp_credentials_store("ghcr.io", &bad_utf8, NULL, &err);
	assert_failure(r, err, WP_EINVALID, "the secret is not valid UTF-8");
}

Test(credentials, store_does_not_overwrite_a_broken_config)
{
	static const char broken[] = "{\"auths\":{\"x\":{\"password\":\"" PASSWORD;
	wp_credential in = basic("user", PASSWORD);
	wp_error *err = NULL;
	wp_buf now;
	int r;

	write_config(broken);
	r = wp_credentials_store("ghcr.io", &in, NULL, &err);
	assert_failure(r, err, WP_EINVALID, "is not valid JSON");
	test_read_file(config, &now, 4096);
	cr_assert_str_eq(now.data, broken);
	wp_buf_release(&now);
}

Test(credentials, store_through_creds_store_helper)
{
	wp_credential in = basic("user", PASSWORD);
	_cleanup_free_ char *where = NULL;
	_cleanup_free_ char *log = NULL;
	json_t *now;

	/* a stale plain-text entry goes; other keys stay */
	write_config(
		"{\"credsStore\":\"fake\",\"auths\":{\"https://ghcr.io\":{\"auth\":\"YTpwYQ==\"},"
		"\"other.io\":{\"auth\":\"YjpwYg==\"}}}");
	where = store_ok("ghcr.io", &in);
	cr_assert_str_eq(where, "credential helper docker-credential-fake");
	cr_assert(helper_has("docker-credential-fake", "ghcr.io"));
	log = helper_log();
	cr_assert_not_null(strstr(log, "docker-credential-fake store {"), "%s", log);
	cr_assert_not_null(strstr(log, "\"ServerURL\":\"ghcr.io\""), "%s", log);
	cr_assert_not_null(strstr(log, "\"Username\":\"user\""), "%s", log);
	cr_assert_not_null(strstr(log, "\"Secret\":\"" PASSWORD "\""), "%s", log);
	now = load_json(config);
	cr_assert_null(json_object_get(json_object_get(now, "auths"), "https://ghcr.io"));
	cr_assert_str_eq(auths_field(now, "other.io", "auth"), "YjpwYg==");
	cr_assert_str_eq(json_string_value(json_object_get(now, "credsStore")), "fake");
	json_decref(now);
	assert_user_pass("ghcr.io", "user", PASSWORD);
	assert_source("ghcr.io", "credential helper docker-credential-fake");
}

Test(credentials, store_through_cred_helpers_first)
{
	wp_credential in = basic("user", PASSWORD);
	_cleanup_free_ char *where = NULL;
	_cleanup_free_ char *before = NULL;
	wp_buf now;

	write_config("{\"credsStore\":\"fake\",\"credHelpers\":{\"ghcr.io\":\"fake2\"}}");
	where = store_ok("ghcr.io", &in);
	cr_assert_str_eq(where, "credential helper docker-credential-fake2");
	cr_assert(helper_has("docker-credential-fake2", "ghcr.io"));
	cr_assert_not(helper_has("docker-credential-fake", "ghcr.io"));
	/* nothing to clean in the file: it is not rewritten */
	test_read_file(config, &now, 4096);
	cr_assert_str_eq(now.data,
			 "{\"credsStore\":\"fake\",\"credHelpers\":{\"ghcr.io\":\"fake2\"}}");
	wp_buf_release(&now);
}

Test(credentials, store_identity_token_through_helper)
{
	wp_credential in = {0}, got;
	_cleanup_free_ char *where = NULL;
	_cleanup_free_ char *log = NULL;

	in.username = (char *)"ignored";
	in.identity_token = (char *)ID_TOKEN;
	write_config("{\"credsStore\":\"fake\"}");
	where = store_ok("docker.io", &in);
	log = helper_log();
	cr_assert_not_null(strstr(log, "\"Username\":\"<token>\""), "%s", log);
	cr_assert_not_null(strstr(log, "\"ServerURL\":\"https://index.docker.io/v1/\""), "%s", log);
	got = lookup_found("docker.io");
	cr_assert_null(got.username);
	cr_assert_str_eq(got.identity_token, ID_TOKEN);
	wp_credential_release(&got);
}

Test(credentials, helper_cannot_store_a_registry_token)
{
	wp_credential in = {0};
	wp_error *err = NULL;
	int r;

	in.registry_token = (char *)REG_TOKEN;
	write_config("{\"credsStore\":\"fake\"}");
	r = wp_credentials_store("ghcr.io", &in, NULL, &err);
	assert_failure(r, err, WP_EUNSUPPORTED, "cannot store a registry token");
}

Test(credentials, helper_store_failure_never_echoes_the_secret)
{
	wp_credential in = basic("user", PASSWORD);
	wp_error *err = NULL;
	int r;

	write_config("{\"credsStore\":\"fake\"}");
	set_mode("echo-input");
	r = wp_credentials_store("ghcr.io", &in, NULL, &err);
	assert_failure(r, err, WP_EAUTH,
		       "credential helper \"docker-credential-fake\" failed to store credentials "
		       "(exit status 4)");
	/* the secret past the part of the line a message would keep */
	set_mode("echo-input-late");
	r = wp_credentials_store("ghcr.io", &in, NULL, &err);
	cr_assert_not_null(err);
	cr_assert_null(strstr(err->message, "000000"), "%s", err->message);
	assert_failure(r, err, WP_EAUTH, "(exit status 4)");
	set_mode("fail");
	r = wp_credentials_store("ghcr.io", &in, NULL, &err);
	assert_failure(r, err, WP_EAUTH, "(exit status 3): fake: the keychain is locked");
	write_config("{\"credsStore\":\"missing\"}");
	r = wp_credentials_store("ghcr.io", &in, NULL, &err);
	assert_failure(r, err, WP_ENOTFOUND, "\"docker-credential-missing\" is not installed");
}

/* Erase */

Test(credentials, erase_removes_every_key_form_from_the_file)
{
	json_t *now;
	struct stat st;

	write_config("{\"psFormat\":\"x\",\"auths\":{\"ghcr.io\":{\"auth\":\"YTpwYQ==\"},"
		     "\"https://ghcr.io/v1/\":{\"auth\":\"YTpwYQ==\"},\"other.io\":{\"auth\":"
		     "\"YjpwYg==\"}}}");
	cr_assert(erase_ok("ghcr.io"));
	now = load_json(config);
	cr_assert_eq(json_object_size(json_object_get(now, "auths")), 1);
	cr_assert_str_eq(auths_field(now, "other.io", "auth"), "YjpwYg==");
	cr_assert_str_eq(json_string_value(json_object_get(now, "psFormat")), "x");
	json_decref(now);
	cr_assert_eq(stat(config, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	assert_not_found("ghcr.io");
	assert_user_pass("other.io", "b", "pb");
	cr_assert_not(erase_ok("ghcr.io"));
}

Test(credentials, erase_docker_hub_aliases)
{
	write_config("{\"auths\":{\"docker.io\":{\"auth\":\"YTpwYQ==\"},"
		     "\"https://index.docker.io/v1/\":{\"auth\":\"YTpwYQ==\"}}}");
	cr_assert(erase_ok("index.docker.io"));
	assert_not_found("docker.io");
}

Test(credentials, erase_without_config_or_entry)
{
	cr_assert_not(erase_ok("ghcr.io"));
	cr_assert_not(test_exists(config));
	write_config("{\"auths\":{\"other.io\":{\"auth\":\"YjpwYg==\"}}}");
	cr_assert_not(erase_ok("ghcr.io"));
}

Test(credentials, store_then_erase_round_trip_through_helper)
{
	wp_credential in = basic("user", PASSWORD);
	_cleanup_free_ char *where = NULL;
	_cleanup_free_ char *log = NULL;

	write_config("{\"credsStore\":\"fake\"}");
	where = store_ok("ghcr.io", &in);
	cr_assert(erase_ok("ghcr.io"));
	cr_assert_not(helper_has("docker-credential-fake", "ghcr.io"));
	log = helper_log();
	cr_assert_not_null(strstr(log, "docker-credential-fake erase ghcr.io\n"), "%s", log);
	assert_not_found("ghcr.io");
	/* the helper answers "credentials not found": not an error */
	cr_assert_not(erase_ok("ghcr.io"));
}

Test(credentials, erase_helper_failure_is_an_error)
{
	wp_error *err = NULL;
	bool existed = true;
	int r;

	write_config("{\"credsStore\":\"fake\"}");
	set_mode("fail");
	r = wp_credentials_erase("ghcr.io", &existed, &err);
	assert_failure(r, err, WP_EAUTH, "failed to erase credentials (exit status 3)");
}

/* Every failure above, once more, collecting the messages: none may contain
 * a secret. */

enum op {
	OP_LOOKUP,
	OP_STORE,
	OP_ERASE
};

struct failure_case {
	const char *config; /* the content of config.json */
	const char *mode;   /* FAKE_MODE */
	enum op op;
	int code;
};

static const struct failure_case failures[] = {
	{"{\"auths\":{\"ghcr.io\":{\"password\":\"" PASSWORD, NULL, OP_LOOKUP, WP_EINVALID},
	{"{\"auths\":{\"ghcr.io\":{\"password\":\"s3cr3t\\q\"}}}", NULL, OP_LOOKUP, WP_EINVALID},
	{"{\"auths\":{\"ghcr.io\":{\"auth\":\"" AUTH_B64 "\" \"x\"}}}", NULL, OP_LOOKUP,
	 WP_EINVALID},
	{"{\"auths\":{\"ghcr.io\":{\"auth\":\"" PASSWORD "\"}}}", NULL, OP_LOOKUP, WP_EINVALID},
	{"{\"auths\":{\"ghcr.io\":{\"auth\":\"" NOCOLON_B64 "\"}}}", NULL, OP_LOOKUP, WP_EINVALID},
	{"{\"auths\":{\"ghcr.io\":{\"auth\":[\"" AUTH_B64 "\"]}}}", NULL, OP_LOOKUP, WP_EINVALID},
	{"{\"auths\":{\"ghcr.io\":\"" AUTH_B64 "\"}}", NULL, OP_LOOKUP, WP_EINVALID},
	{"{\"auths\":{\"ghcr.io\":{\"identitytoken\":{\"t\":\"" ID_TOKEN "\"}}}}", NULL, OP_LOOKUP,
	 WP_EINVALID},
	{"{\"credsStore\":\"fake\"}", "garbage", OP_LOOKUP, WP_EINVALID},
	{"{\"credsStore\":\"fake\"}", "not-string", OP_LOOKUP, WP_EINVALID},
	{"{\"credsStore\":\"fake\"}", "json-fail", OP_LOOKUP, WP_EAUTH},
	{"{\"credsStore\":\"fake\"}", "fail", OP_LOOKUP, WP_EAUTH},
	{"{\"credsStore\":\"nope\"}", NULL, OP_LOOKUP, WP_ENOTFOUND},
	{"{\"credsStore\":\"fake\"}", "echo-input", OP_STORE, WP_EAUTH},
	{"{\"credsStore\":\"fake\"}", "echo-input-late", OP_STORE, WP_EAUTH},
	{"{\"credsStore\":\"fake\"}", "fail", OP_STORE, WP_EAUTH},
	{"{\"credsStore\":\"nope\"}", NULL, OP_STORE, WP_ENOTFOUND},
	{"{\"auths\":{\"x\":{\"password\":\"" PASSWORD, NULL, OP_STORE, WP_EINVALID},
	{"{\"auths\":{\"ghcr.io\":{\"password\":\"s3cr3t\\q\"}}}", NULL, OP_ERASE, WP_EINVALID},
	{"{\"credsStore\":\"fake\"}", "fail", OP_ERASE, WP_EAUTH},
};

Test(credentials, no_error_message_contains_a_secret)
{
	size_t seen = 0;

	for (size_t i = 0; i < WP_ARRAY_SIZE(failures); i++) {
		const struct failure_case *f = &failures[i];
		wp_credential in = basic("user", PASSWORD), out;
		wp_error *err = NULL;
		bool found = false;
		int r = 0;

		write_config(f->config);
		set_mode(f->mode);
		if (f->op == OP_LOOKUP)
			r = wp_credentials_lookup("ghcr.io", &out, &found, &err);
		else if (f->op == OP_STORE)
			r = wp_credentials_store("ghcr.io", &in, NULL, &err);
		else
			r = wp_credentials_erase("ghcr.io", &found, &err);
		cr_assert_eq(r, f->code, "case %zu: returned %d (%s)", i, r,
			     err ? err->message : "no error");
		cr_assert_not_null(err, "case %zu: no message", i);
		for (size_t s = 0; s < WP_ARRAY_SIZE(secrets); s++)
			cr_assert_null(strstr(err->message, secrets[s]),
				       "case %zu: \"%s\" leaked into \"%s\"", i, secrets[s],
				       err->message);
		seen++;
		wp_error_clear(&err);
	}
	/* the password the store cases sent made it to the helper: the
	 * messages were clean because they were scrubbed, not by chance */
	{
		_cleanup_free_ char *log = helper_log();

		cr_assert_not_null(strstr(log, PASSWORD), "%s", log);
	}
	cr_assert_eq(seen, WP_ARRAY_SIZE(failures));
}

/* Processes, shells and core files */

/* Runs op in a child process and returns whether that child was left
 * non-dumpable (each credentials call must make it so by itself). */
static bool leaves_process_undumpable(int op)
{
	pid_t pid = fork();
	int status = 0;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		wp_credential c = basic("user", PASSWORD), out;
		wp_error *err = NULL;
		bool found = false;

		if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1)
			_exit(2);
		if (op == OP_LOOKUP)
			wp_credentials_lookup("ghcr.io", &out, &found, &err);
		else if (op == OP_STORE)
			wp_credentials_store("ghcr.io", &c, NULL, &err);
		else
			wp_credentials_erase("ghcr.io", &found, &err);
		_exit(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	cr_assert_neq(WEXITSTATUS(status), 2, "the test process was not dumpable to begin with");
	return WEXITSTATUS(status) == 0;
}

Test(credentials, lookup_store_and_erase_make_the_process_non_dumpable)
{
	write_config("{\"auths\":{\"ghcr.io\":{\"auth\":\"" AUTH_B64 "\"}}}");
	cr_assert(leaves_process_undumpable(OP_LOOKUP), "after a lookup");
	cr_assert(leaves_process_undumpable(OP_STORE), "after a store");
	cr_assert(leaves_process_undumpable(OP_ERASE), "after an erase");
}

Test(credentials, helper_name_with_shell_metacharacters_is_run_literally)
{
	static const char name[] = "x;touch${IFS}pwned;$(touch${IFS}pwned2)`touch${IFS}pwned3`";
	_cleanup_free_ char *bin = test_path(tmp, "bin"), *prog = NULL, *log = NULL;
	_cleanup_free_ char *pwned = test_path(tmp, "pwned"), *pwned2 = test_path(tmp, "pwned2");
	_cleanup_free_ char *pwned3 = test_path(tmp, "pwned3"), *want = NULL;
	_cleanup_free_ char *cfg = NULL;

	cr_assert_eq(chdir(tmp), 0, "a shell would touch the files here");
	/* a program with exactly that name: it is what must run */
	prog = wp_strdup_printf("docker-credential-%s", name);
	free(test_write_file(bin, prog, fake_helper, strlen(fake_helper), 0755));
	cfg = wp_strdup_printf("{\"credsStore\":\"%s\"}", name);
	write_config(cfg);
	helper_put(prog, "ghcr.io", "meta", HELPER_SECRET);
	assert_user_pass("ghcr.io", "meta", HELPER_SECRET);
	log = helper_log();
	want = wp_strdup_printf("%s get ghcr.io\n", prog);
	cr_assert_not_null(strstr(log, want), "%s", log);
	cr_assert_not(test_exists(pwned));
	cr_assert_not(test_exists(pwned2));
	cr_assert_not(test_exists(pwned3));
}

Test(credentials, server_url_with_shell_metacharacters_reaches_the_helper_literally)
{
	static const char registry[] = "a$(touch${IFS}pwned);touch${IFS}pwned2`touch${IFS}pwned3`";
	_cleanup_free_ char *pwned = test_path(tmp, "pwned"), *pwned2 = test_path(tmp, "pwned2");
	_cleanup_free_ char *pwned3 = test_path(tmp, "pwned3"), *log = NULL, *want = NULL;
	wp_credential c = basic("user", PASSWORD);
	_cleanup_free_ char *where = NULL;

	cr_assert_eq(chdir(tmp), 0, "a shell would touch the files here");
	write_config("{\"credsStore\":\"fake\"}");
	assert_not_found(registry);
	where = store_ok(registry, &c);
	assert_user_pass(registry, "user", PASSWORD);
	cr_assert(erase_ok(registry));
	log = helper_log();
	want = wp_strdup_printf("docker-credential-fake get %s\n", registry);
	cr_assert_not_null(strstr(log, want), "%s", log);
	cr_assert_not(test_exists(pwned));
	cr_assert_not(test_exists(pwned2));
	cr_assert_not(test_exists(pwned3));
}

Test(credentials, helper_names_with_spaces_or_control_characters_are_refused)
{
	static const char *const names[] = {"two words", "tab\\tx", "line\\nbreak",
					    "\\u00e9t\\u00e9"};

	for (size_t i = 0; i < WP_ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *cfg = wp_strdup_printf("{\"credsStore\":\"%s\"}", names[i]);
		wp_credential c;
		wp_error *err = NULL;
		bool found = false;
		int r;

		write_config(cfg);
		r = wp_credentials_lookup("ghcr.io", &c, &found, &err);
		cr_assert_not_null(err);
		cr_assert_null(strchr(err->message, '\n'), "one line: %s", err->message);
		assert_failure(r, err, WP_EINVALID, "invalid credential helper name");
	}
}
