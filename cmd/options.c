/*
 * The option tables at work: parsing argv with getopt_long built from a
 * table, the generated --help and usage line, job-file keys, and the
 * set-up a dispatch entry asks for before its command runs.
 */
#include "options.h"
#include "cli.h"
#include "date.h"
#include "text.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPTS 48

static int is_positional(const cli_opt *o)
{
	return o->kind == CLI_KIND_ARG || o->kind == CLI_KIND_ARGS;
}

/* Whether a CLI_ALONE flag was given: the command then needs nothing else. */
static int alone(const cli_command *cmd, const void *args)
{
	for (const cli_opt *o = cmd->opts; o->kind != CLI_KIND_END; o++)
		if ((o->flags & CLI_ALONE) && *(const int *)(const void *)((const char *)args + o->offset))
			return 1;
	return 0;
}

void *cli_args_new(const cli_command *cmd)
{
	void *args = calloc(1, cmd->args_size);

	if (args && cmd->defaults)
		cmd->defaults(args);
	return args;
}

int cli_set(const cli_opt *o, void *args, const char *value, char *msg, size_t size)
{
	char *field = (char *)args + o->offset;
	long n;
	double x;

	switch (o->kind) {
	case CLI_FLAG:
		/* From the command line value is NULL; a job file says yes or no. */
		if (value && strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
			snprintf(msg, size, "'%s': expected yes or no", value);
			return 0;
		}
		*(int *)(void *)field = !value || strcmp(value, "yes") == 0;
		return 1;
	case CLI_INT:
		if (!td_text_parse_long(value, &n) || n < (long)o->min || n > (long)o->max) {
			snprintf(msg, size, "'%s': expected a whole number from %ld to %ld", value, (long)o->min,
				 (long)o->max);
			return 0;
		}
		*(long *)(void *)field = n;
		return 1;
	case CLI_NUMBER:
		if (!td_text_parse_decimal(value, &x) || x < o->min || x > o->max) {
			snprintf(msg, size, "'%s': expected a number from %g to %g", value, o->min, o->max);
			return 0;
		}
		*(double *)(void *)field = x;
		return 1;
	case CLI_DATE:
		if (!td_date_parse(value, &n)) {
			snprintf(msg, size, "'%s': expected YYYY-MM-DD, a date that exists", value);
			return 0;
		}
		*(const char **)(void *)field = value;
		return 1;
	case CLI_KIND_ARGS: {
		cli_list *l = (cli_list *)(void *)field;
		const char **grown = realloc(l->v, (size_t)(l->n + 1) * sizeof(*grown));
		if (!grown) {
			snprintf(msg, size, "out of memory");
			return 0;
		}
		l->v = grown;
		l->v[l->n++] = value;
		return 1;
	}
	case CLI_KIND_ARG:
	case CLI_STRING:
	case CLI_PATH:
		*(const char **)(void *)field = value;
		return 1;
	case CLI_KIND_END:
		break;
	}
	snprintf(msg, size, "internal: bad option table");
	return 0;
}

const cli_opt *cli_job_opt(const cli_command *cmd, const char *key)
{
	for (const cli_opt *o = cmd->opts; o->kind != CLI_KIND_END; o++) {
		size_t i = 0;
		if (is_positional(o) || (o->flags & CLI_NO_JOB))
			continue;
		while (o->name[i] && key[i] && (o->name[i] == '-' ? '_' : o->name[i]) == key[i])
			i++;
		if (!o->name[i] && !key[i])
			return o;
	}
	return NULL;
}

const char *cli_usage_line(const cli_command *cmd, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "thuadat %s", cmd->name);

	for (const cli_opt *o = cmd->opts; o->kind != CLI_KIND_END && n < size; o++) {
		const char *open = o->flags & CLI_REQUIRED ? "" : "[", *close = o->flags & CLI_REQUIRED ? "" : "]";
		if (o->kind == CLI_KIND_ARG)
			n += (size_t)snprintf(buf + n, size - n, " %s", o->name);
		else if (o->kind == CLI_KIND_ARGS)
			n += (size_t)snprintf(buf + n, size - n, " %s...", o->name);
		else if (o->kind == CLI_FLAG)
			n += (size_t)snprintf(buf + n, size - n, " %s--%s%s", open, o->name, close);
		else
			n += (size_t)snprintf(buf + n, size - n, " %s--%s %s%s", open, o->name, o->arg, close);
	}
	return buf;
}

