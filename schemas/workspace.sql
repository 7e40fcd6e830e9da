-- thuadat workspace schema, version 2 (TD_SCHEMA_VERSION in lib/workspace.h).
-- A GeoPackage 1.3 file: the gpkg_* tables make it open in QGIS and GDAL;
-- the other tables are plain SQLite tables beside the layers.
-- @SRS_ID@ is replaced with the workspace CRS's srs_id when the file is made.

PRAGMA application_id = 1196444487;  -- 'GPKG'
PRAGMA user_version = 10300;         -- GeoPackage 1.3.0

CREATE TABLE gpkg_spatial_ref_sys (
	srs_name TEXT NOT NULL,
	srs_id INTEGER PRIMARY KEY,
	organization TEXT NOT NULL,
	organization_coordsys_id INTEGER NOT NULL,
	definition TEXT NOT NULL,
	description TEXT
);
CREATE TABLE gpkg_contents (
	table_name TEXT NOT NULL PRIMARY KEY,
	data_type TEXT NOT NULL,
	identifier TEXT UNIQUE,
	description TEXT DEFAULT '',
	last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
	min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
	srs_id INTEGER REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
	table_name TEXT NOT NULL UNIQUE REFERENCES gpkg_contents(table_name),
	column_name TEXT NOT NULL,
	geometry_type_name TEXT NOT NULL,
	srs_id INTEGER NOT NULL REFERENCES gpkg_spatial_ref_sys(srs_id),
	z TINYINT NOT NULL,
	m TINYINT NOT NULL,
	PRIMARY KEY (table_name, column_name)
);
CREATE TABLE gpkg_extensions (
	table_name TEXT,
	column_name TEXT,
	extension_name TEXT NOT NULL,
	definition TEXT NOT NULL,
	scope TEXT NOT NULL,
	UNIQUE (table_name, column_name, extension_name)
);

-- Workspace identity: schema_version, crs, srs_id, created_at.
CREATE TABLE ws_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Every command that changed the workspace, written in the same
-- transaction as its changes: a killed run leaves no row.
CREATE TABLE runs (
	id INTEGER PRIMARY KEY,
	command TEXT NOT NULL,
	argv TEXT NOT NULL,
	os_user TEXT NOT NULL,
	started_at TEXT NOT NULL,
	finished_at TEXT,
	summary TEXT
);

-- The audit trail: one entry per command that changed the workspace
-- (init included), appended in the same transaction as the change. Each
-- entry's hash is SHA-256 over its fields and the previous entry's hash
-- (docs/audit.md gives the exact serialization); ws_meta 'audit_head'
-- holds the last entry's "id hash", so removing the last entry shows too.
-- Command lines are stored with ID numbers masked.
CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY,       -- 1, 2, 3, ... without gaps
	run_id INTEGER,               -- the runs row; NULL for init
	time TEXT NOT NULL,           -- UTC, yyyy-mm-ddThh:mm:ss.sssZ
	os_user TEXT NOT NULL,
	command TEXT NOT NULL,        -- the stage: init, ingest, check, ...
	argv TEXT NOT NULL,           -- the command line
	inputs TEXT NOT NULL,         -- JSON array of {"kind","path","checksum"}
	changes TEXT NOT NULL,        -- JSON object: table -> {"inserted","updated","deleted"}
	summary TEXT,                 -- the stage's summary (JSON), as in runs
	prev_hash TEXT NOT NULL,      -- hex; 64 zeros for the first entry
	hash TEXT NOT NULL            -- hex SHA-256
);

-- One row per ingested file (a DGN sheet, a scan folder). A source is known
-- by its kind, checksum, size and options, not its path: the same bytes
-- under another name change nothing; other options re-read it; a changed
-- file, or a new one covering the same communes and sheets, replaces the
-- rows that point to it (lib/ingest.c, docs/sources.md).
CREATE TABLE sources (
	id INTEGER PRIMARY KEY,
	path TEXT NOT NULL UNIQUE,    -- where it was last read from
	kind TEXT NOT NULL CHECK (kind IN ('map', 'register', 'boundaries', 'scans')),
	reader TEXT NOT NULL,
	encoding TEXT,
	crs TEXT,
	checksum TEXT NOT NULL,   -- CRC-32 of the bytes, hex
	size INTEGER NOT NULL,
	records INTEGER NOT NULL,
	run_id INTEGER NOT NULL REFERENCES runs(id),
	options TEXT              -- the options it was read with, e.g. "source-crs=EPSG:9209;encoding=tcvn3"
);

