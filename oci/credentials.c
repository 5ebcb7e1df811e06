#include <ctype.h>
#include <pwd.h>
#include <strings.h>
#include <sys/stat.h>

#include "credentials.h"
#include "../lib/base64.h"
#include "../lib/buf.h"
#include "../lib/fileio.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/process.h"
#include "../lib/str.h"
#include "../lib/common.h"

#define HUB_SERVER_URL "https://index.docker.io/v1/"
#define TOKEN_USERNAME "<token>"
#define HELPER_PREFIX "docker-credential-"
#define NOT_FOUND_ANSWER "credentials not found"

#define FILE_MAX (4u << 20)	  /* a config.json or auth.json */
#define AUTH_MAX 65536		  /* a decoded "auth" field */
#define HELPER_OUT_MAX (1u << 20) /* a helper's stdout */
#define HELPER_ERR_MAX 4096	  /* what is kept of its stderr */
#define MESSAGE_LINE_MAX 200	  /* what of it goes into a message */
#define REGISTRY_MAX 300

static const char *const hub_hosts[] = {"docker.io", "index.docker.io", "registry-1.docker.io"};

/* The fields of an auths entry that hold secrets. */
static const char *const secret_fields[] = {"auth", "password", "identitytoken", "registrytoken"};

/* How well an auths or credHelpers key names a host; lower is better. */
enum {
	KEY_NONE = -1,
	KEY_SERVER_URL = 0, /* wp_credentials_server_url(host) itself */
	KEY_HOST,	    /* the host as given */
	KEY_ALIAS,	    /* scheme and/or /, /v1/, /v2/ around the host */
	KEY_NAMESPACED,	    /* "host/namespace[/...]" (Podman) */
	KEY_RANKS,
};

/* A JSON credentials file: Docker's config.json or a Podman auth.json. */
typedef struct cred_file {
	char *path;   /* owned; NULL when there is no home directory */
	json_t *root; /* NULL when the file does not exist */
} cred_file;

/* A configured credential helper. */
typedef struct helper {
	char *prog;	  /* "docker-credential-pass", owned */
	char *hint;	  /* what to remove from the file to stop using it, owned */
	const char *file; /* the config.json that names it */
} helper;

/* Secrets: wiped before their memory goes back to the allocator. */

static void wipe_str(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
}

static void wipe_free(char *s)
{
	wipe_str(s);
	free(s);
}

static void wipe_freep(char **s)
{
	wipe_free(*s);
}
#define _cleanup_wipe_ _cleanup_(wipe_freep)

static void wipe_buf(wp_buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->cap);
	wp_buf_release(b);
}

/* Zeroes a string held by a JSON value we own and are about to drop. */
static void wipe_json_string(json_t *v)
{
	if (json_is_string(v))
		explicit_bzero((char *)json_string_value(v), json_string_length(v));
}

static void wipe_entry(json_t *entry)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(secret_fields); i++)
		wipe_json_string(json_object_get(entry, secret_fields[i]));
}

void wp_credential_release(wp_credential *c)
{
	if (!c)
		return;
	wipe_free(c->username);
	wipe_free(c->password);
	wipe_free(c->identity_token);
	wipe_free(c->registry_token);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

/* Hands an error made with a local wp_error to the caller. */
static int move_error(wp_error **err, wp_error *e)
{
	int code = wp_error_code(e);

	return wp_error_move(err, e, code);
}

/* Hosts and keys */

static bool is_hub(const char *host)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(hub_hosts); i++)
		if (strcasecmp(host, hub_hosts[i]) == 0)
			return true;
	return false;
}

const char *wp_credentials_server_url(const char *registry)
{
	return is_hub(registry) ? HUB_SERVER_URL : registry;
}

static bool host_eq(const char *h, size_t len, const char *host)
{
	if (is_hub(host)) {
		for (size_t i = 0; i < WP_ARRAY_SIZE(hub_hosts); i++)
			if (strlen(hub_hosts[i]) == len && strncasecmp(h, hub_hosts[i], len) == 0)
				return true;
		return false;
	}
	return strlen(host) == len && strncasecmp(h, host, len) == 0;
}

