/* oci/dockerfile: the final stage of Wasm Dockerfiles, read as BuildKit
 * reads them. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "../../oci/dockerfile.h"
#include "../../lib/common.h"

#define BUILDER_OUT "/ci/out/builder"

/* Parses text with the given build args and stage outputs (may be NULL). */
static wp_dockerfile parse_with(const char *text, const wp_kv *args, const wp_kv *stages)
{
	wp_dockerfile df = {0};
	wp_error *err = NULL;
	int r = wp_dockerfile_parse(text, strlen(text), "Dockerfile", args, stages, &df, &err);

	cr_assert_eq(r, 0, "unexpected failure %d: %s\n%s", r, err ? err->message : "", text);
	return df;
}

static wp_dockerfile parse(const char *text)
{
	return parse_with(text, NULL, NULL);
}

/* text fails with code and a message containing needle; out untouched. */
static void assert_refused_with(const char *text, const wp_kv *args, int code, const char *needle)
{
	wp_dockerfile df = {.from_line = 4242};
	wp_error *err = NULL;
	int r = wp_dockerfile_parse(text, strlen(text), "Dockerfile", args, NULL, &df, &err);

	assert_error_in(text, r, err, code, needle);
	cr_assert_eq(df.from_line, 4242, "out untouched on failure");
	cr_assert_null(df.layers);
}

static void assert_refused(const char *text, int code, const char *needle)
{
	assert_refused_with(text, NULL, code, needle);
}

/* v holds exactly the NULL-terminated list of strings. */
static void assert_strv_items(const wp_strv *v, const char *const *want, const char *what)
{
	size_t n = 0;

	while (want[n])
		n++;
	cr_assert_eq(v->len, n, "%s: %zu items, expected %zu (first: %s)", what, v->len, n,
		     v->len ? v->items[0] : "none");
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(v->items[i], want[i], "%s[%zu]", what, i);
}

#define assert_strv(v, ...) assert_strv_items((v), (const char *const[]){__VA_ARGS__, NULL}, #v)

static void assert_label(const wp_dockerfile *df, const char *key, const char *want)
{
	const char *got = wp_kv_get(&df->labels, key);

	cr_assert_not_null(got, "no label \"%s\"", key);
	cr_assert_str_eq(got, want, "label \"%s\"", key);
}

/* The only layer is a COPY of one source to dest. */
static void assert_one_copy(const wp_dockerfile *df, const char *src, const char *dest)
{
	cr_assert_eq(df->n_layers, 1, "%zu layers", df->n_layers);
	cr_assert_eq(df->layers[0].kind, WP_DOCKERFILE_COPY);
	assert_strv(&df->layers[0].sources, src);
	cr_assert_str_eq(df->layers[0].dest, dest);
}

static void kv(wp_kv *k, const char *key, const char *value)
{
	test_kv_set(k, key, value);
}

static void put_str(wp_buf *b, const char *s)
{
	wp_error *err = NULL;
	int r = wp_buf_append_str(b, s, &err);

	assert_ok(r, err);
}

/* ---- the seed shapes ---- */

Test(dockerfile, multi_stage_rust_builder)
{
	static const char text[] =
		"# syntax=docker/dockerfile:1\n"
		"FROM rust:1.82 AS builder\n"
		"RUN rustup target add wasm32-wasip1\n"
		"WORKDIR /app\n"
		"COPY . .\n"
		"RUN cargo build --target wasm32-wasip1 --release\n"
		"\n"
		"FROM scratch\n"
		"COPY --from=builder /app/target/wasm32-wasip1/release/app.wasm /app.wasm\n"
		"ENTRYPOINT [\"/app.wasm\"]\n";
	wp_kv stages = {NULL, 0};
	wp_dockerfile df;

	kv(&stages, "builder", BUILDER_OUT);
	df = parse_with(text, NULL, &stages);
	cr_assert_eq(df.from_line, 8);
	cr_assert_null(df.stage_name);
	cr_assert_eq(df.n_layers, 1);
	cr_assert_eq(df.layers[0].kind, WP_DOCKERFILE_COPY);
	cr_assert_eq(df.layers[0].line, 9);
	assert_strv(&df.layers[0].sources, "/app/target/wasm32-wasip1/release/app.wasm");
	cr_assert_str_eq(df.layers[0].dest, "/app.wasm");
	cr_assert_str_eq(df.layers[0].from_stage, "builder");
	cr_assert_str_eq(df.layers[0].from_stage_path, BUILDER_OUT);
	cr_assert_not(df.layers[0].has_chmod);
	cr_assert_null(df.layers[0].chown);
	cr_assert(df.entrypoint.set);
	cr_assert_not(df.entrypoint.shell_form);
	cr_assert_eq(df.entrypoint.line, 10);
	assert_strv(&df.entrypoint.argv, "/app.wasm");
	cr_assert_not(df.cmd.set);
	/* what BuildKit gives every scratch image */
	assert_strv(&df.env, WP_DOCKERFILE_DEFAULT_PATH);
	cr_assert_str_eq(df.workdir, "/");
	cr_assert_null(df.user);
	cr_assert_eq(df.labels.len, 0);
	cr_assert_eq(df.exposed_ports.len, 0);
	wp_dockerfile_release(&df);
	wp_kv_release(&stages);
}

