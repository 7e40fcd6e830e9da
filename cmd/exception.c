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

static const char usage[] = "thuadat exception add WORKSPACE --rule RULE --parcel COMMUNE/SHEET/PARCEL --reason TEXT\n"
			    "       thuadat exception list WORKSPACE\n"
			    "       thuadat exception remove WORKSPACE ID";

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
		return cli_usage(usage, "--parcel '%s': expected COMMUNE/SHEET/PARCEL, e.g. 11311/3/45", key);
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

int cmd_exception(int argc, char **argv, td_cli *cli)
{
	static const struct option longopts[] = {{"parcel", required_argument, NULL, 'k'},
						 {"reason", required_argument, NULL, 'r'},
						 {"rule", required_argument, NULL, 'R'},
						 CLI_GLOBAL_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	const char *rule = NULL, *key = NULL, *reason = NULL, *verb;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'k')
			key = optarg;
		else if (c == 'r')
			reason = optarg;
		else if (c == 'R')
			rule = optarg;
		else if (c == 'h') {
			printf("usage: %s\n\n"
			       "  --rule RULE        the rule whose findings on the parcel are accepted\n"
			       "  --parcel KEY       the parcel, COMMUNE/SHEET/PARCEL\n"
			       "  --reason TEXT      why (kept with the exception)\n",
			       usage);
			return EXIT_GOOD;
		} else if (!cli_global_opt(cli, c))
			return cli_usage(usage, "bad option");
	}
	if (argc - optind < 2)
		return cli_usage(usage, "expected add, list or remove and a workspace");
	verb = argv[optind];
	if (!strcmp(verb, "add")) {
		if (argc - optind != 2 || !rule || !key || !reason)
			return cli_usage(usage, "add needs a workspace, --rule, --parcel and --reason");
		return change(cli, argv[optind + 1], rule, key, reason, 0);
	}
	if (!strcmp(verb, "remove")) {
		char *end;
		long long id = argc - optind == 3 ? strtoll(argv[optind + 2], &end, 10) : 0;
		if (argc - optind != 3 || *end || id <= 0)
			return cli_usage(usage, "remove needs a workspace and an exception number");
		return change(cli, argv[optind + 1], NULL, NULL, NULL, id);
	}
	if (!strcmp(verb, "list")) {
		td_ws *ws = NULL;
		td_error err;
		int rc;
		if (argc - optind != 2)
			return cli_usage(usage, "list needs a workspace");
		rc = cli_open(cli, argv[optind + 1], TD_WS_READ, &ws);
		if (rc != EXIT_GOOD)
			return rc;
		td_error_init(&err);
		if (!cli->json && !cli->quiet)
			printf("%-5s %-22s %-16s %-7s %3s  %-24s  %s\n", "id", "rule", "parcel", "state", "n",
			       "created", "reason");
		if (td_exception_each(ws, print_one, cli, &err) != TD_OK) {
			td_ws_close(ws);
			return cli_fail(cli, &err);
		}
		td_ws_close(ws);
		return EXIT_GOOD;
	}
	return cli_usage(usage, "'%s': expected add, list or remove", verb);
}
