#include "csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void td_csv_start(td_csv *csv, FILE *fp, char sep)
{
	csv->fp = fp;
	csv->sep = sep ? sep : ',';
	csv->col = 0;
	fputs("\xEF\xBB\xBF", fp);
}

int td_csv_is_formula(const char *s)
{
	char *end;

	if (!s || s[0] == '\0' || !strchr("=+-@\t\r", s[0]))
		return 0;
	/* "-12.5" or "+3" is a number, which no spreadsheet runs. */
	if ((s[0] == '-' || s[0] == '+') && s[1]) {
		(void)strtod(s, &end);
		if (*end == '\0' && end != s + 1 && !strpbrk(s, "xXnNiI"))
			return 0;
	}
	return 1;
}

static void cell_start(td_csv *csv)
{
	if (csv->col++)
		fputc(csv->sep, csv->fp);
}

void td_csv_text(td_csv *csv, const char *s)
{
	int formula;

	cell_start(csv);
	if (!s)
		return;
	formula = td_csv_is_formula(s);
	if (!formula && !strchr(s, csv->sep) && !strpbrk(s, "\"\r\n")) {
		fputs(s, csv->fp);
		return;
	}
	fputc('"', csv->fp);
	if (formula)
		fputc('\'', csv->fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', csv->fp);
		fputc(*s, csv->fp);
	}
	fputc('"', csv->fp);
}

void td_csv_number(td_csv *csv, double v)
{
	char buf[64];
	size_t n;

	cell_start(csv);
	if (!isfinite(v))
		return;
	if (v != 0 && fabs(v) < 0.0005) {
		snprintf(buf, sizeof(buf), "%.3g", v);
	} else {
		snprintf(buf, sizeof(buf), "%.3f", v);
		n = strlen(buf);
		while (n > 0 && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '.')
			buf[--n] = '\0';
		if (strcmp(buf, "-0") == 0)
			snprintf(buf, sizeof(buf), "0");
	}
	fputs(buf, csv->fp);
}

void td_csv_end_row(td_csv *csv)
{
	fputc('\n', csv->fp);
	csv->col = 0;
}
