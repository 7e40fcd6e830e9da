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
 *     [check]
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
#include "check.h"
#include "cli.h"
#include "export.h"
#include "fix.h"
#include "ingest.h"
#include "ini.h"
#include "report.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] = "thuadat run JOB.ini";

#define MAX_STAGES 32
#define MAX_STRINGS 256
#define MAX_KEYS 12

enum stage_kind { S_INIT, S_INGEST, S_CHECK, S_CLASSIFY, S_EXPORT, S_REPORT, S_ASSIGN_ID, S_FIX };

static const char *const stage_names[] = {"init",   "ingest",    "check", "classify", "export",
					  "report", "assign-id", "fix"};

/* The keys each section accepts; keys ending in '/' are paths. */
static const char *const stage_keys[][MAX_KEYS] = {
	{"crs", "province"},
	{"map/", "register/", "source_crs", "commune", "boundaries/", "encoding", "scans/", "scan_pattern",
	 "map_profile", "source_province", "register_profile"},
	{"findings_csv/", "profile", "today", "threads"},
	{"groups_csv/", "profile"},
	{"out/", "c06"},
	{"out/", "week", "date", "profile", "target"},
	{"profile"},
	{"profile", "apply_auto", "out/"},
};

struct stage {
	enum stage_kind kind;
	const char *v[MAX_KEYS]; /* values, indexed like stage_keys */
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

static td_status on_key(const char *section, const char *key, const char *value, int line, void *arg, td_error *err)
{
	struct job *job = arg;
	struct stage *st;

	if (!section[0]) {
		if (strcmp(key, "workspace") != 0)
			return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: unknown setting '%s' (expected workspace)",
					    job->path, line, key);
		job->workspace = keep(job, value, 1, err);
		return job->workspace ? TD_OK : err->code;
	}
	if (!key) {
		for (int k = 0; k < (int)(sizeof(stage_names) / sizeof(stage_names[0])); k++)
			if (strcmp(section, stage_names[k]) == 0) {
				if (job->n == MAX_STAGES)
					return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: more than %d stages",
							    job->path, line, MAX_STAGES);
				memset(&job->stages[job->n], 0, sizeof(job->stages[0]));
				job->stages[job->n++].kind = (enum stage_kind)k;
				return TD_OK;
			}
		return td_error_set(err, TD_ERR_USAGE,
				    "'%s' line %d: unknown stage [%s] (expected init, ingest, check, classify, fix, assign-id, export or report)",
				    job->path, line, section);
	}
	st = &job->stages[job->n - 1];
	for (int k = 0; k < MAX_KEYS && stage_keys[st->kind][k]; k++) {
		const char *name = stage_keys[st->kind][k];
		size_t len = strcspn(name, "/");
		if (strlen(key) == len && strncmp(key, name, len) == 0) {
			st->v[k] = keep(job, value, name[len] == '/', err);
			return st->v[k] ? TD_OK : err->code;
		}
	}
	return td_error_set(err, TD_ERR_USAGE, "'%s' line %d: unknown setting '%s' in [%s]", job->path, line, key,
			    section);
}

