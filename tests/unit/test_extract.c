/* oci/extract: layers applied to a directory (whiteouts, opaque
 * directories, replacements), malicious tars refused with nothing written
 * outside the target, and one file taken out of the merged layers. The
 * tars are written by hand here, so that they can say anything an attacker's
 * can: "../" names, absolute paths, links out, a 10 GiB size. */
#include <criterion/criterion.h>
#include <limits.h>
#include <sys/stat.h>

#include "helpers.h"
#include "../../lib/compress.h"
#include "../../oci/extract.h"
#include "../../oci/layer_tree.h"
#include "../../oci/mediatype.h"
#include "../../lib/common.h"

#define WASM "\0asm\1\0\0\0"
#define WASM2 "\0asm\1\0\0\0\0\x05\x04name"
#define GIB ((uint64_t)1 << 30)

TEST_TMPDIR_SUITE(extract);

/* One tar entry. type: '0' file, '1' hard link, '2' symbolic link, '3'
 * character device, '4' block device, '5' directory, '6' FIFO. */
struct te {
	const char *name;
	char type;
	const char *data;  /* files: the content (NUL-terminated unless len) */
	unsigned int mode; /* 0: 0644, or 0755 for directories */
	const char *link;  /* links: the target */
	uint64_t size;	   /* declared instead of the data's; no data follows */
	size_t len;	   /* the data's length when it holds NUL bytes */
};

#define FILE_(n, d)                                   \
	{                                             \
		.name = (n), .type = '0', .data = (d) \
	}
#define WASM_FILE(n)                                                            \
	{                                                                       \
		.name = (n), .type = '0', .data = WASM, .len = sizeof(WASM) - 1 \
	}
#define DIR_(n)                          \
	{                                \
		.name = (n), .type = '5' \
	}
#define SYMLINK(n, l)                                 \
	{                                             \
		.name = (n), .type = '2', .link = (l) \
	}
#define HARDLINK(n, l)                                \
	{                                             \
		.name = (n), .type = '1', .link = (l) \
	}
#define END          \
	{            \
		NULL \
	}

/* width - 1 octal digits and a NUL */
static void put_octal(char *field, size_t width, uint64_t v)
{
	field[width - 1] = '\0';
	for (size_t i = width - 1; i > 0; i--, v >>= 3)
		field[i - 1] = (char)('0' + (v & 7));
}

/* A ustar header; sizes of 8 GiB and more in base-256, as GNU tar does. */
static void put_header(wp_buf *tar, const struct te *e, uint64_t size)
{
	char h[512] = {0};
	unsigned int sum = 0;
	wp_error *err = NULL;
	int r;

	cr_assert_lt(strlen(e->name), 100);
	memcpy(h, e->name, strlen(e->name));
	put_octal(h + 100, 8, e->mode ? e->mode : e->type == '5' ? 0755 : 0644);
	put_octal(h + 108, 8, 0);
	put_octal(h + 116, 8, 0);
	if (size < ((uint64_t)1 << 33)) {
		put_octal(h + 124, 12, size);
	} else {
		h[124] = (char)0x80;
		for (int i = 11; i > 0; i--, size >>= 8)
			h[124 + i] = (char)(size & 0xff);
	}
	put_octal(h + 136, 12, 1700000000);
	h[156] = e->type;
	if (e->link)
		memcpy(h + 157, e->link, strlen(e->link));
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (size_t i = 0; i < sizeof(h); i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	r = wp_buf_append(tar, h, sizeof(h), &err);
	assert_ok(r, err);
}

static void build_tar(wp_buf *tar, const struct te *entries)
{
	static const char zeros[1024];
	wp_error *err = NULL;
	int r;

	for (const struct te *e = entries; e->name; e++) {
		size_t len = e->len ? e->len : e->data ? strlen(e->data) : 0;

		put_header(tar, e, e->size ? e->size : len);
		if (e->size)
			return; /* a declared size with nothing behind it */
		r = wp_buf_append(tar, e->data ? e->data : "", len, &err);
		assert_ok(r, err);
		r = wp_buf_append(tar, zeros, (512 - len % 512) % 512, &err);
		assert_ok(r, err);
	}
	r = wp_buf_append(tar, zeros, sizeof(zeros), &err);
	assert_ok(r, err);
}

/* Writes the entries as a tar, compressed with c, to tmp/file; returns
 * the path (owned). */
static char *make_layer(const char *file, wp_compression c, const struct te *entries)
{
	wp_buf tar = WP_BUF_INIT(1 << 24), out = WP_BUF_INIT(1 << 24);
	wp_compressor *z = NULL;
	wp_error *err = NULL;
	char *path;
	int r;

	build_tar(&tar, entries);
	if (c == WP_COMPRESSION_NONE) {
		path = test_write_file(tmp, file, tar.data, tar.len, 0644);
	} else {
		r = wp_compressor_new(&z, c, 0, 1, (wp_sink){test_buf_sink_write, &out}, &err);
		assert_ok(r, err);
		r = wp_compressor_write(z, tar.data, tar.len, &err);
		assert_ok(r, err);
		r = wp_compressor_finish(z, &err);
		assert_ok(r, err);
		wp_compressor_free(z);
		path = test_write_file(tmp, file, out.data, out.len, 0644);
	}
	wp_buf_release(&tar);
	wp_buf_release(&out);
	return path;
}

/* Up to four layers, plain tars, each given by its entries. */
struct stack {
	wp_extract_layer layers[4];
	char *paths[4];
	size_t n;
};

static void stack_add(struct stack *s, wp_compression c, const char *media_type,
		      const struct te *entries)
{
	char name[32];

	cr_assert_lt(s->n, 4);
	snprintf(name, sizeof(name), "layer%zu.tar", s->n);
	s->paths[s->n] = make_layer(name, c, entries);
	s->layers[s->n].path = s->paths[s->n];
	s->layers[s->n].media_type = media_type;
	s->n++;
}

static void stack_release(struct stack *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->paths[i]);
	s->n = 0;
}

