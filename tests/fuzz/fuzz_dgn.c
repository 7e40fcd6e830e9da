/* Fuzz the DGN v7 sheet reader (lib/dgn.c) with both shipped level profiles. */
#include "fuzz.h"

#include "dgn.h"
#include "mapprofile.h"

#include <stdlib.h>
#include <string.h>

static td_map_profile separate, combined;

static void load(const char *path, td_map_profile *p)
{
	td_error err;

	td_error_init(&err);
	td_map_profile_init(p);
	if (td_map_profile_load(path, p, &err) != TD_OK)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init();
	load(TD_SCHEMAS "/maps/dgn-separate-labels.ini", &separate);
	load(TD_SCHEMAS "/maps/dgn-combined-label.ini", &combined);
	return 0;
}

/* What the header promises about a result, checked on every success. */
static void check(const td_dgn_result *r)
{
	for (size_t i = 0; i < r->nparcels; i++) {
		const td_dgn_parcel *p = &r->parcels[i];
		if (!memchr(p->landuse, '\0', sizeof(p->landuse)) || !p->wkb || p->wkb_len < 9 || p->wkb[0] != 1)
			abort();
		if (i > 0 && p->parcel < r->parcels[i - 1].parcel)
			abort(); /* sorted by parcel number */
	}
	for (size_t i = 0; i < r->nproblems; i++)
		if (!memchr(r->problems[i].text, '\0', sizeof(r->problems[i].text)))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_write("sheet.dgn", data, size);
	const td_map_profile *profiles[] = {&separate, &combined};
	td_dgn_result r;
	td_error err;

	td_dgn_result_init(&r);
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		td_error_init(&err);
		if (fz_note("dgn", td_dgn_read(fz_ctx()->geos, path, &profiles[i]->dgn, &r, &err), &err) == TD_OK)
			check(&r);
		else if (r.nparcels || r.nproblems || !err.msg[0])
			abort(); /* on failure out is empty and the message says why */
	}
	td_dgn_result_release(&r);
	return 0;
}
