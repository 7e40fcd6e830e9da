/*
 * thuadat init: create an empty workspace in a VN-2000 zone, given either as
 * a CRS (EPSG:9210) or as a province code whose zone is in ref_provinces.csv.
 */
#include "cli.h"
#include "workspace.h"

#include <string.h>

static const char usage[] = "thuadat init WORKSPACE.gpkg (--crs CRS | --province CODE) [--force]";

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
			       "  --province CODE  use the zone of this province (schemas/ref/ref_provinces.csv)\n"
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
