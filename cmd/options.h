/*
 * One table per command drives its command line, its --help and its keys in
 * a `run` job file, so a flag, its help line and its job key cannot drift
 * apart (git's parse-options). Each entry writes into the command's own
 * arguments struct at an offset:
 *
 *     struct check_args { const char *workspace, *profile; long threads; };
 *     static const cli_opt options[] = {
 *         CLI_ARG(struct check_args, workspace, "WORKSPACE"),
 *         CLI_OPT(CLI_STRING, struct check_args, profile, "profile", "P", "rule profile"),
 *         CLI_INT(struct check_args, threads, "threads", 1, TD_MAX_THREADS, "worker threads"),
 *         CLI_END};
 *
 * The job key of --findings-csv is findings_csv. Field types by kind:
 * CLI_ARG, CLI_STRING, CLI_PATH, CLI_DATE: const char *; CLI_FLAG: int;
 * CLI_INT: long; CLI_NUMBER: double; CLI_ARGS: cli_list. Only options held
 * as strings can be CLI_REQUIRED.
 */
#ifndef TD_OPTIONS_H
#define TD_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

typedef enum cli_opt_kind {
	CLI_KIND_END,
	CLI_KIND_ARG,  /* one positional argument; name is its placeholder (WORKSPACE) */
	CLI_KIND_ARGS, /* the positional arguments left, at least min of them */
	CLI_STRING,    /* --name VALUE */
	CLI_PATH,      /* --name FILE; in a job file relative to the job file's folder */
	CLI_FLAG,      /* --name; in a job file yes or no */
	CLI_INT,       /* --name N, a whole number from min to max */
	CLI_NUMBER,    /* --name X, a decimal number from min to max */
	CLI_DATE       /* --name YYYY-MM-DD, a real calendar date */
} cli_opt_kind;

enum {
	CLI_REQUIRED = 1, /* the option must be given */
	CLI_NO_JOB = 2,   /* not a key of `run` job files */
	CLI_ALONE = 4     /* a flag that is the whole command (--list-rules): no arguments, nothing set up */
};

/* The positional arguments a CLI_KIND_ARGS entry collects (pointers into argv or the job file). */
typedef struct cli_list {
	const char **v;
	int n;
} cli_list;

typedef struct cli_opt {
	cli_opt_kind kind;
	const char *name; /* long option without "--"; placeholder for positionals */
	const char *arg;  /* the value's placeholder in --help ("FILE", "N") */
	size_t offset;    /* of the field in the arguments struct */
	unsigned flags;
	double min, max;  /* CLI_INT, CLI_NUMBER: the range; CLI_KIND_ARGS: min is the least count */
	const char *help; /* lines after the first are indented under it */
} cli_opt;

#define CLI_ARG(type, field, name)                                                                                     \
	{                                                                                                              \
		CLI_KIND_ARG, name, NULL, offsetof(type, field), CLI_REQUIRED, 0, 0, NULL                              \
	}
#define CLI_ARGS(type, field, name, least)                                                                             \
	{                                                                                                              \
		CLI_KIND_ARGS, name, NULL, offsetof(type, field), 0, least, 0, NULL                                    \
	}
#define CLI_OPT(kind, type, field, name, arg, help)                                                                    \
	{                                                                                                              \
		kind, name, arg, offsetof(type, field), 0, 0, 0, help                                                  \
	}
#define CLI_OPT_F(kind, type, field, name, arg, flags, help)                                                           \
	{                                                                                                              \
		kind, name, arg, offsetof(type, field), flags, 0, 0, help                                              \
	}
#define CLI_INT(type, field, name, arg, lo, hi, help)                                                                  \
	{                                                                                                              \
		CLI_INT, name, arg, offsetof(type, field), 0, lo, hi, help                                             \
	}
#define CLI_NUM(type, field, name, arg, lo, hi, help)                                                                  \
	{                                                                                                              \
		CLI_NUMBER, name, arg, offsetof(type, field), 0, lo, hi, help                                          \
	}
#define CLI_END                                                                                                        \
	{                                                                                                              \
		CLI_KIND_END, NULL, NULL, 0, 0, 0, 0, NULL                                                             \
	}

typedef struct td_cli td_cli;
typedef struct td_ws td_ws;

/* What main sets up before a command runs (git's RUN_SETUP). */
enum {
	CLI_WS_READ = 1,  /* open the WORKSPACE argument for reading */
	CLI_WS_WRITE = 2, /* open it for writing: the writer lock is held while the command runs */
	CLI_JOB = 4       /* the command may be a [section] of a `run` job file */
};

typedef struct cli_command {
	const char *name;
	const char *summary;          /* one line in `thuadat --help` */
	const char *about;            /* printed under the options by `thuadat CMD --help`; may be NULL */
	const char *expect;           /* what the positional arguments are, for "expected ..." */
	const cli_opt *opts;          /* ends with CLI_END */
	size_t args_size;             /* sizeof the arguments struct */
	void (*defaults)(void *args); /* NULL: all zero */
	/* Run with parsed arguments; ws is open when the dispatch entry asks for it. Returns an exit code. */
	int (*run)(td_cli *cli, td_ws *ws, void *args);
} cli_command;

/* A dispatch-table entry: a command and what it needs. */
typedef struct cli_dispatch {
	const cli_command *cmd;
	unsigned needs;
} cli_dispatch;

/* The dispatch entry for name (main.c's table), or NULL. */
const cli_dispatch *cli_find(const char *name);

/* The whole dispatch table, *n entries. */
const cli_dispatch *cli_commands(size_t *n);

/* cli_parse's result when --help was printed: exit 0 without running. */
#define CLI_HELP_SHOWN (-1)

/*
 * Parse argv (argv[0] is the command's name) into args (args_size bytes,
 * defaults applied) by the command's table and the global options
 * (-q, -v, --json, --help). Returns EXIT_GOOD, CLI_HELP_SHOWN, or prints one
 * usage error and returns EXIT_USAGE. Strings point into argv.
 */
int cli_parse(td_cli *cli, const cli_command *cmd, int argc, char **argv, void *args);

/* The entry a job-file key names (findings_csv for --findings-csv), or NULL. */
const cli_opt *cli_job_opt(const cli_command *cmd, const char *key);

/*
 * Set o in args from value (kept by the caller for as long as args lives;
 * paths already resolved). Returns 1, or 0 with the reason in msg
 * ("expected a number from 1 to 64").
 */
int cli_set(const cli_opt *o, void *args, const char *value, char *msg, size_t size);

/* The usage line ("thuadat check WORKSPACE [--profile P] ...") into buf; returns buf. */
const char *cli_usage_line(const cli_command *cmd, char *buf, size_t size);

/* Print "thuadat: <message>" and the command's usage line to stderr; returns EXIT_USAGE. */
int cli_usage_cmd(const cli_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the command's --help: usage, options, the job keys, about. */
void cli_help(const cli_command *cmd, FILE *f);

/*
 * Check what parsing cannot (required options), open the workspace the
 * dispatch entry asks for, run the command, close. Used by main and `run`.
 */
int cli_invoke(td_cli *cli, const cli_dispatch *d, void *args);

/* A fresh arguments struct with the command's defaults, or NULL when out of memory. */
void *cli_args_new(const cli_command *cmd);

/* Free what cli_args_new and parsing allocated. Accepts NULL. */
void cli_args_free(const cli_command *cmd, void *args);

#endif