static int run_stage(td_cli *cli, const struct job *job, const struct stage *st)
{
	struct stat sb;

	switch (st->kind) {
	case S_INIT:
		if (stat(job->workspace, &sb) == 0) {
			if (!cli->quiet && !cli->json)
				printf("init: %s exists, left as it is\n", job->workspace);
			return EXIT_GOOD;
		}
		if ((st->v[0] == NULL) == (st->v[1] == NULL)) {
			fprintf(stderr, "thuadat: error: '%s': [init] needs exactly one of crs and province\n", job->path);
			return EXIT_USAGE;
		}
		return stage_init(cli, job->workspace, st->v[0], st->v[1], 0);
	case S_INGEST: {
		td_ingest_options o = TD_INGEST_OPTIONS_INIT;
		o.map = st->v[0];
		o.register_path = st->v[1];
		o.source_crs = st->v[2];
		o.commune = st->v[3];
		o.boundaries = st->v[4];
		o.encoding = st->v[5];
		o.scans = st->v[6];
		o.scan_pattern = st->v[7];
		o.map_profile = st->v[8];
		o.source_province = st->v[9];
		o.register_profile = st->v[10];
		if (!o.map && !o.register_path && !o.boundaries && !o.scans) {
			fprintf(stderr, "thuadat: error: '%s': [ingest] needs map, register, boundaries or scans\n",
				job->path);
			return EXIT_USAGE;
		}
		return stage_ingest(cli, job->workspace, &o);
	}
	case S_CHECK: {
		td_check_options o;
		char *end;
		int rc;
		td_check_options_init(&o);
		rc = cli_load_profile(cli, st->v[1], st->v[2], &o.rules);
		if (rc != EXIT_GOOD)
			return rc;
		if (st->v[3] && ((o.threads = (int)strtol(st->v[3], &end, 10)) < 1 || *end)) {
			fprintf(stderr, "thuadat: error: '%s': [check] threads = '%s': expected a number\n", job->path,
				st->v[3]);
			return EXIT_USAGE;
		}
		return stage_check(cli, job->workspace, &o, st->v[0]);
	}
	case S_CLASSIFY: {
		td_rule_settings rules;
		int rc = cli_load_profile(cli, st->v[1], NULL, &rules);
		return rc != EXIT_GOOD ? rc : stage_classify(cli, job->workspace, &rules, st->v[0]);
	}
	case S_EXPORT: {
		td_export_options o = TD_EXPORT_OPTIONS_INIT;
		o.out_dir = st->v[0];
		if (!o.out_dir) {
			fprintf(stderr, "thuadat: error: '%s': [export] needs out\n", job->path);
			return EXIT_USAGE;
		}
		if (st->v[1] && strcmp(st->v[1], "yes") != 0 && strcmp(st->v[1], "no") != 0) {
			fprintf(stderr, "thuadat: error: '%s': [export] c06 = '%s': expected yes or no\n", job->path,
				st->v[1]);
			return EXIT_USAGE;
		}
		return stage_export(cli, job->workspace, &o, st->v[1] && strcmp(st->v[1], "yes") == 0);
	}
	case S_REPORT: {
		td_report_options o = TD_REPORT_OPTIONS_INIT;
		char *end, today[11];
		int rc;
		o.out_dir = st->v[0];
		o.week = st->v[1];
		o.date = st->v[2];
		if ((rc = report_profile(cli, st->v[3], &o, today)) != EXIT_GOOD)
			return rc;
		if (!o.out_dir) {
			fprintf(stderr, "thuadat: error: '%s': [report] needs out\n", job->path);
			return EXIT_USAGE;
		}
		if (st->v[4] && ((o.target = strtod(st->v[4], &end)) < 0 || o.target > 100 || *end)) {
			fprintf(stderr, "thuadat: error: '%s': [report] target = '%s': expected a percentage\n",
				job->path, st->v[4]);
			return EXIT_USAGE;
		}
		return stage_report(cli, job->workspace, &o);
	}
	case S_ASSIGN_ID: {
		td_id_settings ids;
		int rc = cli_load_id_profile(cli, st->v[0], &ids);
		return rc != EXIT_GOOD ? rc : stage_assign_id(cli, job->workspace, &ids);
	}
	case S_FIX: {
		td_fix_options o;
		td_fix_options_init(&o);
		if (st->v[1] && strcmp(st->v[1], "yes") != 0 && strcmp(st->v[1], "no") != 0) {
			fprintf(stderr, "thuadat: error: '%s': [fix] apply_auto = '%s': expected yes or no\n", job->path,
				st->v[1]);
			return EXIT_USAGE;
		}
		o.apply_auto = st->v[1] && strcmp(st->v[1], "yes") == 0;
		return stage_fix(cli, job->workspace, st->v[0], &o, st->v[2]);
	}
	}
	return EXIT_FAILURE_IO;
}

int cmd_run(int argc, char **argv, td_cli *cli)
{
	static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0}};
	struct job *job;
	td_error err;
	char *slash;
	int c, worst = EXIT_GOOD;

	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: %s\n\nRuns the stages of the job file in order; see 'man thuadat' for the format.\n",
			       usage);
			return EXIT_GOOD;
		} else if (!cli_global_opt(cli, c))
			return cli_usage(usage, "bad option");
	}
	if (optind != argc - 1)
		return cli_usage(usage, "expected one job file");
	job = calloc(1, sizeof(*job));
	if (!job) {
		fprintf(stderr, "thuadat: error: out of memory\n");
		return EXIT_FAILURE_IO;
	}
	job->path = argv[optind];
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
		worst = cli_usage(usage, "'%s' names no workspace (workspace = FILE)", job->path);
	else if (job->n == 0)
		worst = cli_usage(usage, "'%s' lists no stages", job->path);
	for (int i = 0; worst < EXIT_USAGE && i < job->n; i++) {
		int rc = run_stage(cli, job, &job->stages[i]);
		if (rc > worst)
			worst = rc;
		if (rc >= EXIT_USAGE && !cli->quiet)
			fprintf(stderr, "thuadat: run stopped at stage %d [%s]\n", i + 1, stage_names[job->stages[i].kind]);
	}
	if (cli->json)
		printf("{\"command\":\"run\",\"exit_code\":%d}\n", worst);
	for (int i = 0; i < job->nstrings; i++)
		free(job->strings[i]);
	free(job);
	return worst;
}
