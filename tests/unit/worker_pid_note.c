/* Under valgrind (make check-valgrind), every test's worker process notes
 * its pid in $WP_TEST_PID_FILE as it exits normally (the runner, which runs
 * no test, notes nothing), so that tests/tools/valgrind-unit.sh can check
 * that each worker exited normally and reached valgrind's summary in its
 * own log, and see a pid used twice (whose first log was overwritten). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((destructor)) static void note_worker_pid(void)
{
	const char *file = getenv("WP_TEST_PID_FILE");
	char line[32];
	int fd, n;

	/* Criterion's runner has no current test; a worker keeps the pointer
	 * (its fields are cleared by the time destructors run) */
	if (!file || !criterion_current_test)
		return;
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (n > 0 && write(fd, line, (size_t)n) < 0)
		n = 0; /* a diagnostic only */
	close(fd);
}