/* A stack of one plain layer. */
static struct stack one_layer(const struct te *entries)
{
	struct stack s = {0};

	stack_add(&s, WP_COMPRESSION_NONE, WP_MT_OCI_LAYER, entries);
	return s;
}

/* A stack of two plain layers. */
static struct stack two_layers(const struct te *lower, const struct te *upper)
{
	struct stack s = one_layer(lower);

	stack_add(&s, WP_COMPRESSION_NONE, WP_MT_OCI_LAYER, upper);
	return s;
}

static int extract_max(const char *dir, const struct stack *s, uint64_t max, wp_error **err)
{
	wp_extract_options o = {.max_size = max};

	return wp_extract_layers(dir, s->layers, s->n, &o, err);
}

static void extract_ok(const char *dir, const struct stack *s)
{
	wp_error *err = NULL;
	int r = wp_extract_layers(dir, s->layers, s->n, NULL, &err);

	assert_ok(r, err);
}

/* Extraction into dir fails with code and a message containing needle. */
static void extract_fails(const char *dir, const struct stack *s, int code, const char *needle)
{
	wp_error *err = NULL;
	int r = wp_extract_layers(dir, s->layers, s->n, NULL, &err);

	assert_error(r, err, code, needle);
}

static void assert_content(const char *dir, const char *name, const void *data, size_t len)
{
	_cleanup_free_ char *p = test_path(dir, name);
	wp_buf got;

	test_read_file(p, &got, 1 << 20);
	cr_assert_eq(got.len, len, "%s: %zu bytes, expected %zu", name, got.len, len);
	cr_assert_arr_eq(got.data, data, len, "%s: other content", name);
	wp_buf_release(&got);
}

static void assert_text(const char *dir, const char *name, const char *text)
{
	assert_content(dir, name, text, strlen(text));
}

static mode_t mode_of(const char *dir, const char *name)
{
	_cleanup_free_ char *p = test_path(dir, name);
	struct stat st;

	cr_assert_eq(lstat(p, &st), 0, "%s: %s", name, strerror(errno));
	return st.st_mode;
}

static bool exists_in(const char *dir, const char *name)
{
	_cleanup_free_ char *p = test_path(dir, name);

	return test_exists(p);
}

