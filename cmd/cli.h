/*
 * What the subcommands share: global options, the one map from lib statuses
 * to exit codes, error printing, the progress printer and JSON helpers.
 */
#ifndef TD_CLI_H
#define TD_CLI_H

#include "ids.h"
#include "rules.h"
#include "workspace.h"

#include <getopt.h>
#include <stdio.h>

/* Documented exit codes: never renumber. */
enum {
	EXIT_GOOD = 0,     /* all good */
	EXIT_WARNINGS = 1, /* finished, warnings only */
	EXIT_FAILS = 2,    /* finished, data fails rules */
	EXIT_USAGE = 3,    /* bad usage or configuration */
	EXIT_INPUT = 4,    /* unreadable or invalid input */
	EXIT_FAILURE_IO = 5 /* internal or I/O failure (incl. workspace locked) */
};

typedef struct td_cli {
	int quiet;
	int verbose;
	int json;
	int progress;           /* draw a progress bar on stderr */
	const char *invocation; /* the whole command line, for the run record */
	td_ctx *ctx;
} td_cli;

/* Long options every subcommand accepts, and their handler. */
#define CLI_GLOBAL_LONGOPTS                                                                            \
	{"quiet", no_argument, NULL, 'q'}, {"verbose", no_argument, NULL, 'v'},                      \
		{"json", no_argument, NULL, 'J'}, {"help", no_argument, NULL, 'h'}
#define CLI_GLOBAL_SHORTOPTS "qvh"

/* Apply -q/-v/--json; returns 1 if c was one of them. */
int cli_global_opt(td_cli *cli, int c);

/* The exit code for a lib status. */
int cli_exit_code(td_status st);

/*
 * Print "thuadat: error: <msg>" (errors print even with -q) and return the
 * exit code. Identity numbers in the message are masked, as in everything
 * cmd/ prints (cli_mask): messages may quote register values.
 */
int cli_fail(const td_cli *cli, const td_error *err);

/* Print "thuadat: warning: <msg>" to stderr, identity numbers masked. */
void cli_warn(const char *msg);

/* s with every 9- or 12-digit identity number masked ("031*******45"), in buf; returns buf. */
const char *cli_mask(const char *s, char *buf, size_t size);

/* Print "usage: <usage>" and a reason to stderr; returns EXIT_USAGE. */
int cli_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Open a workspace for a stage and record the command line for its run
 * row. Returns EXIT_GOOD, or prints the error and returns its exit code.
 */
int cli_open(const td_cli *cli, const char *path, td_ws_mode mode, td_ws **ws);

/*
 * The file a name stands for: a path when it has a '/' or ends in ext,
 * else schemas/DIR/NAME<ext>. Returns EXIT_GOOD, or prints why not and
 * returns EXIT_USAGE.
 */
int cli_schema_path(const td_cli *cli, const char *dir, const char *name, const char *ext, char *path, size_t size);

/*
 * Rule settings from a profile: NULL means schemas/rules/default.ini; a
 * name without '/' or ".ini" is schemas/rules/NAME.ini; else a path.
 * today (YYYY-MM-DD, may be NULL) overrides the profile's date.
 * Returns EXIT_GOOD or prints the error and returns its exit code.
 */
int cli_load_profile(const td_cli *cli, const char *name, const char *today, td_rule_settings *rules);

/* The [id] settings of a profile (named as for cli_load_profile). Returns EXIT_GOOD or prints and returns the exit code. */
int cli_load_id_profile(const td_cli *cli, const char *name, td_id_settings *ids);

/* td_progress_fn drawing a bar on stderr; arg is the td_cli. */
int cli_progress(double done, const char *msg, void *arg);

/*
 * Print UTF-8 text in a column of width characters (not bytes): cut at a
 * character boundary, padded with spaces, so Vietnamese names line up.
 */
void cli_print_column(FILE *f, const char *s, int width);

/* Print s as a JSON string literal. */
void cli_json_str(FILE *f, const char *s);

/* Stage runners shared by the subcommands and `run`; each returns an exit code. */
typedef struct td_ingest_options td_ingest_options;
typedef struct td_check_options td_check_options;
typedef struct td_export_options td_export_options;
typedef struct td_report_options td_report_options;
int stage_init(td_cli *cli, const char *ws, const char *crs, const char *province, int force);
int stage_ingest(td_cli *cli, const char *ws, const td_ingest_options *opts);
int stage_check(td_cli *cli, const char *ws, const td_check_options *opts, const char *csv);
int stage_classify(td_cli *cli, const char *ws, const td_rule_settings *rules, const char *csv);
int stage_export(td_cli *cli, const char *ws, const td_export_options *opts, int c06);
int stage_assign_id(td_cli *cli, const char *ws, const td_id_settings *ids);
int stage_report(td_cli *cli, const char *ws, const td_report_options *opts);
typedef struct td_fix_options td_fix_options;
/* fix: profile names the rule profile and its [fix] section (loaded into opts); out: review workbooks, or NULL. */
int stage_fix(td_cli *cli, const char *ws, const char *profile, td_fix_options *opts, const char *out);
/*
 * Apply a profile to report options: its change_deadline_days, and its
 * today (copied into today, which opts then points to) when opts has no
 * week or date.
 */
int report_profile(td_cli *cli, const char *profile, td_report_options *opts, char today[11]);

/* Subcommands. */
int cmd_init(int argc, char **argv, td_cli *cli);
int cmd_ingest(int argc, char **argv, td_cli *cli);
int cmd_check(int argc, char **argv, td_cli *cli);
int cmd_classify(int argc, char **argv, td_cli *cli);
int cmd_export(int argc, char **argv, td_cli *cli);
int cmd_run(int argc, char **argv, td_cli *cli);
int cmd_accept(int argc, char **argv, td_cli *cli);
int cmd_assign_id(int argc, char **argv, td_cli *cli);
int cmd_id(int argc, char **argv, td_cli *cli);
int cmd_report(int argc, char **argv, td_cli *cli);
int cmd_merge(int argc, char **argv, td_cli *cli);
int cmd_reconcile(int argc, char **argv, td_cli *cli);
int cmd_audit(int argc, char **argv, td_cli *cli);
int cmd_fix(int argc, char **argv, td_cli *cli);
int cmd_exception(int argc, char **argv, td_cli *cli);

#endif
