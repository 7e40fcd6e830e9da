#include "ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
	char buf[4096], section[256] = "";
	FILE *f = fopen(path, "r");
	td_status rc = TD_OK;
	int line = 0;

	if (!f)
		return td_error_set(err, TD_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
	while (rc == TD_OK && fgets(buf, sizeof(buf), f)) {
		char *s, *eq;
		line++;
		if (!strchr(buf, '\n') && !feof(f)) {
			rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %d: line too long", path, line);
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
			if (!end || *trim(end + 1) != '\0' || end == s + 1) {
				rc = td_error_set(err, TD_ERR_USAGE, "'%s' line %d: expected '[section]'", path, line);
				break;
			}
			*end = '\0';
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
	fclose(f);
	return rc;
}