/* True when any name below dir starts with ".wh." or ".wp-extract-". */
static bool has_marker(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	cr_assert_not_null(d);
	while (!found && (e = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		found = wp_str_has_prefix(e->d_name, ".wh.") ||
			wp_str_has_prefix(e->d_name, ".wp-extract-");
		p = test_path(dir, e->d_name);
		if (!found && e->d_type == DT_DIR)
			found = has_marker(p);
	}
	closedir(d);
	return found;
}

/* ---- layers applied to a directory ---- */

Test(extract, files_dirs_links_and_modes)
{
	static const struct te entries[] = {
		DIR_("./"),
		{.name = "./app/", .type = '5', .mode = 0750},
		WASM_FILE("./app/hello.wasm"),
		{.name = "./app/run.sh", .type = '0', .data = "#!/bin/sh\n", .mode = 0755},
		{.name = "./app/suid", .type = '0', .data = "s", .mode = 06755},
		SYMLINK("./app/link", "hello.wasm"),
		SYMLINK("./app/abs", "/etc/passwd"),
		HARDLINK("./app/hard", "./app/hello.wasm"),
		{.name = "./ro/", .type = '5', .mode = 0555},
		{.name = "./ro/file", .type = '0', .data = "r", .mode = 0444},
		FILE_("deep/er/still/x.txt", "x"),
		END,
	};
	struct stack s = one_layer(entries);
	_cleanup_free_ char *dest = test_path(tmp, "dest");
	_cleanup_free_ char *hello = test_path(dest, "app/hello.wasm");
	_cleanup_free_ char *hard = test_path(dest, "app/hard");
	char target[64] = "";
	struct stat a, b;

	extract_ok(dest, &s);
	assert_content(dest, "app/hello.wasm", WASM, sizeof(WASM) - 1);
	assert_text(dest, "app/run.sh", "#!/bin/sh\n");
	assert_text(dest, "deep/er/still/x.txt", "x");
	cr_assert_eq(mode_of(dest, "app"), S_IFDIR | 0750);
	cr_assert_eq(mode_of(dest, "app/hello.wasm"), S_IFREG | 0644);
	cr_assert_eq(mode_of(dest, "app/run.sh"), S_IFREG | 0755);
	cr_assert_eq(mode_of(dest, "app/suid"), S_IFREG | 0755, "setuid and setgid dropped");
	cr_assert_eq(mode_of(dest, "ro"), S_IFDIR | 0555);
	cr_assert_eq(mode_of(dest, "ro/file"), S_IFREG | 0444);
	cr_assert_eq(mode_of(dest, "deep/er"), S_IFDIR | 0755, "implicit directories are 0755");
	cr_assert(S_ISLNK(mode_of(dest, "app/link")));
	{
		_cleanup_free_ char *link = test_path(dest, "app/link");
		_cleanup_free_ char *abs = test_path(dest, "app/abs");

		cr_assert_eq(readlink(link, target, sizeof(target)), 10);
		cr_assert_arr_eq(target, "hello.wasm", 10);
		cr_assert_eq(readlink(abs, target, sizeof(target)), 11, "stored as is");
		cr_assert_arr_eq(target, "/etc/passwd", 11);
	}
	cr_assert_eq(stat(hello, &a), 0);
	cr_assert_eq(stat(hard, &b), 0);
	cr_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "a hard link, not a copy");
	cr_assert_not(has_marker(dest), "no temporary file left");
	{
		_cleanup_free_ char *ro = test_path(dest, "ro");

		cr_assert_eq(chmod(ro, 0755), 0, "so that the teardown can empty it");
	}
	stack_release(&s);
}

Test(extract, whiteout_removes_lower_file_and_directory)
{
	static const struct te lower[] = {
		FILE_("a/keep", "k"),
		FILE_("a/gone", "g"),
		FILE_("d/sub/x", "x"),
		FILE_("w/old", "o"),
		END,
	};
	static const struct te upper[] = {
		FILE_("a/.wh.gone", ""),
		FILE_(".wh.d", ""),
		/* w of the lower layer goes, w/new of this one stays */
		FILE_("w/new", "n"),
		FILE_(".wh.w", ""),
		/* a whiteout never hides an entry of its own layer, wherever
		 * it stands */
		FILE_("same", "stays"),
		FILE_(".wh.same", ""),
		FILE_("new/.wh.nothing", ""),
		END,
	};
	struct stack s = two_layers(lower, upper);
	_cleanup_free_ char *dest = test_path(tmp, "dest");

	extract_ok(dest, &s);
	assert_text(dest, "a/keep", "k");
	cr_assert_not(exists_in(dest, "a/gone"));
	cr_assert_not(exists_in(dest, "d"));
	assert_text(dest, "same", "stays");
	assert_text(dest, "w/new", "n");
	cr_assert_not(exists_in(dest, "w/old"));
	cr_assert(S_ISDIR(mode_of(dest, "new")), "a whiteout's directory is in its layer");
	cr_assert_not(has_marker(dest), "whiteouts are never written");
	stack_release(&s);
}

Test(extract, opaque_directory_hides_lower_contents)
{
	static const struct te lower[] = {
		FILE_("d/old", "o"),
		FILE_("d/sub/older", "o"),
		FILE_("e/keep", "k"),
		FILE_("a/b/c/bar", "bar"),
		END,
	};
	/* the markers after the new entries: they still apply to lower layers
	 * only (the example of layer.md for a/) */
	static const struct te upper[] = {
		DIR_("d/"),
		FILE_("d/new", "n"),
		FILE_("d/.wh..wh..opq", ""),
		DIR_("a/"),
		DIR_("a/b/"),
		DIR_("a/b/c/"),
		FILE_("a/b/c/foo", "foo"),
		FILE_("a/.wh..wh..opq", ""),
		END,
	};
	struct stack s = two_layers(lower, upper);
	_cleanup_free_ char *dest = test_path(tmp, "dest");
	_cleanup_free_ char *d = test_path(dest, "d");

	extract_ok(dest, &s);
	cr_assert_eq(test_count_entries(d, NULL), 1);
	assert_text(dest, "d/new", "n");
	assert_text(dest, "e/keep", "k");
	assert_text(dest, "a/b/c/foo", "foo");
	cr_assert_not(exists_in(dest, "a/b/c/bar"));
	stack_release(&s);
}

