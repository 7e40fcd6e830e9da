/*
 * Map profiles: how to read a cadastral map whose layout is a convention
 * rather than a schema (DGN: which level holds what). A profile is an INI
 * file in schemas/maps/ (see schemas/maps/README.md):
 *
 *     [dgn]
 *     boundary_levels = 10
 *     parcel_level    = 13
 *     landuse_level   = 2        ; or none
 *     area_level      = 4        ; or none
 *     combined_labels = no       ; yes: "1L654/119.3" on parcel_level
 *     sheet_level     = none     ; a level holding the sheet number text
 *     encoding        = tcvn3
 *     file_name       = {commune}_{sheet}
 *     crs             = EPSG:9210 ; or province:31, or empty
 *
 *     td_map_profile p;
 *     if (td_map_profile_load("schemas/maps/dgn-separate-labels.ini", &p, &err) != TD_OK)
 *         ...err.msg names the file and line...
 */
#ifndef TD_MAPPROFILE_H
#define TD_MAPPROFILE_H

#include "dgn.h"
#include "error.h"

typedef struct td_map_profile {
	char path[512];
	td_dgn_profile dgn;
	char file_name[128]; /* pattern of td_scans_match ({commune} {sheet} {any}); "" if names carry nothing */
	char crs[128];       /* "EPSG:n", a PROJ string, "province:NN", or "" */
} td_map_profile;

/* Defaults: TD_DGN_PROFILE_INIT, no file-name pattern, no CRS. */
void td_map_profile_init(td_map_profile *p);

/* Load path over the defaults. TD_ERR_USAGE naming the line for a bad key or value, TD_ERR_INPUT if unreadable. */
td_status td_map_profile_load(const char *path, td_map_profile *p, td_error *err);

#endif