-- Parcels as drawn on the map. Keys are not unique: duplicates are findings.
CREATE TABLE parcels (
	fid INTEGER PRIMARY KEY AUTOINCREMENT,
	geom MULTIPOLYGON,
	commune TEXT NOT NULL,
	sheet INTEGER NOT NULL,
	parcel INTEGER NOT NULL,
	landuse TEXT,
	map_area REAL,            -- the area written on the map, m²
	attrs TEXT,               -- the source's other fields as a JSON object, decoded to UTF-8 NFC
	source_id INTEGER NOT NULL REFERENCES sources(id),
	source_feature INTEGER NOT NULL,
	grp INTEGER,              -- parcel group 1/2/3 after classify
	parcel_id TEXT,           -- stable unique ID (mã định danh thửa đất), set by assign-id
	address_link TEXT         -- link field for the national digital-address platform
);
CREATE INDEX parcels_key ON parcels(commune, sheet, parcel);
CREATE INDEX parcels_source ON parcels(source_id);

-- What a map reader could not turn into parcels (DGN: faces without a
-- parcel number, labels outside every face, a second number in a face,
-- boundary lines that close no face). check reports each as a MAP_* finding.
CREATE TABLE map_problems (
	id INTEGER PRIMARY KEY,
	source_id INTEGER NOT NULL REFERENCES sources(id),
	element INTEGER,              -- DGN element id; NULL for a face
	kind TEXT NOT NULL CHECK (kind IN ('label_missing', 'label_outside', 'label_twice', 'line_dangling')),
	commune TEXT NOT NULL,
	sheet INTEGER NOT NULL,
	parcel INTEGER,               -- label_twice: the parcel the face kept
	x REAL NOT NULL,              -- location in the workspace CRS
	y REAL NOT NULL,
	text TEXT                     -- the label, decoded to UTF-8
);
CREATE INDEX map_problems_source ON map_problems(source_id);

-- Rows of the land register (sổ địa chính) export.
CREATE TABLE register_rows (
	id INTEGER PRIMARY KEY,
	source_id INTEGER NOT NULL REFERENCES sources(id),
	source_row INTEGER NOT NULL,  -- spreadsheet row number, header = 1
	commune TEXT NOT NULL,
	sheet INTEGER NOT NULL,
	parcel INTEGER NOT NULL,
	area REAL,
	landuse TEXT,
	owner_name TEXT,
	cccd TEXT,                    -- text: leading zeros matter
	birth_year INTEGER,
	gender TEXT,
	gcn_serial TEXT,              -- certificate (GCN) serial, "Số phát hành"
	gcn_date TEXT,                -- certificate issue date, yyyy-mm-dd
	last_change TEXT,             -- last recorded change, yyyy-mm-dd
	pending_since TEXT,           -- a change filed and not yet done, yyyy-mm-dd
	owner_id INTEGER REFERENCES owners(id)
);
CREATE INDEX register_key ON register_rows(commune, sheet, parcel);
CREATE INDEX register_source ON register_rows(source_id);

-- One row per defect; the point is where to look. Replaced by each check.
CREATE TABLE findings (
	fid INTEGER PRIMARY KEY AUTOINCREMENT,
	geom POINT,
	rule_id TEXT NOT NULL,
	severity TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
	criterion TEXT NOT NULL,
	commune TEXT,
	sheet INTEGER,
	parcel INTEGER,
	other_commune TEXT,
	other_sheet INTEGER,
	other_parcel INTEGER,
	value REAL,
	tolerance REAL,
	message TEXT NOT NULL
);
CREATE INDEX findings_key ON findings(commune, sheet, parcel);

