#include "ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES 4095

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Cut a trailing " ; comment" or " # comment". */
static void cut_comment(char *s)
{
	for (char *p = s; *p; p++)
		if ((*p == ';' || *p == '#') && p > s && isspace((unsigned char)p[-1])) {
			*p = '\0';
			return;
		}
}

td_status td_ini_parse(const char *path, td_ini_fn fn, void *arg, td_error *err)
{
	char section[256] = "";
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f = fopen(path, "r");
	td_status rc = TD_OK;
	int line = 0;

	if (!f)
		return td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
	while (rc == TD_OK && (len = getline(&buf, &cap, f)) >= 0) {
		char *s, *eq;
		line++;
		/* A NUL byte would cut the line short where C strings end: a binary file, not a job file. */
		if (memchr(buf, '\0', (size_t)len)) {
			rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %d: NUL byte (not a text file)", path, line);
			break;
		}
		if (len > LINE_MAX_BYTES) {
			rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %d: line too long (more than %d bytes)", path,
					  line, LINE_MAX_BYTES);
			break;
		}
		s = buf;
		if (line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
			s += 3; /* UTF-8 byte order mark, as Windows editors write it */
		s = trim(s);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end || *trim(end + 1) != '\0') {
				rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %d: expected '[section]'", path, line);
				break;
			}
			*end = '\0';
			/* "[ ]" would pass an empty section, which callers take for the keys before any section. */
			if (*trim(s + 1) == '\0') {
				rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %d: empty section name", path, line);
				break;
			}
			snprintf(section, sizeof(section), "%s", trim(s + 1));
			rc = fn(section, NULL, NULL, line, arg, err);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %d: expected 'key = value'", path, line);
			break;
		}
		*eq = '\0';
		cut_comment(eq + 1);
		if (*trim(s) == '\0') {
			rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %d: empty key", path, line);
			break;
		}
		rc = fn(section, trim(s), trim(eq + 1), line, arg, err);
	}
	if (rc == TD_OK && ferror(f))
		rc = td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
	free(buf);
	fclose(f);
	return rc;
}