Test(extract, later_layers_replace_files_and_directories)
{
	static const struct te lower[] = {
		FILE_("p/child", "c"),
		FILE_("q", "file"),
		FILE_("s", "file"),
		FILE_("t", "old"),
		END,
	};
	static const struct te upper[] = {
		FILE_("p", "now a file"), DIR_("q/"),	     FILE_("q/inner", "i"),
		SYMLINK("s", "t"),	  FILE_("t", "new"), END,
	};
	struct stack s = two_layers(lower, upper);
	_cleanup_free_ char *dest = test_path(tmp, "dest");

	extract_ok(dest, &s);
	assert_text(dest, "p", "now a file");
	assert_text(dest, "q/inner", "i");
	cr_assert(S_ISLNK(mode_of(dest, "s")));
	assert_text(dest, "t", "new");
	stack_release(&s);
}

Test(extract, links_are_replaced_and_linked_never_followed)
{
	_cleanup_free_ char *outside = test_write_file(tmp, "outside", "theirs", 6, 0644);
	_cleanup_free_ char *dest = test_path(tmp, "dest");
	struct te lower[] = {SYMLINK("u", outside), SYMLINK("v", outside), END};
	static const struct te upper[] = {FILE_("u", "mine"), HARDLINK("w", "v"), END};
	struct stack s = two_layers(lower, upper);
	_cleanup_free_ char *v = test_path(dest, "v"), *w = test_path(dest, "w");
	struct stat a, b;

	extract_ok(dest, &s);
	assert_text(dest, "u", "mine");
	assert_text(tmp, "outside", "theirs");
	cr_assert_eq(lstat(v, &a), 0);
	cr_assert_eq(lstat(w, &b), 0);
	cr_assert(S_ISLNK(b.st_mode) && a.st_ino == b.st_ino, "the link itself is linked");
	stack_release(&s);
}

Test(extract, gzip_zstd_and_plain_layers)
{
	static const struct te l0[] = {FILE_("a", "gzip"), END};
	static const struct te l1[] = {FILE_("b", "zstd"), END};
	static const struct te l2[] = {FILE_("c", "docker gzip"), END};
	static const struct te l3[] = {FILE_("d", "found by its bytes"), END};
	struct stack s = {0};
	_cleanup_free_ char *dest = test_path(tmp, "dest");

	stack_add(&s, WP_COMPRESSION_GZIP, WP_MT_OCI_LAYER_GZIP, l0);
	stack_add(&s, WP_COMPRESSION_ZSTD, WP_MT_OCI_LAYER_ZSTD, l1);
	stack_add(&s, WP_COMPRESSION_GZIP, WP_MT_DOCKER_LAYER_GZIP, l2);
	stack_add(&s, WP_COMPRESSION_ZSTD, "application/octet-stream", l3);
	extract_ok(dest, &s);
	assert_text(dest, "a", "gzip");
	assert_text(dest, "b", "zstd");
	assert_text(dest, "c", "docker gzip");
	assert_text(dest, "d", "found by its bytes");
	stack_release(&s);
}

Test(extract, media_type_must_match_the_content)
{
	static const struct te entries[] = {FILE_("a", "a"), END};
	struct stack s = {0};
	_cleanup_free_ char *dest = test_path(tmp, "dest");

	stack_add(&s, WP_COMPRESSION_ZSTD, WP_MT_OCI_LAYER_GZIP, entries);
	extract_fails(dest, &s, WP_EINVALID, "says compression gzip but the content has zstd");
	s.layers[0].media_type = WP_MT_WASM_LAYER;
	extract_fails(dest, &s, WP_EINVALID, "is a module, not a tar layer");
	cr_assert_not(test_exists(dest));
	stack_release(&s);
}

/* ---- malicious layers ---- */

/* Extracting entries into tmp/a/b/dest fails with code and a message
 * containing needle and the entry's name; afterwards dest is gone and tmp
 * holds nothing but the layer and a/b. */
