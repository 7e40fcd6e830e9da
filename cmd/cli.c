/*
 * Helpers every subcommand uses: the status → exit code map, error and usage
 * printing, the progress bar and JSON string output.
 */
#include "cli.h"
#include "date.h"
#include "findings.h"
#include "identity.h"
#include "json.h"
#include "outfile.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

int cli_global_opt(td_cli *cli, int c)
{
	switch (c) {
	case 'q':
		cli->quiet = 1;
		cli->progress = 0;
		return 1;
	case 'v':
		cli->verbose++;
		return 1;
	case 'J':
		cli->json = 1;
		return 1;
	}
	return 0;
}

int cli_exit_code(td_status st)
{
	switch (st) {
	case TD_OK:
		return EXIT_GOOD;
	case TD_ERR_USAGE:
		return EXIT_USAGE;
	case TD_ERR_INPUT:
	case TD_ERR_WORKSPACE:
		return EXIT_INPUT;
	case TD_ERR_LOCKED:
	case TD_ERR_IO:
	case TD_ERR_NOMEM:
	case TD_ERR_INTERNAL:
	case TD_ERR_CANCELLED:
		return EXIT_FAILURE_IO;
	}
	return EXIT_FAILURE_IO;
}

const char *cli_mask(const char *s, char *buf, size_t size)
{
	td_identity_mask_text(s ? s : "", buf, size);
	return buf;
}

int cli_fail(const td_cli *cli, const td_error *err)
{
	char msg[TD_ERROR_MSG_MAX + 64];

	(void)cli;
	fprintf(stderr, "thuadat: error: %s\n",
		cli_mask(err->msg[0] ? err->msg : td_strerror(err->code), msg, sizeof(msg)));
	return cli_exit_code(err->code);
}

void cli_warn(const char *msg)
{
	char buf[2048];

	fprintf(stderr, "thuadat: warning: %s\n", cli_mask(msg, buf, sizeof(buf)));
}

int cli_prepare_output(const td_cli *cli, const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	td_error err;

	td_error_init(&err);
	if (!slash) {
		td_outfile_remove_stale(".");
		return EXIT_GOOD;
	}
	if ((size_t)(slash - path) >= sizeof(dir))
		return cli_usage("thuadat COMMAND ...", "path too long: '%s'", path);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (dir[0] && td_outfile_mkdir(dir, &err) != TD_OK)
		return cli_fail(cli, &err);
	td_outfile_remove_stale(dir[0] ? dir : "/");
	return EXIT_GOOD;
}

td_status cli_findings_csv_hook(td_ws *ws, void *arg, td_error *err)
{
	return td_findings_write_csv(ws, arg, err);
}

int cli_open(const td_cli *cli, const char *path, td_ws_mode mode, td_ws **ws)
{
	td_error err;

	td_error_init(&err);
	if (td_ws_open(cli->ctx, path, mode, ws, &err) != TD_OK)
		return cli_fail(cli, &err);
	(*ws)->invocation = cli->invocation;
	return EXIT_GOOD;
}

int cli_schema_path(const td_cli *cli, const char *dir, const char *name, const char *ext, char *path, size_t size)
{
	td_error err;

	td_error_init(&err);
	if (td_ctx_named_file(cli->ctx, dir, name, ext, path, size, &err) != TD_OK)
		return cli_fail(cli, &err);
	return EXIT_GOOD;
}

int cli_load_profile(const td_cli *cli, const char *name, const char *today, td_rule_settings *rules)
{
	char path[TD_PATH_MAX];
	td_error err;
	long days;
	int rc;

	td_error_init(&err);
	td_rule_settings_init(rules);
	rc = cli_schema_path(cli, "rules", name ? name : "default", ".ini", path, sizeof(path));
	if (rc != EXIT_GOOD)
		return rc;
	if (td_rule_profile_load(rules, path, &err) != TD_OK) {
		/* A profile that cannot be read is bad configuration, not bad data. */
		if (err.code == TD_ERR_INPUT)
			err.code = TD_ERR_USAGE;
		return cli_fail(cli, &err);
	}
	if (today && !td_date_parse(today, &days)) {
		char shown[256];
		fprintf(stderr, "thuadat: error: today '%s': expected YYYY-MM-DD, a date that exists\n",
			cli_mask(today, shown, sizeof(shown)));
		return EXIT_USAGE;
	}
	if (today)
		snprintf(rules->today, sizeof(rules->today), "%s", today);
	return EXIT_GOOD;
}

int cli_load_id_profile(const td_cli *cli, const char *name, td_id_settings *ids)
{
	char path[TD_PATH_MAX];
	td_error err;
	int rc = cli_schema_path(cli, "rules", name ? name : "default", ".ini", path, sizeof(path));

	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	td_id_settings_init(ids);
	if (td_id_profile_load(ids, path, &err) != TD_OK) {
		if (err.code == TD_ERR_INPUT)
			err.code = TD_ERR_USAGE;
		return cli_fail(cli, &err);
	}
	return EXIT_GOOD;
}

int cli_usage(const char *usage, const char *fmt, ...)
{
	char msg[1024], masked[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "thuadat: %s\nusage: %s\n", cli_mask(msg, masked, sizeof(masked)), usage);
	return EXIT_USAGE;
}

int cli_progress(double done, const char *msg, void *arg)
{
	const td_cli *cli = arg;
	char bar[128];
	int width = 30, filled, n;

	if (!cli->progress)
		return 1;
	if (done < 0)
		done = 0;
	if (done > 1)
		done = 1;
	filled = (int)(done * width + 0.5);
	/* Straight to the terminal: stderr's filter would show the escapes as text. */
	n = snprintf(bar, sizeof(bar), "\r%-12.12s [%.*s%*s] %3d%%%s", msg ? msg : "", filled,
		     "##############################", width - filled, "", (int)(done * 100 + 0.5),
		     done >= 1 ? "\r\033[K" : "");
	if (n > 0 && write(STDERR_FILENO, bar, (size_t)n < sizeof(bar) ? (size_t)n : sizeof(bar) - 1) < 0)
		return 1; /* a progress bar that cannot be drawn is no reason to stop */
	return 1;
}

void cli_json_str(FILE *f, const char *s)
{
	td_json_str(f, s);
}

void cli_print_column(FILE *f, const char *s, int width)
{
	int chars = 0;
	const char *p = s ? s : "";

	/* A character starts at every byte that is not a UTF-8 continuation byte. */
	for (; *p; p++) {
		if (((unsigned char)*p & 0xC0) != 0x80 && chars++ == width)
			break;
		fputc(*p, f);
	}
	for (chars = chars > width ? width : chars; chars < width; chars++)
		fputc(' ', f);
}
