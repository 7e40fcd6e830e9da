/*
 * thuadat ingest: read a cadastral map and a land-register CSV into the
 * workspace, in one transaction. Re-ingesting an unchanged file is a no-op.
 */
#include "ingest.h"
#include "cli.h"

struct ingest_args {
	const char *workspace;
	td_ingest_options o;
	long replace;
};

static void print_file(const char *label, const char *path, const td_ingest_file *f, const char *unit)
{
	char masked[TD_PATH_MAX];

	if (!f->given)
		return;
	cli_mask(path, masked, sizeof(masked));
	if (f->unchanged) {
		printf("%-10s %s: unchanged since the last ingest (crc32 %s, source %lld", label, masked, f->checksum,
		       f->source_id);
		if (f->known_path[0]) /* the same content, read before under another name */
			printf(", read from '%s'", cli_mask(f->known_path, masked, sizeof(masked)));
		printf(")\n");
		return;
	}
	printf("%-10s %s: %ld %s%s%s", label, masked, f->records, unit,
	       f->replaced ? ", replacing the previous version" : "",
	       f->reread ? ", read again with the new options, replacing the earlier rows" : "");
	if (f->superseded)
		printf(", replacing source %lld '%s'", f->superseded,
		       cli_mask(f->superseded_path, masked, sizeof(masked)));
	printf("%s%s%s%s\n", f->crs[0] ? ", CRS " : "", f->crs, f->encoding[0] ? ", text " : "", f->encoding);
}

static int run(td_cli *cli, td_ws *ws, void *p)
{
	const struct ingest_args *a = p;
	td_ingest_options o = a->o;
	const td_ingest_options *opts = &o;
	td_ingest_summary sum;
	td_error err;

	if (opts->source_crs && opts->source_province)
		return cli_usage_cmd(&cmd_ingest, "give --source-crs or --source-province, not both");
	if (!opts->map && !opts->register_path && !opts->boundaries && !opts->scans)
		return cli_usage_cmd(&cmd_ingest, "nothing to ingest: give --map, --register, --boundaries or --scans");
	o.replace = a->replace;
	td_error_init(&err);
	if (td_ingest_run(ws, opts, cli_progress, cli, &sum, &err) != TD_OK)
		return cli_fail(cli, &err);
	for (int i = 0; i < sum.nwarnings; i++)
		cli_warn(sum.warnings[i]);
	if (cli->json)
		printf("%s\n", sum.json);
	else if (!cli->quiet) {
		print_file("map", opts->map, &sum.map, "parcels");
		print_file("register", opts->register_path, &sum.reg, "rows");
		print_file("boundaries", opts->boundaries, &sum.boundaries, "communes");
		print_file("scans", opts->scans, &sum.scans, "files");
	}
	return sum.nwarnings ? EXIT_WARNINGS : EXIT_GOOD;
}

static void defaults(void *p)
{
	struct ingest_args *a = p;
	a->o = (td_ingest_options)TD_INGEST_OPTIONS_INIT;
}

#define A struct ingest_args
static const cli_opt options[] = {
	CLI_ARG(A, workspace, "WORKSPACE"),
	CLI_OPT(CLI_PATH, A, o.map, "map", "FILE|DIR",
		"cadastral map: GeoPackage, shapefile or any polygon source GDAL reads;\n"
		"a DGN v7 sheet, or a folder of them (one file per sheet)"),
	CLI_OPT(CLI_STRING, A, o.map_profile, "map-profile", "P",
		"schemas/maps/P.ini or a path: a DGN's levels (default dgn-separate-labels;\n"
		"also dgn-combined-label), other maps' field names (default: default)"),
	CLI_OPT(CLI_STRING, A, o.layer, "layer", "NAME",
		"the map's parcel layer (default: every polygon layer with sheet and\n"
		"parcel fields; other layers are skipped with a warning)"),
	CLI_OPT(CLI_PATH, A, o.register_path, "register", "FILE",
		"land-register export: CSV (, ; or tab), XLSX or XLS; title rows above\n"
		"the header are skipped"),
	CLI_OPT(CLI_STRING, A, o.register_profile, "register-profile", "P",
		"its header names: schemas/register/P.ini or a path (default)"),
	CLI_OPT(CLI_PATH, A, o.boundaries, "boundaries", "FILE",
		"commune boundary polygons (fields MaXa, TenXa), for OUTSIDE_COMMUNE"),
	CLI_OPT(CLI_STRING, A, o.source_crs, "source-crs", "CRS",
		"CRS of the map when the file names none (e.g. EPSG:9209)"),
	CLI_OPT(CLI_STRING, A, o.source_province, "source-province", "CODE",
		"or: the VN-2000 TM-3 zone of this province (01 = Hà Nội 105°00')"),
	CLI_OPT(CLI_STRING, A, o.commune, "commune", "CODE",
		"commune code when the map or register has no commune column"),
	CLI_OPT(CLI_STRING, A, o.encoding, "encoding", "ENC",
		"text encoding of a CSV register: utf8, tcvn3, vni, cp1258, viscii\n"
		"(default: detected from the bytes, and reported)"),
	CLI_OPT(CLI_PATH, A, o.scans, "scans", "DIR", "scanned documents (PDF/JPEG/PNG/TIFF) named after their parcel"),
	CLI_OPT(CLI_STRING, A, o.scan_pattern, "scan-pattern", "P",
		"file-name pattern (default {commune}_{sheet}_{parcel}_{kind})"),
	{CLI_INT, "replace", "ID", offsetof(A, replace), CLI_NO_JOB, 1, 1e15,
	 "the one map, register or boundaries file replaces source ID\n"
	 "(see 'thuadat sources WS'); without it, a file covering exactly the\n"
	 "communes and sheets of an earlier one replaces it, one holding some\n"
	 "of its parcels is refused, the same content under any name changes nothing"},
	CLI_END};
#undef A

const cli_command cmd_ingest = {"ingest", "read a map and a land-register export into a workspace",
				NULL,     "one workspace path",
				options,  sizeof(struct ingest_args),
				defaults, run};
