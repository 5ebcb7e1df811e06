/* Static data with long runs of zeros (sparse arrays, padded strings,
 * mostly-empty tables) next to zero-initialised storage: the data segments
 * -Oz merges and trims. */
#include <stdio.h>
#include <string.h>

static int sparse[4096] = {[0] = 1, [100] = 2, [1000] = 3, [4095] = 4};
static char padded[512] = "padded string";
static const unsigned short table[64] = {7, 0, 0, 0, 0, 0, 0, 0, 9, [63] = 11};
static double coeffs[32] = {1.5, 0.0, 0.0, 2.25};
static const char banner[] = "zero runs";
static char scratch[10000];
static long counters[256] = {[255] = -1};

int main(void)
{
	long sum = 0;
	double acc = 0;

	for (int i = 0; i < 4096; i++)
		sum += (long)sparse[i] * (i + 1);
	for (int i = 0; i < 64; i++)
		sum += table[i] * i;
	for (int i = 0; i < 32; i++)
		acc += coeffs[i] * (i + 1);
	for (int i = 0; i < 10000; i++)
		sum += scratch[i];
	memset(scratch, 'x', 100);
	strcat(padded, " + more");
	counters[3] += 5;
	for (int i = 0; i < 256; i++)
		sum += counters[i];
	printf("%s: sum %ld acc %.2f\n", banner, sum, acc);
	printf("padded \"%s\" (%zu), scratch starts \"%.5s\"\n", padded, strlen(padded), scratch);
	return 0;
}
