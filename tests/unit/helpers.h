/* Helpers shared by the unit tests: temporary directories and files (and
 * a suite fixture for them), assertions on wp_error results, checked
 * wrappers, golden files, layouts, and a sink that collects bytes. Included
 * by the test files before ../../lib/common.h, so nothing here may use what
 * common.h defines (_cleanup_free_, WP_ARRAY_SIZE). */
#ifndef WP_TEST_HELPERS_H
#define WP_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/buf.h"
#include "../../lib/error.h"
#include "../../lib/fileio.h"
#include "../../lib/str.h"
#include "../../oci/layout.h"

/* Checks that a call succeeded; shows the error message otherwise. */
#define assert_ok(r, err)                                      \
	cr_assert_eq((r), 0, "unexpected failure %d: %s", (r), \
		     (err) ? (err)->message : "(no error)")

/* Checks that a call failed with `code` and a message containing `needle`,
 * then frees the error. r and err must be plain variables. `what`, when not
 * NULL, is the input of a table case, named in the failure messages. */
#define assert_error_in(what, r, err, want_code, needle)                                         \
	do {                                                                                     \
		const char *what_ = (what);                                                      \
		char at_[320] = "";                                                              \
                                                                                                 \
		if (what_)                                                                       \
			snprintf(at_, sizeof(at_), "\"%s\": ", what_);                           \
		cr_assert_eq((r), (want_code), "%sreturned %d, expected %d (%s)", at_, (r),      \
			     (want_code), (err) ? (err)->message : "no error set");              \
		cr_assert_not_null((err), "%sno error was set", at_);                            \
		cr_assert_eq((err)->code, (want_code), "%serror code %d, expected %d (%s)", at_, \
			     (err)->code, (want_code), (err)->message);                          \
		cr_assert_not_null(strstr((err)->message, (needle)),                             \
				   "%smessage \"%s\" does not contain \"%s\"", at_,              \
				   (err)->message, (needle));                                    \
		wp_error_clear(&(err));                                                          \
	} while (0)

#define assert_error(r, err, want_code, needle) assert_error_in(NULL, r, err, want_code, needle)

/* Gives every test of `suite` a new, empty directory `tmp`, removed after
 * the test. Other suites of the file can use the same hooks:
 * TestSuite(other, .init = tmp_setup, .fini = tmp_teardown). */
#define TEST_TMPDIR_SUITE(suite)       \
	static char *tmp;              \
                                       \
	static void tmp_setup(void)    \
	{                              \
		tmp = test_mkdtemp();  \
	}                              \
                                       \
	static void tmp_teardown(void) \
	{                              \
		test_rmtree(tmp);      \
		tmp = NULL;            \
	}                              \
                                       \
	TestSuite(suite, .init = tmp_setup, .fini = tmp_teardown)

/* A refused input and a part of the message that names the reason. */
struct test_refusal {
	const char *input;
	const char *needle;
};

/* A new directory under /tmp; owned by the caller. */
static inline char *test_mkdtemp(void)
{
	char tmpl[] = "/tmp/wp-unit-XXXXXX";
	char *dir = mkdtemp(tmpl);

	cr_assert_not_null(dir, "mkdtemp: %s", strerror(errno));
	dir = strdup(dir);
	cr_assert_not_null(dir);
	return dir;
}

/* Removes a directory made by test_mkdtemp and frees its name. */
static inline void test_rmtree(char *dir)
{
	if (dir)
		wp_remove_tree(dir, NULL);
	free(dir);
}

/* dir/name as an owned string. */
static inline char *test_path(const char *dir, const char *name)
{
	char *p = wp_path_join(dir, name);

	cr_assert_not_null(p);
	return p;
}

/* Creates dir/name with the given content and mode; returns the path. */
static inline char *test_write_file(const char *dir, const char *name, const void *data, size_t len,
				    mode_t mode)
{
	char *p = test_path(dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	cr_assert_geq(fd, 0, "open \"%s\": %s", p, strerror(errno));
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	cr_assert_eq(fchmod(fd, mode), 0);
	cr_assert_eq(close(fd), 0);
	return p;
}

/* Reads a whole file (at most max bytes) into a new buffer. */
static inline void test_read_file(const char *path, wp_buf *out, size_t max)
{
	wp_error *err = NULL;
	int r;

	wp_buf_init(out, max);
	r = wp_read_file(path, out, &err);
	assert_ok(r, err);
}

/* Number of entries in dir (without . and ..), and how many of them start
 * with '.' (the temporary files of wp_atomic_file). */
static inline size_t test_count_entries(const char *dir, size_t *hidden)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	cr_assert_not_null(d, "opendir \"%s\": %s", dir, strerror(errno));
	if (hidden)
		*hidden = 0;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		if (hidden && e->d_name[0] == '.')
			(*hidden)++;
	}
	closedir(d);
	return n;
}

