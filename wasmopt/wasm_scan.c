#include <fcntl.h>
#include <sys/stat.h>

#include "wasm_scan.h"
#include "wasm_error.h"
#include "../lib/fileio.h"
#include "../lib/str.h"
#include "../lib/common.h"

#define CUSTOM_NAME_MAX (1u << 20)

/* Where bytes come from: a descriptor (pread) or memory. */
struct source {
	int fd;
	const unsigned char *mem;
	uint64_t size;
	const char *name;
};

static int read_at(const struct source *s, uint64_t off, void *buf, size_t len, size_t *got,
		   wp_error **err)
{
	if (off >= s->size) {
		*got = 0;
		return 0;
	}
	if (len > s->size - off)
		len = (size_t)(s->size - off);
	if (s->mem) {
		memcpy(buf, s->mem + off, len);
		*got = len;
		return 0;
	}
	return wp_pread_full(s->fd, buf, len, off, got, s->name, err);
}

static const char *const core_names[] = {
	"custom", "type",  "import",  "function", "table", "memory",	"global",
	"export", "start", "element", "code",	  "data",  "datacount", "tag",
};

static const char *const component_names[] = {
	"custom", "core module", "core instance", "core type", "component", "instance",
	"alias",  "type",	 "canon",	  "start",     "import",    "export",
};

/* Position of each core section id in the required order (custom: 0). */
static const uint8_t core_rank[] = {
	[1] = 1, [2] = 2, [3] = 3,  [4] = 4,   [5] = 5,	  [13] = 6,  [6] = 7,
	[7] = 8, [8] = 9, [9] = 10, [12] = 11, [10] = 12, [11] = 13,
};

const char *wp_wasm_core_section_name(uint8_t id)
{
	return id < WP_ARRAY_SIZE(core_names) ? core_names[id] : "unknown";
}

const char *wp_wasm_kind_name(wp_wasm_kind kind)
{
	return kind == WP_WASM_COMPONENT ? "component" : "core module";
}

static const char *section_name(wp_wasm_kind kind, uint8_t id)
{
	if (kind == WP_WASM_COMPONENT)
		return id < WP_ARRAY_SIZE(component_names) ? component_names[id] : "unknown";
	return wp_wasm_core_section_name(id);
}

/* Decodes an unsigned LEB128 of at most 32 bits from b[0..avail). Returns
 * its length, 0 when it runs past avail, -1 when it is not a valid u32. */
static int leb_u32(const unsigned char *b, size_t avail, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 5; i++) {
		if ((size_t)i >= avail)
			return 0;
		if (i == 4 && (b[i] & 0xf0))
			return -1; /* continuation or bits past 32 */
		v |= (uint32_t)(b[i] & 0x7f) << (7 * i);
		if (!(b[i] & 0x80)) {
			*out = v;
			return i + 1;
		}
	}
	return -1;
}

