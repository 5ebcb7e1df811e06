/* The stages of a Dockerfile and the dispatch of its final stage, after
 * BuildKit's instructions.Parse and dockerfile2llb: global ARGs and the
 * automatic platform ARGs, the final FROM, then each instruction of the
 * final stage applied to the image the way BuildKit applies it to a FROM
 * scratch image. COPY, ADD and WORKDIR are in dockerfile_copy.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>

#include "dockerfile_internal.h"
#include "../lib/common.h"

/* BuildKit's build platform is the host's. */
#if defined(__x86_64__)
#define HOST_ARCH "amd64"
#elif defined(__aarch64__)
#define HOST_ARCH "arm64"
#elif defined(__i386__)
#define HOST_ARCH "386"
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_ARCH "riscv64"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ARCH "ppc64le"
#elif defined(__s390x__)
#define HOST_ARCH "s390x"
#else
#define HOST_ARCH "unknown"
#endif

/* Every instruction BuildKit knows; any other word is an error. */
static const char *const known_instructions[] = {
	"ADD",	  "ARG",   "CMD",	  "COPY",  "ENTRYPOINT", "ENV",
	"EXPOSE", "FROM",  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
	"RUN",	  "SHELL", "STOPSIGNAL",  "USER",  "VOLUME",	 "WORKDIR",
};

/* What the final stage may not hold, and why. */
static const struct {
	const char *cmd;
	const char *why;
} refused[] = {
	{"run", "RUN cannot be built without a container runtime"},
	{"shell", "SHELL cannot be built: it picks the shell for RUN and shell-form commands, "
		  "and a Wasm image has none (use the exec form [\"...\"])"},
	{"onbuild", "ONBUILD is not supported: its triggers run RUN-like steps when another "
		    "image is built FROM this one"},
	{"volume", "VOLUME is not supported: wasmpack build does not record volumes"},
	{"healthcheck", "HEALTHCHECK cannot be built: a health check runs a command in a "
			"container"},
};

int df_fail(const df_ctx *c, const df_instr *in, int code, wp_error **err, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return wp_error_oom(err);
	return wp_error_set(err, code, "%s:%u: %s", c->file, in->line, msg);
}

int df_at(const df_ctx *c, const df_instr *in, wp_error **err)
{
	return wp_error_prefix(err, "%s:%u", c->file, in->line);
}

static int expand_with(const df_ctx *c, const df_instr *in, const wp_kv *vars, const char *word,
		       char **out, wp_error **err)
{
	const df_shlex sh = {c->df->escape, false, false, false, vars};

	return df_expand_word(&sh, word, out, err) < 0 ? df_at(c, in, err) : 0;
}

int df_subst(const df_ctx *c, const df_instr *in, const char *word, char **out, wp_error **err)
{
	return expand_with(c, in, &c->vars, word, out, err);
}

static df_flag *find_flag(df_flag *flags, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
			return &flags[i];
	return NULL;
}

/* BFlags.Parse: "--name", "--name=value"; booleans take true or false. */
int df_flags_parse(const df_ctx *c, const df_instr *in, df_flag *flags, size_t n, wp_error **err)
{
	for (size_t i = 0; i < in->flags.len; i++) {
		const char *a = in->flags.items[i], *eq = strchr(a, '=');
		size_t name_len = eq ? (size_t)(eq - a) : strlen(a);
		df_flag *f;

		if (!wp_str_has_prefix(a, "--"))
			return df_fail(c, in, WP_EINVALID, err, "arg should start with -- : %s", a);
		f = find_flag(flags, n, a + 2, name_len - 2);
		if (!f)
			return df_fail(c, in, WP_EINVALID, err, "unknown flag: %.*s", (int)name_len,
				       a);
		if (f->used && f->type != DF_FLAG_STRINGS)
			return df_fail(c, in, WP_EINVALID, err, "duplicate flag specified: %.*s",
				       (int)name_len, a);
		f->used = true;
		if (f->type != DF_FLAG_BOOL && !eq)
			return df_fail(c, in, WP_EINVALID, err, "missing a value on flag: %s", a);
		if (f->type == DF_FLAG_STRING)
			f->value = eq + 1;
		else if (f->type == DF_FLAG_STRINGS)
			f->n_values++;
		else if (eq && !eq[1])
			return df_fail(c, in, WP_EINVALID, err, "missing a value on flag: %.*s",
				       (int)name_len, a);
		else if (!eq || strcasecmp(eq + 1, "true") == 0)
			f->on = true;
		else if (strcasecmp(eq + 1, "false") == 0)
			f->on = false;
		else
			return df_fail(c, in, WP_EINVALID, err,
				       "expecting boolean value for flag %.*s, not: %s",
				       (int)name_len, a, eq + 1);
	}
	return 0;
}

