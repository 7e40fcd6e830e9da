#include "mapprofile.h"
#include "ini.h"
#include "text.h"

#include <stdio.h>
#include <string.h>

void td_map_profile_init(td_map_profile *p)
{
	static const td_dgn_profile dgn = TD_DGN_PROFILE_INIT;

	memset(p, 0, sizeof(*p));
	p->dgn = dgn;
}

static td_status bad(const td_map_profile *p, int line, const char *key, const char *value, const char *expected,
		     td_error *err)
{
	return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: %s = '%s': expected %s", p->path, line, key, value,
			    expected);
}

/* A level number 0..63, or -1 for "none" when allowed. */
static int level(const char *value, int none_ok)
{
	long v;

	if (none_ok && strcmp(value, "none") == 0)
		return -1;
	return td_text_parse_long(value, &v) && v >= 0 && v <= 63 ? (int)v : -2;
}

static td_status boundary_levels(td_map_profile *p, const char *value, int line, td_error *err)
{
	char buf[256];
	char *save = NULL;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", value);
	for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		int l = level(tok, 0);
		if (l < 0 || n == 8)
			return bad(p, line, "boundary_levels", value, "1 to 8 levels 0-63, separated by commas", err);
		p->dgn.boundary_levels[n++] = l;
	}
	if (n == 0)
		return bad(p, line, "boundary_levels", value, "1 to 8 levels 0-63, separated by commas", err);
	p->dgn.nboundary = n;
	return TD_OK;
}

static td_status on_key(const char *section, const char *key, const char *value, int line, void *arg, td_error *err)
{
	td_map_profile *p = arg;
	int *levels[] = {&p->dgn.parcel_label_level, &p->dgn.landuse_label_level, &p->dgn.area_label_level,
			 &p->dgn.sheet_label_level};
	const char *level_keys[] = {"parcel_level", "landuse_level", "area_level", "sheet_level"};

	if (strcmp(section, "columns") == 0)
		return TD_OK; /* field names for maps other than DGN, read by ingest */
	if (strcmp(section, "dgn") != 0)
		return td_error_set(err, TD_ERR_USAGE,
				    "'%s' line %d: unknown section [%s] (expected [dgn] or [columns])", p->path, line,
				    section);
	if (!key)
		return TD_OK;
	if (strcmp(key, "boundary_levels") == 0)
		return boundary_levels(p, value, line, err);
	for (int i = 0; i < 4; i++) {
		if (strcmp(key, level_keys[i]) == 0) {
			int l = level(value, i > 0);
			if (l == -2)
				return bad(p, line, key, value, i > 0 ? "a level 0-63 or none" : "a level 0-63", err);
			*levels[i] = l;
			return TD_OK;
		}
	}
	if (strcmp(key, "combined_labels") == 0) {
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			return bad(p, line, key, value, "yes or no", err);
		p->dgn.combined_labels = value[0] == 'y';
		return TD_OK;
	}
	if (strcmp(key, "encoding") == 0) {
		td_error e;
		td_error_init(&e);
		if (td_encoding_parse(value, &p->dgn.text_encoding, &e) != TD_OK)
			return bad(p, line, key, value, "utf8, tcvn3, vni, cp1258 or viscii", err);
		return TD_OK;
	}
	if (strcmp(key, "file_name") == 0 || strcmp(key, "crs") == 0) {
		char *dst = key[0] == 'f' ? p->file_name : p->crs;
		size_t size = key[0] == 'f' ? sizeof(p->file_name) : sizeof(p->crs);
		if (strlen(value) >= size)
			return bad(p, line, key, value, "a shorter value", err);
		memcpy(dst, value, strlen(value) + 1);
		return TD_OK;
	}
	return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: unknown setting '%s' in [dgn]", p->path, line, key);
}

td_status td_map_profile_load(const char *path, td_map_profile *p, td_error *err)
{
	td_map_profile_init(p);
	snprintf(p->path, sizeof(p->path), "%s", path);
	return td_ini_parse(path, on_key, p, err);
}