static inline bool test_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A sink collecting everything into a wp_buf (ctx). */
static inline int test_buf_sink_write(void *ctx, const void *data, size_t len, wp_error **err)
{
	return wp_buf_append(ctx, data, len, err);
}

/* Deterministic pseudo-random bytes that compress somewhat: runs of words
 * from a small vocabulary mixed with noise. */
static inline void test_fill_semi_random(unsigned char *p, size_t len, unsigned int seed)
{
	static const char *const words[] = {"wasm ",	    "layer ",	 "image ", "oci ",
					    "\x00\x01\x02", "manifest ", "blob ",  "digest "};
	unsigned long long x = 0x9e3779b97f4a7c15ull ^ seed;
	size_t i = 0;

	while (i < len) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if ((x & 3) == 0) {
			p[i++] = (unsigned char)(x >> 24);
		} else {
			const char *w = words[(x >> 8) % (sizeof(words) / sizeof(words[0]))];
			size_t n = w[0] ? strlen(w) : 3;

			for (size_t k = 0; k < n && i < len; k++)
				p[i++] = (unsigned char)w[k];
		}
	}
}

/* wp_strv_push and wp_kv_set that must succeed. */
static inline void test_strv_push(wp_strv *v, const char *s)
{
	wp_error *err = NULL;
	int r = wp_strv_push(v, s, &err);

	assert_ok(r, err);
}

static inline void test_kv_set(wp_kv *kv, const char *key, const char *value)
{
	wp_error *err = NULL;
	int r = wp_kv_set(kv, key, value, &err);

	assert_ok(r, err);
}

/* A document of len bytes (not NUL-terminated): head, spaces, then tail. */
static inline char *test_padded(const char *head, size_t len, const char *tail)
{
	char *p = malloc(len);

	cr_assert_not_null(p);
	memset(p, ' ', len);
	memcpy(p, head, strlen(head));
	memcpy(p + len - strlen(tail), tail, strlen(tail));
	return p;
}

/* strdup that cannot fail. */
static inline char *test_xstrdup(const char *s)
{
	char *p = strdup(s);

	cr_assert_not_null(p);
	return p;
}

/* Checks that out holds exactly the bytes of the golden file at path. */
static inline void test_assert_golden(const wp_buf *out, const char *path)
{
	wp_buf golden;

	test_read_file(path, &golden, 1 << 20);
	cr_assert_eq(out->len, golden.len, "%s: %zu bytes, golden has %zu:\n%s", path, out->len,
		     golden.len, wp_buf_cstr(out));
	cr_assert_arr_eq(out->data, golden.data, golden.len, "%s differs:\n%s\n%s", path,
			 wp_buf_cstr(out), golden.data);
	wp_buf_release(&golden);
}

/* Serializes obj with `serialize` (a wp_*_serialize function) into a buffer
 * of at most max bytes and checks it against the golden file at path. */
#define assert_serializes_to_golden(serialize, obj, max, path)                \
	do {                                                                  \
		wp_buf golden_out_ = WP_BUF_INIT(max);                        \
		wp_error *golden_err_ = NULL;                                 \
		int golden_r_ = serialize((obj), &golden_out_, &golden_err_); \
                                                                              \
		assert_ok(golden_r_, golden_err_);                            \
		test_assert_golden(&golden_out_, (path));                     \
		wp_buf_release(&golden_out_);                                 \
	} while (0)

/* Parses the file at path with `parse` (a wp_*_parse function) into obj. */
#define parse_file_ok(parse, obj, path)                                                          \
	do {                                                                                     \
		wp_buf parse_text_;                                                              \
		wp_error *parse_err_ = NULL;                                                     \
		int parse_r_;                                                                    \
                                                                                                 \
		test_read_file((path), &parse_text_, 1 << 20);                                   \
		parse_r_ = parse((obj), parse_text_.data, parse_text_.len, (path), &parse_err_); \
		assert_ok(parse_r_, parse_err_);                                                 \
		wp_buf_release(&parse_text_);                                                    \
	} while (0)