-- The area of a finding that has one (overlap, gap, part outside the
-- commune), as a polygon layer; fid is the finding's fid.
CREATE TABLE finding_areas (
	fid INTEGER PRIMARY KEY REFERENCES findings(fid),
	geom MULTIPOLYGON,
	rule_id TEXT NOT NULL,
	commune TEXT,
	sheet INTEGER,
	parcel INTEGER
);

-- Commune boundaries (ingest --boundaries), for OUTSIDE_COMMUNE.
CREATE TABLE communes (
	fid INTEGER PRIMARY KEY AUTOINCREMENT,
	geom MULTIPOLYGON,
	code TEXT NOT NULL,
	name TEXT,
	source_id INTEGER NOT NULL REFERENCES sources(id)
);
CREATE INDEX communes_code ON communes(code);

-- The scanned-document inventory (the third information block).
CREATE TABLE scans (
	id INTEGER PRIMARY KEY,
	source_id INTEGER NOT NULL REFERENCES sources(id),
	path TEXT NOT NULL,
	size INTEGER NOT NULL,
	checksum TEXT NOT NULL,
	kind TEXT,                    -- GCN, CCCD, dossier, ...
	readable INTEGER NOT NULL,    -- 1 when the header is a real PDF/JPEG/PNG/TIFF
	commune TEXT,
	sheet INTEGER,
	parcel INTEGER
);
CREATE INDEX scans_key ON scans(commune, sheet, parcel);

-- Group of every parcel known to the map or the register, with reasons.
CREATE TABLE parcel_grade (
	commune TEXT NOT NULL,
	sheet INTEGER NOT NULL,
	parcel INTEGER NOT NULL,
	grp INTEGER NOT NULL CHECK (grp IN (1, 2, 3)),
	failed_criteria TEXT NOT NULL,
	rule_ids TEXT NOT NULL,
	PRIMARY KEY (commune, sheet, parcel)
);

-- One row per person holding land, linked from register_rows.owner_id.
-- person_key identifies the person across files and workspaces:
-- 'cccd:<number>' when the register gives a 9- or 12-digit number, else
-- 'name:<td_name_key(name)>|<birth year>'. Ingest adds owners and keeps
-- existing ones (and their verification state) when a register is re-read.
CREATE TABLE owners (
	id INTEGER PRIMARY KEY,
	person_key TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	cccd TEXT,
	birth_year INTEGER,
	gender TEXT,
	verification TEXT NOT NULL DEFAULT 'unverified'
		CHECK (verification IN ('unverified', 'matched', 'mismatched', 'not_found')),
	verified_run INTEGER REFERENCES runs(id)
);
CREATE INDEX owners_cccd ON owners(cccd);

-- Previous values of owners' details changed by reconcile (or merge);
-- reconcile records verification changes here too (field 'verification').
CREATE TABLE owner_history (
	id INTEGER PRIMARY KEY,
	owner_id INTEGER NOT NULL REFERENCES owners(id),
	run_id INTEGER NOT NULL REFERENCES runs(id),
	field TEXT NOT NULL,
	old_value TEXT,
	new_value TEXT
);
CREATE INDEX owner_history_owner ON owner_history(owner_id);

-- Every row of every C06 reply reconciled, kept whatever became of it:
-- applied to its owner, unanswered (no status), unmatched (no owner sent
-- to C06 has its keys) or conflict (another row of the same run gave the
-- owner a different answer).
CREATE TABLE c06_replies (
	id INTEGER PRIMARY KEY,
	run_id INTEGER NOT NULL REFERENCES runs(id),
	file TEXT NOT NULL,
	sheet TEXT,                   -- spreadsheets: the sheet's name
	row INTEGER NOT NULL,         -- spreadsheet row (header = its own row), CSV line
	owner_ref INTEGER,            -- "Mã chủ sử dụng" as the reply gives it
	owner_id INTEGER REFERENCES owners(id),  -- the owner it was applied to; NULL when unmatched
	status TEXT CHECK (status IN ('matched', 'mismatched', 'not_found')),
	cccd TEXT,                    -- the key columns as the reply gives them
	owner_name TEXT,
	birth_year INTEGER,
	new_cccd TEXT,                -- corrected values, when given
	new_name TEXT,
	new_birth_year INTEGER,
	new_gender TEXT,
	note TEXT,
	outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'unanswered', 'unmatched', 'conflict')),
	reason TEXT                   -- why a row was not applied
);
CREATE INDEX c06_replies_owner ON c06_replies(owner_id);

