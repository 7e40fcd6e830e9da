/*
 * thuadat audit: read a workspace's audit trail. `audit verify` checks the
 * hash chain and names every entry edited or removed (exit 4 when the trail
 * is broken); `audit log` prints the entries, oldest first.
 */
#include "audit.h"
#include "cli.h"

#include <stdlib.h>
#include <string.h>

struct audit_args {
	const char *action, *workspace;
	long limit;
};

static int verify(td_cli *cli, td_ws *ws)
{
	td_audit_report rep;
	td_error err;
	int rc;

	td_error_init(&err);
	rc = td_audit_verify(ws, &rep, &err);
	if (rc != TD_OK)
		return cli_fail(cli, &err);
	if (cli->json) {
		printf("{\"command\":\"audit-verify\",\"intact\":%s,\"entries\":%ld,\"head\":%lld,\"head_hash\":\"%s\","
		       "\"problems\":[",
		       rep.intact ? "true" : "false", rep.entries, rep.head_id, rep.head_hash);
		for (int i = 0; i < rep.nproblems; i++) {
			printf("%s{\"entry\":%lld,\"what\":", i ? "," : "", rep.problems[i].entry);
			cli_json_str(stdout, rep.problems[i].what);
			printf("}");
		}
		printf("]}\n");
	} else if (rep.intact) {
		if (!cli->quiet)
			printf("audit trail intact: %ld entries, head %lld %s\n", rep.entries, rep.head_id,
			       rep.head_hash);
	} else {
		/* A broken trail is said even with -q: it is the result, not chatter. */
		printf("audit trail BROKEN: %ld problem%s in %ld entries\n", rep.nproblems_total,
		       rep.nproblems_total == 1 ? "" : "s", rep.entries);
		for (int i = 0; i < rep.nproblems; i++)
			printf("  %s\n", rep.problems[i].what);
		if (rep.nproblems_total > rep.nproblems)
			printf("  ... and %ld more\n", rep.nproblems_total - rep.nproblems);
	}
	return rep.intact ? EXIT_GOOD : EXIT_INPUT;
}

static int print_entry(const td_audit_entry *e, void *arg)
{
	const td_cli *cli = arg;

	if (cli->json) {
		printf("{\"id\":%lld,\"run_id\":", e->id);
		if (e->run_id)
			printf("%lld", e->run_id);
		else
			printf("null");
		printf(",\"time\":");
		cli_json_str(stdout, e->time);
		printf(",\"os_user\":");
		cli_json_str(stdout, e->os_user);
		printf(",\"command\":");
		cli_json_str(stdout, e->command);
		printf(",\"argv\":");
		cli_json_str(stdout, e->argv);
		/* inputs, changes and summary are JSON already */
		printf(",\"inputs\":%s,\"changes\":%s,\"summary\":%s,\"hash\":\"%s\"}\n", e->inputs, e->changes,
		       e->summary ? e->summary : "null", e->hash);
		return 1;
	}
	printf("%lld  %s  %s  %s\n", e->id, e->time, e->os_user, e->argv);
	if (cli->verbose) {
		printf("    inputs:  %s\n    changes: %s\n", e->inputs, e->changes);
		if (e->summary)
			printf("    summary: %s\n", e->summary);
		printf("    hash:    %s\n", e->hash);
	} else if (strcmp(e->inputs, "[]") != 0) {
		printf("    inputs:  %s\n", e->inputs);
	}
	return 1;
}

static int show_log(td_cli *cli, td_ws *ws, long limit)
{
	td_error err;
	int rc;

	td_error_init(&err);
	rc = td_audit_each(ws, limit, print_entry, cli, &err);
	return rc == TD_OK ? EXIT_GOOD : cli_fail(cli, &err);
}

static int run(td_cli *cli, td_ws *ws, void *p)
{
	const struct audit_args *a = p;

	if (strcmp(a->action, "verify") == 0)
		return a->limit ? cli_usage_cmd(&cmd_audit, "--limit is for 'audit log'") : verify(cli, ws);
	if (strcmp(a->action, "log") == 0)
		return show_log(cli, ws, a->limit);
	return cli_usage_cmd(&cmd_audit, "'%s' is not an audit command (verify or log)", a->action);
}

static const cli_opt options[] = {
	CLI_ARG(struct audit_args, action, "verify|log"), CLI_ARG(struct audit_args, workspace, "WORKSPACE"),
	CLI_INT(struct audit_args, limit, "limit", "N", 1, 1e9, "log: only the last N entries"), CLI_END};

const cli_command cmd_audit = {"audit",
			       "verify the workspace's audit trail, or print it",
			       "  verify   check the hash chain: exit 0 when intact, 4 naming every entry edited\n"
			       "           or removed\n"
			       "  log      print the entries, oldest first (-v: inputs, changes, summary, hash;\n"
			       "           --json: one object per line)",
			       "verify or log, and one workspace path",
			       options,
			       sizeof(struct audit_args),
			       NULL,
			       run};