static int key_rank(const char *key, const char *host)
{
	static const char *const alias_paths[] = {"", "/", "/v1", "/v1/", "/v2", "/v2/"};
	const char *h = key, *path;
	size_t len;

	if (strcmp(key, wp_credentials_server_url(host)) == 0)
		return KEY_SERVER_URL;
	if (strcasecmp(key, host) == 0)
		return KEY_HOST;
	if (strncasecmp(h, "https://", 8) == 0)
		h += 8;
	else if (strncasecmp(h, "http://", 7) == 0)
		h += 7;
	path = strchr(h, '/');
	len = path ? (size_t)(path - h) : strlen(h);
	if (!path)
		path = "";
	if (!host_eq(h, len, host))
		return KEY_NONE;
	for (size_t i = 0; i < WP_ARRAY_SIZE(alias_paths); i++)
		if (strcmp(path, alias_paths[i]) == 0)
			return KEY_ALIAS;
	return KEY_NAMESPACED;
}

static int check_registry(const char *registry, wp_error **err)
{
	if (!registry || !*registry)
		return wp_error_set(err, WP_EINVALID, "no registry given");
	if (strlen(registry) > REGISTRY_MAX)
		return wp_error_set(err, WP_EINVALID, "invalid registry \"%.100s...\": too long",
				    registry);
	for (const char *p = registry; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || c == '/' || c == '"' || c == '\\')
			return wp_error_set(err, WP_EINVALID,
					    "invalid registry \"%s\": expected a host such as "
					    "\"ghcr.io\" or \"localhost:5000\"",
					    registry);
	}
	return 0;
}

/* Files */

static char *home_dir(void)
{
	const char *home = getenv("HOME");
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (home && *home)
		return strdup(home);
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res && res->pw_dir &&
	    *res->pw_dir)
		return strdup(res->pw_dir);
	return NULL;
}

int wp_credentials_config_path(char **out, wp_error **err)
{
	const char *dir = getenv("DOCKER_CONFIG");
	_cleanup_free_ char *home = NULL;
	char *path;

	if (dir && *dir) {
		path = wp_path_join(dir, "config.json");
	} else {
		home = home_dir();
		if (!home)
			return wp_error_set(err, WP_ENOTFOUND,
					    "cannot find Docker's config.json: neither "
					    "DOCKER_CONFIG nor HOME is set");
		path = wp_path_join(home, ".docker/config.json");
	}
	if (!path)
		return wp_error_oom(err);
	*out = path;
	return 0;
}

