/* A WASI command in C: prints a greeting and its arguments. */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("Hello from C on WebAssembly!\n");
	for (int i = 1; i < argc; i++)
		printf("arg: %s\n", argv[i]);
	return 0;
}
