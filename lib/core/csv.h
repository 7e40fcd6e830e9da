/*
 * The one CSV writer of thuadat's outputs (findings, groups, reconcile and
 * merge lists). RFC 4180 quoting with a chosen separator, a UTF-8 byte
 * order mark so that Excel reads Vietnamese text as UTF-8, and cells that
 * a spreadsheet would run as a formula neutralised as OWASP recommends:
 * a text starting with = + - @, a tab or a carriage return gets a leading
 * single quote and is quoted ("'=HYPERLINK(...)"). A plain number such as
 * -12.5 is written as it is.
 *
 *     td_csv csv;
 *     td_csv_start(&csv, out.fp, ';');      (writes the byte order mark)
 *     td_csv_text(&csv, "Nguyễn Văn A");
 *     td_csv_number(&csv, 0.03830626616174111);   ("0.038")
 *     td_csv_end_row(&csv);
 */
#ifndef TD_CSV_H
#define TD_CSV_H

#include <stdio.h>

typedef struct td_csv {
	FILE *fp; /* not owned */
	char sep; /* ',' or ';' */
	int col;  /* cells written in the current row */
} td_csv;

/* Start a file on fp: the byte order mark; sep is the separator (',' when 0). */
void td_csv_start(td_csv *csv, FILE *fp, char sep);

/* One text cell; NULL is an empty cell. */
void td_csv_text(td_csv *csv, const char *s);

/*
 * One number cell, rounded to 3 decimals (a millimetre, a square
 * millimetre's thousandth is noise) with trailing zeros cut; a value that
 * would round to 0 keeps 3 significant digits.
 */
void td_csv_number(td_csv *csv, double v);

/* End the row (CRLF-free: "\n", as every reader accepts). */
void td_csv_end_row(td_csv *csv);

/* 1 if s would be taken for a formula by a spreadsheet (and is not a plain number). */
int td_csv_is_formula(const char *s);

#endif