static int no_flags(const df_ctx *c, const df_instr *in, wp_error **err)
{
	return df_flags_parse(c, in, NULL, 0, err);
}

/* ---- stages ---- */

const char *df_upper(const df_instr *in)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(known_instructions); i++)
		if (strcasecmp(in->cmd, known_instructions[i]) == 0)
			return known_instructions[i];
	return NULL;
}

/* ^[a-z][a-z0-9-_.]*$ */
static bool stage_name_valid(const char *s)
{
	if (!islower((unsigned char)*s))
		return false;
	for (s++; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    !strchr("-_.", *s))
			return false;
	return true;
}

/* FROM [--platform=P] IMAGE [AS NAME]: its words in *words, *name the
 * lowercased stage name (owned) or NULL. */
static int parse_from(const df_ctx *c, const df_instr *in, df_flag *platform, wp_strv *words,
		      char **name, wp_error **err)
{
	int r = df_flags_parse(c, in, platform, 1, err);

	if (r == 0)
		r = df_split_whitespace(in->args, words, err);
	if (r < 0)
		return r;
	*name = NULL;
	if (words->len == 3 && strcasecmp(words->items[1], "as") == 0) {
		char *lower = strdup(words->items[2]);

		if (!lower)
			return wp_error_oom(err);
		for (char *p = lower; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!stage_name_valid(lower)) {
			free(lower);
			return df_fail(
				c, in, WP_EINVALID, err,
				"invalid name for build stage: \"%s\", name can't start with "
				"a number or contain symbols",
				words->items[2]);
		}
		*name = lower;
	} else if (words->len != 1) {
		return df_fail(c, in, WP_EINVALID, err,
			       "FROM requires either one or three arguments");
	}
	return 0;
}

/* Every instruction known, ARG alone before the first FROM; the stages. */
static int find_stages(df_ctx *c, wp_error **err)
{
	for (size_t i = 0; i < c->df->n; i++) {
		const df_instr *in = &c->df->instrs[i];
		df_flag platform = {"platform", DF_FLAG_STRING, false, false, NULL, 0};
		wp_strv words = {NULL, 0};
		df_stage *grown;
		char *name = NULL;
		int r;

		if (!df_upper(in))
			return df_fail(c, in, WP_EINVALID, err, "unknown instruction: %s",
				       in->name);
		if (strcmp(in->cmd, "from") != 0) {
			if (c->n_stages == 0 && strcmp(in->cmd, "arg") != 0)
				return df_fail(
					c, in, WP_EINVALID, err,
					"%s before the first FROM: no build stage in current "
					"context",
					df_upper(in));
			continue;
		}
		r = parse_from(c, in, &platform, &words, &name, err);
		wp_strv_release(&words);
		if (r < 0)
			return r;
		grown = realloc(c->stages, (c->n_stages + 1) * sizeof(*grown));
		if (!grown) {
			free(name);
			return wp_error_oom(err);
		}
		c->stages = grown;
		c->stages[c->n_stages++] = (df_stage){i, name};
	}
	return 0;
}

