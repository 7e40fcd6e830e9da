/* JSON text for the machine-readable summaries (--json). */
#ifndef TD_JSON_H
#define TD_JSON_H

#include <stdio.h>

/* Write s as a JSON string literal (quotes, backslashes and control characters escaped); NULL as "". */
void td_json_str(FILE *f, const char *s);

#endif
