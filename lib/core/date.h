/*
 * Calendar dates as the workspace stores them (yyyy-mm-dd text) and ISO
 * 8601 weeks ("2026-W45", Monday to Sunday), for reports and deadlines.
 * Proleptic Gregorian calendar; days are counted from 1970-01-01.
 *
 *     long d;
 *     if (td_date_parse("2026-11-06", &d)) {
 *         td_week w = td_week_of(d);            (2026-W45, 2026-11-02 .. 2026-11-08)
 *         td_date_format(w.monday, buf);        ("2026-11-02")
 *     }
 */
#ifndef TD_DATE_H
#define TD_DATE_H

/* An ISO week: the year it belongs to (which may differ from its Monday's), its number, its Monday. */
typedef struct td_week {
	int year;    /* ISO week-numbering year */
	int week;    /* 1..53 */
	long monday; /* days since 1970-01-01; the week ends at monday + 6 */
} td_week;

/* Days since 1970-01-01 of a valid date (month 1..12, day within the month). */
long td_date_days(int year, int month, int day);

/* Today in the local time zone, as days since 1970-01-01. */
long td_date_today(void);

/* The calendar date of a day count. */
void td_date_civil(long days, int *year, int *month, int *day);

/*
 * Parse exactly "yyyy-mm-dd" (a real date, year 1000..9999) into *days.
 * Returns 1, or 0 for anything else.
 */
int td_date_parse(const char *s, long *days);

/* Write "yyyy-mm-dd" into buf (11 bytes). */
void td_date_format(long days, char buf[11]);

/* The ISO week a day falls in. */
td_week td_week_of(long days);

/*
 * Parse exactly "yyyy-Www" (W upper or lower case, week 01..53 and existing
 * in that year). Returns 1, or 0 for anything else.
 */
int td_week_parse(const char *s, td_week *w);

/* Write "yyyy-Www" into buf (9 bytes). */
void td_week_format(const td_week *w, char buf[9]);

#endif
