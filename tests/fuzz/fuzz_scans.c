/*
 * Fuzz the scan file-name pattern (lib/scans.c). Input: "pattern\nname";
 * without a newline the whole input is a name under the default pattern.
 */
#include "fuzz.h"

#include "scans.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init();
	return 0;
}

/* Fields are strings: a match must leave them NUL-terminated inside their arrays. */
static void check(const td_scan_file *f)
{
	if (!memchr(f->commune, '\0', sizeof(f->commune)) || !memchr(f->kind, '\0', sizeof(f->kind)))
		abort();
	if (f->matched && (!f->commune[0] || f->sheet <= 0 || f->parcel <= 0))
		abort(); /* scans.h: matched needs commune, sheet and parcel */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size);
	char *nl = strchr(text, '\n');
	const char *pattern = TD_SCANS_DEFAULT_PATTERN, *name = text;
	td_scan_file f;

	if (nl) {
		*nl = '\0';
		pattern = text;
		name = nl + 1;
	}
	memset(&f, 0, sizeof(f));
	f.matched = td_scans_match(pattern, name, &f);
	check(&f);
	memset(&f, 0, sizeof(f));
	(void)td_scans_match_name(pattern, name, &f);
	f.matched = 0;
	check(&f);
	free(text);
	return 0;
}
