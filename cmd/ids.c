/*
 * thuadat assign-id and thuadat id: give every parcel its stable ID
 * (mã định danh thửa đất) and keep the lineage; check one ID's check
 * digits without a workspace; show one ID's history. The matching rules
 * are in lib/idreg.h and docs/ids.md.
 */
#include "cli.h"
#include "idreg.h"

#include <string.h>

struct assign_args {
	const char *workspace, *profile;
};

struct id_args {
	const char *action, *profile;
	cli_list rest;
};

static int run_assign(td_cli *cli, td_ws *ws, void *p)
{
	const struct assign_args *a = p;
	td_id_settings ids;
	td_idreg_summary sum;
	td_error err;
	int rc = cli_load_id_profile(cli, a->profile, &ids);

	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	if (td_idreg_assign(ws, &ids, cli->progress ? cli_progress : NULL, cli, &sum, &err) != TD_OK)
		return cli_fail(cli, &err);
	if (cli->json) {
		printf("%s\n", sum.json);
	} else if (!cli->quiet) {
		printf("assign-id: %ld parcel%s in %ld commune%s: issued %ld (split %ld, merged %ld, reshaped %ld), "
		       "kept %ld, rekeyed %ld, retired %ld",
		       sum.parcels, PLURAL(sum.parcels), sum.communes, PLURAL(sum.communes), sum.issued, sum.split,
		       sum.merged, sum.reshaped, sum.kept, sum.rekeyed, sum.retired);
		if (sum.displaced)
			printf("; %ld in a neighbouring GeoHash cell (their label point's cell was issued before)",
			       sum.displaced);
		if (sum.no_point)
			printf("; %ld without geometry left without an ID", sum.no_point);
		putchar('\n');
	}
	if (sum.no_point && !cli->quiet)
		fprintf(stderr,
			"thuadat: warning: %ld parcels have no geometry, so no label point and no official ID\n",
			sum.no_point);
	return sum.no_point ? EXIT_WARNINGS : EXIT_GOOD;
}

static const cli_opt assign_options[] = {
	CLI_ARG(struct assign_args, workspace, "WORKSPACE"),
	CLI_OPT(CLI_STRING, struct assign_args, profile, "profile", "P",
		"rule profile whose [id] section gives the scheme (official: the\n"
		"12-character GeoHash of the parcel's label point; template: commune,\n"
		"sequence and check digits), the label point's precision, the address\n"
		"link and the matching tolerances (default: schemas/rules/default.ini)"),
	CLI_END};

const cli_command cmd_assign_id = {"assign-id",
				   "give every parcel its national ID (GeoHash), with lineage across splits and merges",
				   "exit 1 when a parcel without geometry gets no official ID",
				   "one workspace path",
				   assign_options,
				   sizeof(struct assign_args),
				   NULL,
				   run_assign};

/* The official form, and with a workspace where its point lies. */
static int id_check_official(td_cli *cli, const char *path, const char *id)
{
	td_idreg_place pl;
	td_error err;
	td_ws *ws = NULL;
	double lat = 0, lon = 0;
	int rc = EXIT_GOOD;

	td_error_init(&err);
	memset(&pl, 0, sizeof(pl));
	if (td_id_official_parse(id, &lat, &lon, &err) != TD_OK) {
		if (cli->json) {
			printf("{\"command\":\"id check\",\"id\":");
			cli_json_str(stdout, id);
			printf(",\"valid\":false,\"reason\":");
			cli_json_str(stdout, err.msg);
			printf("}\n");
		}
		return cli_fail(cli, &err);
	}
	if (path) {
		rc = cli_open(cli, path, TD_WS_READ, &ws);
		if (rc != EXIT_GOOD)
			return rc;
		if (td_idreg_locate(ws, id, &pl, &err) != TD_OK) {
			td_ws_close(ws);
			return cli_fail(cli, &err);
		}
		td_ws_close(ws);
		if (!pl.issued)
			rc = EXIT_INPUT;
		else if (pl.has_parcel && !pl.inside)
			rc = EXIT_WARNINGS;
	}
	if (cli->json) {
		printf("{\"command\":\"id check\",\"id\":");
		cli_json_str(stdout, id);
		printf(",\"valid\":true,\"scheme\":\"official\",\"lat\":%.9f,\"lon\":%.9f", lat, lon);
		if (path) {
			printf(",\"issued\":%s", pl.issued ? "true" : "false");
			if (pl.issued) {
				printf(",\"status\":\"%s\",\"commune\":", pl.status);
				cli_json_str(stdout, pl.commune);
				printf(",\"sheet\":%ld,\"parcel\":%ld", pl.sheet, pl.parcel);
			}
			if (pl.has_parcel)
				printf(",\"inside\":%s,\"distance\":%.3f", pl.inside ? "true" : "false", pl.distance);
		}
		printf("}\n");
		return rc;
	}
	if (!cli->quiet)
		printf("%s: valid official ID (GeoHash cell centre %.7f° N %.7f° E); GeoHash has no check "
		       "character: a mistyped character that still decodes in Vietnam is not caught without a "
		       "workspace\n",
		       id, lat, lon);
	if (path && !pl.issued)
		fprintf(stderr, "thuadat: workspace '%s' never issued the parcel ID '%s' (mistyped?)\n", path, id);
	else if (path && !cli->quiet) {
		printf("%s: %s, parcel %s/%ld/%ld", id, pl.status, pl.commune, pl.sheet, pl.parcel);
		if (!pl.has_parcel)
			printf(": no parcel holds it now\n");
		else if (pl.inside)
			printf(": the point (%.3f, %.3f) lies inside the parcel\n", pl.x, pl.y);
		else
			printf(": the point (%.3f, %.3f) lies %.3f m outside the parcel (redrawn since it was "
			       "issued?)\n",
			       pl.x, pl.y, pl.distance);
	}
	return rc;
}

