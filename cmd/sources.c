/*
 * thuadat sources: the files a workspace was ingested from, one line each
 * with its id, kind, rows held, checksum and path; `--remove ID` removes
 * one source and every row it brought, in one audited transaction.
 */
#include "sources.h"
#include "cli.h"

#include <stdlib.h>

struct sources_args {
	const char *workspace;
	long remove;
};

static int list(td_cli *cli, const char *path)
{
	td_source_info *s = NULL;
	td_error err;
	td_ws *ws = NULL;
	char masked[2200];
	size_t n = 0;
	int rc = cli_open(cli, path, TD_WS_READ, &ws);

	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	rc = td_sources_list(ws, &s, &n, &err);
	td_ws_close(ws);
	if (rc != TD_OK)
		return cli_fail(cli, &err);
	if (!cli->json && !cli->quiet && n)
		printf("%4s  %-10s %9s  %-8s  %-19s  %s\n", "id", "kind", "records", "crc32", "ingested", "path");
	for (size_t i = 0; i < n; i++) {
		cli_mask(s[i].path, masked, sizeof(masked));
		if (cli->json) {
			printf("{\"id\":%lld,\"kind\":\"%s\",\"records\":%lld,\"checksum\":\"%s\",\"size\":%lld,"
			       "\"reader\":",
			       s[i].id, s[i].kind, s[i].records, s[i].checksum, s[i].size);
			cli_json_str(stdout, s[i].reader);
			printf(",\"encoding\":");
			cli_json_str(stdout, s[i].encoding);
			printf(",\"options\":");
			cli_json_str(stdout, s[i].options);
			printf(",\"ingested\":");
			cli_json_str(stdout, s[i].ingested);
			printf(",\"path\":");
			cli_json_str(stdout, masked);
			printf("}\n");
		} else if (!cli->quiet) {
			printf("%4lld  %-10s %9lld  %-8s  %-19.19s  %s\n", s[i].id, s[i].kind, s[i].records,
			       s[i].checksum, s[i].ingested, masked);
			if (cli->verbose && (s[i].options[0] || s[i].encoding[0]))
				printf("      reader %s%s%s%s%s\n", s[i].reader, s[i].encoding[0] ? ", text " : "",
				       s[i].encoding, s[i].options[0] ? ", options " : "", s[i].options);
		}
	}
	free(s);
	return EXIT_GOOD;
}

static int remove_source(td_cli *cli, const char *path, long long id)
{
	td_source_info info;
	td_error err;
	td_ws *ws = NULL;
	char masked[2200];
	int rc = cli_open(cli, path, TD_WS_WRITE, &ws);

	if (rc != EXIT_GOOD)
		return rc;
	td_error_init(&err);
	rc = td_sources_remove(ws, id, &info, &err);
	td_ws_close(ws);
	if (rc != TD_OK)
		return cli_fail(cli, &err);
	if (cli->json)
		printf("{\"command\":\"sources\",\"removed\":%lld,\"kind\":\"%s\",\"records\":%lld}\n", id, info.kind,
		       info.records);
	else if (!cli->quiet)
		printf("removed source %lld (%s, %lld records): %s\n", id, info.kind, info.records,
		       cli_mask(info.path, masked, sizeof(masked)));
	return EXIT_GOOD;
}

/* Listing reads the workspace; removing writes it: each opens it as it needs. */
static int run(td_cli *cli, td_ws *unused, void *p)
{
	const struct sources_args *a = p;

	return a->remove ? remove_source(cli, a->workspace, a->remove) : list(cli, a->workspace);
}

static const cli_opt options[] = {CLI_ARG(struct sources_args, workspace, "WORKSPACE"),
				  CLI_INT(struct sources_args, remove, "remove", "ID", 1, 1e15,
					  "remove source ID and its parcels, register rows, boundaries or scans\n"
					  "(audited; owners only it named and never verified go too)"),
				  CLI_END};

const cli_command cmd_sources = {"sources",
				 "list the files a workspace was ingested from, or remove one",
				 "Without --remove: the sources, with id, kind, records held, CRC-32, when and path\n"
				 "(-v: reader, text encoding and the options it was read with).",
				 "one workspace path",
				 options,
				 sizeof(struct sources_args),
				 NULL,
				 run};