-- Every parcel ID ever issued; an ID is never reused.
CREATE TABLE id_registry (
	id TEXT PRIMARY KEY,
	commune TEXT NOT NULL,          -- commune code the ID was issued under
	seq INTEGER NOT NULL,           -- sequence within the commune
	sheet INTEGER,                  -- last known key of its parcel
	parcel INTEGER,
	status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
	issued_run INTEGER NOT NULL REFERENCES runs(id),
	retired_run INTEGER REFERENCES runs(id),
	UNIQUE (commune, seq)
);
-- Lineage: a split gives each part the old ID as parent, a merge gives the
-- new ID every old one, a reshape (one parcel redrawn beyond the matching
-- tolerance) gives the new ID the old one. assign-id never writes 'rekey':
-- a kept ID's key changes go to id_key_changes; 'rekey' is for a tool that
-- must issue a new ID because a key changed (see docs/ids.md).
CREATE TABLE id_lineage (
	child TEXT NOT NULL REFERENCES id_registry(id),
	parent TEXT NOT NULL REFERENCES id_registry(id),
	kind TEXT NOT NULL CHECK (kind IN ('split', 'merge', 'reshape', 'rekey')),
	run_id INTEGER NOT NULL REFERENCES runs(id),
	PRIMARY KEY (child, parent)
);
CREATE INDEX id_lineage_parent ON id_lineage(parent);
CREATE TABLE id_key_changes (
	id TEXT NOT NULL REFERENCES id_registry(id),
	run_id INTEGER NOT NULL REFERENCES runs(id),
	old_commune TEXT, old_sheet INTEGER, old_parcel INTEGER,
	new_commune TEXT, new_sheet INTEGER, new_parcel INTEGER
);
CREATE INDEX id_key_changes_id ON id_key_changes(id);
-- What the next assign-id matches against: for each active ID, the key and
-- the geometry (the parcels.geom blob) of the parcel it named last. A
-- retired ID has no row. geom NULL: matched by key alone (docs/ids.md).
CREATE TABLE id_parcel (
	id TEXT PRIMARY KEY REFERENCES id_registry(id),
	commune TEXT NOT NULL,
	sheet INTEGER NOT NULL,
	parcel INTEGER NOT NULL,
	geom BLOB
);
CREATE INDEX id_parcel_key ON id_parcel(commune, sheet, parcel);

-- Figures of each weekly report (thuadat report): one row per commune and
-- one for the whole workspace (commune '*'). The next report shows the
-- change since the latest earlier week; reporting a week again replaces it.
CREATE TABLE report_snapshots (
	week TEXT NOT NULL,             -- ISO week, 'YYYY-Www'
	commune TEXT NOT NULL,          -- commune code, '*' for the total
	as_of TEXT NOT NULL,            -- yyyy-mm-dd the figures were taken at
	run_id INTEGER NOT NULL REFERENCES runs(id),
	parcels INTEGER NOT NULL,       -- parcel keys graded
	group1 INTEGER NOT NULL,
	group2 INTEGER NOT NULL,
	group3 INTEGER NOT NULL,
	holders INTEGER NOT NULL,       -- owners holding a certificate
	verified INTEGER NOT NULL,      -- of them, verification = 'matched'
	certificates_updated INTEGER NOT NULL, -- issued or changed in the week
	overdue INTEGER NOT NULL,       -- parcels with an overdue pending change
	PRIMARY KEY (week, commune)
);
-- A workspace made by `thuadat merge`: the workspaces it read, numbered in
-- command-line order, and where each parcel and register row came from.
CREATE TABLE merge_inputs (
	run_id INTEGER NOT NULL REFERENCES runs(id),
	input INTEGER NOT NULL,         -- 1, 2, ... in command-line order
	path TEXT NOT NULL,             -- the workspace as given
	crs TEXT NOT NULL,              -- its CRS
	parcels INTEGER NOT NULL,       -- parcels and register rows it held
	register_rows INTEGER NOT NULL,
	PRIMARY KEY (run_id, input)
);
CREATE TABLE merge_origin (
	kind TEXT NOT NULL CHECK (kind IN ('parcel', 'register_row')),
	row_id INTEGER NOT NULL,        -- parcels.fid or register_rows.id here
	run_id INTEGER NOT NULL REFERENCES runs(id),
	input INTEGER NOT NULL,         -- merge_inputs.input
	input_row INTEGER NOT NULL,     -- its fid or id in that workspace
	old_commune TEXT NOT NULL,
	old_sheet INTEGER NOT NULL,
	old_parcel INTEGER NOT NULL,
	PRIMARY KEY (kind, row_id)
);

