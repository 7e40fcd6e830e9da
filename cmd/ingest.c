/*
 * thuadat ingest: read a cadastral map and a land-register CSV into the
 * workspace, in one transaction. Re-ingesting an unchanged file is a no-op.
 */
#include "cli.h"
#include "ingest.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"thuadat ingest WORKSPACE [--map FILE|DIR [--map-profile P] [--layer NAME]] [--register FILE "
	"[--register-profile P]] [--boundaries FILE] [--replace ID] "
	"[--source-crs CRS | --source-province CODE] [--commune CODE] [--encoding ENC] [--scans DIR [--scan-pattern P]]";

static void print_file(const char *label, const char *path, const td_ingest_file *f, const char *unit)
{
	char masked[4200];

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

int stage_ingest(td_cli *cli, const char *path, const td_ingest_options *opts)
{
	td_ingest_summary sum;
	td_error err;
	td_ws *ws = NULL;
	int i;
	int rc = cli_open(cli, path, TD_WS_WRITE, &ws);

	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	if (td_ingest_run(ws, opts, cli_progress, cli, &sum, &err) != TD_OK) {
		td_ws_close(ws);
		return cli_fail(cli, &err);
	}
	td_ws_close(ws);
	for (i = 0; i < sum.nwarnings; i++)
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

int cmd_ingest(int argc, char **argv, td_cli *cli)
{
	static const struct option longopts[] = {
		{"map", required_argument, NULL, 'm'},
		{"register", required_argument, NULL, 'r'},
		{"source-crs", required_argument, NULL, 's'},
		{"commune", required_argument, NULL, 'c'},
		{"boundaries", required_argument, NULL, 'b'},
		{"encoding", required_argument, NULL, 'e'},
		{"scans", required_argument, NULL, 'S'},
		{"scan-pattern", required_argument, NULL, 'P'},
		{"map-profile", required_argument, NULL, 'M'},
		{"register-profile", required_argument, NULL, 'R'},
		{"source-province", required_argument, NULL, 'p'},
		{"layer", required_argument, NULL, 'L'},
		{"replace", required_argument, NULL, 'X'},
		CLI_GLOBAL_LONGOPTS,
		{NULL, 0, NULL, 0}};
	td_ingest_options o = TD_INGEST_OPTIONS_INIT;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'm')
			o.map = optarg;
		else if (c == 'r')
			o.register_path = optarg;
		else if (c == 's')
			o.source_crs = optarg;
		else if (c == 'c')
			o.commune = optarg;
		else if (c == 'b')
			o.boundaries = optarg;
		else if (c == 'e')
			o.encoding = optarg;
		else if (c == 'S')
			o.scans = optarg;
		else if (c == 'P')
			o.scan_pattern = optarg;
		else if (c == 'M')
			o.map_profile = optarg;
		else if (c == 'R')
			o.register_profile = optarg;
		else if (c == 'p')
			o.source_province = optarg;
		else if (c == 'L')
			o.layer = optarg;
		else if (c == 'X') {
			char *end;
			o.replace = strtoll(optarg, &end, 10);
			if (*end || end == optarg || o.replace <= 0)
				return cli_usage(usage, "--replace takes a source id (see 'thuadat sources WS')");
		}
		else if (c == 'h') {
			printf("usage: %s\n\n"
			       "  --map FILE|DIR     cadastral map: GeoPackage, shapefile or any polygon source GDAL reads;\n"
			       "                     a DGN v7 sheet, or a folder of them (one file per sheet)\n"
			       "  --map-profile P    schemas/maps/P.ini or a path: a DGN's levels (default dgn-separate-labels;\n"
			       "                     also dgn-combined-label), other maps' field names (default: default)\n"
			       "  --layer NAME       the map's parcel layer (default: every polygon layer with sheet and\n"
			       "                     parcel fields; other layers are skipped with a warning)\n"
			       "  --register FILE    land-register export: CSV (, ; or tab), XLSX or XLS; title rows above\n"
			       "                     the header are skipped\n"
			       "  --register-profile P  its header names: schemas/register/P.ini or a path (default)\n"
			       "  --boundaries FILE  commune boundary polygons (fields MaXa, TenXa), for OUTSIDE_COMMUNE\n"
			       "  --source-crs CRS   CRS of the map when the file names none (e.g. EPSG:9209)\n"
			       "  --source-province CODE  or: the VN-2000 TM-3 zone of this province (01 = Hà Nội 105°00')\n"
			       "  --commune CODE     commune code when the map or register has no commune column\n"
			       "  --encoding ENC     text encoding of a CSV register: utf8, tcvn3, vni, cp1258, viscii\n"
			       "                     (default: detected from the bytes, and reported)\n"
			       "  --scans DIR        scanned documents (PDF/JPEG/PNG/TIFF) named after their parcel\n"
			       "  --scan-pattern P   file-name pattern (default {commune}_{sheet}_{parcel}_{kind})\n"
			       "  --replace ID       the one map, register or boundaries file replaces source ID\n"
			       "                     (see 'thuadat sources WS'); without it, a file covering exactly the\n"
			       "                     communes and sheets of an earlier one replaces it, one holding some\n"
			       "                     of its parcels is refused, the same content under any name changes nothing\n",
			       usage);
			return EXIT_GOOD;
		} else if (!cli_global_opt(cli, c))
			return cli_usage(usage, "bad option");
	}
	if (optind != argc - 1)
		return cli_usage(usage, "expected one workspace path");
	if (o.source_crs && o.source_province)
		return cli_usage(usage, "give --source-crs or --source-province, not both");
	if (!o.map && !o.register_path && !o.boundaries && !o.scans)
		return cli_usage(usage, "nothing to ingest: give --map, --register, --boundaries or --scans");
	return stage_ingest(cli, argv[optind], &o);
}
