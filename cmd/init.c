/*
 * thuadat init: create an empty workspace in a VN-2000 zone, given either as
 * a CRS (EPSG:9210) or as a province code whose zone is in ref_provinces.csv.
 */
#include "cli.h"
#include "refdata.h"
#include "workspace.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "thuadat init WORKSPACE.gpkg (--crs CRS | --province CODE) [--force]";

/* 105.75 as "105°45′". */
static const char *dm(double deg, char *buf, size_t size)
{
	long minutes = lround(deg * 60);

	snprintf(buf, size, "%ld°%02ld′", minutes / 60, minutes % 60);
	return buf;
}

/* Why the workspace has its zone: the province, the former provinces it was formed from and their zones. */
static void explain_zone(td_cli *cli, const char *code)
{
	td_province p, *parts = NULL;
	size_t n = 0;
	td_error err;
	char a[32], b[32];

	td_error_init(&err);
	if (td_refdata_find_province(cli->ctx, code, &p, &err) != TD_OK)
		return;
	if (p.valid_to[0]) {
		printf("province %s %s existed until %s (now part of province %s): zone %s of VN-2000 TM-3", p.code,
		       p.name, p.valid_to, p.province_2025, dm(p.central_meridian, a, sizeof(a)));
		if (p.epsg)
			printf(" (EPSG:%d)", p.epsg);
		printf("\n");
		return;
	}
	if (td_refdata_province_parts(cli->ctx, p.code, &parts, &n, &err) != TD_OK || n <= 1) {
		printf("province %s %s: zone %s of VN-2000 TM-3", p.code, p.name, dm(p.central_meridian, a, sizeof(a)));
		if (p.epsg)
			printf(" (EPSG:%d)", p.epsg);
		printf("\n");
		free(parts);
		return;
	}
	printf("province %s %s was formed on 1 July 2025 from", p.code, p.name);
	for (size_t i = 0; i < n; i++)
		printf("%s %s %s (%s)", i == 0 ? "" : i + 1 == n ? " and" : ",", parts[i].code, parts[i].former_name,
		       dm(parts[i].central_meridian, a, sizeof(a)));
	printf(";\nthe workspace uses %s, the zone of its seat (former province %s %s).\n",
	       dm(p.central_meridian, b, sizeof(b)), p.code, p.former_name);
	for (size_t i = 0; i < n; i++)
		if (fabs(parts[i].central_meridian - p.central_meridian) > 1e-9)
			printf("maps of former %s %s are in %s: ingest them with --source-province %s\n",
			       parts[i].code, parts[i].former_name, dm(parts[i].central_meridian, a, sizeof(a)),
			       parts[i].code);
	printf("another zone: init --crs (e.g. EPSG:9209) or --province with a former province's code\n");
	free(parts);
}

int stage_init(td_cli *cli, const char *path, const char *crs, const char *province, int force)
{
	td_ws_create_options o = TD_WS_CREATE_OPTIONS_INIT;
	td_error err;
	td_ws *ws = NULL;

	td_error_init(&err);
	o.crs = crs;
	o.province = province;
	o.force = force;
	o.invocation = cli->invocation;
	if (td_ws_create(cli->ctx, path, &o, &err) != TD_OK ||
	    td_ws_open(cli->ctx, path, TD_WS_READ, &ws, &err) != TD_OK)
		return cli_fail(cli, &err);
	if (cli->json) {
		printf("{\"command\":\"init\",\"workspace\":");
		cli_json_str(stdout, path);
		printf(",\"srs_id\":%d,\"crs\":", ws->srs_id);
		cli_json_str(stdout, ws->crs_name);
		printf("}\n");
	} else if (!cli->quiet) {
		printf("created workspace %s (CRS: %s, srs_id %d)\n", path, ws->crs_name, ws->srs_id);
		if (province)
			explain_zone(cli, province);
	}
	td_ws_close(ws);
	return EXIT_GOOD;
}

int cmd_init(int argc, char **argv, td_cli *cli)
{
	static const struct option longopts[] = {
		{"crs", required_argument, NULL, 'c'},
		{"province", required_argument, NULL, 'p'},
		{"force", no_argument, NULL, 'f'},
		CLI_GLOBAL_LONGOPTS,
		{NULL, 0, NULL, 0}};
	const char *crs = NULL, *province = NULL;
	int force = 0, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'c')
			crs = optarg;
		else if (c == 'p')
			province = optarg;
		else if (c == 'f')
			force = 1;
		else if (c == 'h') {
			printf("usage: %s\n\n"
			       "  --crs CRS        workspace CRS, e.g. EPSG:9210 (VN-2000 / TM-3 105°45', Hải Phòng)\n"
			       "  --province CODE  use the zone of this province (schemas/ref/ref_provinces.csv):\n"
			       "                   any of the 34 codes from 1 July 2025 (the zone of the\n"
			       "                   province's seat) or of the 63 former ones; 1 = 01\n"
			       "  --force          replace an existing file\n",
			       usage);
			return EXIT_GOOD;
		} else if (!cli_global_opt(cli, c))
			return cli_usage(usage, "bad option");
	}
	if (optind != argc - 1)
		return cli_usage(usage, "expected one workspace path");
	if ((crs == NULL) == (province == NULL))
		return cli_usage(usage, "give exactly one of --crs and --province");
	return stage_init(cli, argv[optind], crs, province, force);
}