void cli_help(const cli_command *cmd, FILE *f)
{
	char line[1024];
	int keys = 0;

	fprintf(f, "usage: %s\n\n%s\n\n", cli_usage_line(cmd, line, sizeof(line)), cmd->summary);
	for (const cli_opt *o = cmd->opts; o->kind != CLI_KIND_END; o++) {
		const char *h = o->help, *nl;
		int w;
		if (is_positional(o))
			continue;
		w = snprintf(line, sizeof(line), "  --%s%s%s", o->name, o->kind == CLI_FLAG ? "" : " ",
			     o->kind == CLI_FLAG ? "" : o->arg);
		fprintf(f, "%s%*s", line, w < 24 ? 24 - w : 1, "");
		/* Continuation lines of the help start under its first. */
		while ((nl = strchr(h, '\n')) != NULL) {
			fprintf(f, "%.*s\n%24s", (int)(nl - h), h, "");
			h = nl + 1;
		}
		fprintf(f, "%s\n", h);
		keys += !(o->flags & CLI_NO_JOB);
	}
	if (keys) {
		fprintf(f, "\nin a job file for 'thuadat run', section [%s], keys:", cmd->name);
		for (const cli_opt *o = cmd->opts; o->kind != CLI_KIND_END; o++) {
			if (is_positional(o) || (o->flags & CLI_NO_JOB))
				continue;
			fputc(' ', f);
			for (const char *c = o->name; *c; c++)
				fputc(*c == '-' ? '_' : *c, f);
		}
		fputc('\n', f);
	}
	if (cmd->about)
		fprintf(f, "\n%s\n", cmd->about);
}

int cli_usage_cmd(const cli_command *cmd, const char *fmt, ...)
{
	char line[1024], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cli_usage(cli_usage_line(cmd, line, sizeof(line)), "%s", msg);
}

int cli_parse(td_cli *cli, const cli_command *cmd, int argc, char **argv, void *args)
{
	struct option longopts[MAX_OPTS + 5];
	const cli_opt *positional[MAX_OPTS];
	int nopts = 0, npos = 0, c, idx;
	char msg[512];

	for (const cli_opt *o = cmd->opts; o->kind != CLI_KIND_END; o++) {
		if (is_positional(o)) {
			positional[npos++] = o;
			continue;
		}
		/* getopt returns 256 + the table index, clear of the globals' letters. */
		longopts[nopts].name = o->name;
		longopts[nopts].has_arg = o->kind == CLI_FLAG ? no_argument : required_argument;
		longopts[nopts].flag = NULL;
		longopts[nopts].val = 256 + (int)(o - cmd->opts);
		nopts++;
	}
	longopts[nopts++] = (struct option){"quiet", no_argument, NULL, 'q'};
	longopts[nopts++] = (struct option){"verbose", no_argument, NULL, 'v'};
	longopts[nopts++] = (struct option){"json", no_argument, NULL, 'J'};
	longopts[nopts++] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[nopts] = (struct option){NULL, 0, NULL, 0};

	optind = 1;
	opterr = 0; /* one usage message, ours */
	while ((c = getopt_long(argc, argv, ":qvh", longopts, &idx)) != -1) {
		const cli_opt *o;
		if (c == 'h') {
			cli_help(cmd, stdout);
			return CLI_HELP_SHOWN;
		}
		if (c == '?')
			return cli_usage_cmd(cmd, "unknown option '%s'", argv[optind - 1]);
		if (c == ':')
			return cli_usage_cmd(cmd, "option '%s' needs a value", argv[optind - 1]);
		if (cli_global_opt(cli, c))
			continue;
		o = &cmd->opts[c - 256];
		if (!cli_set(o, args, optarg, msg, sizeof(msg)))
			return cli_usage_cmd(cmd, "--%s %s", o->name, msg);
	}
	if (alone(cmd, args))
		return optind == argc ? EXIT_GOOD : cli_usage_cmd(cmd, "'%s' takes no arguments", argv[optind]);
	for (int i = 0; i < npos; i++) {
		const cli_opt *o = positional[i];
		if (o->kind == CLI_KIND_ARG && optind < argc)
			cli_set(o, args, argv[optind++], msg, sizeof(msg));
		else if (o->kind == CLI_KIND_ARGS) {
			while (optind < argc)
				if (!cli_set(o, args, argv[optind++], msg, sizeof(msg)))
					return cli_usage_cmd(cmd, "%s", msg);
			if (((cli_list *)(void *)((char *)args + o->offset))->n < (int)o->min)
				return cli_usage_cmd(cmd, "expected %s", cmd->expect);
		} else
			return cli_usage_cmd(cmd, "expected %s", cmd->expect);
	}
	if (optind != argc)
		return cli_usage_cmd(cmd, "expected %s", cmd->expect);
	return EXIT_GOOD;
}

