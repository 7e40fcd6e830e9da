/*
 * Fuzz `thuadat id check` (td_id_parse, lib/ids.c) and the ID template
 * parser. Input: an ID; or "template\nID" to check it under that template.
 * Whatever parses must be what td_id_make writes for its commune and
 * sequence, and what td_id_make writes must parse.
 */
#include "fuzz.h"

#include "ids.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init();
	return 0;
}

static void round_trip(const td_id_settings *s, const char *id)
{
	char commune[6], again[TD_ID_MAX];
	long seq = -1;
	td_error err;

	td_error_init(&err);
	if (td_id_parse(s, id, commune, &seq, &err) == TD_OK) {
		td_error_init(&err);
		if (seq < 1 || td_id_make(s, commune, seq, again, sizeof(again), &err) != TD_OK ||
		    strcmp(again, id) != 0)
			abort();
	} else if (!err.msg[0]) {
		abort();
	}
	(void)td_iso7064_valid(s->check, id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size);
	char *nl = strchr(text, '\n');
	const char *id = text;
	td_id_settings s;
	td_error err;

	td_id_settings_init(&s);
	if (nl) {
		*nl = '\0';
		id = nl + 1;
		td_error_init(&err);
		if (td_id_set_format(&s, text, &err) != TD_OK) {
			free(text);
			return 0;
		}
	}
	for (int alg = 0; alg < 2; alg++) {
		char made[TD_ID_MAX];
		s.check = alg ? TD_ID_MOD11_10 : TD_ID_MOD97_10;
		round_trip(&s, id);
		td_error_init(&err);
		if (td_id_make(&s, "11311", 1, made, sizeof(made), &err) == TD_OK)
			round_trip(&s, made);
	}
	free(text);
	return 0;
}
