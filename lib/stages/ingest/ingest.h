/*
 * Ingest: read a cadastral map and a land-register export into the workspace.
 *
 *     td_ingest_options o = TD_INGEST_OPTIONS_INIT;
 *     td_ingest_summary s;
 *     o.map = "map.gpkg";
 *     o.register_path = "register.csv";
 *     td_ingest_run(ws, &o, progress, arg, &s, &err);
 *
 * A DGN map (or a folder of them, one file per sheet) is read with a level
 * profile (schemas/maps/); what cannot become a parcel goes to map_problems.
 * Map fields are matched against a map column profile (schemas/maps/default.ini:
 * MaXa, SoTo/SoHieuToBanDo/shbando, SoThua/shthua, DienTich, LoaiDat/maloaidat
 * ...), register headers against a column profile (schemas/register/default.ini:
 * "Số tờ", "Số thửa", "Mục đích sử dụng"/"Loại đất", ...), ignoring case
 * and Vietnamese marks. Geometries are
 * reprojected into the workspace CRS. All of it is one transaction.
 *
 * Sources are known by content and options, not path (docs/sources.md):
 * the same bytes read with the same options change nothing whatever their
 * name; with other options (--source-crs, --encoding, --commune, a profile)
 * they are read again and replace their earlier rows; a changed file at a
 * known path, or a new map or register covering exactly the communes and
 * sheets of an earlier source of its kind, replaces it; one holding a
 * parcel an earlier source holds without covering the same sheets is
 * refused (TD_ERR_USAGE) unless --replace names the source to replace.
 * Options are all checked before any file is read.
 */
#ifndef TD_INGEST_H
#define TD_INGEST_H

#include "workspace.h"

typedef struct td_ingest_options {
	const char *map;              /* any polygon source GDAL reads, a DGN, or a folder of DGNs; may be NULL */
	const char *map_profile;      /* name in schemas/maps/ or a path: DGN levels ([dgn]; NULL: dgn-separate-labels)
					 or other maps' field names ([columns]; NULL: default) */
	const char *register_path;    /* register export: CSV, XLSX or XLS; may be NULL */
	const char *register_profile; /* column header names: schemas/register/NAME.ini or a path; NULL: default */
	const char *source_crs;       /* CRS of the map when the file names none */
	const char *source_province;  /* or: the VN-2000 TM-3 zone of this province code */
	const char *commune;          /* commune code when the map has no commune field */
	const char *boundaries;       /* commune boundary polygons (MaXa, TenXa); may be NULL */
	const char *encoding;         /* text encoding of a CSV register; NULL: detect (td_encoding_parse names) */
	const char *scans;            /* folder of scanned documents; may be NULL */
	const char *scan_pattern;     /* file-name pattern (see scans.h); NULL: the default */
	long long replace; /* > 0: the source (id in sources) the one map, register or boundaries file replaces */
	const char *layer; /* the map's parcel layer; NULL: every polygon layer with sheet and parcel fields */
} td_ingest_options;
#define TD_INGEST_OPTIONS_INIT                                                                                         \
	{                                                                                                              \
		NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL                              \
	}

typedef struct td_ingest_file {
	int given;             /* this input was part of the run */
	int unchanged;         /* same content and options as a source read before: nothing read */
	int replaced;          /* a previous version at the same path: its rows were replaced */
	int reread;            /* the same content read before with other options: its rows were replaced */
	long long source_id;   /* its row in sources */
	char known_path[1024]; /* unchanged or reread: the path the source was read from before */
	long long superseded;  /* the id of another source this one replaced (same coverage, or --replace); 0 none */
	char superseded_path[1024];
	long records; /* parcels or register rows stored */
	char checksum[9];
	char crs[160];     /* polygon sources: the CRS the features were read in */
	char encoding[16]; /* register: the text encoding it was read in */
} td_ingest_file;

#define TD_INGEST_MAX_WARNINGS 8

typedef struct td_ingest_summary {
	td_ingest_file map;
	td_ingest_file reg;
	td_ingest_file boundaries;
	td_ingest_file scans;
	int nwarnings;
	char warnings[TD_INGEST_MAX_WARNINGS][320];
	char json[1024]; /* the summary as JSON, also stored in runs */
} td_ingest_summary;

/*
 * Run the ingest stage in its own transaction (td_ws_begin/commit).
 * TD_ERR_INPUT names the file, the feature or row, and the field.
 */
td_status td_ingest_run(td_ws *ws, const td_ingest_options *opts, td_progress_fn progress, void *arg,
			td_ingest_summary *sum, td_error *err);

#endif
