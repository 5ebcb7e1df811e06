/* qsort with comparison callbacks and calls through function pointers (the
 * module's table and call_indirect, which -Oz must keep working), and two
 * functions with identical bodies whose addresses are taken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct person {
	const char *name;
	int born;
};

static struct person people[] = {
	{"Ada", 1815},	    {"Grace", 1906},   {"Linus", 1969}, {"Barbara", 1939},
	{"Ken", 1943},	    {"Dennis", 1941},  {"Edsger", 1930}, {"Frances", 1932},
	{"Margaret", 1936}, {"Donald", 1938},
};

static int by_year(const void *a, const void *b)
{
	const struct person *x = a, *y = b;

	return (x->born > y->born) - (x->born < y->born);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct person *)a)->name, ((const struct person *)b)->name);
}

static int by_name_desc(const void *a, const void *b)
{
	return -by_name(a, b);
}

static int by_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int add(int a, int b)
{
	return a + b;
}

static int sub(int a, int b)
{
	return a - b;
}

static int mul(int a, int b)
{
	return a * b;
}

/* the same body twice */
static int step_a(int x)
{
	return x * 3 + 1;
}

static int step_b(int x)
{
	return x * 3 + 1;
}

static int (*const ops[])(int, int) = {add, sub, mul};
static int (*const orders[])(const void *, const void *) = {by_year, by_name, by_name_desc};
static const char *const order_names[] = {"year", "name", "name, descending"};

int main(int argc, char **argv)
{
	size_t n = sizeof(people) / sizeof(people[0]);
	int nums[200];
	unsigned seed = 12345;
	long sum = 0;
	int (*volatile step)(int) = argc > 10 ? step_a : step_b;

	for (int k = 0; k < 3; k++) {
		qsort(people, n, sizeof(people[0]), orders[k]);
		printf("by %s:", order_names[k]);
		for (size_t i = 0; i < n; i++)
			printf(" %s(%d)", people[i].name, people[i].born);
		printf("\n");
	}
	for (int i = 0; i < 200; i++) {
		seed = seed * 1103515245u + 12345u;
		nums[i] = (int)(seed >> 8) % 10000 - 5000;
	}
	qsort(nums, 200, sizeof(int), by_int);
	for (int i = 0; i < 200; i++)
		sum += nums[i] * (i + 1);
	printf("min %d max %d weighted %ld\n", nums[0], nums[199], sum);
	for (int i = 0; i < 3; i++)
		printf("op %d: %d\n", i, ops[i](7 + argc, 3));
	printf("steps: %d %d %d\n", step(argc), step_a(argc + 1), step_b(argc + 2));
	printf("argv[0] = %s\n", argv[0]);
	return 0;
}