static void assert_refused(const struct te *entries, int code, const char *needle, const char *name)
{
	struct stack s = one_layer(entries);
	_cleanup_free_ char *a = test_path(tmp, "a"), *ab = test_path(tmp, "a/b");
	_cleanup_free_ char *dest = test_path(tmp, "a/b/dest");
	wp_error *err = NULL;
	int r;

	cr_assert_eq(test_count_entries(tmp, NULL), 1, "only the layer in tmp before");
	cr_assert_eq(mkdir(a, 0755), 0);
	cr_assert_eq(mkdir(ab, 0755), 0);
	r = extract_max(dest, &s, 0, &err);
	cr_assert_not_null(err);
	cr_assert_not_null(strstr(err->message, name), "\"%s\" does not name \"%s\"", err->message,
			   name);
	assert_error(r, err, code, needle);
	cr_assert_not(test_exists(dest), "the destination it made is removed");
	cr_assert_eq(test_count_entries(tmp, NULL), 2, "only the layer and a/ in tmp");
	cr_assert_eq(test_count_entries(a, NULL), 1, "only b/ in a/");
	cr_assert_eq(test_count_entries(ab, NULL), 0, "nothing next to dest");
	stack_release(&s);
}

/* Layers refused whatever the target directory, with the entry named. */
static const struct {
	struct te entries[3];
	int code;
	const char *needle, *name;
} malicious[] = {
	{{FILE_("ok", "ok"), FILE_("../../etc/x", "x"), END},
	 WP_EINVALID,
	 "goes up with \"..\"",
	 "../../etc/x"},
	{{FILE_("app/../../x", "x"), END}, WP_EINVALID, "goes up with \"..\"", "app/../../x"},
	{{HARDLINK("h", "../outside"), END}, WP_EINVALID, "hard link to \"../outside\"", "\"h\""},
	{{HARDLINK("h", "/etc/passwd"), END},
	 WP_EINVALID,
	 "absolute paths",
	 "hard link to \"/etc/passwd\""},
	{{HARDLINK("h", "not/there"), END}, WP_ENOTFOUND, "not in the layers so far", "not/there"},
	{{SYMLINK("etc", "/etc"), HARDLINK("h", "etc/passwd"), END},
	 WP_EINVALID,
	 "\"etc\" is a symbolic link",
	 "etc/passwd"},
	{{FILE_("ok", "ok"), {.name = "fifo", .type = '6'}, END},
	 WP_EUNSUPPORTED,
	 "FIFOs are not extracted",
	 "fifo"},
	{{{.name = "dev/null", .type = '3'}, END},
	 WP_EUNSUPPORTED,
	 "device nodes are not extracted",
	 "dev/null"},
	{{{.name = "dev/sda", .type = '4'}, END},
	 WP_EUNSUPPORTED,
	 "device nodes are not extracted",
	 "dev/sda"},
	/* the header alone: the archive ends where 10 GiB would start */
	{{FILE_("first", "written, then removed"),
	  {.name = "big", .type = '0', .size = 10 * GIB},
	  END},
	 WP_ELIMIT,
	 "declares 10737418240 bytes, over the limit of 1073741824",
	 "big"},
};

Test(extract, malicious_layers_are_refused)
{
	for (size_t i = 0; i < WP_ARRAY_SIZE(malicious); i++) {
		/* a new tmp for each */
		test_rmtree(tmp);
		tmp = test_mkdtemp();
		assert_refused(malicious[i].entries, malicious[i].code, malicious[i].needle,
			       malicious[i].name);
	}
}

Test(extract, absolute_path_is_refused)
{
	_cleanup_free_ char *abs = test_path(tmp, "abs-target");
	struct te entries[] = {FILE_(abs, "x"), END};

	assert_refused(entries, WP_EINVALID, "absolute paths are not extracted", abs);
	cr_assert_not(test_exists(abs));
}

Test(extract, nothing_is_written_through_a_symlink)
{
	/* evil -> "/", then evil/tmp/wp-unit-XXXXXX-pwned: would be in /tmp */
	_cleanup_free_ char *pwned = wp_strdup_printf("%s-pwned", tmp);
	_cleanup_free_ char *through = wp_strdup_printf("evil%s", pwned);
	struct te entries[] = {SYMLINK("evil", "/"), FILE_(through, "x"), END};

	cr_assert_not_null(through);
	assert_refused(entries, WP_EINVALID, "\"evil\" is a symbolic link", through);
	cr_assert_not(test_exists(pwned), "nothing written through the link");
}

