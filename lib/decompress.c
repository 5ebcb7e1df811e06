#include <zlib.h>
#include <zstd.h>

#include "decompress.h"
#include "fileio.h"
#include "common.h"

#define CHUNK ((size_t)256 << 10)

wp_compression wp_compression_sniff(const void *head, size_t len)
{
	const uint8_t *p = head;

	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return WP_COMPRESSION_GZIP;
	if (len >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return WP_COMPRESSION_ZSTD;
	return WP_COMPRESSION_NONE;
}

/* Input in CHUNK pieces; the first piece is what was sniffed. */
typedef struct input {
	int fd;
	const char *what;
	uint8_t *buf;
	size_t len;
	bool eof;
} input;

static int fill(input *in, wp_error **err)
{
	size_t got = 0;
	int r = wp_read_full(in->fd, in->buf, CHUNK, &got, in->what, err);

	in->len = got;
	in->eof = got < CHUNK;
	return r;
}

static int gunzip(input *in, uint8_t *out, wp_sink sink, wp_error **err)
{
	z_stream z = {0};
	bool ended = false;   /* the last member read was whole */
	bool pending = false; /* output filled: inflate may hold more */
	int r = 0;

	/* 16 + MAX_WBITS: gzip framing */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return wp_error_oom(err);
	z.next_in = in->buf;
	z.avail_in = (uInt)in->len;
	while (r == 0) {
		int zr;

		if (z.avail_in == 0 && !pending && !in->eof && (r = fill(in, err)) == 0) {
			z.next_in = in->buf;
			z.avail_in = (uInt)in->len;
		}
		if (r < 0 || (z.avail_in == 0 && !pending))
			break;
		z.next_out = out;
		z.avail_out = (uInt)CHUNK;
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr == Z_BUF_ERROR && pending) {
			/* nothing was held back after all */
			pending = false;
			continue;
		}
		if (zr != Z_OK && zr != Z_STREAM_END)
			r = wp_error_set(err, WP_EINVALID, "%s: not valid gzip (%s)", in->what,
					 z.msg ? z.msg : "corrupt data");
		else if (CHUNK - z.avail_out)
			r = wp_sink_write(&sink, out, CHUNK - z.avail_out, err);
		ended = zr == Z_STREAM_END;
		pending = zr == Z_OK && z.avail_out == 0;
		/* another member may follow */
		if (r == 0 && ended && inflateReset(&z) != Z_OK)
			r = wp_error_oom(err);
	}
	if (r == 0 && !ended)
		r = wp_error_set(err, WP_EINVALID, "%s: the gzip stream is cut short", in->what);
	inflateEnd(&z);
	return r;
}

static int unzstd(input *in, uint8_t *out, wp_sink sink, wp_error **err)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	ZSTD_inBuffer ib = {in->buf, in->len, 0};
	size_t left = 1;
	bool pending = false; /* output filled: more may be held back */
	int r = 0;

	if (!z)
		return wp_error_oom(err);
	for (;;) {
		ZSTD_outBuffer ob = {out, CHUNK, 0};

		if (ib.pos == ib.size && !pending && !in->eof) {
			if ((r = fill(in, err)) < 0)
				break;
			ib = (ZSTD_inBuffer){in->buf, in->len, 0};
		}
		if (ib.pos == ib.size && !pending)
			break;
		left = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(left)) {
			r = wp_error_set(err, WP_EINVALID, "%s: not valid zstd (%s)", in->what,
					 ZSTD_getErrorName(left));
			break;
		}
		if (ob.pos && (r = wp_sink_write(&sink, out, ob.pos, err)) < 0)
			break;
		pending = ob.pos == ob.size;
	}
	if (r == 0 && left != 0)
		r = wp_error_set(err, WP_EINVALID, "%s: the zstd stream is cut short", in->what);
	ZSTD_freeDStream(z);
	return r;
}

int wp_decompress_fd(int fd, const char *what, wp_sink out, wp_error **err)
{
	input in = {fd, what, malloc(CHUNK), 0, false};
	uint8_t *buf = malloc(CHUNK);
	int r = in.buf && buf ? fill(&in, err) : wp_error_oom(err);

	if (r == 0) {
		switch (wp_compression_sniff(in.buf, in.len)) {
		case WP_COMPRESSION_GZIP:
			r = gunzip(&in, buf, out, err);
			break;
		case WP_COMPRESSION_ZSTD:
			r = unzstd(&in, buf, out, err);
			break;
		default:
			while (r == 0 && in.len) {
				r = wp_sink_write(&out, in.buf, in.len, err);
				if (r == 0 && !in.eof)
					r = fill(&in, err);
				else
					break;
			}
		}
	}
	free(in.buf);
	free(buf);
	return r;
}
