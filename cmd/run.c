/*
 * thuadat run: run the stages a job file lists, in file order, on one
 * workspace; this is what cron calls. Each stage commits on its own, so a
 * failure leaves every earlier stage's work in place. Stops at the first
 * stage that exits 3 or more; otherwise exits with the worst code (0-2).
 *
 *     workspace = hp.gpkg          ; paths are relative to the job file
 *     [init]                       ; only when the workspace does not exist
 *     crs = EPSG:9210
 *     [ingest]
 *     map = maps/11311.gpkg
 *     register = so-dia-chinh.csv
 *     [fix]                        ; apply_auto = yes: the automatic fixes, then check again
 *     apply_auto = yes
 *     [check]
 *     findings_csv = out/findings.csv
 *     [classify]
 *     [assign-id]                  ; profile = NAME for its [id] section
 *     [export]
 *     out = out/xlsx
 *     [report]
 *     out = out/bao-cao
 */
#include "cli.h"
#include "ini.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_STAGES 32
#define MAX_STRINGS 256

/* One [section]: its command and the arguments its keys set. */
struct stage {
	const cli_dispatch *d;
	void *args;
};

struct job {
	const char *path;
	char dir[PATH_MAX];
	const char *workspace;
	struct stage stages[MAX_STAGES];
	int n;
	char *strings[MAX_STRINGS];
	int nstrings;
};

/* A copy of a value that lives as long as the job; a relative path is taken from the job file's folder. */
static const char *keep(struct job *job, const char *s, int is_path, td_error *err)
{
	char *copy;
	size_t n;

	if (job->nstrings == MAX_STRINGS) {
		td_error_set(err, TD_ERR_USAGE, "'%s': too many settings", job->path);
		return NULL;
	}
	n = strlen(job->dir) + strlen(s) + 2;
	copy = malloc(n);
	if (!copy) {
		td_error_set(err, TD_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (is_path && s[0] != '/' && strcmp(job->dir, ".") != 0)
		snprintf(copy, n, "%s/%s", job->dir, s);
	else
		snprintf(copy, n, "%s", s);
	job->strings[job->nstrings++] = copy;
	return copy;
}

/* "init, ingest, ... or report": the commands a job may list, in the dispatch table's order. */
static void job_commands(char *buf, size_t size)
{
	size_t n = 0, ncmd, count = 0, k = 0;
	const cli_dispatch *all = cli_commands(&ncmd);

	buf[0] = '\0';
	for (size_t i = 0; i < ncmd; i++)
		count += (all[i].needs & CLI_JOB) != 0;
	for (size_t i = 0; i < ncmd && n < size; i++)
		if (all[i].needs & CLI_JOB) {
			k++;
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
					      k == 1       ? ""
					      : k == count ? " or "
							   : ", ",
					      all[i].cmd->name);
		}
}

static td_status on_section(struct job *job, const char *section, int line, td_error *err)
{
	const cli_dispatch *d = cli_find(section);
	char list[256];

	if (!d || !(d->needs & CLI_JOB)) {
		job_commands(list, sizeof(list));
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: unknown stage [%s] (expected %s)", job->path,
				    line, section, list);
	}
	if (job->n == MAX_STAGES)
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: more than %d stages", job->path, line,
				    MAX_STAGES);
	job->stages[job->n].d = d;
	job->stages[job->n].args = cli_args_new(d->cmd);
	if (!job->stages[job->n].args)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	job->n++;
	return TD_OK;
}

static td_status on_key(const char *section, const char *key, const char *value, int line, void *arg, td_error *err)
{
	struct job *job = arg;
	const struct stage *st;
	const cli_opt *o;
	const char *v;
	char msg[512];

	if (!section[0]) {
		if (!key || strcmp(key, "workspace") != 0)
			return td_error_set(err, TD_ERR_USAGE,
					    "'%s' line %d: unknown setting '%s' (expected workspace)", job->path, line,
					    key ? key : "");
		job->workspace = keep(job, value, 1, err);
		return job->workspace ? TD_OK : err->code;
	}
	if (!key)
		return on_section(job, section, line, err);
	st = &job->stages[job->n - 1];
	o = cli_job_opt(st->d->cmd, key);
	if (!o)
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: unknown setting '%s' in [%s]", job->path, line,
				    key, section);
	v = keep(job, value, o->kind == CLI_PATH, err);
	if (!v)
		return err->code;
	if (!cli_set(o, st->args, v, msg, sizeof(msg)))
		return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: [%s] %s = %s", job->path, line, section, key,
				    msg);
	return TD_OK;
}

/* Run one stage on the job's workspace, as the command line would. */
static int run_stage(td_cli *cli, const struct job *job, const struct stage *st)
{
	const cli_command *cmd = st->d->cmd;
	struct stat sb;
	char msg[64];

	if (strcmp(cmd->name, "init") == 0 && stat(job->workspace, &sb) == 0) {
		if (!cli->quiet && !cli->json)
			printf("init: %s exists, left as it is\n", job->workspace);
		return EXIT_GOOD;
	}
	for (const cli_opt *o = cmd->opts; o->kind != CLI_KIND_END; o++)
		if (o->kind == CLI_KIND_ARG && strcmp(o->name, "WORKSPACE") == 0)
			cli_set(o, st->args, job->workspace, msg, sizeof(msg));
	return cli_invoke(cli, st->d, st->args);
}

struct run_args {
	const char *job;
};

static int run(td_cli *cli, td_ws *unused, void *p)
{
	const struct run_args *a = p;
	struct job *job = calloc(1, sizeof(*job));
	td_error err;
	char *slash;
	int worst = EXIT_GOOD;

	if (!job) {
		fprintf(stderr, "thuadat: error: out of memory\n");
		return EXIT_FAILURE_IO;
	}
	job->path = a->job;
	snprintf(job->dir, sizeof(job->dir), "%s", job->path);
	slash = strrchr(job->dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(job->dir, sizeof(job->dir), ".");

	td_error_init(&err);
	if (td_ini_parse(job->path, on_key, job, &err) != TD_OK)
		worst = cli_fail(cli, &err);
	else if (!job->workspace)
		worst = cli_usage_cmd(&cmd_run, "'%s' names no workspace (workspace = FILE)", job->path);
	else if (job->n == 0)
		worst = cli_usage_cmd(&cmd_run, "'%s' lists no stages", job->path);
	for (int i = 0; worst < EXIT_USAGE && i < job->n; i++) {
		int rc = run_stage(cli, job, &job->stages[i]);
		if (rc > worst)
			worst = rc;
		if (rc >= EXIT_USAGE && !cli->quiet)
			fprintf(stderr, "thuadat: run stopped at stage %d [%s]\n", i + 1, job->stages[i].d->cmd->name);
	}
	if (cli->json)
		printf("{\"command\":\"run\",\"exit_code\":%d}\n", worst);
	for (int i = 0; i < job->n; i++)
		cli_args_free(job->stages[i].d->cmd, job->stages[i].args);
	for (int i = 0; i < job->nstrings; i++)
		free(job->strings[i]);
	free(job);
	return worst;
}

static const cli_opt options[] = {CLI_ARG(struct run_args, job, "JOB.ini"), CLI_END};

const cli_command cmd_run = {"run",
			     "run the stages listed in a job file (what cron calls)",
			     "Runs the stages of the job file in order; each section takes the keys its\n"
			     "command's --help lists. See 'man thuadat' for the format.",
			     "one job file",
			     options,
			     sizeof(struct run_args),
			     NULL,
			     run};
