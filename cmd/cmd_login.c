/* wasmpack login / logout: store and remove registry credentials, where
 * docker and podman look for them. */
#include <fcntl.h>
#include <termios.h>

#include "cmd.h"
#include "output_format.h"
#include "remote_args.h"
#include "../lib/log.h"
#include "../lib/process.h"
#include "../lib/str.h"
#include "../oci/credentials.h"
#include "../oci/reference.h"
#include "../oci/registry.h"
#include "../lib/common.h"

static int run_login(int argc, char **argv);
static int run_logout(int argc, char **argv);

const wp_command cmd_login = {
	"login",
	"check and store credentials for a registry",
	run_login,
	"Usage: wasmpack login [OPTIONS] [REGISTRY]\n"
	"\n"
	"Check credentials against REGISTRY (default docker.io) and store them where\n"
	"docker and wasmpack find them: in the credential helper configured in\n"
	"~/.docker/config.json (credHelpers or credsStore), else in that file itself\n"
	"(mode 0600; $DOCKER_CONFIG moves it).\n"
	"\n"
	"Options:\n"
	"  -u, --username USER         the user name (asked for on a terminal when\n"
	"                              absent)\n"
	"      --password-stdin        read the password or token from standard input\n"
	"  -p, --password PASSWORD     the password on the command line (visible to\n"
	"                              other users; prefer --password-stdin)\n"
	"      --ca-cert FILE          also trust the CA certificates in FILE (PEM)\n"
	"      --insecure              allow plain HTTP and unverified TLS\n"
	"      --plain-http            talk plain HTTP\n"
	"      --retries N             retries of a failed request (default 5)\n"
	"      --timeout SECONDS       give up on a request stalled this long (60)\n" OUTPUT_FORMAT_HELP
	"  -q, --quiet                 print nothing on success (but the JSON)\n"
	"      --debug                 log every request (never the password or tokens)\n"
	"  -h, --help                  print this help\n"
	"\n"
	"WASMPACK_USERNAME and WASMPACK_PASSWORD are used when set.\n"
	"\n"
	"Examples:\n"
	"  echo \"$GITHUB_TOKEN\" |\n"
	"      wasmpack login ghcr.io -u \"$GITHUB_ACTOR\" --password-stdin\n"
	"  wasmpack login localhost:5000 -u admin\n",
};

const wp_command cmd_logout = {
	"logout",
	"remove stored credentials for a registry",
	run_logout,
	"Usage: wasmpack logout [OPTIONS] [REGISTRY]\n"
	"\n"
	"Remove the credentials stored for REGISTRY (default docker.io), from the\n"
	"credential helper or from ~/.docker/config.json.\n"
	"\n"
	"Options:\n" OUTPUT_FORMAT_HELP
	"  -q, --quiet                 print nothing (but the JSON)\n"
	"  -h, --help                  print this help\n",
};

