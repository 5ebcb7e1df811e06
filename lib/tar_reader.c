#include <fcntl.h>

#include "tar_reader.h"
#include "fileio.h"
#include "common.h"

#define CHUNK (256 * 1024)

/* The compression a file's first bytes announce. */
static wp_compression sniff(const unsigned char *head, size_t n)
{
	static const unsigned char gzip[] = {0x1f, 0x8b}, zstd[] = {0x28, 0xb5, 0x2f, 0xfd};

	if (n >= sizeof(gzip) && memcmp(head, gzip, sizeof(gzip)) == 0)
		return WP_COMPRESSION_GZIP;
	if (n >= sizeof(zstd) && memcmp(head, zstd, sizeof(zstd)) == 0)
		return WP_COMPRESSION_ZSTD;
	return WP_COMPRESSION_NONE;
}

static int archive_fail(wp_tar_reader *r, const char *what, wp_error **err)
{
	const char *why = wp_la.archive_error_string(r->a);

	return wp_error_set(err, WP_EINVALID, "\"%s\": %s: %s", r->name, what,
			    why ? why : "unknown libarchive error");
}

static int enable_filters(wp_tar_reader *r, unsigned int flags)
{
	if (flags & WP_TAR_READ_ANY_FILTER)
		return wp_la.archive_read_support_filter_all(r->a);
	switch (r->compression) {
	case WP_COMPRESSION_GZIP:
		return wp_la.archive_read_support_filter_gzip(r->a);
	case WP_COMPRESSION_ZSTD:
		return wp_la.archive_read_support_filter_zstd(r->a);
	case WP_COMPRESSION_NONE:
		break;
	}
	return ARCHIVE_OK;
}

int wp_tar_reader_open(wp_tar_reader *r, const char *path, unsigned int flags, wp_error **err)
{
	unsigned char head[4];
	size_t got = 0;
	struct stat st;
	int rc;

	if ((rc = wp_libarchive_load(err)) < 0)
		return rc;
	if (!(r->name = strdup(path)) || !(r->chunk = malloc(CHUNK)))
		return wp_error_oom(err);
	if ((r->fd = wp_open_read(path, &st, err)) < 0)
		return r->fd;
	if ((rc = wp_pread_full(r->fd, head, sizeof(head), 0, &got, path, err)) < 0)
		return rc;
	r->compression = sniff(head, got);
	if (!(r->a = wp_la.archive_read_new()))
		return wp_error_oom(err);
	/* ustar, pax and GNU tar; no other format, whatever the content */
	if (wp_la.archive_read_support_format_tar(r->a) != ARCHIVE_OK ||
	    enable_filters(r, flags) < ARCHIVE_WARN ||
	    wp_la.archive_read_open_fd(r->a, r->fd, CHUNK) != ARCHIVE_OK)
		return archive_fail(r, "cannot read the tar archive", err);
	return 0;
}

int wp_tar_reader_next(wp_tar_reader *r, wp_error **err)
{
	bool first = r->entry == NULL;
	int ar = wp_la.archive_read_next_header(r->a, &r->entry);

	/* a warning (a name in another charset, say) still gives an entry */
	if (ar == ARCHIVE_OK || ar == ARCHIVE_WARN) {
		r->index += first ? 0 : 1;
		return 1;
	}
	r->entry = NULL;
	if (ar == ARCHIVE_EOF)
		return 0;
	return archive_fail(r, first ? "not a tar archive" : "cannot read the tar archive", err);
}

int wp_tar_reader_read(wp_tar_reader *r, void *buf, size_t len, size_t *got, wp_error **err)
{
	size_t done = 0;

	while (done < len) {
		la_ssize_t n = wp_la.archive_read_data(r->a, (char *)buf + done, len - done);

		if (n < 0)
			return archive_fail(r, "cannot read the tar archive", err);
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*got = done;
	return 0;
}

int wp_tar_reader_copy(wp_tar_reader *r, int fd, uint64_t max, const char *what, uint64_t *copied,
		       wp_error **err)
{
	uint64_t total = 0;
	size_t n;
	int rc;

	do {
		if ((rc = wp_tar_reader_read(r, r->chunk, CHUNK, &n, err)) < 0)
			return rc;
		if (n > max - total)
			return wp_error_set(err, WP_ELIMIT,
					    "\"%s\" is over the limit of %" PRIu64 " bytes", what,
					    max);
		if ((rc = wp_write_all(fd, r->chunk, n, what, err)) < 0)
			return rc;
		total += n;
	} while (n == CHUNK);
	if (copied)
		*copied = total;
	return 0;
}

void wp_tar_reader_release(wp_tar_reader *r)
{
	if (r->a)
		wp_la.archive_read_free(r->a);
	if (r->fd >= 0)
		close(r->fd);
	free(r->name);
	free(r->chunk);
	r->a = NULL;
	r->fd = -1;
	r->name = NULL;
	r->chunk = NULL;
	r->entry = NULL;
}
