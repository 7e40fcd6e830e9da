#include "ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void geos_error(const char *msg, void *arg)
{
	td_ctx *ctx = arg;
	snprintf(ctx->geos_msg, sizeof(ctx->geos_msg), "%s", msg);
}

static int is_dir(const char *path)
{
	struct stat st;
	return path && *path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The schemas of an installed tree, relative to the running executable (bin/../share/thuadat/schemas). */
static const char *installed_beside(char *buf, size_t size)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	if ((size_t)snprintf(buf, size, "%s/%s", exe, TD_REL_SCHEMA_DIR) >= size)
		return NULL;
	return buf;
}

td_status td_ctx_new(const char *schema_dir, td_ctx **out, td_error *err)
{
	char beside[4200];
	const char *candidates[] = {schema_dir, getenv("THUADAT_SCHEMA_DIR"), installed_beside(beside, sizeof(beside)),
				    TD_SOURCE_SCHEMA_DIR, TD_INSTALL_SCHEMA_DIR};
	const char *dir = NULL;
	td_ctx *ctx;

	*out = NULL;
	if (schema_dir && !is_dir(schema_dir))
		return td_error_set(err, TD_ERR_USAGE, "schema directory '%s' does not exist", schema_dir);
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]) && !dir; i++)
		if (is_dir(candidates[i]))
			dir = candidates[i];
	if (!dir)
		return td_error_set(err, TD_ERR_USAGE, "cannot find the schemas directory (set THUADAT_SCHEMA_DIR)");

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	snprintf(ctx->schema_dir, sizeof(ctx->schema_dir), "%s", dir);
	ctx->csv_sep = ',';
	ctx->geos = GEOS_init_r();
	ctx->proj = proj_context_create();
	if (!ctx->geos || !ctx->proj) {
		td_ctx_free(ctx);
		return td_error_set(err, TD_ERR_INTERNAL, "cannot initialise GEOS or PROJ");
	}
	GEOSContext_setErrorMessageHandler_r(ctx->geos, geos_error, ctx);
	/* PROJ must not print: errors are read back with proj_context_errno. */
	proj_log_level(ctx->proj, PJ_LOG_NONE);
	*out = ctx;
	return TD_OK;
}

void td_ctx_free(td_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->geos)
		GEOS_finish_r(ctx->geos);
	if (ctx->proj)
		proj_context_destroy(ctx->proj);
	free(ctx);
}

td_status td_ctx_schema_file(const td_ctx *ctx, const char *name, char *path, size_t size, td_error *err)
{
	struct stat st;

	if ((size_t)snprintf(path, size, "%s/%s", ctx->schema_dir, name) >= size)
		return td_error_set(err, TD_ERR_USAGE, "path too long: '%s/%s'", ctx->schema_dir, name);
	if (stat(path, &st) != 0)
		return td_error_set(err, TD_ERR_USAGE, "missing schema file '%s'", path);
	return TD_OK;
}

td_status td_ctx_named_file(const td_ctx *ctx, const char *dir, const char *name, const char *ext, char *path,
			    size_t size, td_error *err)
{
	char rel[512];
	size_t n = strlen(name), e = strlen(ext);

	if (strchr(name, '/') || (n > e && strcmp(name + n - e, ext) == 0)) {
		snprintf(path, size, "%s", name);
		return TD_OK;
	}
	snprintf(rel, sizeof(rel), "%s/%s%s", dir, name, ext);
	return td_ctx_schema_file(ctx, rel, path, size, err);
}