static void cred_file_release(cred_file *f)
{
	json_t *auths = f->root ? json_object_get(f->root, "auths") : NULL;
	const char *key;
	json_t *entry;

	json_object_foreach (auths, key, entry)
		wipe_entry(entry);
	json_decref(f->root);
	free(f->path);
	f->root = NULL;
	f->path = NULL;
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

/* A JSON syntax error without jansson's "near '<text>'", which quotes the
 * document: a password or an auth field when the break is next to one. */
static int syntax_error(const char *path, const json_error_t *je, wp_error **err)
{
	char text[JSON_ERROR_TEXT_LENGTH];
	char *near;

	snprintf(text, sizeof(text), "%s", je->text);
	near = strstr(text, " near ");
	if (near)
		*near = '\0';
	return wp_error_set(err, WP_EINVALID, "\"%s\" is not valid JSON: %s (line %d column %d)",
			    path, text, je->line, je->column);
}

/* Reads f->path into f->root; a missing file leaves f->root NULL. An empty
 * file counts as {} (as Docker reads it). */
static int cred_file_load(cred_file *f, wp_error **err)
{
	wp_buf text = WP_BUF_INIT(FILE_MAX);
	wp_error *e = NULL;
	json_error_t je;
	json_t *root;
	int r;

	f->root = NULL;
	r = wp_read_file(f->path, &text, &e);
	if (r < 0) {
		wipe_buf(&text);
		if (r == WP_ENOTFOUND) {
			wp_error_free(e);
			return 0;
		}
		return move_error(err, e);
	}
	if (blank(wp_buf_cstr(&text), text.len))
		root = json_object();
	else
		root = json_loadb(text.data, text.len, JSON_REJECT_DUPLICATES, &je);
	wipe_buf(&text);
	if (!root)
		return syntax_error(f->path, &je, err);
	if (!json_is_object(root)) {
		json_decref(root);
		return wp_error_set(err, WP_EINVALID, "\"%s\": expected a JSON object", f->path);
	}
	f->root = root;
	return 0;
}

/* Docker's config.json; f->path stays NULL without a home directory, when
 * `required` is false. */
static int docker_config_load(cred_file *f, bool required, wp_error **err)
{
	wp_error *e = NULL;
	int r;

	f->path = NULL;
	f->root = NULL;
	r = wp_credentials_config_path(&f->path, &e);
	if (r == WP_ENOTFOUND && !required) {
		wp_error_free(e);
		return 0;
	}
	if (r < 0)
		return move_error(err, e);
	return cred_file_load(f, err);
}

static int get_auths(const cred_file *f, json_t **out, wp_error **err)
{
	_cleanup_free_ char *doc = wp_strdup_printf("\"%s\"", f->path);

	*out = NULL;
	if (!doc)
		return wp_error_oom(err);
	return wp_json_get_object(f->root, "auths", false, doc, "", out, err);
}

/* auths entries */

static int entry_string(const json_t *entry, const char *field, const char *file, const char *key,
			char **out, wp_error **err)
{
	json_t *v = json_object_get(entry, field);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return wp_error_set(err, WP_EINVALID, "\"%s\": auths[\"%s\"].%s: expected a string",
				    file, key, field);
	if (json_string_length(v) == 0)
		return 0;
	wipe_free(*out);
	*out = NULL;
	return wp_strdup(out, json_string_value(v), err);
}

static int decode_auth(const char *auth, const char *file, const char *key, wp_credential *c,
		       wp_error **err)
{
	wp_buf raw = WP_BUF_INIT(AUTH_MAX);
	char *colon;
	int r;

	r = wp_base64_decode(auth, &raw, NULL);
	if (r < 0) {
		wipe_buf(&raw);
		return wp_error_set(err, WP_EINVALID,
				    "\"%s\": auths[\"%s\"].auth: not valid base64", file, key);
	}
	colon = raw.data ? memchr(raw.data, ':', raw.len) : NULL;
	if (!colon || strlen(raw.data) != raw.len) {
		wipe_buf(&raw);
		return wp_error_set(err, WP_EINVALID,
				    "\"%s\": auths[\"%s\"].auth: expected the base64 of "
				    "\"username:password\"",
				    file, key);
	}
	*colon = '\0';
	wipe_free(c->username);
	wipe_free(c->password);
	c->username = *raw.data ? strdup(raw.data) : NULL;
	c->password = colon[1] ? strdup(colon + 1) : NULL;
	r = (*raw.data && !c->username) || (colon[1] && !c->password) ? wp_error_oom(err) : 0;
	wipe_buf(&raw);
	return r;
}

static bool has_credentials(const wp_credential *c)
{
	return c->username || c->password || c->identity_token || c->registry_token;
}

static int parse_entry(const json_t *entry, const char *file, const char *key, wp_credential *out,
		       bool *found, wp_error **err)
{
	_cleanup_wipe_ char *auth = NULL;
	wp_credential c = {0};
	int r;

	*found = false;
	if (!json_is_object(entry))
		return wp_error_set(err, WP_EINVALID, "\"%s\": auths[\"%s\"]: expected an object",
				    file, key);
	r = entry_string(entry, "auth", file, key, &auth, err);
	if (r == 0)
		r = entry_string(entry, "username", file, key, &c.username, err);
	if (r == 0)
		r = entry_string(entry, "password", file, key, &c.password, err);
	if (r == 0)
		r = entry_string(entry, "identitytoken", file, key, &c.identity_token, err);
	if (r == 0)
		r = entry_string(entry, "registrytoken", file, key, &c.registry_token, err);
	if (r == 0 && auth)
		r = decode_auth(auth, file, key, &c, err);
	if (r == 0 && has_credentials(&c)) {
		r = wp_strdup(&c.source, file, err);
		if (r == 0) {
			*out = c;
			*found = true;
			return 0;
		}
	}
	wp_credential_release(&c);
	return r;
}

/* The best entry of f's auths for host that holds credentials. */
static int lookup_auths(const cred_file *f, const char *host, wp_credential *out, bool *found,
			wp_error **err)
{
	json_t *auths = NULL, *entry;
	const char *key;
	int r;

	*found = false;
	r = get_auths(f, &auths, err);
	if (r < 0 || !auths)
		return r;
	for (int rank = 0; rank < KEY_RANKS; rank++) {
		json_object_foreach (auths, key, entry) {
			if (key_rank(key, host) != rank)
				continue;
			r = parse_entry(entry, f->path, key, out, found, err);
			if (r < 0 || *found) {
				if (*found)
					wp_log_debug(
						"credentials for \"%s\": auths[\"%s\"] of \"%s\"",
						host, key, f->path);
				return r;
			}
		}
	}
	return 0;
}

/* Removes the entries of every key form for host but the namespaced ones;
 * *removed tells whether there were any, *secrets whether one of them
 * held credentials. */
static int remove_aliases(json_t *auths, const char *host, bool *removed, bool *secrets,
			  wp_error **err)
{
	wp_strv keys = {NULL, 0};
	const char *key;
	json_t *entry;
	int r = 0;

	json_object_foreach (auths, key, entry) {
		int rank = key_rank(key, host);

		if (rank == KEY_NONE || rank == KEY_NAMESPACED)
			continue;
		r = wp_strv_push(&keys, key, err);
		if (r < 0)
			break;
	}
	for (size_t i = 0; r == 0 && i < keys.len; i++) {
		entry = json_object_get(auths, keys.items[i]);
		for (size_t k = 0; k < WP_ARRAY_SIZE(secret_fields); k++)
			if (json_is_string(json_object_get(entry, secret_fields[k])))
				*secrets = true;
		wipe_entry(entry);
		json_object_del(auths, keys.items[i]);
		*removed = true;
	}
	wp_strv_release(&keys);
	return r;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
	return wp_buf_append(data, buffer, size, NULL) < 0 ? -1 : 0;
}

/* Writes f->root to f->path (or, when that is a symbolic link, to its
 * target) atomically, mode 0600, making the directory (0700) if needed. */
static int cred_file_save(const cred_file *f, wp_error **err)
{
	_cleanup_free_ char *target = NULL;
	_cleanup_free_ char *dir = NULL;
	wp_buf text = WP_BUF_INIT(2 * FILE_MAX);
	const char *path = f->path;
	struct stat st;
	int r;

	if (lstat(f->path, &st) == 0 && S_ISLNK(st.st_mode)) {
		target = realpath(f->path, NULL);
		if (!target)
			return wp_error_set_errno(err, errno, "cannot resolve the link \"%s\"",
						  f->path);
		path = target;
	}
	dir = wp_path_dirname(path);
	if (!dir)
		return wp_error_oom(err);
	r = wp_mkdir_p(dir, 0700, NULL, err);
	if (r < 0)
		return r;
	if (json_dump_callback(f->root, dump_cb, &text, JSON_INDENT(2)) < 0 ||
	    wp_buf_append(&text, "\n", 1, NULL) < 0) {
		wipe_buf(&text);
		return wp_error_set(err, WP_ELIMIT,
				    "cannot write \"%s\": out of memory or too large", path);
	}
	r = wp_write_file_atomic(path, text.data, text.len, 0600, err);
	wipe_buf(&text);
	return r;
}

/* Credential helpers */

static void helper_release(helper *h)
{
	free(h->prog);
	free(h->hint);
	h->prog = h->hint = NULL;
}

/* A helper name is run as "docker-credential-NAME", looked up in PATH and
 * never through a shell: shell metacharacters in it are just characters. A
 * '/' (a path) is refused, and so are spaces, control characters and
 * non-ASCII bytes, which no helper has and which would break messages. */
static bool valid_helper_name(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '/')
			return false;
	return strlen(name) <= REGISTRY_MAX;
}

