/* A CPU-heavy WASI benchmark: FNV-1a and a xorshift mix over a buffer,
 * many rounds; prints a checksum so every build must compute the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	size_t n = 1 << 20, rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : 200;
	uint8_t *buf = malloc(n);
	uint64_t x = 88172645463325252ull, h = 1469598103934665603ull;

	if (!buf)
		return 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	for (size_t r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			h ^= buf[i];
			h *= 1099511628211ull;
			buf[i] = (uint8_t)(h >> 29);
		}
	printf("%016llx\n", (unsigned long long)h);
	free(buf);
	return 0;
}
