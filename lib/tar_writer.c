#include <sys/stat.h>

#include "tar_writer.h"
#include "libarchive.h"
#include "fileio.h"
#include "common.h"

#define COPY_CHUNK (256 * 1024)

struct wp_tar_writer {
	struct archive *a;
	wp_sink sink;
	wp_error *sink_err; /* what the sink reported, kept across libarchive */
	unsigned char *chunk;
	bool finished;
	bool discarding; /* being freed unfinished: the sink may be gone */
};

static la_ssize_t on_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
	wp_tar_writer *w = ctx;

	(void)a;
	if (w->discarding)
		return (la_ssize_t)len;
	if (wp_sink_write(&w->sink, buf, len, &w->sink_err) < 0)
		return -1;
	return (la_ssize_t)len;
}

/* Turns a libarchive failure into a wp_error, preferring the sink's own. */
static int archive_fail(wp_tar_writer *w, const char *doing, wp_error **err)
{
	if (w->sink_err) {
		int code = w->sink_err->code;

		if (err && !*err) {
			*err = w->sink_err;
			w->sink_err = NULL;
		}
		return code;
	}
	return wp_error_set(err, WP_EGENERIC, "%s: %s", doing, wp_la.archive_error_string(w->a));
}

int wp_tar_writer_new(wp_tar_writer **out, wp_sink sink, wp_error **err)
{
	wp_tar_writer *w;

	if (wp_libarchive_load(err) < 0)
		return WP_EUNSUPPORTED;
	if (!(w = calloc(1, sizeof(*w))))
		return wp_error_oom(err);
	w->sink = sink;
	w->a = wp_la.archive_write_new();
	w->chunk = malloc(COPY_CHUNK);
	if (!w->a || !w->chunk) {
		wp_tar_writer_free(w);
		return wp_error_oom(err);
	}
	/* 64 KiB writes to the sink, and no padding of the last block beyond
	 * the two zero records (as Go's archive/tar) */
	if (wp_la.archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    wp_la.archive_write_set_bytes_per_block(w->a, 65536) != ARCHIVE_OK ||
	    wp_la.archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    wp_la.archive_write_open2(w->a, w, NULL, on_write, NULL, NULL) != ARCHIVE_OK) {
		int r = archive_fail(w, "cannot start a tar stream", err);

		wp_tar_writer_free(w);
		return r;
	}
	*out = w;
	return 0;
}

static int write_header(wp_tar_writer *w, const wp_tar_entry *e, wp_error **err)
{
	struct archive_entry *ae = wp_la.archive_entry_new();
	int r = 0;

	if (!ae)
		return wp_error_oom(err);
	wp_la.archive_entry_set_pathname(ae, e->path);
	wp_la.archive_entry_set_uid(ae, 0);
	wp_la.archive_entry_set_gid(ae, 0);
	wp_la.archive_entry_set_mtime(ae, e->mtime, 0);
	switch (e->type) {
	case WP_TAR_FILE:
		wp_la.archive_entry_set_filetype(ae, AE_IFREG);
		wp_la.archive_entry_set_size(ae, e->size);
		break;
	case WP_TAR_DIR:
		wp_la.archive_entry_set_filetype(ae, AE_IFDIR);
		wp_la.archive_entry_set_size(ae, 0);
		break;
	case WP_TAR_SYMLINK:
		wp_la.archive_entry_set_filetype(ae, AE_IFLNK);
		wp_la.archive_entry_set_symlink(ae, e->link_target);
		wp_la.archive_entry_set_size(ae, 0);
		break;
	}
	wp_la.archive_entry_set_perm(ae, e->mode & 07777);
	if (wp_la.archive_write_header(w->a, ae) != ARCHIVE_OK)
		r = archive_fail(w, "cannot add a tar entry", err);
	if (r < 0)
		wp_error_prefix(err, "tar entry \"%s\"", e->path);
	wp_la.archive_entry_free(ae);
	return r;
}

static int write_data(wp_tar_writer *w, const void *data, size_t len, wp_error **err)
{
	la_ssize_t n = wp_la.archive_write_data(w->a, data, len);

	if (n < 0 || (size_t)n != len)
		return archive_fail(w, "cannot write tar data", err);
	return 0;
}

int wp_tar_writer_add_fd(wp_tar_writer *w, const wp_tar_entry *entry, int fd, const char *what,
			 wp_error **err)
{
	int64_t left = entry->size;
	int r = write_header(w, entry, err);

	if (r < 0 || entry->type != WP_TAR_FILE)
		return r;
	while (left > 0) {
		size_t want = left < COPY_CHUNK ? (size_t)left : COPY_CHUNK, got = 0;

		r = wp_read_full(fd, w->chunk, want, &got, what, err);
		if (r < 0)
			return r;
		if (got < want)
			return wp_error_set(err, WP_EIO, "\"%s\" shrank while it was being read",
					    what);
		if ((r = write_data(w, w->chunk, got, err)) < 0)
			return r;
		left -= (int64_t)got;
	}
	/* one more byte means the file grew after its size was taken */
	{
		size_t got = 0;
		char extra;

		r = wp_read_full(fd, &extra, 1, &got, what, err);
		if (r == 0 && got)
			return wp_error_set(err, WP_EIO, "\"%s\" grew while it was being read",
					    what);
	}
	return r;
}

int wp_tar_writer_add_bytes(wp_tar_writer *w, const wp_tar_entry *entry, const void *data,
			    size_t len, wp_error **err)
{
	int r;

	if (entry->type != WP_TAR_FILE || entry->size < 0 || (uint64_t)entry->size != len)
		return wp_error_set(err, WP_EINVALID, "tar entry \"%s\": size mismatch",
				    entry->path);
	r = write_header(w, entry, err);
	return r < 0 ? r : write_data(w, data, len, err);
}

int wp_tar_writer_finish(wp_tar_writer *w, wp_error **err)
{
	if (w->finished)
		return 0;
	w->finished = true;
	if (wp_la.archive_write_close(w->a) != ARCHIVE_OK)
		return archive_fail(w, "cannot finish the tar stream", err);
	return 0;
}

void wp_tar_writer_free(wp_tar_writer *w)
{
	if (!w)
		return;
	w->discarding = true;
	if (w->a)
		wp_la.archive_write_free(w->a); /* closes if still open; output dropped */
	wp_error_free(w->sink_err);
	free(w->chunk);
	free(w);
}