/* ---- ARG ---- */

static int build_arg_or(const df_ctx *c, const char *key, const char *value, wp_kv *vars,
			wp_error **err)
{
	const char *given = c->build_args ? wp_kv_get(c->build_args, key) : NULL;

	return wp_kv_set(vars, key, given ? given : value, err);
}

/* The automatic ARGs of the global scope: the target is wasi/wasm. */
static int platform_args(df_ctx *c, wp_error **err)
{
	const char *stage = c->stages[c->n_stages - 1].name;
	const char *const args[][2] = {
		{"BUILDPLATFORM", "linux/" HOST_ARCH},
		{"BUILDOS", "linux"},
		{"BUILDOSVERSION", ""},
		{"BUILDARCH", HOST_ARCH},
		{"BUILDVARIANT", ""},
		{"TARGETPLATFORM", WP_DOCKERFILE_TARGET_OS "/" WP_DOCKERFILE_TARGET_ARCH},
		{"TARGETOS", WP_DOCKERFILE_TARGET_OS},
		{"TARGETOSVERSION", ""},
		{"TARGETARCH", WP_DOCKERFILE_TARGET_ARCH},
		{"TARGETVARIANT", ""},
		{"TARGETSTAGE", stage ? stage : "default"},
	};
	int r = 0;

	for (size_t i = 0; r == 0 && i < WP_ARRAY_SIZE(args); i++)
		r = build_arg_or(c, args[i][0], args[i][1], &c->global_args, err);
	return r;
}

/* ARG NAME[=default] ...: the value is the --build-arg, else the default
 * substituted, else (in a stage) the global ARG of that name; a name left
 * without one stays unset. Global ARGs go to global_args, a stage's to the
 * variables its instructions see. */
static int dispatch_arg(df_ctx *c, const df_instr *in, bool global, wp_error **err)
{
	wp_kv *vars = global ? &c->global_args : &c->vars;
	wp_strv words = {NULL, 0};
	int r = no_flags(c, in, err);

	if (r == 0)
		r = df_split_words(in->args, c->df->escape, &words, err);
	if (r == 0 && words.len == 0)
		r = df_fail(c, in, WP_EINVALID, err, "ARG requires at least one argument");
	for (size_t i = 0; r == 0 && i < words.len; i++) {
		const char *w = words.items[i], *eq = strchr(w, '='), *given;
		_cleanup_free_ char *key = eq ? strndup(w, (size_t)(eq - w)) : strdup(w);
		_cleanup_free_ char *value = NULL;

		if (!key) {
			r = wp_error_oom(err);
			break;
		}
		if (!*key) {
			r = df_fail(c, in, WP_EINVALID, err, "ARG names can not be blank");
			break;
		}
		given = c->build_args ? wp_kv_get(c->build_args, key) : NULL;
		if (!given && eq)
			r = expand_with(c, in, vars, eq + 1, &value, err);
		else if (!given && !global)
			given = wp_kv_get(&c->global_args, key);
		if (r == 0 && (given || value))
			r = wp_kv_set(vars, key, value ? value : given, err);
	}
	wp_strv_release(&words);
	return r;
}

/* ---- ENV and LABEL ---- */

static int add_pair(wp_kv *pairs, const char *key, size_t key_len, const char *value,
		    wp_error **err)
{
	_cleanup_free_ char *k = strndup(key, key_len);

	return k ? wp_kv_add(pairs, k, value, err) : wp_error_oom(err);
}

/* KEY=VALUE ... or the legacy KEY VALUE (all the rest the value), into
 * pairs as written. */