Test(dockerfile, single_stage_hello)
{
	wp_dockerfile df = parse("FROM scratch\n"
				 "COPY hello.wasm /hello.wasm\n"
				 "ENTRYPOINT [\"/hello.wasm\"]\n");

	cr_assert_eq(df.from_line, 1);
	assert_one_copy(&df, "hello.wasm", "/hello.wasm");
	cr_assert_null(df.layers[0].from_stage);
	cr_assert_null(df.layers[0].from_stage_path);
	cr_assert_eq(df.layers[0].line, 2);
	assert_strv(&df.entrypoint.argv, "/hello.wasm");
	wp_dockerfile_release(&df);
}

Test(dockerfile, every_config_field)
{
	static const char text[] = "ARG VERSION=0.1.0\n"
				   "FROM scratch AS Runtime\n"
				   "ARG VERSION\n"
				   "ARG PORT=8080\n"
				   "ARG MODE=debug\n"
				   "LABEL org.opencontainers.image.version=$VERSION \\\n"
				   "      org.opencontainers.image.title=\"hello app\"\n"
				   "ENV RUST_LOG=info APP_MODE=${MODE}\n"
				   "WORKDIR /srv\n"
				   "COPY --chmod=0755 app.wasm .\n"
				   "EXPOSE ${PORT} 9090/udp\n"
				   "USER 1000:1000\n"
				   "STOPSIGNAL SIGTERM\n"
				   "MAINTAINER Jane <jane@example.com>\n"
				   "ENTRYPOINT [\"/srv/app.wasm\"]\n"
				   "CMD [\"--serve\", \"0.0.0.0:${PORT}\"]\n";
	wp_kv args = {NULL, 0};
	wp_dockerfile df;

	kv(&args, "MODE", "release");
	kv(&args, "UNDECLARED", "ignored");
	df = parse_with(text, &args, NULL);
	cr_assert_eq(df.from_line, 2);
	cr_assert_str_eq(df.stage_name, "runtime");
	assert_label(&df, "org.opencontainers.image.version", "0.1.0");
	assert_label(&df, "org.opencontainers.image.title", "hello app");
	cr_assert_eq(df.labels.len, 2);
	assert_strv(&df.env, WP_DOCKERFILE_DEFAULT_PATH, "RUST_LOG=info", "APP_MODE=release");
	cr_assert_str_eq(df.workdir, "/srv");
	/* WORKDIR's directory, then the copy */
	cr_assert_eq(df.n_layers, 2);
	cr_assert_eq(df.layers[0].kind, WP_DOCKERFILE_MKDIR);
	cr_assert_str_eq(df.layers[0].dest, "/srv");
	cr_assert_eq(df.layers[0].line, 9);
	cr_assert_eq(df.layers[1].kind, WP_DOCKERFILE_COPY);
	cr_assert_str_eq(df.layers[1].dest, "/srv/");
	cr_assert(df.layers[1].has_chmod);
	cr_assert_eq(df.layers[1].chmod, 0755);
	assert_strv(&df.exposed_ports, "8080/tcp", "9090/udp");
	cr_assert_str_eq(df.user, "1000:1000");
	cr_assert_str_eq(df.stop_signal, "SIGTERM");
	cr_assert_str_eq(df.author, "Jane <jane@example.com>");
	assert_strv(&df.entrypoint.argv, "/srv/app.wasm");
	/* no substitution in exec-form CMD */
	cr_assert(df.cmd.set);
	assert_strv(&df.cmd.argv, "--serve", "0.0.0.0:${PORT}");
	wp_dockerfile_release(&df);
	wp_kv_release(&args);
}

/* ---- lexing ---- */

Test(dockerfile, continuations_comments_and_blank_lines)
{
	wp_dockerfile df = parse("# leading comment\n"
				 "\n"
				 "from scratch\n"
				 "   # indented comment\n"
				 "LABEL a=1 \\\n"
				 "# a comment inside the continuation\n"
				 "\n"
				 "      b=2 \\   \n"
				 "  c=3\n"
				 "copy \\\n"
				 "  x.wasm \\\n"
				 "  /x.wasm\n"
				 "EnTrYpOiNt [\"/x.wasm\"]\n");

	cr_assert_eq(df.from_line, 3);
	assert_label(&df, "a", "1");
	assert_label(&df, "b", "2");
	assert_label(&df, "c", "3");
	assert_one_copy(&df, "x.wasm", "/x.wasm");
	cr_assert_eq(df.layers[0].line, 10, "the first line of the instruction");
	wp_dockerfile_release(&df);
}

Test(dockerfile, continuation_joins_without_space)
{
	/* Docker joins the lines as they are: "LABEL x=ab" */
	wp_dockerfile df = parse("FROM scratch\nLABEL x=a\\\nb y=\"c d\"\\\n\n");

	assert_label(&df, "x", "ab");
	assert_label(&df, "y", "c d");
	wp_dockerfile_release(&df);
}

Test(dockerfile, escape_directive_backtick)
{
	wp_dockerfile df = parse("# escape=`\n"
				 "FROM scratch\n"
				 "COPY app.wasm `\n"
				 "     C:\\app\\\n"
				 "LABEL path=C:\\dir `\n"
				 "      quoted=\"a`\"b\"\n"
				 "ENV MSG=\\$HOME\n");

	/* the backslash is an ordinary character now */
	assert_one_copy(&df, "app.wasm", "/C:\\app\\");
	assert_label(&df, "path", "C:\\dir");
	assert_label(&df, "quoted", "a\"b");
	assert_strv(&df.env, WP_DOCKERFILE_DEFAULT_PATH, "MSG=\\");
	wp_dockerfile_release(&df);
}

