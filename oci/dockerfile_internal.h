/* Inside oci/dockerfile: the lexer that turns the text into instructions
 * (dockerfile_lex.c), the argument forms of BuildKit's parser
 * (dockerfile_args.c), its shell-like word processing with variable
 * substitution (dockerfile_shell.c), and the state the final stage is
 * dispatched with (dockerfile.c, dockerfile_copy.c). Not for use elsewhere. */
#ifndef WP_DOCKERFILE_INTERNAL_H
#define WP_DOCKERFILE_INTERNAL_H

#include "dockerfile.h"
#include "../lib/buf.h"

/* Longest physical line: the limit of the Go scanner BuildKit reads with. */
#define DF_LINE_MAX 65535
/* Most one word may grow to by substitution: "ENV A=$A$A" repeated would
 * otherwise double it on every line. */
#define DF_WORD_MAX (1u << 20)

/* One instruction: a logical line, its continuation lines joined. */
typedef struct df_instr {
	unsigned int line; /* its first physical line */
	char *name;	   /* as written ("copy"), for messages */
	char *cmd;	   /* lowercased */
	wp_strv flags;	   /* leading "--flag=value" words, quotes and escapes removed */
	char *args;	   /* the rest, trimmed */
	bool heredoc;	   /* heredoc bodies followed it (and were consumed) */
} df_instr;

typedef struct df_file {
	char escape; /* '\\', or '`' from an escape directive */
	df_instr *instrs;
	size_t n;
} df_file;

int df_lex(df_file *out, const char *text, size_t len, const char *filename, wp_error **err);
void df_file_release(df_file *f);

/* BuildKit's whitespace ([\t\v\f\r ]) and Go's unicode.IsSpace (ASCII). */
bool df_is_sep(char c);
bool df_is_space(char c);
/* The length of the white space character (unicode.IsSpace: ASCII, and
 * U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F,
 * U+3000 in UTF-8) s starts with, or 0. Words split at these. */
size_t df_space_at(const char *s);
/* The same within the n bytes at s (not NUL-terminated). */
size_t df_space_at_n(const char *s, size_t n);

/* ---- argument forms (dockerfile_args.c) ---- */

/* A JSON array of strings (exec form): 1 with *out filled, 0 when rest is
 * no JSON array (shell form), WP_EINVALID for an array holding anything
 * else than strings. */
int df_json_array(const char *rest, wp_strv *out, wp_error **err);
/* Words split at runs of [\t\v\f\r ], quotes not special (FROM, EXPOSE,
 * COPY/ADD in shell form). */
int df_split_whitespace(const char *rest, wp_strv *out, wp_error **err);
/* One word of s[0..n) from *pos (not blank) to white space outside quotes
 * (*pos then after it), appended to w: raw keeps quotes and escapes, for
 * the substitution to process (parseWords), else they are removed and the
 * escape works inside single quotes too (extractBuilderFlags). *quoted
 * tells a word of quotes only ("") from none. */
int df_next_word(const char *s, size_t n, size_t *pos, char escape, bool raw, wp_buf *w,
		 bool *quoted, wp_error **err);
/* Words split at white space outside quotes, quotes and escapes kept
 * (ENV, LABEL, ARG). */
int df_split_words(const char *rest, char escape, wp_strv *out, wp_error **err);
/* Whether word is a heredoc marker ("<<EOF", "<<-'EOF'", "2<<EOF"): 1 with
 * *name (owned) and *chomp (the '-': leading tabs stripped) set, 0 if not. */
int df_heredoc_word(const char *word, char **name, bool *chomp, wp_error **err);

/* ---- shell-like word processing (dockerfile_shell.c) ---- */

typedef struct df_shlex {
	char escape;
	bool raw_quotes;  /* keep quote characters in the result */
	bool raw_escapes; /* keep escape characters in the result */
	bool skip_unset;  /* leave references to unset variables as written */
	const wp_kv *env; /* what $VAR sees; NULL: nothing */
} df_shlex;

/* Quote removal and substitution of one word (*out owned): BuildKit's
 * ProcessWord. */
int df_expand_word(const df_shlex *sh, const char *word, char **out, wp_error **err);
/* The same, then split into words at white space outside quotes (appended
 * to *out): ProcessWords. */
int df_expand_words(const df_shlex *sh, const char *word, wp_strv *out, wp_error **err);

/* ---- the final stage's dispatch (dockerfile.c, dockerfile_copy.c) ---- */

typedef struct df_stage {
	size_t instr; /* index of its FROM in the file */
	char *name;   /* lowercased AS name, or NULL */
} df_stage;

typedef struct df_ctx {
	const char *file;
	const df_file *df;
	const wp_kv *build_args;
	const wp_kv *from_stages;
	df_stage *stages;
	size_t n_stages;
	wp_kv global_args; /* the automatic platform ARGs and those before the first FROM */
	wp_kv vars;	   /* what $VAR sees in the final stage: its ENVs and ARGs */
	wp_kv env;	   /* the image's Env */
	bool cmd_set;	   /* a CMD came before in this stage: ENTRYPOINT keeps it */
	wp_dockerfile out;
} df_ctx;

/* The instruction's name in capitals ("COPY"); NULL for an unknown one. */
const char *df_upper(const df_instr *in);
/* Sets "FILE:LINE: message" and returns code. */
int df_fail(const df_ctx *c, const df_instr *in, int code, wp_error **err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Prefixes an error set by a helper with "FILE:LINE"; returns its code. */
int df_at(const df_ctx *c, const df_instr *in, wp_error **err);
/* Substitutes the final stage's variables into word (*out owned). */
int df_subst(const df_ctx *c, const df_instr *in, const char *word, char **out, wp_error **err);

/* A flag an instruction accepts, and what it was given. */
typedef enum df_flag_type {
	DF_FLAG_BOOL,
	DF_FLAG_STRING,
	DF_FLAG_STRINGS,
} df_flag_type;

typedef struct df_flag {
	const char *name;
	df_flag_type type;
	bool used;
	bool on;	   /* DF_FLAG_BOOL */
	const char *value; /* DF_FLAG_STRING: borrowed from the instruction */
	size_t n_values;   /* DF_FLAG_STRINGS: how many times given */
} df_flag;

/* Matches the instruction's flags against the n accepted ones. */
int df_flags_parse(const df_ctx *c, const df_instr *in, df_flag *flags, size_t n, wp_error **err);

int df_dispatch_copy(df_ctx *c, const df_instr *in, bool add, wp_error **err);
int df_dispatch_workdir(df_ctx *c, const df_instr *in, wp_error **err);
void df_layer_release(wp_dockerfile_layer *l);

#endif