static int split_pairs(const df_ctx *c, const df_instr *in, wp_kv *pairs, wp_error **err)
{
	wp_strv words = {NULL, 0};
	int r = df_split_words(in->args, c->df->escape, &words, err);

	if (r == 0 && words.len == 0)
		r = df_fail(c, in, WP_EINVALID, err, "%s requires at least one argument",
			    df_upper(in));
	if (r == 0 && !strchr(words.items[0], '=')) {
		size_t key_len = strcspn(in->args, " \t\v\f\r");
		const char *value = in->args + key_len;

		if (!*value)
			r = df_fail(c, in, WP_EINVALID, err, "%s must have two arguments",
				    df_upper(in));
		else
			r = add_pair(pairs, in->args, key_len, value + strspn(value, " \t\v\f\r"),
				     err);
	} else {
		for (size_t i = 0; r == 0 && i < words.len; i++) {
			const char *w = words.items[i], *eq = strchr(w, '=');

			if (eq)
				r = add_pair(pairs, w, (size_t)(eq - w), eq + 1, err);
			else
				r = df_fail(c, in, WP_EINVALID, err,
					    "Syntax error - can't find = in \"%s\". Must be of the "
					    "form: name=value",
					    w);
		}
	}
	wp_strv_release(&words);
	return r;
}

/* ENV and LABEL: the pairs with keys and values substituted, all before
 * any is applied ("ENV A=1 B=$A" gives B the A from before). */
static int name_values(const df_ctx *c, const df_instr *in, wp_kv *out, wp_error **err)
{
	wp_kv pairs = {NULL, 0};
	int r = no_flags(c, in, err);

	if (r == 0)
		r = split_pairs(c, in, &pairs, err);
	for (size_t i = 0; r == 0 && i < pairs.len; i++) {
		_cleanup_free_ char *key = NULL;
		_cleanup_free_ char *value = NULL;

		if (!*pairs.items[i].key)
			r = df_fail(c, in, WP_EINVALID, err, "%s names can not be blank",
				    df_upper(in));
		if (r == 0)
			r = df_subst(c, in, pairs.items[i].key, &key, err);
		if (r == 0)
			r = df_subst(c, in, pairs.items[i].value, &value, err);
		if (r == 0)
			r = wp_kv_add(out, key, value, err);
	}
	wp_kv_release(&pairs);
	return r;
}

static int dispatch_env(df_ctx *c, const df_instr *in, wp_error **err)
{
	wp_kv pairs = {NULL, 0};
	int r = name_values(c, in, &pairs, err);

	for (size_t i = 0; r == 0 && i < pairs.len; i++) {
		r = wp_kv_set(&c->vars, pairs.items[i].key, pairs.items[i].value, err);
		if (r == 0)
			r = wp_kv_set(&c->env, pairs.items[i].key, pairs.items[i].value, err);
	}
	wp_kv_release(&pairs);
	return r;
}

static int dispatch_label(df_ctx *c, const df_instr *in, wp_error **err)
{
	wp_kv pairs = {NULL, 0};
	int r = name_values(c, in, &pairs, err);

	for (size_t i = 0; r == 0 && i < pairs.len; i++)
		r = wp_kv_set(&c->out.labels, pairs.items[i].key, pairs.items[i].value, err);
	wp_kv_release(&pairs);
	return r;
}

/* ---- EXPOSE ---- */