-- Reference tables, loaded from schemas/ref/<table>.csv.
CREATE TABLE ref_provinces (
	code TEXT PRIMARY KEY,          -- 2-digit province code
	name TEXT NOT NULL,             -- the name from 1 July 2025 when the code goes on, else the former name
	former_name TEXT,               -- the name until 30 June 2025
	central_meridian REAL NOT NULL, -- VN-2000 TM-3 zone of the former province with this code, degrees
	epsg INTEGER,                   -- empty when EPSG has no code for the zone
	valid_from TEXT,
	valid_to TEXT,                  -- 2025-06-30 for a code that ended with the 2025 merger
	province_2025 TEXT,             -- the province from 1 July 2025 the former one is part of
	source TEXT                     -- where the central meridian comes from (verified or unverified)
);
CREATE TABLE ref_communes (
	code TEXT NOT NULL,             -- 5-digit commune code
	name TEXT NOT NULL,
	province TEXT NOT NULL,
	valid_from TEXT,                -- yyyy-mm-dd, empty: always
	valid_to TEXT                   -- yyyy-mm-dd, empty: still valid
);
CREATE INDEX ref_communes_code ON ref_communes(code);
CREATE TABLE ref_landuse (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('current', 'legacy')),
	maps_to TEXT                    -- current code a legacy code becomes
);

-- The two layers and their spatial indexes (GeoPackage R-tree extension).
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
VALUES ('parcels', 'features', 'parcels', 'Thửa đất', @SRS_ID@),
       ('findings', 'features', 'findings', 'Lỗi phát hiện', @SRS_ID@),
       ('finding_areas', 'features', 'finding_areas', 'Vùng lỗi (chồng lấn, hở)', @SRS_ID@),
       ('communes', 'features', 'communes', 'Ranh giới xã', @SRS_ID@);
INSERT INTO gpkg_geometry_columns VALUES
	('parcels', 'geom', 'MULTIPOLYGON', @SRS_ID@, 0, 0),
	('findings', 'geom', 'POINT', @SRS_ID@, 0, 0),
	('finding_areas', 'geom', 'MULTIPOLYGON', @SRS_ID@, 0, 0),
	('communes', 'geom', 'MULTIPOLYGON', @SRS_ID@, 0, 0);
-- QGIS layer styles, in the table QGIS itself reads and writes ("Save
-- style in the GeoPackage"): its default style for a layer is the row with
-- useAsDefault. thuadat fills it from schemas/qgis/*.qml at init. Being an
-- 'attributes' table in gpkg_contents also keeps the workspace's internal
-- tables (runs, audit_log, register_rows, ...) out of QGIS's and GDAL's
-- layer lists, which then show only what gpkg_contents registers.
CREATE TABLE layer_styles (
	id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
	f_table_catalog TEXT(256),
	f_table_schema TEXT(256),
	f_table_name TEXT(256),
	f_geometry_column TEXT(256),
	styleName TEXT(30),
	styleQML TEXT,
	styleSLD TEXT,
	useAsDefault BOOLEAN,
	description TEXT,
	owner TEXT(30),
	ui TEXT(30),
	update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles');
INSERT INTO gpkg_extensions VALUES
	('parcels', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only'),
	('findings', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only'),
	('finding_areas', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only'),
	('communes', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