Test(extract, nothing_is_written_through_a_symlink_of_a_lower_layer)
{
	_cleanup_free_ char *outside = test_path(tmp, "outside");
	_cleanup_free_ char *dest = test_path(tmp, "dest");
	struct te lower[] = {SYMLINK("lib", outside), END};
	static const struct te upper[] = {FILE_("lib/x.so", "x"), END};
	struct stack s = two_layers(lower, upper);

	cr_assert_eq(mkdir(outside, 0755), 0);
	extract_fails(dest, &s, WP_EINVALID, "\"lib/x.so\": refused: \"lib\" is a symbolic link");
	cr_assert_eq(test_count_entries(outside, NULL), 0);
	cr_assert_not(test_exists(dest));
	stack_release(&s);
}

Test(extract, max_size_is_the_largest_entry)
{
	static const struct te fits[] = {FILE_("ten", "0123456789"), END};
	static const struct te over[] = {FILE_("eleven", "0123456789A"), END};
	struct stack s = one_layer(fits), t = {0};
	_cleanup_free_ char *dest = test_path(tmp, "dest"), *dest2 = test_path(tmp, "dest2");
	wp_error *err = NULL;
	int r = extract_max(dest, &s, 10, &err);

	assert_ok(r, err);
	stack_add(&t, WP_COMPRESSION_NONE, NULL, over);
	r = extract_max(dest2, &t, 10, &err);
	assert_error(r, err, WP_ELIMIT, "\"eleven\": refused: it declares 11 bytes");
	cr_assert_not(test_exists(dest2));
	stack_release(&s);
	stack_release(&t);
}

Test(extract, bytes_written_in_all_and_entries_are_limited)
{
	static const struct te lower[] = {FILE_("a", "0123456789"), FILE_("b", "0123456789"), END};
	static const struct te upper[] = {DIR_("d"), FILE_("a", "0123456789"), END};
	struct stack s = two_layers(lower, upper);
	_cleanup_free_ char *dest = test_path(tmp, "dest"), *dest2 = test_path(tmp, "dest2");
	wp_extract_options total = {.max_total = 29}, entries = {.max_entries = 3};
	wp_error *err = NULL;
	int r;

	/* "a" replaced by the upper layer counts twice: it was written twice */
	r = wp_extract_layers(dest, s.layers, s.n, &total, &err);
	assert_error(r, err, WP_ELIMIT,
		     "\"a\": refused: with its 10 bytes the layers would "
		     "write more than 29 bytes in all");
	cr_assert_not(test_exists(dest));
	total.max_total = 30;
	r = wp_extract_layers(dest, s.layers, s.n, &total, &err);
	assert_ok(r, err);
	r = wp_extract_layers(dest2, s.layers, s.n, &entries, &err);
	assert_error(r, err, WP_ELIMIT, "refused: the layers hold more than 3 entries in all");
	cr_assert_not(test_exists(dest2));
	entries.max_entries = 4;
	r = wp_extract_layers(dest2, s.layers, s.n, &entries, &err);
	assert_ok(r, err);
	stack_release(&s);
}

Test(extract, failure_leaves_an_existing_directory_as_it_was)
{
	static const struct te lower[] = {FILE_("a/b", "b"), SYMLINK("l", "a"), END};
	static const struct te upper[] = {FILE_("c", "c"), {.name = "l/x", .type = '0'}, END};
	struct stack s = two_layers(lower, upper);
	_cleanup_free_ char *dest = test_path(tmp, "dest");

	cr_assert_eq(mkdir(dest, 0700), 0);
	extract_fails(dest, &s, WP_EINVALID, "symbolic link");
	cr_assert_eq(mode_of(tmp, "dest"), S_IFDIR | 0700, "still there, as it was");
	cr_assert_eq(test_count_entries(dest, NULL), 0, "and empty");
	stack_release(&s);
}

Test(extract, a_directory_with_content_is_refused)
{
	static const struct te entries[] = {FILE_("a", "a"), END};
	struct stack s = one_layer(entries);
	_cleanup_free_ char *dest = test_path(tmp, "dest");

	cr_assert_eq(mkdir(dest, 0755), 0);
	free(test_write_file(dest, "mine", "m", 1, 0644));
	extract_fails(dest, &s, WP_EEXISTS, "is not empty");
	assert_text(dest, "mine", "m");
	cr_assert_eq(test_count_entries(dest, NULL), 1);
	stack_release(&s);
}

/* ---- one file out of the layers ---- */

/* Layer 0: the app and links to it; layer 1: a new version of the module,
 * a text file and a FIFO (tolerated here: it is not extracted). */
