#ifndef TD_REPORT_HTML_H
#define TD_REPORT_HTML_H

#include "figures.h"

#include <stdio.h>

/*
 * Write r as one self-contained HTML page (charts as inline SVG, styles
 * inline, Vietnamese text, every value HTML-escaped) to f. Used by
 * td_report_run; public so a report can be rendered from figures alone.
 * Lists r->alerts and says how many of r->total.now.overdue are left out.
 */
void td_report_write_html(const td_report *r, FILE *f);

#endif
