/*
 * thuadat exception: accepted exceptions (ngoại lệ). `add` accepts the
 * findings of one rule on one parcel with a reason, so they no longer count
 * against its group or the acceptance gate until the parcel changes;
 * `list` shows them (active, or lapsed because the parcel changed);
 * `remove` takes one back. Run check and classify again to see the groups.
 */
#include "exception.h"
#include "cli.h"

#include <stdlib.h>
#include <string.h>

struct exception_args {
	const char *action, *workspace, *rule, *parcel, *reason;
	cli_list rest;
};

static int print_one(const td_exception *e, void *arg)
{
	const td_cli *cli = arg;
	char masked[1024];

	if (cli->json) {
		printf("{\"id\":%lld,\"rule\":", e->id);
		cli_json_str(stdout, e->rule_id);
		printf(",\"parcel\":\"%s/%ld/%ld\",\"active\":%s,\"findings\":%ld,\"reason\":", e->commune, e->sheet,
		       e->parcel, e->active ? "true" : "false", e->findings);
		cli_json_str(stdout, cli_mask(e->reason, masked, sizeof(masked)));
		printf(",\"created_at\":\"%s\",\"user\":", e->created_at);
		cli_json_str(stdout, e->os_user);
		printf("}\n");
	} else {
		char key[64];
		snprintf(key, sizeof(key), "%s/%ld/%ld", e->commune, e->sheet, e->parcel);
		printf("%-5lld %-22s %-16s %-7s %3ld  %-24s  %s\n", e->id, e->rule_id, key,
		       e->active ? "active" : "lapsed", e->findings, e->created_at,
		       cli_mask(e->reason, masked, sizeof(masked)));
	}
	return 1;
}

static int change(td_cli *cli, const char *path, const char *rule, const char *key, const char *reason, long long id)
{
	td_error err;
	td_ws *ws = NULL;
	char commune[16], summary[256];
	long sheet = 0, parcel = 0;
	long long got = 0;
	int rc;

	if (key && !td_exception_parse_key(key, commune, &sheet, &parcel))
		return cli_usage_cmd(&cmd_exception, "--parcel '%s': expected COMMUNE/SHEET/PARCEL, e.g. 11311/3/45",
				     key);
	rc = cli_open(cli, path, TD_WS_WRITE, &ws);
	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	if (td_ws_begin(ws, "exception", &err) == TD_OK) {
		if (key)
			td_exception_add(ws, rule, commune, sheet, parcel, reason, &got, &err);
		else
			td_exception_remove(ws, id, &err);
		snprintf(summary, sizeof(summary), "{\"command\":\"exception\",\"%s\":%lld}", key ? "added" : "removed",
			 key ? got : id);
		if (err.code == TD_OK)
			td_ws_commit(ws, summary, &err);
		else
			td_ws_rollback(ws);
	}
	td_ws_close(ws);
	if (err.code != TD_OK)
		return cli_fail(cli, &err);
	if (cli->json)
		printf("%s\n", summary);
	else if (!cli->quiet && key)
		printf("exception %lld: %s on %s accepted; run 'thuadat classify' to re-grade\n", got, rule, key);
	else if (!cli->quiet)
		printf("exception %lld removed; run 'thuadat classify' to re-grade\n", id);
	return EXIT_GOOD;
}

static int list(td_cli *cli, const char *path)
{
	td_ws *ws = NULL;
	td_error err;
	int rc = cli_open(cli, path, TD_WS_READ, &ws);

	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	if (!cli->json && !cli->quiet)
		printf("%-5s %-22s %-16s %-7s %3s  %-24s  %s\n", "id", "rule", "parcel", "state", "n", "created",
		       "reason");
	rc = td_exception_each(ws, print_one, cli, &err);
	td_ws_close(ws);
	return rc == TD_OK ? EXIT_GOOD : cli_fail(cli, &err);
}

/* add and remove write the workspace, list reads it: each opens it as it needs. */
static int run(td_cli *cli, td_ws *unused, void *p)
{
	const struct exception_args *a = p;
	long long id;
	char *end;

	if (!strcmp(a->action, "add")) {
		if (a->rest.n || !a->rule || !a->parcel || !a->reason)
			return cli_usage_cmd(&cmd_exception, "add needs a workspace, --rule, --parcel and --reason");
		return change(cli, a->workspace, a->rule, a->parcel, a->reason, 0);
	}
	if (!strcmp(a->action, "remove")) {
		id = a->rest.n == 1 ? strtoll(a->rest.v[0], &end, 10) : 0;
		if (a->rest.n != 1 || *end || id <= 0)
			return cli_usage_cmd(&cmd_exception, "remove needs a workspace and an exception number");
		return change(cli, a->workspace, NULL, NULL, NULL, id);
	}
	if (!strcmp(a->action, "list"))
		return a->rest.n ? cli_usage_cmd(&cmd_exception, "list needs a workspace") : list(cli, a->workspace);
	return cli_usage_cmd(&cmd_exception, "'%s': expected add, list or remove", a->action);
}

static const cli_opt options[] = {
	CLI_ARG(struct exception_args, action, "add|list|remove"),
	CLI_ARG(struct exception_args, workspace, "WORKSPACE"),
	CLI_ARGS(struct exception_args, rest, "ID", 0),
	CLI_OPT(CLI_STRING, struct exception_args, rule, "rule", "RULE",
		"add: the rule whose findings on the parcel are accepted"),
	CLI_OPT(CLI_STRING, struct exception_args, parcel, "parcel", "KEY", "add: the parcel, COMMUNE/SHEET/PARCEL"),
	CLI_OPT(CLI_STRING, struct exception_args, reason, "reason", "TEXT", "add: why (kept with the exception)"),
	CLI_END};

const cli_command cmd_exception = {
	"exception",
	"accept a finding on a parcel as it is (ngoại lệ); list or remove exceptions",
	"  add WS --rule R --parcel KEY --reason TEXT   accept; no longer counted until the parcel changes\n"
	"  list WS                                       active and lapsed exceptions\n"
	"  remove WS ID                                  take one back",
	"add, list or remove and a workspace",
	options,
	sizeof(struct exception_args),
	NULL,
	run};