/* Opens the layout dir/name for writing, creating it when missing. */
static inline wp_layout *test_open_layout(const char *dir, const char *name)
{
	char *path = test_path(dir, name);
	wp_layout *l = NULL;
	wp_error *err = NULL;
	int r = wp_layout_open(&l, path, WP_LAYOUT_WRITE, &err);

	free(path);
	assert_ok(r, err);
	cr_assert_not_null(l);
	return l;
}

/* ---- WebAssembly modules, for the wasmopt tests (tw_: test wasm) ---- */

#include "../../wasmopt/leb.h"
#include "../../wasmopt/module.h"
#include "../../wasmopt/optimize.h"
#include "../../wasmopt/validate.h"
#include "../../wasmopt/wabt_bridge.h"

#define TW_MAX ((size_t)1 << 26)

/* Appends bytes; cannot fail. */
static inline void tw_put(wp_buf *b, const void *p, size_t n)
{
	wp_error *err = NULL;
	int r = wp_buf_append(b, p, n, &err);

	assert_ok(r, err);
}

static inline void tw_byte(wp_buf *b, uint8_t v)
{
	tw_put(b, &v, 1);
}

/* An unsigned LEB128 of at least `width` bytes (LLVM pads to 5). */
static inline void tw_uleb_w(wp_buf *b, uint64_t v, unsigned width)
{
	uint8_t tmp[16];
	unsigned n = 0;

	do {
		tmp[n++] = (uint8_t)((v & 0x7f) | 0x80);
		v >>= 7;
	} while (v || n < width);
	tmp[n - 1] &= 0x7f;
	tw_put(b, tmp, n);
}

static inline void tw_uleb(wp_buf *b, uint64_t v)
{
	tw_uleb_w(b, v, 1);
}

/* A signed LEB128 of at least `width` bytes. */
static inline void tw_sleb_w(wp_buf *b, int64_t v, unsigned width)
{
	uint8_t tmp[16];
	unsigned n = 0;

	for (;;) {
		uint8_t byte = (uint8_t)(v & 0x7f);
		bool done;

		v >>= 7;
		done = ((v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40))) && n + 1 >= width;
		tmp[n++] = done ? byte : (uint8_t)(byte | 0x80);
		if (done)
			break;
	}
	tw_put(b, tmp, n);
}

/* A new buffer holding the header of a core module ("\0asm", version 1). */
static inline void tw_begin(wp_buf *b)
{
	wp_buf_init(b, TW_MAX);
	tw_put(b, "\0asm\1\0\0\0", 8);
}

/* A section: id, size (padded to `width` bytes), payload. */
static inline void tw_section_w(wp_buf *b, uint8_t id, const void *payload, size_t len,
				unsigned width)
{
	tw_byte(b, id);
	tw_uleb_w(b, len, width);
	tw_put(b, payload, len);
}

static inline void tw_section(wp_buf *b, uint8_t id, const void *payload, size_t len)
{
	tw_section_w(b, id, payload, len, 1);
}

/* A section whose payload is given as byte values:
 * TW_SEC(&b, 1, 0x01, 0x60, 0x00, 0x00) is a type section of () -> (). */
#define TW_BYTES(...) ((const uint8_t[]){__VA_ARGS__})
#define TW_SEC(b, id, ...) \
	tw_section((b), (id), TW_BYTES(__VA_ARGS__), sizeof(TW_BYTES(__VA_ARGS__)))

/* A custom section. */
static inline void tw_custom(wp_buf *b, const char *name, const void *payload, size_t len)
{
	wp_buf sec = WP_BUF_INIT(TW_MAX);

	tw_uleb(&sec, strlen(name));
	tw_put(&sec, name, strlen(name));
	tw_put(&sec, payload, len);
	tw_section(b, 0, sec.data, sec.len);
	wp_buf_release(&sec);
}

/* A code section with one function body (locals and instructions). */
static inline void tw_code1(wp_buf *b, const void *body, size_t len)
{
	wp_buf sec = WP_BUF_INIT(TW_MAX);

	tw_uleb(&sec, 1);
	tw_uleb(&sec, len);
	tw_put(&sec, body, len);
	tw_section(b, 10, sec.data, sec.len);
	wp_buf_release(&sec);
}

#define TW_CODE1(b, ...) tw_code1((b), TW_BYTES(__VA_ARGS__), sizeof(TW_BYTES(__VA_ARGS__)))

