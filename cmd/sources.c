/*
 * thuadat sources: the files a workspace was ingested from, one line each
 * with its id, kind, rows held, checksum and path; `--remove ID` removes
 * one source and every row it brought, in one audited transaction.
 */
#include "cli.h"
#include "sources.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] = "thuadat sources WORKSPACE [--remove ID]";

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
			printf("{\"id\":%lld,\"kind\":\"%s\",\"records\":%lld,\"checksum\":\"%s\",\"size\":%lld,\"reader\":",
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
			printf("%4lld  %-10s %9lld  %-8s  %-19.19s  %s\n", s[i].id, s[i].kind, s[i].records, s[i].checksum,
			       s[i].ingested, masked);
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

int cmd_sources(int argc, char **argv, td_cli *cli)
{
	static const struct option longopts[] = {
		{"remove", required_argument, NULL, 'x'},
		CLI_GLOBAL_LONGOPTS,
		{NULL, 0, NULL, 0}};
	long long id = 0;
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'x') {
			id = strtoll(optarg, &end, 10);
			if (*end || end == optarg || id < 1)
				return cli_usage(usage, "--remove '%s': expected a source id", optarg);
		} else if (c == 'h') {
			printf("usage: %s\n\n"
			       "  (no option)   list the sources: id, kind, records held, CRC-32, when, path\n"
			       "                (-v: reader, text encoding and the options it was read with)\n"
			       "  --remove ID   remove source ID and its parcels, register rows, boundaries or scans\n"
			       "                (audited; owners only it named and never verified go too)\n",
			       usage);
			return EXIT_GOOD;
		} else if (!cli_global_opt(cli, c))
			return cli_usage(usage, "bad option");
	}
	if (optind != argc - 1)
		return cli_usage(usage, "expected one workspace path");
	return id ? remove_source(cli, argv[optind], id) : list(cli, argv[optind]);
}
