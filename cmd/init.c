/*
 * thuadat init: create an empty workspace in a VN-2000 zone, given either as
 * a CRS (EPSG:9210) or as a province code whose zone is in ref_provinces.csv.
 */
#include "cli.h"
#include "refdata.h"
#include "workspace.h"

#include <math.h>
#include <stdlib.h>

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
		printf("%s %s %s (%s)",
		       i == 0       ? ""
		       : i + 1 == n ? " and"
				    : ",",
		       parts[i].code, parts[i].former_name, dm(parts[i].central_meridian, a, sizeof(a)));
	printf(";\nthe workspace uses %s, the zone of its seat (former province %s %s).\n",
	       dm(p.central_meridian, b, sizeof(b)), p.code, p.former_name);
	for (size_t i = 0; i < n; i++)
		if (fabs(parts[i].central_meridian - p.central_meridian) > 1e-9)
			printf("maps of former %s %s are in %s: ingest them with --source-province %s\n", parts[i].code,
			       parts[i].former_name, dm(parts[i].central_meridian, a, sizeof(a)), parts[i].code);
	printf("another zone: init --crs (e.g. EPSG:9209) or --province with a former province's code\n");
	free(parts);
}

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
		if (a->province)
			explain_zone(cli, a->province);
	}
	td_ws_close(ws);
	return EXIT_GOOD;
}

static const cli_opt options[] = {
	CLI_ARG(struct init_args, workspace, "WORKSPACE"),
	CLI_OPT(CLI_STRING, struct init_args, crs, "crs", "CRS",
		"workspace CRS, e.g. EPSG:9210 (VN-2000 / TM-3 105°45', Hải Phòng)"),
	CLI_OPT(CLI_STRING, struct init_args, province, "province", "CODE",
		"or: the zone of this province (schemas/ref/ref_provinces.csv):\n"
		"any of the 34 codes from 1 July 2025 (the zone of the\n"
		"province's seat) or of the 63 former ones; 1 = 01"),
	CLI_OPT_F(CLI_FLAG, struct init_args, force, "force", NULL, CLI_NO_JOB, "replace an existing file"), CLI_END};

const cli_command cmd_init = {"init",
			      "create a workspace (GeoPackage) with its reference tables",
			      "Give exactly one of --crs and --province. In a job file, [init] runs only when the\n"
			      "workspace does not exist yet.",
			      "one workspace path",
			      options,
			      sizeof(struct init_args),
			      NULL,
			      run};
