#include "styles.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QML_MAX (1 << 20) /* a style is a few kB; anything this big is not one */

/* The layers with a style, their file in schemas/qgis and the style's name in QGIS's style list. */
static const struct {
	const char *layer, *file, *name;
} styles[] = {
	{"parcels", "qgis/parcels.qml", "thuadat: nhóm thửa đất"},
	{"findings", "qgis/findings.qml", "thuadat: mức độ lỗi"},
	{"finding_areas", "qgis/finding_areas.qml", "thuadat: vùng lỗi"},
};

/* The whole file at path, NUL-terminated, into *out (caller frees). */
static td_status read_text(const char *path, char **out, td_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;
	td_status rc = TD_OK;

	*out = NULL;
	if (!f)
		return td_error_set(err, TD_ERR_USAGE, "cannot read '%s': %s", path, strerror(errno));
	buf = malloc(QML_MAX + 1);
	if (!buf) {
		fclose(f);
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	}
	n = fread(buf, 1, QML_MAX + 1, f);
	if (ferror(f))
		rc = td_error_set(err, TD_ERR_USAGE, "cannot read '%s': %s", path, strerror(errno));
	else if (n > QML_MAX)
		rc = td_error_set(err, TD_ERR_USAGE, "'%s': more than %d bytes, not a layer style", path, QML_MAX);
	else if (n == 0 || !strstr(buf, "<qgis"))
		rc = td_error_set(err, TD_ERR_USAGE, "'%s' is not a QGIS style (.qml)", path);
	fclose(f);
	if (rc != TD_OK) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	return TD_OK;
}

td_status td_styles_load(td_ws *ws, td_error *err)
{
	sqlite3_stmt *st = NULL;
	char path[4200], *qml = NULL;
	td_status rc =
		td_ws_prepare(ws,
			      "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
			      "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner) "
			      "VALUES ('', '', ?1, 'geom', ?2, ?3, '', 1, 'thuadat ' || ?4, '')",
			      &st, err);

	for (size_t i = 0; rc == TD_OK && i < sizeof(styles) / sizeof(styles[0]); i++) {
		rc = td_ctx_schema_file(ws->ctx, styles[i].file, path, sizeof(path), err);
		if (rc == TD_OK)
			rc = read_text(path, &qml, err);
		if (rc != TD_OK)
			break;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, styles[i].layer, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, styles[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, qml, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, TD_VERSION, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = td_ws_sqlerr(ws, "insert layer style", err);
		free(qml);
		qml = NULL;
	}
	sqlite3_finalize(st);
	return rc;
}