static int fail(const struct source *s, uint64_t off, wp_error **err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(const struct source *s, uint64_t off, wp_error **err, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = wp_wasm_errorv(err, s->name, WP_NO_FUNCTION, off, fmt, ap);
	va_end(ap);
	return r;
}

#ifdef __clang_analyzer__
/* returns a negative code: see lib/error.h */
#define fail(...) wp_error_negative_(fail(__VA_ARGS__))
#endif

static int check_header(const struct source *s, wp_wasm_summary *sum, wp_error **err)
{
	static const unsigned char magic[4] = {0, 'a', 's', 'm'};
	unsigned char h[8];
	size_t got = 0;
	int r;

	if (s->size == 0)
		return wp_error_set(err, WP_EINVALID,
				    "\"%s\": not a WebAssembly binary: the file is empty", s->name);
	if ((r = read_at(s, 0, h, sizeof(h), &got, err)) < 0)
		return r;
	if (got < 4 || memcmp(h, magic, 4) != 0) {
		char shown[32];
		size_t k = 0;

		for (size_t i = 0; i < got && i < 4; i++)
			k += (size_t)snprintf(shown + k, sizeof(shown) - k, "%s%02x", i ? " " : "",
					      h[i]);
		shown[k] = '\0';
		return fail(
			s, 0, err,
			"not a WebAssembly binary: expected the magic bytes 00 61 73 6d (\"\\0asm\"), "
			"found %s",
			got ? shown : "nothing");
	}
	if (got < 8)
		return fail(s, got, err, "truncated header: 8 bytes needed, the file has %zu", got);
	sum->version = (uint16_t)(h[4] | h[5] << 8);
	if (h[6] == 0 && h[7] == 0) {
		sum->kind = WP_WASM_CORE_MODULE;
		if (sum->version != 1)
			return fail(s, 4, err, "unsupported core module version %u (expected 1)",
				    sum->version);
	} else if (h[6] == 1 && h[7] == 0) {
		sum->kind = WP_WASM_COMPONENT;
		if (sum->version != 0x0d)
			return fail(s, 4, err,
				    "component binary version 0x%x is a pre-release encoding "
				    "(expected 0xd); rebuild it with a current toolchain",
				    sum->version);
	} else {
		return fail(s, 6, err, "unknown binary layer %u (0 = core module, 1 = component)",
			    (unsigned)(h[6] | h[7] << 8));
	}
	return 0;
}

/* Checks that a custom section's payload starts with a well-formed name. */
static int check_custom_name(const struct source *s, uint64_t payload, uint32_t len, wp_error **err)
{
	unsigned char b[5];
	_cleanup_free_ char *name = NULL;
	size_t got = 0;
	uint32_t n = 0;
	int r, k;

	if ((r = read_at(s, payload, b, len < 5 ? len : 5, &got, err)) < 0)
		return r;
	k = leb_u32(b, got, &n);
	if (k <= 0)
		return fail(s, payload, err, "custom section name length is %s",
			    k == 0 ? "truncated" : "not a valid u32 LEB128");
	if (n > len - (uint32_t)k)
		return fail(s, payload, err,
			    "custom section name of %u bytes runs past its section (%u bytes)", n,
			    len);
	if (n > CUSTOM_NAME_MAX)
		return fail(s, payload, err, "custom section name longer than %u bytes",
			    CUSTOM_NAME_MAX);
	name = malloc(n + 1);
	if (!name)
		return wp_error_oom(err);
	if ((r = read_at(s, payload + (uint64_t)k, name, n, &got, err)) < 0)
		return r;
	if (got != n || !wp_utf8_valid_nul(name, n))
		return fail(s, payload + (uint64_t)k, err,
			    "custom section name is not valid UTF-8");
	return 0;
}

static int scan(const struct source *s, wp_wasm_summary *out, wp_error **err)
{
	wp_wasm_summary sum = {0};
	uint64_t off = 8;
	uint8_t last_rank = 0, last_id = 0;
	int r;

	sum.size = s->size;
	if ((r = check_header(s, &sum, err)) < 0)
		return r;
	while (off < s->size) {
		unsigned char b[6];
		size_t got = 0;
		uint32_t len = 0;
		uint64_t payload;
		uint8_t id;
		int k;

		if ((r = read_at(s, off, b, sizeof(b), &got, err)) < 0)
			return r;
		id = b[0];
		k = leb_u32(b + 1, got - 1, &len);
		if (k == 0)
			return fail(s, off, err,
				    "section %u (%s): size truncated by the end of the file", id,
				    section_name(sum.kind, id));
		if (k < 0)
			return fail(s, off + 1, err,
				    "section %u (%s): size is not a valid u32 LEB128", id,
				    section_name(sum.kind, id));
		payload = off + 1 + (uint64_t)k;
		if (len > s->size - payload)
			return fail(s, off, err,
				    "section %u (%s) declares %" PRIu32 " bytes but only %" PRIu64
				    " remain in the file",
				    id, section_name(sum.kind, id), len, s->size - payload);
		if (sum.kind == WP_WASM_CORE_MODULE) {
			if (id >= WP_ARRAY_SIZE(core_names))
				return fail(s, off, err, "unknown section id %u", id);
			if (id != 0) {
				if (core_rank[id] == last_rank)
					return fail(s, off, err, "duplicate %s section",
						    core_names[id]);
				if (core_rank[id] < last_rank)
					return fail(s, off, err,
						    "%s section (id %u) after the %s section "
						    "(id %u) is out of order",
						    core_names[id], id, core_names[last_id],
						    last_id);
				last_rank = core_rank[id];
				last_id = id;
			}
			if (id == 10)
				sum.code_size = len;
		} else if (id >= WP_ARRAY_SIZE(component_names)) {
			return fail(s, off, err, "unknown component section id %u", id);
		}
		if (id == 0) {
			if ((r = check_custom_name(s, payload, len, err)) < 0)
				return r;
			sum.custom_sections++;
			sum.custom_size += len;
		}
		sum.sections++;
		off = payload + len;
	}
	*out = sum;
	return 0;
}

int wp_wasm_scan_fd(int fd, const char *name, wp_wasm_summary *out, wp_error **err)
{
	struct source s = {fd, NULL, 0, name};
	struct stat st;

	if (fstat(fd, &st) < 0)
		return wp_error_set_errno(err, errno, "cannot stat \"%s\"", name);
	if (S_ISDIR(st.st_mode))
		return wp_error_set(err, WP_EINVALID, "\"%s\" is a directory, not a .wasm file",
				    name);
	if (!S_ISREG(st.st_mode))
		return wp_error_set(err, WP_EINVALID, "\"%s\" is not a regular file", name);
	s.size = (uint64_t)st.st_size;
	return scan(&s, out, err);
}

int wp_wasm_scan_file(const char *path, wp_wasm_summary *out, wp_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return wp_error_set_errno(err, errno, "cannot open \"%s\"", path);
	return wp_wasm_scan_fd(fd, path, out, err);
}

int wp_wasm_scan_bytes(const void *data, size_t len, const char *name, wp_wasm_summary *out,
		       wp_error **err)
{
	struct source s = {-1, data, len, name};

	return scan(&s, out, err);
}
