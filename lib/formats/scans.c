#include "scans.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* The format a file's first bytes announce, or NULL. */
static const char *sniff(const unsigned char *b, size_t n)
{
	if (n >= 5 && memcmp(b, "%PDF-", 5) == 0)
		return "PDF";
	if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
		return "JPEG";
	if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "PNG";
	if (n >= 4 && (memcmp(b, "II*\0", 4) == 0 || memcmp(b, "MM\0*", 4) == 0))
		return "TIFF";
	return NULL;
}

/* One field's text: digits for the keys, letters and digits for kind, anything for any. */
static int field_char(const char *field, char c)
{
	if (strcmp(field, "any") == 0)
		return c != '\0';
	if (strcmp(field, "kind") == 0)
		return isalnum((unsigned char)c);
	return isdigit((unsigned char)c);
}

int td_scans_match_name(const char *pattern, const char *name, td_scan_file *f)
{
	const char *p = pattern, *s = name;

	f->matched = 0;
	f->commune[0] = f->kind[0] = '\0';
	f->sheet = f->parcel = 0;
	while (*p) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			char field[16], value[64];
			size_t n = 0;
			if (!close || (size_t)(close - p - 1) >= sizeof(field))
				return 0;
			memcpy(field, p + 1, (size_t)(close - p - 1));
			field[close - p - 1] = '\0';
			p = close + 1;
			/* A field ends where the next literal character starts, or at a character it cannot hold. */
			while (*s && *s != *p && field_char(field, *s) && n + 1 < sizeof(value))
				value[n++] = *s++;
			value[n] = '\0';
			if (n == 0 || n + 1 == sizeof(value)) /* empty, or too long to be a field */
				return 0;
			if (strcmp(field, "commune") == 0) {
				if (n >= sizeof(f->commune))
					return 0;
				memcpy(f->commune, value, n + 1);
			} else if (strcmp(field, "sheet") == 0)
				f->sheet = strtol(value, NULL, 10);
			else if (strcmp(field, "parcel") == 0)
				f->parcel = strtol(value, NULL, 10);
			else if (strcmp(field, "kind") == 0) {
				if (n >= sizeof(f->kind))
					return 0;
				for (size_t i = 0; i <= n; i++)
					f->kind[i] = (char)toupper((unsigned char)value[i]);
			} else if (strcmp(field, "any") != 0)
				return 0;
		} else if (*p++ != *s++) {
			return 0;
		}
	}
	return *s == '\0';
}

int td_scans_match(const char *pattern, const char *name, td_scan_file *f)
{
	f->matched = td_scans_match_name(pattern, name, f) && f->commune[0] && f->sheet > 0 && f->parcel > 0;
	return f->matched;
}

static int valid_pattern(const char *pattern)
{
	static const char *const fields[] = {"{commune}", "{sheet}", "{parcel}"};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strstr(pattern, fields[i]))
			return 0;
	return 1;
}

static td_status add_file(td_scan_list *list, const char *dir, const char *rel, td_error *err)
{
	char path[TD_PATH_MAX];
	unsigned char buf[65536];
	uLong crc = crc32(0L, Z_NULL, 0);
	td_scan_file *f;
	FILE *fp;
	size_t n;
	int first = 1;

	f = realloc(list->files, (list->n + 1) * sizeof(*f));
	if (!f)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	list->files = f;
	f = &list->files[list->n];
	memset(f, 0, sizeof(*f));
	f->path = strdup(rel);
	if (!f->path)
		return td_error_set(err, TD_ERR_NOMEM, "out of memory");
	list->n++;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >= sizeof(path))
		return td_error_set(err, TD_ERR_INPUT, "path too long: '%s/%s'", dir, rel);
	fp = fopen(path, "rb");
	if (!fp)
		return td_error_set(err, TD_ERR_INPUT, "cannot read scan '%s': %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		if (first)
			f->format = sniff(buf, n);
		first = 0;
		crc = crc32(crc, buf, (uInt)n);
		f->size += (int64_t)n;
	}
	if (ferror(fp)) {
		fclose(fp);
		return td_error_set(err, TD_ERR_INPUT, "cannot read scan '%s': %s", path, strerror(errno));
	}
	fclose(fp);
	snprintf(f->checksum, sizeof(f->checksum), "%08lx", (unsigned long)crc);
	return TD_OK;
}

/* Every regular file below dir/rel, depth first; links are not followed. */
static td_status walk(td_scan_list *list, const char *dir, const char *rel, td_error *err)
{
	char path[TD_PATH_MAX], child[TD_PATH_MAX];
	struct dirent *e;
	DIR *d;
	td_status rc = TD_OK;

	snprintf(path, sizeof(path), "%s%s%s", dir, rel[0] ? "/" : "", rel);
	d = opendir(path);
	if (!d)
		return td_error_set(err, TD_ERR_INPUT, "cannot read scan folder '%s': %s", path, strerror(errno));
	while (rc == TD_OK && (e = readdir(d)) != NULL) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >=
			    sizeof(child) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, child) >= sizeof(path))
			rc = td_error_set(err, TD_ERR_INPUT, "path too long below '%s'", dir);
		else if (lstat(path, &st) != 0)
			rc = td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
		else if (S_ISDIR(st.st_mode))
			rc = walk(list, dir, child, err);
		else if (S_ISREG(st.st_mode))
			rc = add_file(list, dir, child, err);
	}
	closedir(d);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const td_scan_file *)a)->path, ((const td_scan_file *)b)->path);
}

td_status td_scans_read(const char *dir, const char *pattern, td_scan_list *out, td_error *err)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	td_status rc;

	memset(out, 0, sizeof(*out));
	if (!pattern)
		pattern = TD_SCANS_DEFAULT_PATTERN;
	if (!valid_pattern(pattern))
		return td_error_set(err, TD_ERR_USAGE,
				    "scan name pattern '%s' must contain {commune}, {sheet} and {parcel}", pattern);
	rc = walk(out, dir, "", err);
	if (rc != TD_OK)
		return rc;
	if (out->n > 1) /* qsort(NULL, 0, ...) is undefined behaviour */
		qsort(out->files, out->n, sizeof(*out->files), by_path);
	for (size_t i = 0; i < out->n; i++) {
		td_scan_file *f = &out->files[i];
		char name[1024];
		const char *base = strrchr(f->path, '/');
		char *dot;
		snprintf(name, sizeof(name), "%s", base ? base + 1 : f->path);
		dot = strrchr(name, '.');
		if (dot && dot != name)
			*dot = '\0';
		td_scans_match(pattern, name, f);
		crc = crc32(crc, (const Bytef *)f->path, (uInt)strlen(f->path) + 1);
		crc = crc32(crc, (const Bytef *)f->checksum, 8);
		out->size += f->size;
	}
	snprintf(out->checksum, sizeof(out->checksum), "%08lx", (unsigned long)crc);
	return TD_OK;
}

void td_scans_release(td_scan_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		free(list->files[i].path);
	free(list->files);
	list->files = NULL;
	list->n = 0;
}