/* The value of the positional argument named WORKSPACE, or NULL. */
static const char *workspace_of(const cli_command *cmd, void *args)
{
	for (const cli_opt *o = cmd->opts; o->kind != CLI_KIND_END; o++)
		if (o->kind == CLI_KIND_ARG && strcmp(o->name, "WORKSPACE") == 0)
			return *(const char **)(void *)((char *)args + o->offset);
	return NULL;
}

/*
 * When a required option is missing: all of them, "--out DIR is required"
 * or "--a A and --b B are required", in msg. 0 when none is missing.
 */
static int missing_required(const cli_command *cmd, const void *args, char *msg, size_t size)
{
	const cli_opt *req[MAX_OPTS];
	int n = 0, missing = 0;
	size_t len = 0;

	for (const cli_opt *o = cmd->opts; o->kind != CLI_KIND_END; o++)
		if (!is_positional(o) && (o->flags & CLI_REQUIRED)) {
			req[n++] = o;
			missing += !*(const char *const *)(const void *)((const char *)args + o->offset);
		}
	for (int i = 0; missing && i < n && len < size; i++)
		len += (size_t)snprintf(msg + len, size - len, "%s--%s %s",
					i == 0       ? ""
					: i == n - 1 ? " and "
						     : ", ",
					req[i]->name, req[i]->arg);
	if (missing && len < size)
		snprintf(msg + len, size - len, " %s required", n == 1 ? "is" : "are");
	return missing;
}

int cli_invoke(td_cli *cli, const cli_dispatch *d, void *args)
{
	const cli_command *cmd = d->cmd;
	td_ws *ws = NULL;
	char msg[512];
	int rc;

	if (alone(cmd, args))
		return cmd->run(cli, NULL, args);
	if (missing_required(cmd, args, msg, sizeof(msg)))
		return cli_usage_cmd(cmd, "%s", msg);
	if (d->needs & (CLI_WS_READ | CLI_WS_WRITE)) {
		const char *path = workspace_of(cmd, args);
		if (!path)
			return cli_usage_cmd(cmd, "expected %s", cmd->expect);
		rc = cli_open(cli, path, d->needs & CLI_WS_WRITE ? TD_WS_WRITE : TD_WS_READ, &ws);
		if (rc != EXIT_GOOD)
			return rc;
	}
	rc = cmd->run(cli, ws, args);
	td_ws_close(ws);
	return rc;
}

void cli_args_free(const cli_command *cmd, void *args)
{
	if (!args)
		return;
	for (const cli_opt *o = cmd->opts; o->kind != CLI_KIND_END; o++)
		if (o->kind == CLI_KIND_ARGS)
			free(((cli_list *)(void *)((char *)args + o->offset))->v);
	free(args);
}
