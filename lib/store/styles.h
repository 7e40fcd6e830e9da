/*
 * QGIS layer styles in the workspace: schemas/qgis/<layer>.qml become the
 * default styles of the layers parcels (by group, labelled with the parcel
 * number), findings (by severity) and finding_areas (hatched), as rows of
 * the GeoPackage table layer_styles that QGIS reads when it opens a layer.
 *
 *     td_styles_load(ws, &err);    (inside td_ws_create's transaction)
 */
#ifndef TD_STYLES_H
#define TD_STYLES_H

#include "db.h"

/*
 * Insert the styles of schemas/qgis into layer_styles (created by
 * workspace.sql). TD_ERR_USAGE naming a missing or unreadable .qml file.
 */
td_status td_styles_load(td_ws *ws, td_error *err);

#endif