Test(dockerfile, directives_only_at_the_top)
{
	wp_dockerfile df;

	/* after a comment the escape line is a comment too */
	df = parse("# hello\n# escape=`\nFROM scratch\nLABEL a=x\\\n  b=y\n");
	assert_label(&df, "a", "x");
	assert_label(&df, "b", "y");
	wp_dockerfile_release(&df);
	/* case-insensitive names, blanks around '=', unknown ones end them */
	df = parse("#  ESCAPE = `\n#check=skip=all\n# syntax=x\nFROM scratch\nLABEL a=1 `\n b=2\n");
	assert_label(&df, "b", "2");
	wp_dockerfile_release(&df);
	df = parse("\xef\xbb\xbf# escape=`\r\nFROM scratch\r\nLABEL a=1 `\r\n b=2\r\n");
	assert_label(&df, "a", "1");
	assert_label(&df, "b", "2");
	wp_dockerfile_release(&df);
}

Test(dockerfile, directive_errors)
{
	assert_refused("# escape=`\n# escape=\\\nFROM scratch\n", WP_EINVALID,
		       "Dockerfile:2: only one escape parser directive can be used");
	assert_refused("# escape=x\nFROM scratch\n", WP_EINVALID,
		       "Dockerfile:1: invalid escape token 'x' does not match ` or \\");
}

Test(dockerfile, heredoc_in_an_earlier_stage_is_skipped)
{
	static const char text[] = "FROM alpine AS build\n"
				   "RUN <<EOF\n"
				   "FROM nothing\n"
				   "RUN not an instruction\n"
				   "EOF\n"
				   "RUN cat <<-'END' >/out && \\\n"
				   "    echo done\n"
				   "\tFROM inside\n"
				   "\tEND\n"
				   "COPY <<A <<B /dir/\n"
				   "a\n"
				   "A\n"
				   "b\n"
				   "B\n"
				   "FROM scratch\n"
				   "COPY --from=build /out /out\n";
	wp_kv stages = {NULL, 0};
	wp_dockerfile df;

	kv(&stages, "BUILD", BUILDER_OUT);
	df = parse_with(text, NULL, &stages);
	cr_assert_eq(df.from_line, 15);
	assert_one_copy(&df, "/out", "/out");
	cr_assert_str_eq(df.layers[0].from_stage_path, BUILDER_OUT);
	wp_dockerfile_release(&df);
	wp_kv_release(&stages);
}

Test(dockerfile, heredoc_unterminated)
{
	assert_refused("FROM alpine\nRUN <<EOF\necho\n", WP_EINVALID,
		       "Dockerfile:2: unterminated heredoc");
}

/* ---- substitution ---- */

