#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int passed, failed;

static void result(int ok)
{
	if (ok)
		passed++;
	else
		failed++;
}

void tap_check_int(const char *file, int line, const char *expr, long long expected, long long actual)
{
	result(expected == actual);
	if (expected != actual)
		fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", file, line, expr, expected, actual);
}

void tap_check_dbl(const char *file, int line, const char *expr, double expected, double actual, double tol)
{
	int ok = fabs(expected - actual) <= tol;
	result(ok);
	if (!ok)
		fprintf(stderr, "%s:%d: %s: expected %.9g (±%g), got %.9g\n", file, line, expr, expected, tol, actual);
}

void tap_check_str(const char *file, int line, const char *expr, const char *expected, const char *actual)
{
	int ok = (expected == NULL && actual == NULL) || (expected && actual && strcmp(expected, actual) == 0);
	result(ok);
	if (!ok)
		fprintf(stderr, "%s:%d: %s: expected \"%s\", got \"%s\"\n", file, line, expr,
			expected ? expected : "(null)", actual ? actual : "(null)");
}

void tap_check_true(const char *file, int line, const char *expr, int cond)
{
	result(cond);
	if (!cond)
		fprintf(stderr, "%s:%d: check failed: %s\n", file, line, expr);
}

int tap_done(void)
{
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}

const char *tap_tmpdir(const char *name)
{
	static char path[4096];
	const char *base = getenv("TD_TMP");

	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(path, sizeof(path), "%s/%s", base, name);
	mkdir(path, 0700);
	return path;
}