static struct stack app_stack(void)
{
	static const struct te lower[] = {
		WASM_FILE("app/real.wasm"),
		SYMLINK("bin/app", "../app/real.wasm"),
		SYMLINK("entry", "/app/real.wasm"),
		SYMLINK("chain", "bin/app"),
		SYMLINK("clamped", "../../../../app/real.wasm"),
		SYMLINK("passwd", "/etc/passwd"),
		SYMLINK("loop1", "loop2"),
		SYMLINK("loop2", "loop1"),
		FILE_("etc/conf", "k=v\n"),
		END,
	};
	static const struct te upper[] = {
		{.name = "app/real.wasm", .type = '0', .data = WASM2, .len = sizeof(WASM2) - 1},
		HARDLINK("app/alias", "app/real.wasm"),
		{.name = "run/fifo", .type = '6'},
		END,
	};
	struct stack s = {0};

	stack_add(&s, WP_COMPRESSION_GZIP, WP_MT_OCI_LAYER_GZIP, lower);
	stack_add(&s, WP_COMPRESSION_NONE, WP_MT_OCI_LAYER, upper);
	return s;
}

static int extract_file(const struct stack *s, const char *path, const char *out, bool wasm,
			uint64_t max, wp_error **err)
{
	wp_extract_options o = {.max_size = max, .wasm = wasm};

	return wp_extract_file(out, s->layers, s->n, path, &o, err);
}

Test(extract, file_through_symlinks_inside_the_image)
{
	static const char *const paths[] = {"/bin/app", "/entry",     "chain",
					    "/clamped", "/app/alias", "/app/../app/real.wasm"};
	struct stack s = app_stack();
	_cleanup_free_ char *out = test_path(tmp, "out.wasm");
	wp_error *err = NULL;

	for (size_t i = 0; i < WP_ARRAY_SIZE(paths); i++) {
		int r = extract_file(&s, paths[i], out, true, 0, &err);

		assert_ok(r, err);
		assert_content(tmp, "out.wasm", WASM2, sizeof(WASM2) - 1);
		cr_assert_eq(unlink(out), 0);
	}
	stack_release(&s);
}

Test(extract, file_refusals)
{
	static const struct {
		const char *path;
		int code;
		const char *needle;
	} cases[] = {
		{"/passwd", WP_ENOTFOUND, "\"/passwd\" is not in the image"},
		{"/loop1", WP_EINVALID, "more than 40 symbolic links"},
		{"/nothing.wasm", WP_ENOTFOUND, "is not in the image"},
		{"/etc/conf", WP_EINVALID,
		 "\"/etc/conf\": not a WebAssembly module (starts with 6b 3d 76 0a)"},
		{"/app", WP_EINVALID, "is a directory in the image, not a file"},
		{"/run/fifo", WP_EINVALID, "is a special file in the image"},
		{"/app/real.wasm/x", WP_ENOTFOUND, "\"real.wasm\" is not a directory"},
	};
	struct stack s = app_stack();
	_cleanup_free_ char *out = test_path(tmp, "out.wasm");
	wp_error *err = NULL;

	free(test_write_file(tmp, "out.wasm", "old", 3, 0644));
	for (size_t i = 0; i < WP_ARRAY_SIZE(cases); i++) {
		int r = extract_file(&s, cases[i].path, out, true, 0, &err);

		assert_error_in(cases[i].path, r, err, cases[i].code, cases[i].needle);
		assert_text(tmp, "out.wasm", "old");
	}
	cr_assert_eq(test_count_entries(tmp, NULL), 3, "the layers and out.wasm only");
	stack_release(&s);
}

Test(extract, file_any_content_and_size_limit)
{
	struct stack s = app_stack();
	_cleanup_free_ char *out = test_path(tmp, "out");
	wp_error *err = NULL;
	int r = extract_file(&s, "etc/conf", out, false, 0, &err);

	assert_ok(r, err);
	assert_text(tmp, "out", "k=v\n");
	r = extract_file(&s, "/entry", out, true, 8, &err);
	assert_error(r, err, WP_ELIMIT, "\"/entry\" has 15 bytes, over the limit of 8");
	assert_text(tmp, "out", "k=v\n");
	stack_release(&s);
}

Test(extract, file_whited_out_is_not_found)
{
	static const struct te lower[] = {WASM_FILE("app/hello.wasm"), WASM_FILE("lib/m.wasm"),
					  END};
	static const struct te upper[] = {FILE_("app/.wh.hello.wasm", ""),
					  FILE_("lib/.wh..wh..opq", ""), END};
	struct stack s = {0};
	_cleanup_free_ char *out = test_path(tmp, "out.wasm");
	wp_error *err = NULL;
	int r;

	stack_add(&s, WP_COMPRESSION_NONE, WP_MT_OCI_LAYER, lower);
	r = extract_file(&s, "/app/hello.wasm", out, true, 0, &err);
	assert_ok(r, err);
	cr_assert_eq(unlink(out), 0);
	stack_add(&s, WP_COMPRESSION_ZSTD, WP_MT_OCI_LAYER_ZSTD, upper);
	r = extract_file(&s, "/app/hello.wasm", out, true, 0, &err);
	assert_error(r, err, WP_ENOTFOUND, "\"/app/hello.wasm\" is not in the image");
	r = extract_file(&s, "/lib/m.wasm", out, true, 0, &err);
	assert_error(r, err, WP_ENOTFOUND, "\"/lib/m.wasm\" is not in the image");
	cr_assert_not(test_exists(out));
	stack_release(&s);
}

