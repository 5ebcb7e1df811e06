/* genwasm: writes a valid WASI command module of about SIZE bytes, most of
 * it one data segment, for tests and benchmarks:
 *   genwasm SIZE OUT.wasm [SEED]
 * The data is deterministic and compresses roughly like real modules
 * (about 2.5x with gzip): runs of words mixed with runs of noise. Its
 * _start does nothing, so node:wasi runs it and exits 0. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint32_t rng(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 33);
}

static void put_leb(FILE *f, uint64_t v)
{
	do {
		unsigned char b = v & 0x7f;

		v >>= 7;
		if (v)
			b |= 0x80;
		fputc(b, f);
	} while (v);
}

static size_t leb_len(uint64_t v)
{
	size_t n = 1;

	while (v >>= 7)
		n++;
	return n;
}

static void section(FILE *f, int id, const unsigned char *body, size_t len)
{
	fputc(id, f);
	put_leb(f, len);
	fwrite(body, 1, len, f);
}

static void write_data(FILE *f, uint64_t n)
{
	static const char *const words[] = {
		"memory",  "table",	"global", "export", "import",	 "func",
		"i32.add", "local.get", "call",	  "return", "block",	 "loop",
		"br_if",   "i64",	"store",  "load",   "wasi",	 "fd_write",
		"args",	   "environ",	"clock",  "random", "proc_exit", "poll",
	};
	unsigned char buf[4096];

	while (n > 0) {
		size_t len = 0, want = n < sizeof(buf) ? (size_t)n : sizeof(buf);

		if (rng() % 10 < 7) {
			while (len < want) {
				const char *w = words[rng() % (sizeof(words) / sizeof(words[0]))];
				size_t k = strlen(w);

				if (k > want - len)
					k = want - len;
				memcpy(buf + len, w, k);
				len += k;
				if (len < want)
					buf[len++] = (unsigned char)(rng() % 4 ? ' ' : '\n');
			}
		} else {
			for (; len < want; len++)
				buf[len] = (unsigned char)rng();
		}
		fwrite(buf, 1, len, f);
		n -= len;
	}
}

int main(int argc, char **argv)
{
	static const unsigned char header[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
	static const unsigned char types[] = {1, 0x60, 0, 0};
	static const unsigned char funcs[] = {1, 0};
	static const unsigned char exports[] = {2, 6,	'_', 's', 't', 'a', 'r', 't', 0, 0,
						6, 'm', 'e', 'm', 'o', 'r', 'y', 2,   0};
	static const unsigned char code[] = {1, 2, 0, 0x0b};
	unsigned char memory[16];
	uint64_t size, data, pages;
	size_t m = 0;
	FILE *f;

	if (argc < 3 || (size = strtoull(argv[1], NULL, 10)) < 128) {
		fprintf(stderr, "usage: genwasm SIZE(>=128) OUT.wasm [SEED]\n");
		return 2;
	}
	rng_state = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
	data = size - 100;
	pages = data / 65536 + 1;
	memory[m++] = 1;
	memory[m++] = 0;
	{
		uint64_t v = pages;

		do {
			unsigned char b = v & 0x7f;

			v >>= 7;
			memory[m++] = (unsigned char)(v ? b | 0x80 : b);
		} while (v);
	}
	if (!(f = fopen(argv[2], "wb"))) {
		perror(argv[2]);
		return 1;
	}
	fwrite(header, 1, sizeof(header), f);
	section(f, 1, types, sizeof(types));
	section(f, 3, funcs, sizeof(funcs));
	section(f, 5, memory, m);
	section(f, 7, exports, sizeof(exports));
	section(f, 10, code, sizeof(code));
	/* data section: one active segment at offset 0 */
	fputc(11, f);
	put_leb(f, 1 + 1 + 3 + leb_len(data) + data);
	fputc(1, f);
	fputc(0, f);
	fputc(0x41, f); /* i32.const 0 */
	fputc(0, f);
	fputc(0x0b, f);
	put_leb(f, data);
	write_data(f, data);
	if (fclose(f) != 0) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
