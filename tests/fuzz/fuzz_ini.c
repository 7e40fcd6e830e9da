/* Fuzz the INI reader (lib/ini.c) that job files and every profile go through. */
#include "fuzz.h"

#include "ini.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init();
	return 0;
}

/* What ini.h promises the callback; any break of it aborts. */
static td_status on_key(const char *section, const char *key, const char *value, int line, void *arg, td_error *err)
{
	int *last = arg;

	(void)err;
	if (!section || (key == NULL) != (value == NULL) || (key && !*key) || line <= *last)
		abort();
	if (key && (strchr(key, '\n') || strchr(value, '\n') || strchr(key, '=')))
		abort();
	*last = line;
	return TD_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_write("file.ini", data, size);
	int last = 0;
	td_error err;

	td_error_init(&err);
	if (td_ini_parse(path, on_key, &last, &err) != TD_OK && !err.msg[0])
		abort();
	return 0;
}