/* Reads a module that must be well-formed; free it with wp_module_free. */
static inline wp_module *tw_read(const void *bytes, size_t len)
{
	wp_module *m = NULL;
	wp_error *err = NULL;
	int r = wp_module_read_bytes(&m, bytes, len, "t.wasm", &err);

	assert_ok(r, err);
	return m;
}

/* Reading must fail as malformed with a message containing needle. */
static inline void tw_malformed(const void *bytes, size_t len, const char *needle)
{
	wp_module *m = NULL;
	wp_error *err = NULL;
	int r = wp_module_read_bytes(&m, bytes, len, "t.wasm", &err);

	assert_error(r, err, WP_EINVALID, needle);
	cr_assert_null(m, "out untouched on failure");
}

/* Reading and validation must succeed. */
static inline void tw_valid(const void *bytes, size_t len)
{
	wp_module *m = tw_read(bytes, len);
	wp_error *err = NULL;
	int r = wp_module_validate(m, &err);

	assert_ok(r, err);
	wp_module_free(m);
}

/* Reading succeeds; validation fails with a message containing needle. */
static inline void tw_invalid(const void *bytes, size_t len, const char *needle)
{
	wp_module *m = tw_read(bytes, len);
	wp_error *err = NULL;
	int r = wp_module_validate(m, &err);

	assert_error(r, err, WP_EINVALID, needle);
	wp_module_free(m);
}

/* wabt's verdict on a binary: true when it reads and validates it. */
static inline bool tw_wabt_accepts(const void *bytes, size_t len)
{
	wp_error *err = NULL;
	int r = wp_wabt_validate(bytes, len, "t.wasm", &err);

	wp_error_free(err);
	return r == 0;
}

/* The text format, converted by wabt (which validates it too). */
static inline void tw_wat(const char *text, wp_buf *out)
{
	wp_error *err = NULL;
	int r;

	wp_buf_init(out, TW_MAX);
	r = wp_wabt_wat2wasm(text, strlen(text), "t.wat", out, &err);
	assert_ok(r, err);
}

/* tests/data/wat/NAME.wat (the tests run in tests/unit), converted. */
static inline void tw_wat_file(const char *name, wp_buf *out)
{
	char path[256];
	wp_buf text;

	snprintf(path, sizeof(path), "../data/wat/%s.wat", name);
	test_read_file(path, &text, 1 << 20);
	tw_wat(wp_buf_cstr(&text), out);
	wp_buf_release(&text);
}

/* Reads, validates and optimizes `in`; the result (a new buffer) must
 * read and validate again, with wasmpack and, when wabt accepts the input,
 * with wabt. */
static inline void tw_optimize(const wp_buf *in, const wp_opt_options *o, wp_buf *out,
			       wp_opt_stats *st)
{
	wp_module *m = tw_read(in->data, in->len);
	wp_error *err = NULL;
	int r = wp_module_validate(m, &err);

	assert_ok(r, err);
	wp_buf_init(out, TW_MAX);
	r = wp_optimize(m, o, out, st, &err);
	assert_ok(r, err);
	wp_module_free(m);
	tw_valid(out->data, out->len);
	if (tw_wabt_accepts(in->data, in->len)) {
		r = wp_wabt_validate((const uint8_t *)out->data, out->len, "optimized.wasm", &err);
		assert_ok(r, err);
	}
}

/* The custom section called name, or NULL. */
static inline const wp_section *tw_custom_section(const wp_module *m, const char *name)
{
	for (uint32_t i = 0; i < m->n_sections; i++) {
		const wp_section *s = &m->sections[i];

		if (s->id == 0 && s->name.size == strlen(name) &&
		    memcmp(m->bytes + s->name.offset, name, s->name.size) == 0)
			return s;
	}
	return NULL;
}

/* Subsection id of m's name section (which must be there): its contents in
 * [*p, *end), or false when it has none. */
static inline bool tw_name_subsection(const wp_module *m, uint8_t id, const uint8_t **p,
				      const uint8_t **end)
{
	const wp_section *s = tw_custom_section(m, "name");
	const uint8_t *q, *sec_end;
	uint64_t size = 0;

	cr_assert_not_null(s, "no name section");
	q = m->bytes + s->name.offset + s->name.size;
	sec_end = m->bytes + s->payload.offset + s->payload.size;
	while (q < sec_end) {
		uint8_t sub = *q++;

		q += wp_leb_u(q, sec_end, 32, &size);
		if (sub == id) {
			*p = q;
			*end = q + size;
			return true;
		}
		q += size;
	}
	return false;
}

#endif
