/*
 * thuadat reconcile: apply C06's replies to the lists of `export --c06`
 * (owners verified, mismatched or not found, corrected details), re-grade
 * the parcels and print the verification rate per commune against the
 * campaign target. Exit 2 while a commune is below the target, 1 when
 * reply rows could not be applied (listed), 0 otherwise.
 */
#include "reconcile.h"
#include "cli.h"
#include "identity.h"

#include <stdlib.h>
#include <string.h>

struct reconcile_args {
	const char *workspace, *profile, *unapplied_csv;
	cli_list replies;
};

/* On one screen: every commune when there are few, else the ones below the target. */
#define SCREEN_COMMUNES 20

static void print_rate(const td_verification_rate *v)
{
	printf("%-8s ", v->commune);
	cli_print_column(stdout, v->name, 24);
	printf(" %7ld %8ld %8ld %8ld %7.2f%%  %s\n", v->owners, v->verified, v->mismatched, v->not_found, v->percent,
	       v->meets_target ? "ok" : "BELOW");
}

static void print_summary(const td_cli *cli, const td_reconcile_summary *s, const char *csv)
{
	const td_verification_rates *r = &s->rates;
	long unapplied = s->unmatched + s->conflicts;
	int shown = 0;

	printf("reconciled %d reply file%s, %ld rows: %ld matched, %ld mismatched, %ld not found, %ld without an "
	       "answer\n",
	       s->files, s->files == 1 ? "" : "s", s->rows, s->matched, s->mismatched, s->not_found, s->unanswered);
	printf("owners: %ld changed verification, %ld details corrected (previous values in owner_history)\n",
	       s->owners_changed, s->values_corrected);
	if (unapplied)
		printf("not applied: %ld row%s matching no owner sent to C06, %ld answering an owner differently "
		       "from an earlier row:\n",
		       s->unmatched, s->unmatched == 1 ? "" : "s", s->conflicts);
	for (int i = 0; i < s->nlisted && (cli->verbose || i < 10); i++)
		printf("  %s: %s\n", s->listed[i].where, s->listed[i].what);
	if (unapplied > (cli->verbose ? s->nlisted : (s->nlisted < 10 ? s->nlisted : 10)))
		printf("  ... all of them in the workspace table c06_replies%s%s\n", csv ? " and in " : "",
		       csv ? csv : "");
	if (s->graded) {
		int moved = 0;
		for (int from = 1; from <= 3; from++)
			for (int to = 1; to <= 3; to++)
				if (s->moves[from][to]) {
					printf("%s%ld parcels from group %d to group %d",
					       moved ? ", " : "groups: ", s->moves[from][to], from, to);
					moved = 1;
				}
		printf("%s\n", moved ? "" : "groups: no parcel changed group");
	} else {
		printf("groups not updated: %s\n", s->not_graded);
	}
	printf("certificate holders verified by C06 (target %.2f%% per commune):\n", r->target);
	printf("%-8s %-24s %7s %8s %8s %8s %8s\n", "commune", "name", "owners", "verified", "mismatch", "notfound",
	       "rate");
	for (int i = 0; i < r->ncommunes; i++)
		if (cli->verbose || r->ncommunes <= SCREEN_COMMUNES ||
		    (!r->communes[i].meets_target && shown < SCREEN_COMMUNES)) {
			print_rate(&r->communes[i]);
			shown++;
		}
	if (shown < r->ncommunes)
		printf("... %d communes not shown (%d below the target in all); -v or --json lists every commune\n",
		       r->ncommunes - shown, r->below);
	print_rate(&r->total);
}

static void print_json(const td_reconcile_summary *s)
{
	const td_verification_rates *r = &s->rates;
	size_t n = strlen(s->json);

	/* The stored summary, with the per-commune rates and the rows not applied added. */
	printf("%.*s,\"run_id\":%lld,\"communes\":[", (int)(n ? n - 1 : 0), s->json, s->run_id);
	for (int i = 0; i < r->ncommunes; i++) {
		const td_verification_rate *v = &r->communes[i];
		printf("%s{\"commune\":", i ? "," : "");
		cli_json_str(stdout, v->commune);
		printf(",\"name\":");
		cli_json_str(stdout, v->name);
		printf(",\"owners\":%ld,\"verified\":%ld,\"mismatched\":%ld,\"not_found\":%ld,\"percent\":%.2f,"
		       "\"meets_target\":%s}",
		       v->owners, v->verified, v->mismatched, v->not_found, v->percent,
		       v->meets_target ? "true" : "false");
	}
	printf("],\"not_applied\":[");
	for (int i = 0; i < s->nlisted; i++) {
		printf("%s{\"where\":", i ? "," : "");
		cli_json_str(stdout, s->listed[i].where);
		printf(",\"why\":");
		cli_json_str(stdout, s->listed[i].what);
		printf("}");
	}
	printf("]}\n");
}

static td_status unapplied_hook(td_ws *ws, void *arg, td_error *err)
{
	return td_reconcile_write_unapplied_csv(ws, ws->run_id, arg, err);
}

static int run(td_cli *cli, td_ws *ws, void *p)
{
	const struct reconcile_args *a = p;
	const char *csv = a->unapplied_csv;
	td_reconcile_options o;
	td_reconcile_summary sum;
	td_error err;
	int rc;

	td_reconcile_options_init(&o);
	rc = cli_load_profile(cli, a->profile, NULL, &o.rules);
	if (rc != EXIT_GOOD)
		return rc;
	o.replies = a->replies.v;
	o.nreplies = a->replies.n;
	if (csv && (rc = cli_prepare_output(cli, csv)) != EXIT_GOOD)
		return rc;
	if (csv) {
		/* Written in the stage's transaction: the replies and their list are both in, or neither. */
		ws->before_commit = unapplied_hook;
		ws->before_commit_arg = (void *)csv;
	}
	td_error_init(&err);
	if (td_reconcile_run(ws, &o, cli_progress, cli, &sum, &err) != TD_OK) {
		td_reconcile_summary_release(&sum);
		return cli_fail(cli, &err);
	}
	if (cli->json)
		print_json(&sum);
	else if (!cli->quiet)
		print_summary(cli, &sum, csv);
	rc = sum.rates.below ? EXIT_FAILS : sum.unmatched || sum.conflicts ? EXIT_WARNINGS : EXIT_GOOD;
	td_reconcile_summary_release(&sum);
	return rc;
}

static const cli_opt options[] = {CLI_ARG(struct reconcile_args, workspace, "WORKSPACE"),
				  CLI_ARGS(struct reconcile_args, replies, "REPLY", 1),
				  CLI_OPT(CLI_STRING, struct reconcile_args, profile, "profile", "P",
					  "rule profile for the re-grade and the verification target\n"
					  "([campaign] verified_target_percent; default: default)"),
				  CLI_OPT(CLI_PATH, struct reconcile_args, unapplied_csv, "unapplied-csv", "FILE",
					  "also write the rows that could not be applied as CSV"),
				  CLI_END};

const cli_command cmd_reconcile = {
	"reconcile",
	"apply C06's replies: verification, corrected details, groups, rates",
	"REPLY...: C06's answers, the lists of 'export --c06' with the status and corrected\n"
	"values filled in, as .xls, .xlsx or .csv (UTF-8).\n"
	"exit: 0 done, 1 some rows not applied, 2 a commune below the target, 4 a malformed reply",
	"a workspace and at least one reply file",
	options,
	sizeof(struct reconcile_args),
	NULL,
	run};