static int id_check(td_cli *cli, const char *path, const char *id, const td_id_settings *ids)
{
	char commune[8];
	long seq = 0;
	td_error err;

	td_error_init(&err);
	/*
	 * The official form unless the profile says template; a template ID
	 * issued before the official scheme (IDs keep their form) still checks.
	 */
	if (ids->scheme == TD_ID_OFFICIAL &&
	    (strlen(id) == TD_ID_OFFICIAL_LEN || td_id_parse(ids, id, NULL, NULL, &err) != TD_OK)) {
		return id_check_official(cli, path, id);
	}
	if (path)
		return cli_usage_cmd(&cmd_id, "a workspace is for official IDs only");
	if (td_id_parse(ids, id, commune, &seq, &err) != TD_OK) {
		if (cli->json) {
			printf("{\"command\":\"id check\",\"id\":");
			cli_json_str(stdout, id);
			printf(",\"valid\":false,\"reason\":");
			cli_json_str(stdout, err.msg);
			printf("}\n");
		}
		return cli_fail(cli, &err);
	}
	if (cli->json) {
		printf("{\"command\":\"id check\",\"id\":");
		cli_json_str(stdout, id);
		printf(",\"valid\":true,\"commune\":\"%s\",\"seq\":%ld}\n", commune, seq);
	} else if (!cli->quiet) {
		printf("%s: valid (commune %s, sequence %ld, ISO 7064 %s)\n", id, commune, seq,
		       td_id_check_name(ids->check));
	}
	return EXIT_GOOD;
}

static void print_node(const td_idreg_node *n)
{
	printf("%*s%s  %-7s  %s/%ld/%ld  issued run %ld", 2 * n->depth, "", n->id, n->status, n->commune, n->sheet,
	       n->parcel, n->issued_run);
	if (n->retired_run)
		printf(", retired run %ld", n->retired_run);
	if (n->kind[0])
		printf("  (%s)", n->kind);
	if (n->repeated)
		printf("  (listed above)");
	putchar('\n');
}

/* The fields of one node, without braces, so the ID itself can carry its lineage in the same object. */
static void json_fields(const td_idreg_node *n)
{
	printf("\"id\":");
	cli_json_str(stdout, n->id);
	printf(",\"status\":\"%s\",\"commune\":", n->status);
	cli_json_str(stdout, n->commune);
	printf(",\"sheet\":%ld,\"parcel\":%ld,\"issued_run\":%ld,\"issued_at\":", n->sheet, n->parcel, n->issued_run);
	cli_json_str(stdout, n->issued_at);
	if (n->retired_run) {
		printf(",\"retired_run\":%ld,\"retired_at\":", n->retired_run);
		cli_json_str(stdout, n->retired_at);
	} else {
		printf(",\"retired_run\":null,\"retired_at\":null");
	}
	if (n->depth)
		printf(",\"kind\":\"%s\",\"depth\":%d,\"repeated\":%s", n->kind, n->depth,
		       n->repeated ? "true" : "false");
}

static void json_nodes(const char *name, const td_idreg_node *n, size_t count)
{
	printf(",\"%s\":[", name);
	for (size_t i = 0; i < count; i++) {
		printf("%s{", i ? "," : "");
		json_fields(&n[i]);
		putchar('}');
	}
	putchar(']');
}