/* A port number as Go's ParseInt reads it (a sign allowed), 0 to 65535. */
static bool port_number(const char *s, size_t n, long *out)
{
	size_t i = n && (s[0] == '+' || s[0] == '-');
	long v = 0;

	if (i == n)
		return false;
	for (; i < n; i++) {
		if (!isdigit((unsigned char)s[i]) || v > 65535)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (s[0] == '-')
		v = -v;
	*out = v;
	return v >= 0 && v <= 65535;
}

/* "START[-END]" */
static bool port_range(const char *s, size_t n, long *start, long *end)
{
	const char *dash = memchr(s, '-', n);
	size_t first = dash ? (size_t)(dash - s) : n;

	if (!n || !port_number(s, first, start))
		return false;
	*end = *start;
	if (!dash || (n - first - 1 == first && memcmp(s, dash + 1, first) == 0))
		return true;
	return port_number(dash + 1, n - first - 1, end) && *end >= *start;
}

/* A host address before the ports, "[::1]" or "127.0.0.1". */
static bool ip_valid(const char *s, size_t n)
{
	char buf[64];
	unsigned char addr[16];

	if (n && s[0] == '[') {
		if (n < 2 || s[n - 1] != ']')
			return false;
		s++;
		n -= 2;
	}
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

/* [[IP:]HOSTPORT:]PORT[-END][/PROTO] (parsePort): each container port as
 * "N/proto", the protocol lowercased, tcp when none. */
static int expose_port(df_ctx *c, const df_instr *in, const char *raw, wp_error **err)
{
	const char *last = strrchr(raw, ':'), *port = last ? last + 1 : raw;
	const char *slash = strchr(port, '/'), *proto = slash ? slash + 1 : "";
	size_t port_len = slash ? (size_t)(slash - port) : strlen(port);
	long start, end, host_start, host_end;
	char lower[8] = "tcp";

	if (!port_len)
		return df_fail(c, in, WP_EINVALID, err, "invalid port: \"%s\": no port specified",
			       raw);
	if (*proto) {
		if (strlen(proto) >= sizeof(lower) ||
		    (strcasecmp(proto, "tcp") && strcasecmp(proto, "udp") &&
		     strcasecmp(proto, "sctp")))
			return df_fail(c, in, WP_EINVALID, err,
				       "invalid port: \"%s\": invalid proto: %s", raw, proto);
		for (size_t i = 0; i <= strlen(proto); i++)
			lower[i] = (char)tolower((unsigned char)proto[i]);
	}
	if (!port_range(port, port_len, &start, &end))
		return df_fail(c, in, WP_EINVALID, err, "invalid containerPort: %.*s",
			       (int)port_len, port);
	if (last) {
		const char *colon = memrchr(raw, ':', (size_t)(last - raw));
		const char *host = colon ? colon + 1 : raw;
		size_t host_len = (size_t)(last - host);

		if (colon && colon > raw && !ip_valid(raw, (size_t)(colon - raw)))
			return df_fail(c, in, WP_EINVALID, err, "invalid IP address: %.*s",
				       (int)(colon - raw), raw);
		if (host_len && !port_range(host, host_len, &host_start, &host_end))
			return df_fail(c, in, WP_EINVALID, err, "invalid hostPort: %.*s",
				       (int)host_len, host);
		if (host_len && end - start != host_end - host_start && end != start)
			return df_fail(c, in, WP_EINVALID, err,
				       "invalid ranges specified for container and host Ports: "
				       "%.*s and %.*s",
				       (int)port_len, port, (int)host_len, host);
	}
	for (long p = start; p <= end; p++) {
		char spec[32];
		int r;

		snprintf(spec, sizeof(spec), "%ld/%s", p, lower);
		if (wp_strv_contains(&c->out.exposed_ports, spec))
			continue;
		r = wp_strv_push(&c->out.exposed_ports, spec, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int dispatch_expose(df_ctx *c, const df_instr *in, wp_error **err)
{
	const df_shlex sh = {c->df->escape, false, false, false, &c->vars};
	wp_strv words = {NULL, 0}, ports = {NULL, 0};
	int r = no_flags(c, in, err);

	if (r == 0)
		r = df_split_whitespace(in->args, &words, err);
	if (r == 0 && words.len == 0)
		r = df_fail(c, in, WP_EINVALID, err, "EXPOSE requires at least one argument");
	/* a substituted port list splits into ports: EXPOSE $PORTS */
	for (size_t i = 0; r == 0 && i < words.len; i++)
		if (df_expand_words(&sh, words.items[i], &ports, err) < 0)
			r = df_at(c, in, err);
	for (size_t i = 0; r == 0 && i < ports.len; i++)
		r = expose_port(c, in, ports.items[i], err);
	wp_strv_release(&words);
	wp_strv_release(&ports);
	return r;
}

/* ---- USER, STOPSIGNAL, MAINTAINER ---- */

/* The whole rest as one argument, substituted or not. */
static int one_argument(const df_ctx *c, const df_instr *in, bool substitute, char **out,
			wp_error **err)
{
	int r = no_flags(c, in, err);

	if (r == 0 && !*in->args)
		r = df_fail(c, in, WP_EINVALID, err, "%s requires exactly one argument",
			    df_upper(in));
	if (r < 0)
		return r;
	if (substitute)
		return df_subst(c, in, in->args, out, err);
	return wp_strdup(out, in->args, err);
}

static void replace_str(char **field, char *value)
{
	free(*field);
	*field = value;
}

static int dispatch_user(df_ctx *c, const df_instr *in, wp_error **err)
{
	char *user = NULL;
	int r = one_argument(c, in, true, &user, err);

	if (r < 0)
		return r;
	/* Docker leaves an empty User out of the config */
	if (!*user) {
		free(user);
		user = NULL;
	}
	replace_str(&c->out.user, user);
	return 0;
}

/* moby/sys/signal's names, SIG prefix optional, as ParseSignal reads them. */
static bool signal_valid(const char *s)
{
	static const char *const names[] = {
		"ABRT", "ALRM",	  "BUS",  "CHLD",   "CLD",   "CONT", "FPE",  "HUP",   "ILL",
		"INT",	"IO",	  "IOT",  "KILL",   "PIPE",  "POLL", "PROF", "PWR",   "QUIT",
		"SEGV", "STKFLT", "STOP", "SYS",    "TERM",  "TRAP", "TSTP", "TTIN",  "TTOU",
		"URG",	"USR1",	  "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX",
	};
	char *end = NULL;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*s && !isspace((unsigned char)*s) && !*end && !errno)
		return n != 0;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < WP_ARRAY_SIZE(names); i++)
		if (strcasecmp(s, names[i]) == 0)
			return true;
	/* RTMIN+1 .. RTMIN+15, RTMAX-14 .. RTMAX-1 */
	if ((strncasecmp(s, "RTMIN+", 6) == 0 || strncasecmp(s, "RTMAX-", 6) == 0) &&
	    isdigit((unsigned char)s[6])) {
		n = strtol(s + 6, &end, 10);
		return !*end && s[6] != '0' && n >= 1 &&
		       n <= (toupper((unsigned char)s[4]) == 'I' ? 15 : 14);
	}
	return false;
}

static int dispatch_stopsignal(df_ctx *c, const df_instr *in, wp_error **err)
{
	char *sig = NULL;
	int r = one_argument(c, in, true, &sig, err);

	if (r < 0)
		return r;
	if (!signal_valid(sig)) {
		r = df_fail(c, in, WP_EINVALID, err, "invalid signal: %s", sig);
		free(sig);
		return r;
	}
	replace_str(&c->out.stop_signal, sig);
	return 0;
}

static int dispatch_maintainer(df_ctx *c, const df_instr *in, wp_error **err)
{
	char *author = NULL;
	int r = one_argument(c, in, false, &author, err);

	if (r == 0)
		replace_str(&c->out.author, author);
	return r;
}

/* ---- CMD and ENTRYPOINT ---- */

static void argv_release(wp_dockerfile_argv *a)
{
	wp_strv_release(&a->argv);
	*a = (wp_dockerfile_argv){0};
}

/* Exec form as given; shell form (anything that is not a JSON array of
 * strings) as ["/bin/sh", "-c", text]. An empty list is not recorded,
 * and ENTRYPOINT drops a CMD not set in this stage (dispatchEntrypoint). */
static int dispatch_cmdline(df_ctx *c, const df_instr *in, bool entrypoint, wp_error **err)
{
	wp_dockerfile_argv a = {false, false, in->line, {NULL, 0}};
	int r = no_flags(c, in, err);

	if (r < 0)
		return r;
	r = df_json_array(in->args, &a.argv, err);
	if (r < 0)
		return r == WP_ENOMEM ? r : df_at(c, in, err);
	if (r == 0) {
		a.shell_form = true;
		r = wp_strv_push(&a.argv, "/bin/sh", err);
		if (r == 0)
			r = wp_strv_push(&a.argv, "-c", err);
		if (r == 0)
			r = wp_strv_push(&a.argv, in->args, err);
		if (r < 0) {
			wp_strv_release(&a.argv);
			return r;
		}
	}
	a.set = a.argv.len > 0;
	if (entrypoint && !c->cmd_set)
		argv_release(&c->out.cmd);
	if (!entrypoint)
		c->cmd_set = true;
	argv_release(entrypoint ? &c->out.entrypoint : &c->out.cmd);
	*(entrypoint ? &c->out.entrypoint : &c->out.cmd) = a;
	return 0;
}

/* ---- the final stage ---- */

static int dispatch(df_ctx *c, const df_instr *in, wp_error **err)
{
	const char *cmd = in->cmd;

	for (size_t i = 0; i < WP_ARRAY_SIZE(refused); i++)
		if (strcmp(cmd, refused[i].cmd) == 0)
			return df_fail(c, in, WP_EUNSUPPORTED, err, "%s", refused[i].why);
	if (strcmp(cmd, "arg") == 0)
		return dispatch_arg(c, in, false, err);
	if (strcmp(cmd, "env") == 0)
		return dispatch_env(c, in, err);
	if (strcmp(cmd, "label") == 0)
		return dispatch_label(c, in, err);
	if (strcmp(cmd, "expose") == 0)
		return dispatch_expose(c, in, err);
	if (strcmp(cmd, "workdir") == 0)
		return df_dispatch_workdir(c, in, err);
	if (strcmp(cmd, "user") == 0)
		return dispatch_user(c, in, err);
	if (strcmp(cmd, "stopsignal") == 0)
		return dispatch_stopsignal(c, in, err);
	if (strcmp(cmd, "maintainer") == 0)
		return dispatch_maintainer(c, in, err);
	if (strcmp(cmd, "copy") == 0 || strcmp(cmd, "add") == 0)
		return df_dispatch_copy(c, in, strcmp(cmd, "add") == 0, err);
	return dispatch_cmdline(c, in, strcmp(cmd, "entrypoint") == 0, err);
}

/* The final FROM: substituted with the global ARGs, it must name scratch
 * and no earlier stage. */
static int final_from(df_ctx *c, wp_error **err)
{
	const df_stage *st = &c->stages[c->n_stages - 1];
	const df_instr *in = &c->df->instrs[st->instr];
	df_flag platform = {"platform", DF_FLAG_STRING, false, false, NULL, 0};
	wp_strv words = {NULL, 0};
	_cleanup_free_ char *name = NULL;
	_cleanup_free_ char *base = NULL;
	int r = parse_from(c, in, &platform, &words, &name, err);

	if (r == 0)
		r = expand_with(c, in, &c->global_args, words.items[0], &base, err);
	if (r == 0 && platform.value && *platform.value) {
		r = expand_with(c, in, &c->global_args, platform.value, &c->out.platform, err);
		if (r == 0 && !*c->out.platform)
			r = df_fail(c, in, WP_EINVALID, err,
				    "empty platform value from expression %s", platform.value);
	}
	if (r == 0 && !*base)
		r = df_fail(c, in, WP_EINVALID, err, "base name (%s) should not be blank",
			    words.items[0]);
	for (size_t i = 0; r == 0 && i + 1 < c->n_stages; i++)
		if (wp_str_eq(c->stages[i].name, base))
			r = df_fail(
				c, in, WP_EUNSUPPORTED, err,
				"the final stage is FROM %s, an earlier stage: only FROM scratch "
				"can be built without a container runtime",
				base);
	if (r == 0 && strcmp(base, "scratch") != 0)
		r = df_fail(c, in, WP_EUNSUPPORTED, err,
			    "the final stage is FROM %s: only FROM scratch can be built without a "
			    "container runtime",
			    base);
	wp_strv_release(&words);
	if (r < 0)
		return r;
	c->out.from_line = in->line;
	c->out.stage_name = TAKE_PTR(name);
	return 0;
}

/* What BuildKit starts a scratch stage with (emptyImage). */
static int scratch_state(df_ctx *c, wp_error **err)
{
	const char *path = &WP_DOCKERFILE_DEFAULT_PATH[strlen("PATH=")];
	int r = wp_kv_set(&c->vars, "PATH", path, err);

	if (r == 0)
		r = wp_kv_set(&c->env, "PATH", path, err);
	if (r == 0)
		r = wp_strdup(&c->out.workdir, "/", err);
	return r;
}

static int env_to_strv(const wp_kv *env, wp_strv *out, wp_error **err)
{
	for (size_t i = 0; i < env->len; i++) {
		_cleanup_free_ char *kv =
			wp_strdup_printf("%s=%s", env->items[i].key, env->items[i].value);
		int r = kv ? wp_strv_push(out, kv, err) : wp_error_oom(err);

		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_all(df_ctx *c, wp_error **err)
{
	size_t first, final;
	int r = find_stages(c, err);

	if (r < 0)
		return r;
	if (c->n_stages == 0)
		return wp_error_set(err, WP_EINVALID, "%s: dockerfile contains no stages to build",
				    c->file);
	first = c->stages[0].instr;
	final = c->stages[c->n_stages - 1].instr;
	r = platform_args(c, err);
	for (size_t i = 0; r == 0 && i < first; i++)
		r = dispatch_arg(c, &c->df->instrs[i], true, err);
	if (r == 0)
		r = final_from(c, err);
	if (r == 0)
		r = scratch_state(c, err);
	for (size_t i = final + 1; r == 0 && i < c->df->n; i++)
		r = dispatch(c, &c->df->instrs[i], err);
	if (r == 0)
		r = env_to_strv(&c->env, &c->out.env, err);
	return r;
}

int wp_dockerfile_parse(const char *text, size_t len, const char *filename, const wp_kv *build_args,
			const wp_kv *from_stages, wp_dockerfile *out, wp_error **err)
{
	df_file df = {'\\', NULL, 0};
	df_ctx c = {0};
	int r;

	c.file = filename ? filename : "Dockerfile";
	c.df = &df;
	c.build_args = build_args;
	c.from_stages = from_stages;
	if (len > WP_DOCKERFILE_MAX)
		return wp_error_set(err, WP_ELIMIT, "%s: larger than %u bytes", c.file,
				    WP_DOCKERFILE_MAX);
	r = df_lex(&df, text, len, c.file, err);
	if (r == 0)
		r = parse_all(&c, err);
	if (r == 0) {
		*out = c.out;
		c.out = (wp_dockerfile){0};
	}
	wp_dockerfile_release(&c.out);
	for (size_t i = 0; i < c.n_stages; i++)
		free(c.stages[i].name);
	free(c.stages);
	wp_kv_release(&c.global_args);
	wp_kv_release(&c.vars);
	wp_kv_release(&c.env);
	df_file_release(&df);
	return r;
}

void wp_dockerfile_release(wp_dockerfile *df)
{
	for (size_t i = 0; i < df->n_layers; i++)
		df_layer_release(&df->layers[i]);
	free(df->layers);
	free(df->stage_name);
	free(df->platform);
	argv_release(&df->entrypoint);
	argv_release(&df->cmd);
	wp_strv_release(&df->env);
	wp_kv_release(&df->labels);
	wp_strv_release(&df->exposed_ports);
	free(df->workdir);
	free(df->user);
	free(df->stop_signal);
	free(df->author);
	*df = (wp_dockerfile){0};
}
