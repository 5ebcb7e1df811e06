/* malloc, calloc, realloc and free, and printf with many conversions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
	int value;
	struct node *next;
};

static unsigned hash(const char *s, size_t n)
{
	unsigned h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

int main(void)
{
	struct node *head = NULL;
	long total = 0;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int *zeros;
	int nonzero = 0;

	for (int i = 0; i < 1000; i++) {
		struct node *n = malloc(sizeof(*n));

		if (!n)
			return 1;
		n->value = i * i % 977;
		n->next = head;
		head = n;
	}
	while (head) {
		struct node *next = head->next;

		total += head->value;
		free(head);
		head = next;
	}
	printf("list total %ld\n", total);

	for (int i = 0; i < 300; i++) {
		char item[32];
		int k = snprintf(item, sizeof(item), "item %d,", i);

		if (len + (size_t)k + 1 > cap) {
			cap = cap ? cap * 2 : 16;
			buf = realloc(buf, cap);
			if (!buf)
				return 1;
		}
		memcpy(buf + len, item, (size_t)k + 1);
		len += (size_t)k;
	}
	printf("buffer %zu bytes, capacity %zu, hash %08x\n", len, cap, hash(buf, len));
	free(buf);

	zeros = calloc(4096, sizeof(int));
	if (!zeros)
		return 1;
	for (int i = 0; i < 4096; i++)
		nonzero += zeros[i] != 0;
	free(zeros);
	printf("calloc: %d non-zero\n", nonzero);

	printf("%.3f %e %g %x %o %c [%5d] [%-5d] %s %%\n", 3.14159265, 12345.678, 0.0001, 255, 8,
	       'A', 42, 42, "done");
	printf("%lld %llu %hhd\n", -9000000000LL, 18000000000ULL, (signed char)200);
	return 0;
}