Test(dockerfile, variable_forms)
{
	static const char text[] =
		"FROM scratch\n"
		"ENV SET=value EMPTY=\n"
		"LABEL plain=$SET braces=${SET}x unset=[$NOPE] \\\n"
		"  d1=${NOPE:-def} d2=${EMPTY:-def} d3=${EMPTY-def} d4=${SET:-def} \\\n"
		"  a1=${SET:+alt} a2=${EMPTY:+alt} a3=${EMPTY+alt} a4=${NOPE+alt} \\\n"
		"  esc=\\$SET esc2=\\${SET} single='$SET' double=\"$SET x\" \\\n"
		"  nested=${NOPE:-${SET}_2} dollar=a$ path=$PATH \\\n"
		"  pre=${SET#v*l} pre2=${SET##*l} suf=${SET%a*} suf2=${SET%%a*} \\\n"
		"  rep=${SET/l/L} repall=${SET//[aeu]/_} rep2=${SET//?/x}\n";
	static const char *const want[][2] = {
		{"plain", "value"},
		{"braces", "valuex"},
		{"unset", "[]"},
		{"d1", "def"},
		{"d2", "def"},
		{"d3", ""},
		{"d4", "value"},
		{"a1", "alt"},
		{"a2", ""},
		{"a3", "alt"},
		{"a4", ""},
		{"esc", "$SET"},
		{"esc2", "${SET}"},
		{"single", "$SET"},
		{"double", "value x"},
		{"nested", "value_2"},
		{"dollar", "a$"},
		{"path", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		{"pre", "ue"},
		{"pre2", "ue"},
		{"suf", "v"},
		{"suf2", "v"},
		{"rep", "vaLue"},
		/* '[' is no bracket expression in BuildKit's patterns */
		{"repall", "value"},
		{"rep2", "xxxxx"},
	};
	wp_dockerfile df = parse(text);

	for (size_t i = 0; i < WP_ARRAY_SIZE(want); i++)
		assert_label(&df, want[i][0], want[i][1]);
	wp_dockerfile_release(&df);
}

Test(dockerfile, unicode_names_and_spaces)
{
	/* Go's unicode.IsLetter and IsSpace: "$caf\u00e9" is one name, a
	 * no-break space splits ENV words, "\u2026" ends a name */
	wp_dockerfile df = parse("FROM scratch\n"
				 "ENV caf\xc3\xa9=1 A=x\xc2\xa0"
				 "B=y\n"
				 "LABEL a=[$caf\xc3\xa9] b=$B\xe2\x80\xa6 c=$A\xc3\xa9\n");

	assert_strv(&df.env, WP_DOCKERFILE_DEFAULT_PATH, "caf\xc3\xa9=1", "A=x", "B=y");
	assert_label(&df, "a", "[1]");
	assert_label(&df, "b", "y\xe2\x80\xa6");
	assert_label(&df, "c", "");
	wp_dockerfile_release(&df);
}

Test(dockerfile, expose_splits_like_buildkit)
{
	/* BuildKit's nested ${...} empties the word being split, so
	 * "8${X:-0}80" gives "080"; wasmpack keeps that output */
	wp_dockerfile df = parse("FROM scratch\nEXPOSE 8${X:-0}80 ${X:-1}\n");

	assert_strv(&df.exposed_ports, "80/tcp", "1/tcp");
	wp_dockerfile_release(&df);
}

Test(dockerfile, substitution_errors)
{
	assert_refused("FROM scratch\nENV A=${NOPE:?must_be_set}\n", WP_EINVALID,
		       "Dockerfile:2: failed to process \"${NOPE:?must_be_set}\": NOPE: "
		       "must_be_set");
	assert_refused("FROM scratch\nENV E=\nENV A=\"${E:?}\"\n", WP_EINVALID,
		       "E: is not allowed to be empty");
	assert_refused("FROM scratch\n\nUSER ${A\n", WP_EINVALID,
		       "Dockerfile:3: failed to process \"${A\": syntax error: missing '}'");
	assert_refused("FROM scratch\nWORKDIR ${}\n", WP_EINVALID, "bad substitution");
	assert_refused("FROM scratch\nLABEL a=\"open\n", WP_EINVALID,
		       "unexpected end of statement while looking for matching double-quote");
	assert_refused("FROM scratch\nLABEL a=${B:#x}\n", WP_EINVALID,
		       "unsupported modifier (:#) in substitution");
}

/* ---- ENV and LABEL ---- */

Test(dockerfile, env_forms)
{
	wp_dockerfile df = parse("FROM scratch\n"
				 "ENV LEGACY   hello   big  world\n"
				 "ENV QUOTED=\"a b\" SINGLE='c $d' ESCAPED=e\\ f\n"
				 "ENV A=1\n"
				 "ENV A=2 B=$A\n"
				 "ENV PATH=/bin:$PATH\n"
				 "ENV LEGACYQ \"quoted value\"\n");

	/* PATH stays first, replaced in place; B saw the A from before */
	assert_strv(&df.env,
		    "PATH=/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		    "LEGACY=hello   big  world", "QUOTED=a b", "SINGLE=c $d", "ESCAPED=e f", "A=2",
		    "B=1", "LEGACYQ=quoted value");
	wp_dockerfile_release(&df);
}

Test(dockerfile, label_forms)
{
	wp_dockerfile df = parse("FROM scratch\n"
				 "LABEL \"com.example.vendor\"=\"ACME Inc\" version=1.0\n"
				 "LABEL description=\"multi\\\n"
				 "line\"\n"
				 "LABEL legacy value with spaces\n"
				 "LABEL version=2.0\n");

	assert_label(&df, "com.example.vendor", "ACME Inc");
	assert_label(&df, "description", "multiline");
	assert_label(&df, "legacy", "value with spaces");
	cr_assert_str_eq(df.labels.items[1].key, "version", "replaced in place");
	assert_label(&df, "version", "2.0");
	wp_dockerfile_release(&df);
}

Test(dockerfile, env_and_label_errors)
{
	assert_refused("FROM scratch\nENV ONLY\n", WP_EINVALID,
		       "Dockerfile:2: ENV must have two arguments");
	assert_refused("FROM scratch\nENV A=1 B\n", WP_EINVALID,
		       "Dockerfile:2: Syntax error - can't find = in \"B\"");
	assert_refused("FROM scratch\nLABEL =x\n", WP_EINVALID,
		       "Dockerfile:2: LABEL names can not be blank");
	assert_refused("FROM scratch\nLABEL\n", WP_EINVALID,
		       "Dockerfile:2: LABEL requires at least one argument");
	assert_refused("FROM scratch\nENV --x=1 A=b\n", WP_EINVALID,
		       "Dockerfile:2: unknown flag: --x");
}

/* ---- ARG ---- */

Test(dockerfile, arg_scopes)
{
	static const char text[] =
		"ARG BASE=scratch\n"
		"ARG GLOBAL=g\n"
		"ARG NODEFAULT\n"
		"FROM ${BASE}\n"
		"LABEL before=[$GLOBAL]\n"
		"ARG GLOBAL\n"
		"ARG LOCAL=l-$GLOBAL OVERRIDDEN=default\n"
		"ARG NODEFAULT TARGETARCH TARGETPLATFORM\n"
		"LABEL after=$GLOBAL local=$LOCAL over=$OVERRIDDEN nd=[$NODEFAULT] \\\n"
		"      arch=$TARGETARCH platform=$TARGETPLATFORM\n"
		"ENV FROM_ARG=$LOCAL\n";
	wp_kv args = {NULL, 0};
	wp_dockerfile df;

	kv(&args, "OVERRIDDEN", "given");
	df = parse_with(text, &args, NULL);
	/* global ARGs need redeclaring to be seen in a stage */
	assert_label(&df, "before", "[]");
	assert_label(&df, "after", "g");
	assert_label(&df, "local", "l-g");
	assert_label(&df, "over", "given");
	assert_label(&df, "nd", "[]");
	assert_label(&df, "arch", "wasm");
	assert_label(&df, "platform", "wasi/wasm");
	/* ARGs are not in the image's environment */
	assert_strv(&df.env, WP_DOCKERFILE_DEFAULT_PATH, "FROM_ARG=l-g");
	wp_dockerfile_release(&df);
	wp_kv_release(&args);
}

Test(dockerfile, build_arg_picks_the_base)
{
	static const char text[] = "ARG BASE=alpine:3\nFROM $BASE\nCOPY a /a\n";
	wp_kv args = {NULL, 0};
	wp_dockerfile df;

	assert_refused(text, WP_EUNSUPPORTED, "Dockerfile:2: the final stage is FROM alpine:3");
	kv(&args, "BASE", "scratch");
	df = parse_with(text, &args, NULL);
	assert_one_copy(&df, "a", "/a");
	wp_dockerfile_release(&df);
	wp_kv_release(&args);
}

Test(dockerfile, arg_errors)
{
	assert_refused("FROM scratch\nARG =x\n", WP_EINVALID,
		       "Dockerfile:2: ARG names can not be blank");
	assert_refused("FROM scratch\nARG\n", WP_EINVALID,
		       "Dockerfile:2: ARG requires at least one argument");
	assert_refused("ARG B\nFROM $B\n", WP_EINVALID,
		       "Dockerfile:2: base name ($B) should not be blank");
}

/* ---- WORKDIR and COPY destinations ---- */

Test(dockerfile, workdir_chaining_and_relative_dest)
{
	wp_dockerfile df = parse("FROM scratch\n"
				 "COPY a.wasm .\n"
				 "WORKDIR /a\n"
				 "WORKDIR b\n"
				 "COPY b.wasm c/\n"
				 "COPY b.wasm ../x.wasm\n"
				 "WORKDIR ../c/./d/\n"
				 "COPY [\"one\", \"two\", \".\"]\n"
				 "WORKDIR /abs/../kept/\n"
				 "COPY x sub/.\n"
				 "WORKDIR /\n"
				 "COPY x /y//z/../w\n");

	cr_assert_str_eq(df.workdir, "/");
	cr_assert_eq(df.n_layers, 10);
	cr_assert_str_eq(df.layers[0].dest, "/");
	cr_assert_eq(df.layers[1].kind, WP_DOCKERFILE_MKDIR);
	cr_assert_str_eq(df.layers[1].dest, "/a");
	cr_assert_eq(df.layers[2].kind, WP_DOCKERFILE_MKDIR);
	cr_assert_str_eq(df.layers[2].dest, "/a/b");
	cr_assert_str_eq(df.layers[3].dest, "/a/b/c/");
	cr_assert_str_eq(df.layers[4].dest, "/a/x.wasm");
	cr_assert_str_eq(df.layers[5].dest, "/a/c/d");
	assert_strv(&df.layers[6].sources, "one", "two");
	cr_assert_str_eq(df.layers[6].dest, "/a/c/d/");
	/* an absolute WORKDIR is recorded as written, its directory cleaned */
	cr_assert_str_eq(df.layers[7].dest, "/kept");
	cr_assert_str_eq(df.layers[8].dest, "/kept/sub/");
	/* WORKDIR / adds no layer; an absolute destination is cleaned */
	cr_assert_eq(df.layers[9].kind, WP_DOCKERFILE_COPY);
	cr_assert_str_eq(df.layers[9].dest, "/y/w");
	wp_dockerfile_release(&df);
	df = parse("FROM scratch\nWORKDIR /abs/../kept/\n");
	cr_assert_str_eq(df.workdir, "/abs/../kept/", "the config has it as written");
	wp_dockerfile_release(&df);
}

Test(dockerfile, workdir_layer_owner_and_root)
{
	wp_dockerfile df = parse("FROM scratch\nWORKDIR /\nUSER 1000\nENV D=/data\nWORKDIR $D\n"
				 "USER \"\"\n");

	cr_assert_eq(df.n_layers, 1);
	cr_assert_str_eq(df.layers[0].dest, "/data");
	cr_assert_str_eq(df.layers[0].chown, "1000");
	cr_assert_null(df.user, "an empty USER is left out");
	wp_dockerfile_release(&df);
	assert_refused("FROM scratch\nWORKDIR\n", WP_EINVALID,
		       "Dockerfile:2: WORKDIR requires exactly one argument");
}

/* ---- COPY and ADD ---- */

Test(dockerfile, copy_flags_and_forms)
{
	wp_dockerfile df = parse("FROM scratch\n"
				 "ARG UID=1001\n"
				 "COPY --chown=${UID}:app --chmod=644 --link a b /dst/\n"
				 "COPY [\"with space.wasm\", \"/w s.wasm\"]\n"
				 "ADD local.tar.gz /\n"
				 "ADD --unpack=false --chmod=0400 --link=false data.tar /data.tar\n"
				 "COPY --from= ctx.wasm /ctx.wasm\n"
				 "COPY -- --odd /odd\n");

	cr_assert_eq(df.n_layers, 6);
	assert_strv(&df.layers[0].sources, "a", "b");
	cr_assert_str_eq(df.layers[0].dest, "/dst/");
	cr_assert_str_eq(df.layers[0].chown, "1001:app");
	cr_assert_eq(df.layers[0].chmod, 0644);
	cr_assert(df.layers[0].link);
	cr_assert_not(df.layers[0].unpack);
	assert_strv(&df.layers[1].sources, "with space.wasm");
	cr_assert_str_eq(df.layers[1].dest, "/w s.wasm");
	cr_assert_eq(df.layers[2].kind, WP_DOCKERFILE_ADD);
	cr_assert(df.layers[2].unpack, "ADD unpacks local archives");
	cr_assert_not(df.layers[3].unpack);
	cr_assert_not(df.layers[3].link);
	cr_assert_eq(df.layers[3].chmod, 0400);
	cr_assert_null(df.layers[4].from_stage, "an empty --from is the context");
	assert_strv(&df.layers[5].sources, "--odd");
	wp_dockerfile_release(&df);
}

Test(dockerfile, copy_from_stage_by_name_or_index)
{
	static const char text[] = "FROM alpine\nRUN make\n"
				   "FROM alpine AS Tools\nRUN make tools\n"
				   "FROM scratch\n"
				   "COPY --from=0 /a /a\n"
				   "COPY --from=TOOLS /t /t\n";
	wp_kv stages = {NULL, 0};
	wp_dockerfile df;

	kv(&stages, "0", "/out/first");
	kv(&stages, "tools", "/out/tools");
	df = parse_with(text, NULL, &stages);
	cr_assert_eq(df.n_layers, 2);
	cr_assert_str_eq(df.layers[0].from_stage, "0");
	cr_assert_str_eq(df.layers[0].from_stage_path, "/out/first");
	cr_assert_str_eq(df.layers[1].from_stage, "TOOLS");
	cr_assert_str_eq(df.layers[1].from_stage_path, "/out/tools");
	wp_dockerfile_release(&df);
	wp_kv_release(&stages);
}

/* ---- CMD and ENTRYPOINT ---- */

Test(dockerfile, shell_form_entrypoint)
{
	/* the text trimmed, spaces inside kept, no substitution: the shell's */
	wp_dockerfile df =
		parse("FROM scratch\nENV A=1\nENTRYPOINT   /app.wasm --flag  $A \"${A}\" \n");

	cr_assert(df.entrypoint.set);
	cr_assert(df.entrypoint.shell_form);
	cr_assert_eq(df.entrypoint.line, 3);
	assert_strv(&df.entrypoint.argv, "/bin/sh", "-c", "/app.wasm --flag  $A \"${A}\"");
	wp_dockerfile_release(&df);
}

Test(dockerfile, malformed_json_is_shell_form)
{
	wp_dockerfile df = parse("FROM scratch\n"
				 "ENTRYPOINT [\"/app.wasm\", 'single']\n"
				 "CMD [\"unterminated\"\n");

	cr_assert(df.entrypoint.shell_form);
	assert_strv(&df.entrypoint.argv, "/bin/sh", "-c", "[\"/app.wasm\", 'single']");
	cr_assert(df.cmd.shell_form);
	assert_strv(&df.cmd.argv, "/bin/sh", "-c", "[\"unterminated\"");
	wp_dockerfile_release(&df);
	assert_refused("FROM scratch\nCMD [\"a\", 1]\n", WP_EINVALID,
		       "Dockerfile:2: when using JSON array syntax, arrays must be comprised of "
		       "strings only");
}

Test(dockerfile, cmd_and_entrypoint_order)
{
	wp_dockerfile df;

	/* CMD set in the stage survives a later ENTRYPOINT (cmdSet) */
	df = parse("FROM scratch\nCMD [\"--a\"]\nENTRYPOINT [\"/e.wasm\"]\n");
	assert_strv(&df.cmd.argv, "--a");
	assert_strv(&df.entrypoint.argv, "/e.wasm");
	wp_dockerfile_release(&df);
	df = parse("FROM scratch\nENTRYPOINT [\"/e.wasm\"]\nCMD [\"--b\"]\nCMD [\"--c\"]\n");
	assert_strv(&df.cmd.argv, "--c");
	cr_assert_eq(df.cmd.line, 4);
	wp_dockerfile_release(&df);
	/* an empty list is left out of the config; an empty shell form is not */
	df = parse("FROM scratch\nENTRYPOINT []\nCMD\n");
	cr_assert_not(df.entrypoint.set);
	cr_assert(df.cmd.set);
	assert_strv(&df.cmd.argv, "/bin/sh", "-c", "");
	wp_dockerfile_release(&df);
}

/* ---- EXPOSE, STOPSIGNAL ---- */

Test(dockerfile, expose_forms)
{
	wp_dockerfile df =
		parse("FROM scratch\n"
		      "ENV PORTS=\"443 8443/TCP\"\n"
		      "EXPOSE 80 8080/udp $PORTS 80/tcp 7000-7002/sctp 127.0.0.1:9000:90\n");

	assert_strv(&df.exposed_ports, "80/tcp", "8080/udp", "443/tcp", "8443/tcp", "7000/sctp",
		    "7001/sctp", "7002/sctp", "90/tcp");
	wp_dockerfile_release(&df);
	assert_refused("FROM scratch\nEXPOSE 80/xtp\n", WP_EINVALID, "invalid proto: xtp");
	assert_refused("FROM scratch\nEXPOSE 70000\n", WP_EINVALID,
		       "Dockerfile:2: invalid containerPort: 70000");
	assert_refused("FROM scratch\nEXPOSE 9-8\n", WP_EINVALID, "invalid containerPort: 9-8");
	assert_refused("FROM scratch\nEXPOSE\n", WP_EINVALID,
		       "EXPOSE requires at least one argument");
}

Test(dockerfile, stop_signals)
{
	static const char *const good[] = {"SIGKILL", "term", "9", "SIGRTMIN+3", "RTMAX-1"};

	for (size_t i = 0; i < WP_ARRAY_SIZE(good); i++) {
		char text[64];
		wp_dockerfile df;

		snprintf(text, sizeof(text), "FROM scratch\nSTOPSIGNAL %s\n", good[i]);
		df = parse(text);
		cr_assert_str_eq(df.stop_signal, good[i]);
		wp_dockerfile_release(&df);
	}
	assert_refused("FROM scratch\nSTOPSIGNAL SIGNOPE\n", WP_EINVALID,
		       "Dockerfile:2: invalid signal: SIGNOPE");
	assert_refused("FROM scratch\nSTOPSIGNAL 0\n", WP_EINVALID, "invalid signal: 0");
}

/* ---- refusals, each with its line ---- */

Test(dockerfile, refusals)
{
	static const struct {
		const char *text;
		int code;
		const char *needle;
	} bad[] = {
		{"FROM scratch\nCOPY a /a\n\nRUN echo hi\n", WP_EUNSUPPORTED,
		 "Dockerfile:4: RUN cannot be built without a container runtime"},
		{"FROM scratch\nCOPY <<EOF /hello.txt\nhello\nEOF\nCMD [\"x\"]\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: heredocs (<<EOF) are not supported"},
		{"FROM scratch\nCOPY [\"<<EOF\", \"/x\"]\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: heredocs (<<EOF) are not supported"},
		{"FROM scratch\nADD http://example.com/app.wasm /app.wasm\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: ADD of a URL (http://example.com/app.wasm) cannot be built "
		 "offline"},
		{"FROM scratch\nADD git@github.com:acme/app.git /src\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: ADD of a Git repository (git@github.com:acme/app.git)"},
		{"FROM scratch\nADD https://github.com/acme/app.git#v1 /src\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: ADD of a Git repository"},
		{"FROM scratch\nCOPY https://example.com/x /x\n", WP_EINVALID,
		 "Dockerfile:2: source can't be a URL for COPY"},
		{"FROM rust AS builder\nRUN cargo build\nFROM scratch\n"
		 "COPY --from=builder /app.wasm /\n",
		 WP_EUNSUPPORTED,
		 "Dockerfile:4: COPY --from=builder needs --from-stage builder=PATH"},
		{"FROM scratch\nCOPY --from=unknown /a /a\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: COPY --from=unknown copies from an image"},
		{"FROM scratch\nCOPY --from=alpine:3 /bin/sh /sh\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: COPY --from=alpine:3 copies from an image, which cannot be pulled "
		 "here: give its files with --from-stage alpine:3=PATH"},
		{"FROM scratch\nCOPY --from=$X /a /a\n", WP_EINVALID,
		 "Dockerfile:2: variable expansion is not supported for --from"},
		{"FROM scratch AS last\nCOPY --from=last /a /a\n", WP_EINVALID,
		 "cannot copy from stage \"last\", it needs to be defined before current stage"},
		{"FROM scratch\nCOPY --from=3 /a /a\n", WP_EINVALID,
		 "Dockerfile:2: invalid stage index 3"},
		{"FROM scratch\n\nFROM alpine\nCOPY a /a\n", WP_EUNSUPPORTED,
		 "Dockerfile:3: the final stage is FROM alpine: only FROM scratch can be built "
		 "without a container runtime"},
		{"FROM alpine AS scratch\nFROM scratch\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: the final stage is FROM scratch, an earlier stage"},
		{"FROM scratch\nCOPY a /a\nFOO bar\n", WP_EINVALID,
		 "Dockerfile:3: unknown instruction: FOO"},
		{"FROM alpine\nRUNN make\nFROM scratch\n", WP_EINVALID,
		 "Dockerfile:2: unknown instruction: RUNN"},
		{"FROM scratch\nSHELL [\"/bin/bash\", \"-c\"]\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: SHELL cannot be built"},
		{"FROM scratch\nVOLUME /data\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: VOLUME is not supported"},
		{"FROM scratch\nONBUILD COPY a /a\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: ONBUILD is not supported"},
		{"FROM scratch\nHEALTHCHECK CMD [\"/x\"]\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: HEALTHCHECK cannot be built"},
		{"FROM scratch\nCOPY --chmod=u+x a /a\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: --chmod=u+x: only octal modes"},
		{"FROM scratch\nCOPY --chmod=0789 a /a\n", WP_EINVALID,
		 "Dockerfile:2: invalid chmod parameter: '0789'"},
		{"FROM scratch\nCOPY --exclude=*.txt . /\n", WP_EUNSUPPORTED,
		 "Dockerfile:2: COPY --exclude is not supported"},
		{"FROM scratch\nCOPY --bogus a /a\n", WP_EINVALID,
		 "Dockerfile:2: unknown flag: --bogus"},
		{"FROM scratch\nCOPY --link --link a /a\n", WP_EINVALID,
		 "duplicate flag specified: --link"},
		{"FROM scratch\nCOPY --link=maybe a /a\n", WP_EINVALID,
		 "expecting boolean value for flag --link, not: maybe"},
		{"FROM scratch\nCOPY --chown a /a\n", WP_EINVALID,
		 "missing a value on flag: --chown"},
		{"FROM scratch\nADD --from=x a /a\n", WP_EINVALID, "unknown flag: --from"},
		{"FROM scratch\nADD --checksum=sha256:00 a /a\n", WP_EINVALID,
		 "checksum requires HTTP(S) or Git sources"},
		{"FROM scratch\nCOPY onlyone\n", WP_EINVALID,
		 "Dockerfile:2: COPY requires at least two arguments"},
		{"FROM scratch\nCOPY a <<EOF\nx\nEOF\n", WP_EINVALID, "heredoc"},
		{"COPY a /a\nFROM scratch\n", WP_EINVALID,
		 "Dockerfile:1: COPY before the first FROM: no build stage in current context"},
		{"ARG A\n", WP_EINVALID, "Dockerfile: dockerfile contains no stages to build"},
		{"# only a comment\n\n", WP_EINVALID, "Dockerfile: file with no instructions"},
		{"FROM scratch AS 1abc\n", WP_EINVALID, "invalid name for build stage: \"1abc\""},
		{"FROM scratch AS\n", WP_EINVALID,
		 "Dockerfile:1: FROM requires either one or three arguments"},
		{"FROM --platform=linux/amd64 --bogus scratch\n", WP_EINVALID,
		 "unknown flag: --bogus"},
		{"FROM scratch\nUSER\n", WP_EINVALID,
		 "Dockerfile:2: USER requires exactly one argument"},
		{"FROM scratch\nCOPY a \\\n  b \\\n  c\nRUN x\n", WP_EUNSUPPORTED,
		 "Dockerfile:5: RUN"},
	};

	for (size_t i = 0; i < WP_ARRAY_SIZE(bad); i++)
		assert_refused(bad[i].text, bad[i].code, bad[i].needle);
}

Test(dockerfile, run_heredoc_in_final_stage_names_its_line)
{
	assert_refused("FROM scratch\nCOPY a /a\nRUN <<EOF\necho\nEOF\n", WP_EUNSUPPORTED,
		       "Dockerfile:3: RUN cannot be built without a container runtime");
}

Test(dockerfile, filename_and_limits)
{
	wp_dockerfile df = {0};
	wp_error *err = NULL;
	char *big;
	int r;

	r = wp_dockerfile_parse("FROM scratch\nRUN x\n", 19, "build/Wasm.Dockerfile", NULL, NULL,
				&df, &err);
	assert_error(r, err, WP_EUNSUPPORTED, "build/Wasm.Dockerfile:2: RUN");
	big = test_padded("FROM scratch\nLABEL a=", 70000, "\n");
	r = wp_dockerfile_parse(big, 70000, NULL, NULL, NULL, &df, &err);
	assert_error(r, err, WP_ELIMIT, "Dockerfile:2: line longer than 65535 bytes");
	free(big);
	r = wp_dockerfile_parse("FROM scratch\n\0RUN x\n", 20, NULL, NULL, NULL, &df, &err);
	assert_error(r, err, WP_EINVALID, "Dockerfile:2: NUL byte");
	r = wp_dockerfile_parse("FROM scratch\n", WP_DOCKERFILE_MAX + 1, NULL, NULL, NULL, &df,
				&err);
	assert_error(r, err, WP_ELIMIT, "larger than");
}

Test(dockerfile, substitution_cannot_grow_without_bound)
{
	wp_buf text = WP_BUF_INIT(1 << 20);
	wp_error *err = NULL;
	wp_dockerfile df = {0};
	int r;

	put_str(&text, "FROM scratch\nENV A=0123456789abcdef\n");
	for (int i = 0; i < 20; i++)
		put_str(&text, "ENV A=$A$A\n");
	r = wp_dockerfile_parse(text.data, text.len, NULL, NULL, NULL, &df, &err);
	assert_error(r, err, WP_ELIMIT, "longer than");
	wp_buf_release(&text);
}

Test(dockerfile, release_zeroed_is_fine)
{
	wp_dockerfile df = {0};

	wp_dockerfile_release(&df);
	wp_dockerfile_release(&df);
}

/* A lead byte of a multi-byte space at the end of a word of a heredoc line
 * was looked at with the bytes after the word; found by
 * tests/fuzz/fuzz_dockerfile.c (ASan: stack-buffer-overflow) */
Test(dockerfile, space_lead_byte_at_word_end)
{
	static const char text[] = "FROM scratch\nCOPY \xcd\xcd\xc2\x9b"
				   "alse\xcd\xc2 <<EOF /x\nhello\nEOF\n";
	wp_dockerfile df = {0};
	wp_error *err = NULL;

	cr_assert_lt(wp_dockerfile_parse(text, sizeof(text) - 1, NULL, NULL, NULL, &df, &err), 0);
	wp_error_free(err);
	wp_dockerfile_release(&df);
}
