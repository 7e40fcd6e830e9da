/*
 * fix and exception: the [fix] profile section (defaults, the shipped
 * profile, located errors; other stages skip it) and parcel keys.
 */
#include "exception.h"
#include "fix.h"
#include "rules.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

static const char *write_profile(const char *dir, const char *text)
{
	static char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/p.ini", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_profile(void)
{
	const char *dir = tap_tmpdir("test_fix");
	char path[4200];
	td_fix_settings s;
	td_rule_settings r;
	td_error err;

	td_fix_settings_init(&s);
	CHECK_DBL(50, s.overlap_max_area, 0);
	CHECK_DBL(50, s.gap_max_area, 0);
	CHECK_DBL(1.0, s.sliver_max_width, 0);
	CHECK_DBL(1.0, s.auto_max_hausdorff, 0);
	CHECK_INT(1, s.auto_attributes);

	/* The shipped profile holds the defaults; the rule loader skips [fix]. */
	snprintf(path, sizeof(path), "%s/rules/default.ini", TD_SCHEMAS);
	td_error_init(&err);
	td_fix_settings_init(&s);
	s.overlap_max_area = 1;
	CHECK_INT(TD_OK, td_fix_profile_load(&s, path, &err));
	CHECK_DBL(50, s.overlap_max_area, 0);
	td_rule_settings_init(&r);
	CHECK_INT(TD_OK, td_rule_profile_load(&r, path, &err));

	td_fix_settings_init(&s);
	CHECK_INT(TD_OK, td_fix_profile_load(&s,
					     write_profile(dir, "[fix]\noverlap_max_area = 12.5\n"
								"sliver_max_width = 0.3\nauto_attributes = no\n"),
					     &err));
	CHECK_DBL(12.5, s.overlap_max_area, 0);
	CHECK_DBL(0.3, s.sliver_max_width, 0);
	CHECK_INT(0, s.auto_attributes);
	CHECK_DBL(50, s.gap_max_area, 0);

	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_fix_profile_load(&s, write_profile(dir, "[fix]\n\nsliver_width = 1\n"), &err));
	CHECK(strstr(err.msg, "line 3: unknown setting 'sliver_width' in [fix]") != NULL);
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_fix_profile_load(&s, write_profile(dir, "[fix]\ngap_max_area = -1\n"), &err));
	CHECK(strstr(err.msg, "line 2: gap_max_area = '-1': expected a number >= 0") != NULL);
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_fix_profile_load(&s, write_profile(dir, "[fix]\nauto_attributes = 1\n"), &err));
	CHECK(strstr(err.msg, "expected yes or no") != NULL);
}

static void test_keys(void)
{
	char commune[16] = "";
	long sheet = 0, parcel = 0;

	CHECK_INT(1, td_exception_parse_key("11311/3/45", commune, &sheet, &parcel));
	CHECK_STR("11311", commune);
	CHECK_INT(3, sheet);
	CHECK_INT(45, parcel);
	CHECK_INT(0, td_exception_parse_key("11311/3", commune, &sheet, &parcel));
	CHECK_INT(0, td_exception_parse_key("11311/3/", commune, &sheet, &parcel));
	CHECK_INT(0, td_exception_parse_key("/3/45", commune, &sheet, &parcel));
	CHECK_INT(0, td_exception_parse_key("11311/x/45", commune, &sheet, &parcel));
	CHECK_INT(0, td_exception_parse_key("11311/3/0", commune, &sheet, &parcel));
	CHECK_INT(0, td_exception_parse_key("11311/3/45/1", commune, &sheet, &parcel));
	CHECK_INT(0, td_exception_parse_key("1234567890123456/3/45", commune, &sheet, &parcel));
}

int main(void)
{
	test_profile();
	test_keys();
	return tap_done();
}