Test(extract, file_refuses_malicious_layers_too)
{
	static const struct te entries[] = {WASM_FILE("a.wasm"), FILE_("../x", "x"), END};
	struct stack s = one_layer(entries);
	_cleanup_free_ char *out = test_path(tmp, "out.wasm");
	wp_error *err = NULL;
	int r = extract_file(&s, "/a.wasm", out, true, 0, &err);

	assert_error(r, err, WP_EINVALID, "\"../x\": refused: the path goes up");
	cr_assert_not(test_exists(out));
	stack_release(&s);
}

Test(extract, blob_is_copied_when_it_is_a_module)
{
	_cleanup_free_ char *blob = test_write_file(tmp, "blob", WASM, sizeof(WASM) - 1, 0644);
	_cleanup_free_ char *text = test_write_file(tmp, "text", "hello", 5, 0644);
	_cleanup_free_ char *out = test_path(tmp, "out.wasm");
	wp_extract_options o = {.wasm = true};
	wp_error *err = NULL;
	int r = wp_extract_blob(out, blob, &o, &err);

	assert_ok(r, err);
	assert_content(tmp, "out.wasm", WASM, sizeof(WASM) - 1);
	r = wp_extract_blob(out, text, &o, &err);
	assert_error(r, err, WP_EINVALID, "not a WebAssembly module (starts with 68 65 6c 6c)");
	o.max_size = 4;
	r = wp_extract_blob(out, blob, &o, &err);
	assert_error(r, err, WP_ELIMIT, "has 8 bytes, over the limit of 4");
	assert_content(tmp, "out.wasm", WASM, sizeof(WASM) - 1);
}

Test(extract, path_length_limits)
{
	_cleanup_free_ char *name = malloc(8192), *out = NULL;
	wp_error *err = NULL;
	int r;

	cr_assert_not_null(name);
	/* a component of NAME_MAX bytes is fine, one more is not */
	memset(name, 'a', NAME_MAX);
	name[NAME_MAX] = '\0';
	r = wp_layer_tree_normalize(name, &out, &err);
	assert_ok(r, err);
	free(TAKE_PTR(out));
	memset(name, 'a', NAME_MAX + 1);
	name[NAME_MAX + 1] = '\0';
	r = wp_layer_tree_normalize(name, &out, &err);
	assert_error(r, err, WP_EINVALID, "a name is longer than 255 bytes");
	/* 16 components of 255 bytes: 4095 bytes with the slashes, the most a path may have */
	for (int i = 0; i < 16; i++) {
		memset(name + i * 256, 'b', 255);
		name[i * 256 + 255] = '/';
	}
	name[16 * 256 - 1] = '\0';
	r = wp_layer_tree_normalize(name, &out, &err);
	assert_ok(r, err);
	cr_assert_eq(strlen(out), WP_LAYER_TREE_PATH_MAX);
	free(TAKE_PTR(out));
	name[16 * 256 - 1] = '/';
	memcpy(name + 16 * 256, "c", 2);
	r = wp_layer_tree_normalize(name, &out, &err);
	assert_error(r, err, WP_EINVALID, "the path is longer than 4095 bytes");
	/* WP_LAYER_TREE_DEPTH_MAX components, then one more */
	for (int i = 0; i < WP_LAYER_TREE_DEPTH_MAX; i++) {
		name[2 * i] = 'd';
		name[2 * i + 1] = '/';
	}
	name[2 * WP_LAYER_TREE_DEPTH_MAX - 1] = '\0';
	r = wp_layer_tree_normalize(name, &out, &err);
	assert_ok(r, err);
	free(TAKE_PTR(out));
	memcpy(name + 2 * WP_LAYER_TREE_DEPTH_MAX - 1, "/e", 3);
	r = wp_layer_tree_normalize(name, &out, &err);
	assert_error(r, err, WP_EINVALID, "the path has more than 256 components");
	/* "." and empty components do not count, ".." is refused wherever it is */
	r = wp_layer_tree_normalize("./a//./b/", &out, &err);
	assert_ok(r, err);
	cr_assert_str_eq(out, "a/b");
	r = wp_layer_tree_normalize("a/b/..", &out, &err);
	assert_error(r, err, WP_EINVALID, "goes up with \"..\"");
}