/* Asks on the terminal; echo off for secrets. */
static int prompt(const char *question, bool secret, char **out, wp_error **err)
{
	_cleanup_close_ int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	struct termios old, quiet;
	char line[4096];
	ssize_t n;
	size_t len = 0;

	if (fd < 0)
		return wp_error_set(err, WP_EUSAGE,
				    "no terminal to ask for the %s; use --username and "
				    "--password-stdin",
				    secret ? "password" : "user name");
	if (write(fd, question, strlen(question)) < 0)
		return wp_error_set_errno(err, errno, "cannot write to the terminal");
	if (secret && tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	while (len < sizeof(line) - 1 && (n = read(fd, line + len, 1)) == 1 && line[len] != '\n')
		len++;
	line[len] = '\0';
	if (secret) {
		tcsetattr(fd, TCSAFLUSH, &old);
		if (write(fd, "\n", 1) < 0)
			wp_log_debug("cannot write to the terminal");
	}
	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	*out = len ? strdup(line) : NULL;
	explicit_bzero(line, sizeof(line));
	if (!len)
		return wp_error_set(err, WP_EUSAGE, "empty %s", secret ? "password" : "user name");
	return *out ? 0 : wp_error_oom(err);
}

static int registry_arg(int argc, char **argv, const wp_command *cmd, char **out)
{
	wp_error *err = NULL;

	if (optind + 1 < argc)
		return cmd_usage_error(cmd, "unexpected argument \"%s\"", argv[optind + 1]);
	if (remote_registry_name(optind < argc ? argv[optind] : WP_DEFAULT_REGISTRY, out, &err) < 0)
		return cmd_usage_from(cmd, err);
	return 0;
}

/* Gathers the credential from the options, the environment or prompts. */
static int login_credential(struct remote_args *ra, const char *password, wp_credential *c,
			    wp_error **err)
{
	bool have = false;
	int r;

	/* a crash must not dump the password (nor ptrace reach it) */
	wp_process_no_dump();
	if (password && ra->password_stdin)
		return wp_error_set(err, WP_EUSAGE,
				    "--password and --password-stdin exclude each other");
	if (password) {
		/* getenv read once: the analyzer takes each call for a new value */
		const char *username = ra->username ? ra->username : getenv("WASMPACK_USERNAME");

		wp_log_warn("--password is visible to other users of this machine; prefer "
			    "--password-stdin");
		if (!username)
			return wp_error_set(err, WP_EUSAGE, "--password needs --username");
		c->username = strdup(username);
		c->password = strdup(password);
		c->source = strdup("--password");
		return c->username && c->password && c->source ? 0 : wp_error_oom(err);
	}
	if ((ra->username || getenv("WASMPACK_USERNAME")) &&
	    (ra->password_stdin || getenv("WASMPACK_PASSWORD"))) {
		if ((r = remote_args_credential(ra, c, &have, err)) < 0)
			return r;
		if (have)
			return 0;
	}
	if (ra->password_stdin)
		return wp_error_set(err, WP_EUSAGE, "--password-stdin needs --username");
	c->username = ra->username ? strdup(ra->username) : NULL;
	if (!c->username && (r = prompt("Username: ", false, &c->username, err)) < 0)
		return r;
	if ((r = prompt("Password: ", true, &c->password, err)) < 0)
		return r;
	c->source = strdup("the terminal");
	return c->username && c->source ? 0 : wp_error_oom(err);
}

static int run_login(int argc, char **argv)
{
	static const struct option options[] = {
		{"password", required_argument, NULL, 'p'},
		OUTPUT_FORMAT_OPTION,
		REMOTE_OPTIONS,
		CMD_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct remote_args ra = REMOTE_ARGS_INIT;
	_cleanup_free_ char *registry = NULL, *where = NULL;
	const char *password = NULL;
	wp_credential cred = {0};
	wp_registry_options ro;
	wp_registry *reg = NULL;
	wp_error *err = NULL;
	bool json = false;
	int c, status, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:p:qh", options, NULL)) != -1) {
		if (cmd_handle_global(&cmd_login, c, &status))
			return status;
		if (c == 'u')
			c = OPT_REMOTE_USERNAME;
		if ((r = remote_args_handle(&ra, c, optarg, &err)) < 0)
			return cmd_usage_from(&cmd_login, err);
		if (r)
			continue;
		if (c == 'p')
			password = optarg;
		else if (c == OPT_OUTPUT_FORMAT) {
			if ((status = output_format_parse(&cmd_login, optarg, &json)))
				return status;
		} else if (c != 'q' && c != OPT_GLOBAL_DEBUG)
			return cmd_bad_option(&cmd_login, argc, argv, c);
	}
	if ((status = registry_arg(argc, argv, &cmd_login, &registry)) != 0)
		return status;
	r = login_credential(&ra, password, &cred, &err);
	if (r == 0) {
		remote_args_registry_options(&ra, &cred, &ro);
		r = wp_registry_open(&reg, registry, &ro, &err);
	}
	if (r == 0)
		r = wp_registry_check_login(reg, &err);
	if (r == 0)
		r = wp_credentials_store(registry, &cred, &where, &err);
	wp_registry_free(reg);
	wp_credential_release(&cred);
	if (r < 0)
		return err && err->code == WP_EUSAGE ? cmd_usage_from(&cmd_login, err)
						     : cmd_fail(err);
	wp_log_info("credentials for %s stored in %s", registry, where ? where : "the store");
	if (json && output_json_pack_print(&err, "{s:s,s:s*}", "registry", registry,
					   "credentialStore", where) < 0)
		return cmd_fail(err);
	if (!json && wp_log_get_level() >= WP_LOG_INFO)
		printf("Login Succeeded\n");
	return EXIT_OK;
}

static int run_logout(int argc, char **argv)
{
	static const struct option options[] = {
		OUTPUT_FORMAT_OPTION, CMD_GLOBAL_OPTIONS, {NULL, 0, NULL, 0}};
	_cleanup_free_ char *registry = NULL;
	wp_error *err = NULL;
	bool existed = false, json = false;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", options, NULL)) != -1) {
		if (cmd_handle_global(&cmd_logout, c, &status))
			return status;
		if (c == OPT_OUTPUT_FORMAT) {
			if ((status = output_format_parse(&cmd_logout, optarg, &json)))
				return status;
		} else if (c != 'q' && c != OPT_GLOBAL_DEBUG)
			return cmd_bad_option(&cmd_logout, argc, argv, c);
	}
	if ((status = registry_arg(argc, argv, &cmd_logout, &registry)) != 0)
		return status;
	if (wp_credentials_erase(registry, &existed, &err) < 0)
		return cmd_fail(err);
	wp_log_info(existed ? "removed the credentials for %s" : "not logged in to %s", registry);
	if (json &&
	    output_json_pack_print(&err, "{s:s,s:b}", "registry", registry, "removed", existed) < 0)
		return cmd_fail(err);
	return EXIT_OK;
}
