/*
 * Fuzz the profile readers over the INI reader: the same bytes as a rule
 * profile (lib/rules.c), as the [id] section of one (lib/ids.c) and as a DGN
 * map profile (lib/mapprofile.c).
 */
#include "fuzz.h"

#include "ids.h"
#include "mapprofile.h"
#include "rules.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_write("profile.ini", data, size);
	td_rule_settings rules;
	td_id_settings ids;
	td_map_profile map;
	td_error err;

	td_rule_settings_init(&rules);
	td_error_init(&err);
	if (fz_note("rules", td_rule_profile_load(&rules, path, &err), &err) == TD_OK) {
		if (rules.n_area_bands < 1 || rules.n_area_bands > TD_AREA_BANDS_MAX ||
		    rules.area_bands[rules.n_area_bands - 1].max_area != 0)
			abort(); /* rules.h: the last band has no upper limit */
		for (int i = 0; i < TD_RULE_COUNT; i++)
			if (rules.group[i] != 2 && rules.group[i] != 3)
				abort();
		(void)td_rule_area_tolerance(&rules, 100.0);
	} else if (!err.msg[0]) {
		abort();
	}

	td_id_settings_init(&ids);
	td_error_init(&err);
	if (fz_note("id", td_id_profile_load(&ids, path, &err), &err) == TD_OK) {
		char id[TD_ID_MAX];
		if (!memchr(ids.format, '\0', sizeof(ids.format)) || td_id_length(&ids) <= 0)
			abort();
		td_error_init(&err);
		/* A loaded template can make an ID, and parse back what it made. */
		if (td_id_make(&ids, "11311", 1, id, sizeof(id), &err) == TD_OK &&
		    td_id_parse(&ids, id, NULL, NULL, &err) != TD_OK)
			abort();
	}

	td_map_profile_init(&map);
	td_error_init(&err);
	if (fz_note("map", td_map_profile_load(path, &map, &err), &err) == TD_OK) {
		if (map.dgn.nboundary < 1 || map.dgn.nboundary > 8)
			abort(); /* dgn.h: 1..8 entries */
	}
	return 0;
}
