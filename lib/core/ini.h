/*
 * A small INI reader for job files and profiles:
 *
 *     # comment            ; comment
 *     key = value          (before any section: section is "")
 *     [section]
 *     key = value with spaces   ; trailing comments need a space before ';' or '#'
 *
 * The callback gets every key in file order with its line number; returning
 * non-OK stops the parse with that status (the callback fills err).
 */
#ifndef TD_INI_H
#define TD_INI_H

#include "error.h"

typedef td_status (*td_ini_fn)(const char *section, const char *key, const char *value, int line, void *arg,
			       td_error *err);

/*
 * Parse path. A section header with no keys is reported once with key and
 * value NULL, so empty sections like "[check]" still count. TD_ERR_INPUT if
 * the file cannot be read; TD_ERR_USAGE naming the line if it is malformed.
 */
td_status td_ini_parse(const char *path, td_ini_fn fn, void *arg, td_error *err);

#endif
