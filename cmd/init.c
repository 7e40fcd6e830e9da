/*
 * thuadat init: create an empty workspace in a VN-2000 zone, given either as
 * a CRS (EPSG:9210) or as a province code whose zone is in ref_provinces.csv.
 */
#include "cli.h"
#include "workspace.h"


struct init_args {
	const char *workspace, *crs, *province;
	int force;
};

static int run(td_cli *cli, td_ws *unused, void *p)
{
	const struct init_args *a = p;
	td_ws_create_options o = TD_WS_CREATE_OPTIONS_INIT;
	td_error err;
	td_ws *ws = NULL;

	if ((a->crs == NULL) == (a->province == NULL))
		return cli_usage_cmd(&cmd_init, "give exactly one of --crs and --province");
	td_error_init(&err);
	o.crs = a->crs;
	o.province = a->province;
	o.force = a->force;
	o.invocation = cli->invocation;
	if (td_ws_create(cli->ctx, a->workspace, &o, &err) != TD_OK ||
	    td_ws_open(cli->ctx, a->workspace, TD_WS_READ, &ws, &err) != TD_OK)
		return cli_fail(cli, &err);
	if (cli->json) {
		printf("{\"command\":\"init\",\"workspace\":");
		cli_json_str(stdout, a->workspace);
		printf(",\"srs_id\":%d,\"crs\":", ws->srs_id);
		cli_json_str(stdout, ws->crs_name);
		printf("}\n");
	} else if (!cli->quiet) {
		printf("created workspace %s (CRS: %s, srs_id %d)\n", a->workspace, ws->crs_name, ws->srs_id);
	}
	td_ws_close(ws);
	return EXIT_GOOD;
}

static const cli_opt options[] = {
	CLI_ARG(struct init_args, workspace, "WORKSPACE"),
	CLI_OPT(CLI_STRING, struct init_args, crs, "crs", "CRS",
		"workspace CRS, e.g. EPSG:9210 (VN-2000 / TM-3 105°45', Hải Phòng)"),
	CLI_OPT(CLI_STRING, struct init_args, province, "province", "CODE",
		"or: the zone of this province (schemas/ref/ref_provinces.csv)"),
	CLI_OPT_F(CLI_FLAG, struct init_args, force, "force", NULL, CLI_NO_JOB, "replace an existing file"),
	CLI_END};

const cli_command cmd_init = {"init", "create a workspace (GeoPackage) with its reference tables",
			      "Give exactly one of --crs and --province. In a job file, [init] runs only when the\n"
			      "workspace does not exist yet.",
			      "one workspace path", options, sizeof(struct init_args), NULL, run};
