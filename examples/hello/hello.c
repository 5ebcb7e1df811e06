/* The demo module: a WASI command that shows what it was started with, so
 * running it from the image proves Entrypoint, Cmd and Env made it through. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	const char *greeting = getenv("GREETING");

	printf("%s from WebAssembly!\n", greeting ? greeting : "Hello");
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	return 0;
}