static void json_history(const td_idreg_history *h)
{
	putchar('{');
	json_fields(&h->self);
	json_nodes("parents", h->ancestors, h->nancestors);
	json_nodes("children", h->descendants, h->ndescendants);
	printf(",\"key_changes\":[");
	for (size_t i = 0; i < h->nchanges; i++) {
		const td_idreg_key_change *k = &h->changes[i];
		printf("%s{\"run\":%ld,\"at\":", i ? "," : "", k->run);
		cli_json_str(stdout, k->at);
		printf(",\"old\":");
		cli_json_str(stdout, k->old_commune);
		printf(",\"old_sheet\":%ld,\"old_parcel\":%ld,\"new\":", k->old_sheet, k->old_parcel);
		cli_json_str(stdout, k->new_commune);
		printf(",\"new_sheet\":%ld,\"new_parcel\":%ld}", k->new_sheet, k->new_parcel);
	}
	printf("]}\n");
}

static void print_history(const td_idreg_history *h)
{
	const td_idreg_node *s = &h->self;

	printf("id:       %s\nstatus:   %s\nkey:      %s/%ld/%ld\nissued:   run %ld (%s)\n", s->id, s->status,
	       s->commune, s->sheet, s->parcel, s->issued_run, s->issued_at);
	if (s->retired_run)
		printf("retired:  run %ld (%s)\n", s->retired_run, s->retired_at);
	printf("parents:%s\n", h->nancestors ? "" : "  none");
	for (size_t i = 0; i < h->nancestors; i++)
		print_node(&h->ancestors[i]);
	printf("children:%s\n", h->ndescendants ? "" : " none");
	for (size_t i = 0; i < h->ndescendants; i++)
		print_node(&h->descendants[i]);
	printf("key changes:%s\n", h->nchanges ? "" : " none");
	for (size_t i = 0; i < h->nchanges; i++)
		printf("  run %ld (%s): %s/%ld/%ld -> %s/%ld/%ld\n", h->changes[i].run, h->changes[i].at,
		       h->changes[i].old_commune, h->changes[i].old_sheet, h->changes[i].old_parcel,
		       h->changes[i].new_commune, h->changes[i].new_sheet, h->changes[i].new_parcel);
}

static int id_show(td_cli *cli, const char *path, const char *id)
{
	td_idreg_history h;
	td_error err;
	td_ws *ws = NULL;
	int rc = cli_open(cli, path, TD_WS_READ, &ws);

	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	if (td_idreg_history_load(ws, id, &h, &err) != TD_OK) {
		td_ws_close(ws);
		return cli_fail(cli, &err);
	}
	td_ws_close(ws);
	if (cli->json)
		json_history(&h);
	else
		print_history(&h);
	td_idreg_history_release(&h);
	return EXIT_GOOD;
}

static int run_id(td_cli *cli, td_ws *unused, void *p)
{
	const struct id_args *a = p;
	td_id_settings ids;
	int rc;

	if (strcmp(a->action, "check") == 0) {
		if (a->rest.n != 1 && a->rest.n != 2)
			return cli_usage_cmd(&cmd_id, "expected one ID, after an optional workspace");
		rc = cli_load_id_profile(cli, a->profile, &ids);
		if (rc != EXIT_GOOD)
			return rc;
		return a->rest.n == 2 ? id_check(cli, a->rest.v[0], a->rest.v[1], &ids)
				      : id_check(cli, NULL, a->rest.v[0], &ids);
	}
	if (strcmp(a->action, "show") == 0) {
		if (a->rest.n != 2)
			return cli_usage_cmd(&cmd_id, "expected a workspace and one ID");
		if (a->profile)
			return cli_usage_cmd(&cmd_id, "--profile is for 'id check' only");
		return id_show(cli, a->rest.v[0], a->rest.v[1]);
	}
	return cli_usage_cmd(&cmd_id, "expected 'check' or 'show'");
}

static const cli_opt id_options[] = {
	CLI_ARG(struct id_args, action, "check|show"), CLI_ARGS(struct id_args, rest, "ARG", 1),
	CLI_OPT(CLI_STRING, struct id_args, profile, "profile", "P",
		"rule profile whose [id] section gives the scheme and format (check only)"),
	CLI_END};

const cli_command cmd_id = {"id",
			    "check a parcel ID ('id check [WS] ID') or show its history ('id show WS ID')",
			    "  check [WS] ID   official IDs (the default scheme): exit 0 if ID is 12 characters\n"
			    "                  of the GeoHash alphabet whose cell lies in Vietnam, 4 if not.\n"
			    "                  GeoHash has no check character: a mistyped character that still\n"
			    "                  decodes in Vietnam passes. With a workspace WS: exit 4 if WS\n"
			    "                  never issued the ID, 1 if its point lies outside its parcel.\n"
			    "                  Template IDs (scheme = template): exit 0 if ID has the profile's\n"
			    "                  format and its ISO 7064 check digits match, 4 if not\n"
			    "  show WS ID      print the ID's status, key, runs, parents and children (its\n"
			    "                  lineage, recursively) and key changes",
			    "'check' or 'show'",
			    id_options,
			    sizeof(struct id_args),
			    NULL,
			    run_id};