static int helper_init(helper *h, const char *name, const char *file, const char *where,
		       const char *hint, wp_error **err)
{
	if (!valid_helper_name(name)) {
		int shown = 0;

		/* quoted up to its first control character: one line */
		while (shown < 100 && (unsigned char)name[shown] >= 0x20 && name[shown] != 0x7f)
			shown++;
		return wp_error_set(err, WP_EINVALID,
				    "\"%s\": %s: invalid credential helper name \"%.*s%s\"", file,
				    where, shown, name, name[shown] ? "..." : "");
	}
	h->prog = wp_strdup_printf(HELPER_PREFIX "%s", name);
	h->hint = strdup(hint);
	h->file = file;
	if (!h->prog || !h->hint) {
		helper_release(h);
		return wp_error_oom(err);
	}
	return 0;
}

/* credHelpers[host] (best key form first); *found false when none. */
static int find_host_helper(const cred_file *f, const char *host, helper *h, bool *found,
			    wp_error **err)
{
	_cleanup_free_ char *doc = wp_strdup_printf("\"%s\"", f->path);
	json_t *helpers = NULL, *v;
	const char *key;
	int r;

	*found = false;
	if (!doc)
		return wp_error_oom(err);
	r = wp_json_get_object(f->root, "credHelpers", false, doc, "", &helpers, err);
	if (r < 0 || !helpers)
		return r;
	for (int rank = 0; rank < KEY_RANKS; rank++) {
		json_object_foreach (helpers, key, v) {
			_cleanup_free_ char *where = NULL, *hint = NULL;

			if (key_rank(key, host) != rank)
				continue;
			if (!json_is_string(v))
				return wp_error_set(err, WP_EINVALID,
						    "%s: credHelpers[\"%s\"]: expected a string",
						    doc, key);
			if (json_string_length(v) == 0)
				continue;
			where = wp_strdup_printf("credHelpers[\"%s\"]", key);
			hint = wp_strdup_printf("\"%s\" from \"credHelpers\"", key);
			if (!where || !hint)
				return wp_error_oom(err);
			r = helper_init(h, json_string_value(v), f->path, where, hint, err);
			*found = r == 0;
			return r;
		}
	}
	return 0;
}

