/*
 * A main for the fuzz harnesses without libFuzzer: run every file named on
 * the command line, or found directly in a folder named there, through
 * LLVMFuzzerTestOneInput once. `make test` runs the saved corpora this way
 * (tests/fuzz/corpus/<harness>, tests/fuzz/regress/<harness>) under the test
 * build's sanitizers; a crash there is a regression.
 *
 * A reproducer named open-* is a crash whose fix is not on this branch yet
 * (docs/reliability.md lists them): skipped unless TD_FUZZ_OPEN is set, and
 * renamed without the prefix when the fix lands.
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		if (f)
			fclose(f);
		return 0;
	}
	/* An exact-size heap copy, as libFuzzer gives, so ASan sees any over-read. */
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || (n && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		free(buf);
		fclose(f);
		return 0;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	long runs = 0;
	int ok = 1;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		struct dirent **list = NULL;
		int n;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: skipping '%s': no such file or folder\n", argv[i]);
			continue; /* regress/<harness>/ exists only once something was found */
		}
		if (!S_ISDIR(st.st_mode)) {
			runs += run_file(argv[i]);
			continue;
		}
		n = scandir(argv[i], &list, NULL, by_name);
		for (int j = 0; j < n; j++) {
			char path[4200];
			snprintf(path, sizeof(path), "%s/%s", argv[i], list[j]->d_name);
			if (strncmp(list[j]->d_name, "open-", 5) == 0 && !getenv("TD_FUZZ_OPEN")) {
				fprintf(stderr, "replay: skipping %s: a known open crash (TD_FUZZ_OPEN=1 runs it)\n",
					path);
			} else if (list[j]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				fprintf(stderr, "replay: %s\n", path);
				if (!run_file(path))
					ok = 0;
				else
					runs++;
			}
			free(list[j]);
		}
		free(list);
	}
	printf("replay: %ld inputs ran\n", runs);
	return ok && runs > 0 ? 0 : 1;
}
