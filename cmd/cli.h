/*
 * What the subcommands share: global options, the one map from lib statuses
 * to exit codes, error printing, the progress printer and JSON helpers.
 */
#ifndef TD_CLI_H
#define TD_CLI_H

#include "ids.h"
#include "options.h"
#include "rules.h"
#include "workspace.h"

#include <stdio.h>

/* "s" after a count that is not 1: printf("%ld parcel%s", n, PLURAL(n)). */
#define PLURAL(n) ((n) == 1 ? "" : "s")

/* Documented exit codes: never renumber. */
enum {
	EXIT_GOOD = 0,      /* all good */
	EXIT_WARNINGS = 1,  /* finished, warnings only */
	EXIT_FAILS = 2,     /* finished, data fails rules */
	EXIT_USAGE = 3,     /* bad usage or configuration */
	EXIT_INPUT = 4,     /* unreadable or invalid input */
	EXIT_FAILURE_IO = 5 /* internal or I/O failure (incl. workspace locked) */
};

typedef struct td_cli {
	int quiet;
	int verbose;
	int json;
	int progress;           /* draw a progress bar on stderr */
	const char *invocation; /* the whole command line, for the run record */
	td_ctx *ctx;
	struct cli_output *output; /* the filtered stdout/stderr and the --log file (output.c) */
} td_cli;

/*
 * Send stdout and stderr through the output filter (identity numbers
 * masked, control characters shown as \xNN) and, when log_path is not
 * NULL, append every line to that file with a timestamp. Returns EXIT_GOOD,
 * or prints why not and returns an exit code.
 */
int cli_output_start(td_cli *cli, const char *log_path);

/*
 * Flush and close the filtered streams, log the exit code rc, put the C
 * library's streams back. Returns rc, or EXIT_FAILURE_IO when stdout or the
 * log could not be written (a full disk never passes as success).
 */
int cli_output_finish(td_cli *cli, int rc);

/* Apply -q/-v/--json; returns 1 if c was one of them. */
int cli_global_opt(td_cli *cli, int c);

/*
 * Get ready to write the file path: create its folder and the missing
 * parents (0700), remove temporary files killed runs left there. Call it
 * before the stage, so that a bad folder fails before anything changes.
 * Returns EXIT_GOOD, or prints the error and returns its exit code.
 */
int cli_prepare_output(const td_cli *cli, const char *path);

/* td_ws_hook writing the findings CSV (arg: its path) inside the stage. */
td_status cli_findings_csv_hook(td_ws *ws, void *arg, td_error *err);

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

/* The [id] settings of a profile (named as for cli_load_profile). Returns EXIT_GOOD or prints and returns the exit
 * code. */
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

/* The commands, each with its option table (options.h); main.c's dispatch table lists them. */
extern const cli_command cmd_init, cmd_ingest, cmd_check, cmd_classify, cmd_export, cmd_run, cmd_accept, cmd_assign_id,
	cmd_id, cmd_report, cmd_merge, cmd_reconcile, cmd_audit, cmd_sources, cmd_fix, cmd_exception;

#endif
