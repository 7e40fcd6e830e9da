/* Dates and ISO weeks (lib/date.c), expected values from the ISO 8601 calendar. */
#include "date.h"
#include "tap.h"

#include <string.h>

static void check_week(const char *date, const char *week, const char *monday)
{
	char w[9], m[11];
	long d = 0;
	td_week wk;

	CHECK(td_date_parse(date, &d));
	wk = td_week_of(d);
	td_week_format(&wk, w);
	td_date_format(wk.monday, m);
	CHECK_STR(week, w);
	CHECK_STR(monday, m);
}

int main(void)
{
	static const char *const bad_dates[] = {"2026-02-29", "2026-13-01",  "2026-00-10", "2026-04-31", "2026-1-05",
						"06/11/2026", "2026-11-06 ", "",           "0999-01-01", "2026-11-0x"};
	static const char *const bad_weeks[] = {"2026-W00", "2026-W54", "2021-W53",  "2026W45",
						"2026-X45", "2026-W4",  "2026-W455", ""};
	char buf[11], wb[9];
	long d;
	td_week w;

	CHECK_INT(0, td_date_days(1970, 1, 1));
	CHECK_INT(20763, td_date_days(2026, 11, 6));
	CHECK_INT(-1, td_date_days(1969, 12, 31));
	td_date_format(20763, buf);
	CHECK_STR("2026-11-06", buf);
	CHECK(td_date_parse("2024-02-29", &d));
	CHECK_INT(td_date_days(2024, 3, 1) - 1, d);
	CHECK(td_date_parse("2000-02-29", &d));
	for (size_t i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++)
		CHECK_INT(0, td_date_parse(bad_dates[i], &d));
	CHECK_INT(0, td_date_parse(NULL, &d));

	check_week("2026-11-06", "2026-W45", "2026-11-02"); /* a Friday */
	check_week("2026-11-01", "2026-W44", "2026-10-26"); /* a Sunday */
	check_week("2026-11-02", "2026-W45", "2026-11-02"); /* a Monday */
	check_week("2026-01-01", "2026-W01", "2025-12-29"); /* week 1 starts in the year before */
	check_week("2021-01-03", "2020-W53", "2020-12-28"); /* the first days belong to the year before */
	check_week("2024-12-30", "2025-W01", "2024-12-30");
	check_week("2015-12-31", "2015-W53", "2015-12-28");

	CHECK(td_week_parse("2026-W45", &w));
	CHECK_INT(2026, w.year);
	CHECK_INT(45, w.week);
	td_date_format(w.monday, buf);
	CHECK_STR("2026-11-02", buf);
	CHECK(td_week_parse("2020-w53", &w)); /* lower case w, a year with 53 weeks */
	td_week_format(&w, wb);
	CHECK_STR("2020-W53", wb);
	td_date_format(w.monday, buf);
	CHECK_STR("2020-12-28", buf);
	CHECK(td_week_parse("2025-W01", &w));
	td_date_format(w.monday, buf);
	CHECK_STR("2024-12-30", buf);
	for (size_t i = 0; i < sizeof(bad_weeks) / sizeof(bad_weeks[0]); i++)
		CHECK_INT(0, td_week_parse(bad_weeks[i], &w));
	return tap_done();
}
