#include "date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

long td_date_days(int year, int month, int day)
{
	/* Howard Hinnant's days_from_civil: March-based years make leap days the last of a year. */
	long y = (long)year - (month <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

long td_date_today(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm))
		gmtime_r(&now, &tm);
	return td_date_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void td_date_civil(long days, int *year, int *month, int *day)
{
	long z = days + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long m = mp < 10 ? mp + 3 : mp - 9;

	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)m;
	*year = (int)(yoe + era * 400 + (m <= 2));
}

static int is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int number(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int td_date_parse(const char *s, long *days)
{
	int y, m, d, cy, cm, cd;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !is_digits(s, 4) || !is_digits(s + 5, 2) ||
	    !is_digits(s + 8, 2))
		return 0;
	y = number(s, 4);
	m = number(s + 5, 2);
	d = number(s + 8, 2);
	if (y < 1000 || m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	/* A day past the month's end comes back as another date. */
	*days = td_date_days(y, m, d);
	td_date_civil(*days, &cy, &cm, &cd);
	return cy == y && cm == m && cd == d;
}

void td_date_format(long days, char buf[11])
{
	int y, m, d;
	char tmp[48];

	td_date_civil(days, &y, &m, &d);
	/* Years have 4 digits for every date the parsers accept. */
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y, m, d);
	memcpy(buf, tmp, 10);
	buf[10] = '\0';
}

/* 0 = Monday .. 6 = Sunday; 1970-01-01 was a Thursday. */
static int weekday(long days)
{
	long w = (days + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

/* Monday of week 1 of an ISO year: the week holding 4 January. */
static long week1_monday(int year)
{
	long jan4 = td_date_days(year, 1, 4);
	return jan4 - weekday(jan4);
}

td_week td_week_of(long days)
{
	td_week w;
	int m, d;

	w.monday = days - weekday(days);
	/* The Thursday of a week decides its year. */
	td_date_civil(w.monday + 3, &w.year, &m, &d);
	w.week = (int)((w.monday - week1_monday(w.year)) / 7) + 1;
	return w;
}

int td_week_parse(const char *s, td_week *w)
{
	int y, n;

	if (!s || strlen(s) != 8 || s[4] != '-' || (s[5] != 'W' && s[5] != 'w') || !is_digits(s, 4) ||
	    !is_digits(s + 6, 2))
		return 0;
	y = number(s, 4);
	n = number(s + 6, 2);
	if (y < 1000 || n < 1 || n > 53)
		return 0;
	w->year = y;
	w->week = n;
	w->monday = week1_monday(y) + 7L * (n - 1);
	/* Week 53 exists only in years whose last week holds a Thursday of theirs. */
	return td_week_of(w->monday).year == y;
}

void td_week_format(const td_week *w, char buf[9])
{
	char tmp[48];

	snprintf(tmp, sizeof(tmp), "%04d-W%02d", w->year, w->week);
	memcpy(buf, tmp, 8);
	buf[8] = '\0';
}