/* credsStore; *found false when none. */
static int find_store_helper(const cred_file *f, helper *h, bool *found, wp_error **err)
{
	_cleanup_free_ char *doc = wp_strdup_printf("\"%s\"", f->path);
	const char *name = NULL;
	int r;

	*found = false;
	if (!doc)
		return wp_error_oom(err);
	r = wp_json_get_string(f->root, "credsStore", false, doc, "", &name, err);
	if (r < 0 || !name || !*name)
		return r;
	r = helper_init(h, name, f->path, "credsStore", "\"credsStore\"", err);
	*found = r == 0;
	return r;
}

/* The helper that store and erase use: credHelpers[host], else credsStore. */
static int find_helper(const cred_file *f, const char *host, helper *h, bool *found, wp_error **err)
{
	int r = find_host_helper(f, host, h, found, err);

	if (r < 0 || *found)
		return r;
	return find_store_helper(f, h, found, err);
}

/* The first line of what a helper printed, cleaned for a message; empty
 * when that line (before it is cut) contains one of the secrets. */
static void first_line(const wp_buf *b, const char *const secrets[], size_t n_secrets,
		       char line[MESSAGE_LINE_MAX + 1])
{
	const char *s = wp_buf_cstr(b);
	size_t len, n = 0;

	line[0] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	len = strcspn(s, "\r\n");
	for (size_t i = 0; i < n_secrets; i++)
		if (secrets[i] && *secrets[i] && memmem(s, len, secrets[i], strlen(secrets[i])))
			return;
	for (; n < len && n < MESSAGE_LINE_MAX; n++) {
		unsigned char c = (unsigned char)s[n];

		line[n] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		n--;
	line[n] = '\0';
}

static bool looks_like_json(const wp_buf *b)
{
	const char *s = wp_buf_cstr(b);

	while (isspace((unsigned char)*s))
		s++;
	return *s == '{' || *s == '[' || *s == '"';
}

static int helper_failed(const helper *h, const char *action, int status, const wp_buf *out,
			 const wp_buf *errout, const char *const secrets[], size_t n_secrets,
			 wp_error **err)
{
	char line[MESSAGE_LINE_MAX + 1];

	/* helpers built on docker-credential-helpers print errors on stdout,
	 * where an answer would be: never quote one that looks like JSON */
	first_line(errout, secrets, n_secrets, line);
	if (!*line && !looks_like_json(out))
		first_line(out, secrets, n_secrets, line);
	return wp_error_set(err, WP_EAUTH,
			    "credential helper \"%s\" failed to %s (exit status %d)%s%s", h->prog,
			    action, status, *line ? ": " : "", line);
}

static bool says_not_found(const wp_buf *out, const wp_buf *errout)
{
	return strcasestr(wp_buf_cstr(out), NOT_FOUND_ANSWER) ||
	       strcasestr(wp_buf_cstr(errout), NOT_FOUND_ANSWER);
}

static int helper_run(const helper *h, const char *action, const void *input, size_t len,
		      wp_buf *out, wp_buf *errout, int *status, wp_error **err)
{
	const char *argv[] = {h->prog, action, NULL};
	wp_error *e = NULL;
	int r;

	wp_log_debug("running \"%s %s\"", h->prog, action);
	r = wp_process_run(argv, input, len, out, errout, WP_CREDENTIAL_HELPER_TIMEOUT, status, &e);
	if (r == WP_ENOTFOUND) {
		wp_error_free(e);
		return wp_error_set(
			err, WP_ENOTFOUND,
			"credential helper \"%s\" is not installed (not found in PATH); "
			"install it or remove %s from \"%s\"",
			h->prog, h->hint, h->file);
	}
	if (r < 0) {
		move_error(err, e);
		return wp_error_prefix(err, "credential helper");
	}
	return 0;
}

static int helper_field(const helper *h, const json_t *answer, const char *field, const char **out,
			wp_error **err)
{
	json_t *v = json_object_get(answer, field);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return wp_error_set(
			err, WP_EINVALID,
			"credential helper \"%s\": \"%s\" in its answer is not a string", h->prog,
			field);
	*out = json_string_value(v);
	return 0;
}

/* {"ServerURL": ..., "Username": ..., "Secret": ...}; an empty Secret means
 * nothing is stored. */
static int helper_answer(const helper *h, const wp_buf *out, wp_credential *c, bool *found,
			 wp_error **err)
{
	_cleanup_json_ json_t *answer = NULL;
	const char *username = NULL, *secret = NULL;
	json_error_t je;
	int r;

	*found = false;
	if (blank(wp_buf_cstr(out), out->len))
		return 0;
	answer = json_loadb(out->data, out->len, 0, &je);
	/* never quote what it printed: that is the secret */
	if (!answer || !json_is_object(answer))
		return wp_error_set(err, WP_EINVALID,
				    "credential helper \"%s\" answered with something other than "
				    "a JSON object",
				    h->prog);
	r = helper_field(h, answer, "Username", &username, err);
	if (r == 0)
		r = helper_field(h, answer, "Secret", &secret, err);
	if (r == 0 && secret && *secret) {
		if (wp_str_eq(username, TOKEN_USERNAME)) {
			r = wp_strdup(&c->identity_token, secret, err);
		} else {
			r = wp_strdup(&c->password, secret, err);
			if (r == 0 && username && *username)
				r = wp_strdup(&c->username, username, err);
		}
		if (r == 0)
			c->source = wp_strdup_printf("credential helper %s", h->prog);
		if (r == 0 && !c->source)
			r = wp_error_oom(err);
		*found = r == 0;
	}
	wipe_json_string(json_object_get(answer, "Secret"));
	return r;
}

static int helper_get(const helper *h, const char *host, wp_credential *out, bool *found,
		      wp_error **err)
{
	const char *server = wp_credentials_server_url(host);
	wp_buf o = WP_BUF_INIT(HELPER_OUT_MAX), e = WP_BUF_INIT(HELPER_ERR_MAX);
	wp_credential c = {0};
	int status = 0, r;

	*found = false;
	r = helper_run(h, "get", server, strlen(server), &o, &e, &status, err);
	if (r == 0 && status != 0 && !says_not_found(&o, &e))
		r = helper_failed(h, "get credentials", status, &o, &e, NULL, 0, err);
	else if (r == 0 && status == 0 && !(says_not_found(&o, &e) && !looks_like_json(&o)))
		r = helper_answer(h, &o, &c, found, err);
	wipe_buf(&o);
	wipe_buf(&e);
	if (r == 0 && *found) {
		*out = c;
		wp_log_debug("credentials for \"%s\": %s", host, c.source);
	} else {
		if (r == 0)
			wp_log_debug("%s has no credentials for \"%s\"", h->prog, server);
		wp_credential_release(&c);
	}
	return r;
}

/* credHelpers[host], then credsStore (unless it is the same helper). */
static int lookup_helpers(const cred_file *f, const char *host, wp_credential *out, bool *found,
			  wp_error **err)
{
	helper host_helper = {NULL, NULL, NULL}, store = {NULL, NULL, NULL};
	bool have_host = false, have_store = false;
	int r;

	*found = false;
	r = find_host_helper(f, host, &host_helper, &have_host, err);
	if (r == 0 && have_host)
		r = helper_get(&host_helper, host, out, found, err);
	if (r == 0 && !*found)
		r = find_store_helper(f, &store, &have_store, err);
	if (r == 0 && have_store && !(have_host && strcmp(store.prog, host_helper.prog) == 0))
		r = helper_get(&store, host, out, found, err);
	helper_release(&host_helper);
	helper_release(&store);
	return r;
}

/* The Podman auth files, in the order they are read. */
static int podman_paths(wp_strv *paths, wp_error **err)
{
	const char *file = getenv("REGISTRY_AUTH_FILE");
	const char *runtime = getenv("XDG_RUNTIME_DIR");
	_cleanup_free_ char *home = home_dir();
	_cleanup_free_ char *p1 = NULL, *p2 = NULL;
	int r = 0;

	if (file && *file)
		r = wp_strv_push(paths, file, err);
	if (r == 0 && runtime && *runtime) {
		p1 = wp_path_join(runtime, "containers/auth.json");
		r = p1 ? wp_strv_push(paths, p1, err) : wp_error_oom(err);
	}
	if (r == 0 && home) {
		p2 = wp_path_join(home, ".config/containers/auth.json");
		r = p2 ? wp_strv_push(paths, p2, err) : wp_error_oom(err);
	}
	return r;
}

int wp_credentials_lookup(const char *registry, wp_credential *out, bool *found, wp_error **err)
{
	cred_file cfg = {NULL, NULL};
	wp_strv paths = {NULL, 0};
	wp_credential c = {0};
	bool got = false;
	int r;

	memset(out, 0, sizeof(*out));
	*found = false;
	r = check_registry(registry, err);
	if (r < 0)
		return r;
	/* from here on the process may hold secrets: a crash dumps no core */
	wp_process_no_dump();
	r = docker_config_load(&cfg, false, err);
	if (r == 0 && cfg.root)
		r = lookup_helpers(&cfg, registry, &c, &got, err);
	if (r == 0 && !got && cfg.root)
		r = lookup_auths(&cfg, registry, &c, &got, err);
	cred_file_release(&cfg);
	if (r == 0 && !got)
		r = podman_paths(&paths, err);
	for (size_t i = 0; r == 0 && !got && i < paths.len; i++) {
		cred_file f = {NULL, NULL};

		f.path = strdup(paths.items[i]);
		r = f.path ? cred_file_load(&f, err) : wp_error_oom(err);
		if (r == 0 && f.root)
			r = lookup_auths(&f, registry, &c, &got, err);
		cred_file_release(&f);
	}
	wp_strv_release(&paths);
	if (r < 0) {
		wp_credential_release(&c);
		return r;
	}
	if (!got)
		wp_log_debug("no credentials for \"%s\"", registry);
	*out = c;
	*found = got;
	return 0;
}

/* Store and erase */

static bool nonempty(const char *s)
{
	return s && *s;
}

static int check_credential(const char *registry, const wp_credential *c, wp_error **err)
{
	if (!c || (!(nonempty(c->username) && nonempty(c->password)) &&
		   !nonempty(c->identity_token) && !nonempty(c->registry_token)))
		return wp_error_set(err, WP_EINVALID,
				    "no credentials to store for \"%s\": expected a username and "
				    "a password, or a token",
				    registry);
	if (c->username && strchr(c->username, ':'))
		return wp_error_set(
			err, WP_EINVALID,
			"cannot store credentials for \"%s\": the username contains ':'", registry);
	return 0;
}

static int helper_store(const helper *h, const char *registry, const wp_credential *c,
			wp_error **err)
{
	const char *secrets[] = {c->password, c->identity_token, c->registry_token};
	_cleanup_json_ json_t *req = json_object();
	wp_buf text = WP_BUF_INIT(HELPER_OUT_MAX);
	wp_buf o = WP_BUF_INIT(HELPER_OUT_MAX), e = WP_BUF_INIT(HELPER_ERR_MAX);
	const char *username, *secret;
	int status = 0, r;

	if (nonempty(c->identity_token)) {
		username = TOKEN_USERNAME;
		secret = c->identity_token;
	} else if (nonempty(c->password)) {
		username = c->username;
		secret = c->password;
	} else {
		return wp_error_set(err, WP_EUNSUPPORTED,
				    "credential helper \"%s\" cannot store a registry token for "
				    "\"%s\"",
				    h->prog, registry);
	}
	if (!req)
		return wp_error_oom(err);
	r = wp_json_set_string(req, "ServerURL", wp_credentials_server_url(registry),
			       "the registry", err);
	if (r == 0)
		r = wp_json_set_string(req, "Username", username, "the username", err);
	if (r == 0)
		r = wp_json_set_string(req, "Secret", secret, "the secret", err);
	if (r == 0)
		r = wp_json_dump_canonical(req, &text, err);
	wipe_json_string(json_object_get(req, "Secret"));
	if (r == 0)
		r = helper_run(h, "store", text.data, text.len, &o, &e, &status, err);
	if (r == 0 && status != 0)
		r = helper_failed(h, "store credentials", status, &o, &e, secrets,
				  WP_ARRAY_SIZE(secrets), err);
	wipe_buf(&text);
	wipe_buf(&o);
	wipe_buf(&e);
	return r;
}

static int set_secret(json_t *entry, const char *key, const char *value, const char *what,
		      wp_error **err)
{
	return nonempty(value) ? wp_json_set_string(entry, key, value, what, err) : 0;
}

static int file_store(cred_file *f, const char *registry, const wp_credential *c, wp_error **err)
{
	json_t *auths = NULL, *entry;
	_cleanup_wipe_ char *pair = NULL;
	_cleanup_wipe_ char *auth = NULL;
	bool removed = false, secrets = false;
	int r;

	r = get_auths(f, &auths, err);
	if (r < 0)
		return r;
	if (!auths) {
		auths = json_object();
		r = wp_json_set_new(f->root, "auths", auths, err);
		if (r < 0)
			return r;
	}
	r = remove_aliases(auths, registry, &removed, &secrets, err);
	if (r < 0)
		return r;
	entry = json_object();
	r = wp_json_set_new(auths, wp_credentials_server_url(registry), entry, err);
	if (r < 0)
		return r;
	if (nonempty(c->username)) {
		pair = wp_strdup_printf("%s:%s", c->username, c->password ? c->password : "");
		if (!pair)
			return wp_error_oom(err);
		r = wp_base64_encode(pair, strlen(pair), &auth, err);
		if (r == 0)
			r = wp_json_set_string(entry, "auth", auth, "the username or password",
					       err);
	}
	if (r == 0)
		r = set_secret(entry, "identitytoken", c->identity_token, "the identity token",
			       err);
	if (r == 0)
		r = set_secret(entry, "registrytoken", c->registry_token, "the registry token",
			       err);
	if (r == 0)
		r = cred_file_save(f, err);
	return r;
}

int wp_credentials_store(const char *registry, const wp_credential *c, char **where, wp_error **err)
{
	cred_file cfg = {NULL, NULL};
	helper h = {NULL, NULL, NULL};
	bool use_helper = false;
	char *desc = NULL;
	int r;

	wp_process_no_dump();
	r = check_registry(registry, err);
	if (r == 0)
		r = check_credential(registry, c, err);
	if (r == 0)
		r = docker_config_load(&cfg, true, err);
	if (r == 0 && !cfg.root) {
		cfg.root = json_object();
		if (!cfg.root)
			r = wp_error_oom(err);
	}
	if (r == 0)
		r = find_helper(&cfg, registry, &h, &use_helper, err);
	if (r == 0 && use_helper) {
		json_t *auths = NULL;
		bool removed = false, secrets = false;

		r = helper_store(&h, registry, c, err);
		/* plain-text credentials for the host left in the file are stale now */
		if (r == 0)
			r = get_auths(&cfg, &auths, err);
		if (r == 0 && auths)
			r = remove_aliases(auths, registry, &removed, &secrets, err);
		if (r == 0 && secrets)
			r = cred_file_save(&cfg, err);
		if (r == 0)
			desc = wp_strdup_printf("credential helper %s", h.prog);
	} else if (r == 0) {
		r = file_store(&cfg, registry, c, err);
		if (r == 0)
			desc = strdup(cfg.path);
	}
	if (r == 0) {
		if (!desc)
			r = wp_error_oom(err);
		else
			wp_log_debug("stored credentials for \"%s\" in %s", registry, desc);
	}
	if (r == 0 && where)
		*where = TAKE_PTR(desc);
	free(desc);
	helper_release(&h);
	cred_file_release(&cfg);
	return r;
}

static int helper_erase(const helper *h, const char *registry, bool *existed, wp_error **err)
{
	const char *server = wp_credentials_server_url(registry);
	wp_buf o = WP_BUF_INIT(HELPER_OUT_MAX), e = WP_BUF_INIT(HELPER_ERR_MAX);
	int status = 0, r;

	r = helper_run(h, "erase", server, strlen(server), &o, &e, &status, err);
	if (r == 0 && status == 0)
		*existed = true;
	else if (r == 0 && !says_not_found(&o, &e))
		r = helper_failed(h, "erase credentials", status, &o, &e, NULL, 0, err);
	wipe_buf(&o);
	wipe_buf(&e);
	return r;
}

int wp_credentials_erase(const char *registry, bool *existed, wp_error **err)
{
	cred_file cfg = {NULL, NULL};
	helper h = {NULL, NULL, NULL};
	json_t *auths = NULL;
	bool use_helper = false, removed = false, secrets = false, any = false;
	int r;

	wp_process_no_dump();
	r = check_registry(registry, err);
	if (r == 0)
		r = docker_config_load(&cfg, true, err);
	if (r == 0 && cfg.root)
		r = find_helper(&cfg, registry, &h, &use_helper, err);
	if (r == 0 && use_helper)
		r = helper_erase(&h, registry, &any, err);
	if (r == 0 && cfg.root)
		r = get_auths(&cfg, &auths, err);
	if (r == 0 && auths)
		r = remove_aliases(auths, registry, &removed, &secrets, err);
	if (r == 0 && removed)
		r = cred_file_save(&cfg, err);
	if (r == 0 && existed)
		*existed = any || removed;
	if (r == 0)
		wp_log_debug("erased credentials for \"%s\": %s", registry,
			     any || removed ? "done" : "there were none");
	helper_release(&h);
	cred_file_release(&cfg);
	return r;
}
