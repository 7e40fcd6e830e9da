/*
 * Rule profiles (loading, overrides, located errors) and identity number
 * checks (CCCD structure, CMND, masking).
 */
#include "identity.h"
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

static void test_catalogue(void)
{
	char path[4200];
	td_rule_settings s;
	td_error err;

	/* Every rule has a unique code, a criterion and group 2 or 3. */
	for (int i = 0; i < TD_RULE_COUNT; i++) {
		const td_rule *r = td_rule_get((td_rule_id)i);
		CHECK_INT(i, r->id);
		CHECK(td_rule_find(r->code) == r);
		CHECK(r->group == 2 || r->group == 3);
		CHECK(!strcmp(r->criterion, "đúng") || !strcmp(r->criterion, "đủ") || !strcmp(r->criterion, "sạch") ||
		      !strcmp(r->criterion, "sống"));
	}
	/* The shipped default profile says what the catalogue says. */
	td_error_init(&err);
	td_rule_settings_init(&s);
	snprintf(path, sizeof(path), "%s/rules/default.ini", TD_SCHEMAS);
	CHECK_INT(TD_OK, td_rule_profile_load(&s, path, &err));
	for (int i = 0; i < TD_RULE_COUNT; i++) {
		CHECK_INT(td_rule_get((td_rule_id)i)->severity, s.severity[i]);
		CHECK_INT(td_rule_get((td_rule_id)i)->group, s.group[i]);
	}
	CHECK_INT(4, s.n_area_bands);
	CHECK_DBL(12.4, td_rule_area_tolerance(&s, 620), 1e-9);
	CHECK_INT(0, s.accept_max_errors);
	CHECK_DBL(-1, s.accept_max_outside_group1, 0);
}

static void test_profile(const char *dir)
{
	td_rule_settings s;
	td_error err;

	td_rule_settings_init(&s);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_rule_profile_load(
				 &s,
				 write_profile(dir, "[severity]\nSLIVER = off\nGAP = warning\n"
						    "[group]\nAREA_MISMATCH = 3\n"
						    "[tolerance]\narea_bands = 1000:0.1 *:0.05\n"
						    "gap_min_area = 2.5\ntoday = 2026-11-01\n"
						    "change_deadline_days = 10\n"
						    "[accept]\nmax_errors = any\nmax_outside_group1_percent = 5\n"),
				 &err));
	CHECK_INT(TD_SEV_OFF, s.severity[TD_RULE_SLIVER]);
	CHECK_INT(TD_SEV_WARNING, s.severity[TD_RULE_GAP]);
	CHECK_INT(3, s.group[TD_RULE_AREA_MISMATCH]);
	CHECK_INT(2, s.n_area_bands);
	CHECK_DBL(50.0, td_rule_area_tolerance(&s, 500), 1e-9);
	CHECK_DBL(100.0, td_rule_area_tolerance(&s, 2000), 1e-9);
	CHECK_DBL(2.5, s.gap_min_area, 0);
	CHECK_STR("2026-11-01", s.today);
	CHECK_INT(10, s.change_deadline_days);
	CHECK_INT(-1, s.accept_max_errors);
	CHECK_DBL(5, s.accept_max_outside_group1, 0);

	/* Located errors: exit-3 material. */
	static const struct {
		const char *text, *expect;
	} bad[] = {
		{"[severity]\nNO_SUCH_RULE = error\n", "line 2: unknown rule 'NO_SUCH_RULE'"},
		{"[severity]\n\nOVERLAP = loud\n", "line 3: OVERLAP = 'loud': expected error, warning or off"},
		{"[group]\nOVERLAP = 1\n", "line 2: OVERLAP = '1': expected group 2 or 3"},
		{"[tolerance]\ngap_min_area = -1\n", "line 2: gap_min_area = '-1': expected a number >= 0"},
		{"[tolerance]\narea_bands = 500:0.03 100:0.05 *:0.01\n", "line 2: area_bands"},
		{"[tolerance]\narea_bands = 100:0.05\n", "ending with *:RATIO"},
		{"[tolerance]\ntoday = 1/11/2026\n", "line 2: today = '1/11/2026': expected a date yyyy-mm-dd"},
		{"[tolerance]\nspeed = 3\n", "line 2: unknown setting 'speed' in [tolerance]"},
		{"[limits]\n", "line 1: unknown section [limits]"},
		{"OVERLAP = error\n", "line 1: 'OVERLAP' is outside any section"},
		{"[accept]\nmax_errors = 1.5\n", "line 2: max_errors = '1.5': expected a count or 'any'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		td_rule_settings_init(&s);
		td_error_init(&err);
		CHECK_INT(TD_ERR_USAGE, td_rule_profile_load(&s, write_profile(dir, bad[i].text), &err));
		if (!strstr(err.msg, bad[i].expect))
			fprintf(stderr, "message: %s\n", err.msg);
		CHECK(strstr(err.msg, bad[i].expect) != NULL);
	}
}

static void test_identity(void)
{
	char why[160], masked[32];

	CHECK_INT(TD_ID_VALID, td_identity_check("031185001234", 1985, 1, why, sizeof(why)));
	CHECK_INT(TD_ID_VALID, td_identity_check("001088001111", 1988, 0, why, sizeof(why)));
	CHECK_INT(TD_ID_VALID, td_identity_check("031201006666", 2001, 0, why, sizeof(why)));
	CHECK_INT(TD_ID_VALID, td_identity_check("031185001234", 0, -1, why, sizeof(why))); /* nothing to compare */
	CHECK_INT(TD_ID_LEGACY_CMND, td_identity_check("031234567", 1970, 0, why, sizeof(why)));
	CHECK_INT(TD_ID_INVALID, td_identity_check("03118500123", 1985, 1, why, sizeof(why)));
	CHECK_STR("not 12 digits", why);
	CHECK_INT(TD_ID_INVALID, td_identity_check("03118500123A", 1985, 1, why, sizeof(why)));
	CHECK_INT(TD_ID_INVALID, td_identity_check("003185001234", 1985, 1, why, sizeof(why)));
	CHECK_STR("province code 003 is not a province", why);
	CHECK_INT(TD_ID_INVALID, td_identity_check("031085001234", 1985, 1, why, sizeof(why)));
	CHECK_STR("digit 4 is 0 (male) but the owner is female", why);
	CHECK_INT(TD_ID_INVALID, td_identity_check("031399000123", 1999, 1, why, sizeof(why)));
	CHECK_STR("digit 4 is 3 (born 2000-2099) but the birth year is 1999", why);
	CHECK_INT(TD_ID_INVALID, td_identity_check("031158001234", 1985, 1, why, sizeof(why)));
	CHECK_STR("digits 5-6 are 58 but the birth year is 1985", why);

	CHECK_INT(0, td_identity_sex("Nam"));
	CHECK_INT(1, td_identity_sex("Nữ"));
	CHECK_INT(1, td_identity_sex(" NỮ "));
	CHECK_INT(1, td_identity_sex("nu"));
	CHECK_INT(-1, td_identity_sex("khác"));
	CHECK_INT(-1, td_identity_sex(NULL));

	td_identity_mask("031185001234", masked, sizeof(masked));
	CHECK_STR("031*******34", masked);
	td_identity_mask("031234567", masked, sizeof(masked));
	CHECK_STR("031****67", masked);
}

/* Masking inside free text, and ID numbers as spreadsheets hand them over. */
static void test_identity_text(void)
{
	char buf[128], id[32];

	td_identity_mask_text("register row 3: '031185001234' is not a year", buf, sizeof(buf));
	CHECK_STR("register row 3: '031*******34' is not a year", buf);
	/* 9 and 12 digits anywhere (file names too); longer or shorter runs are not IDs. */
	td_identity_mask_text("031234567.csv 2026110112 1234567890123 12345678 031185001234", buf, sizeof(buf));
	CHECK_STR("031****67.csv 2026110112 1234567890123 12345678 031*******34", buf);
	td_identity_mask_text("a031185001234b", buf, sizeof(buf));
	CHECK_STR("a031*******34b", buf);
	/* A mistyped parcel ID is a code, not an identity number: its word holds other digits. */
	td_identity_mask_text("'1131l000000517' f031185001234.csv", buf, sizeof(buf));
	CHECK_STR("'1131l000000517' f031*******34.csv", buf);
	td_identity_mask_text("no digits: Nguyễn", buf, sizeof(buf));
	CHECK_STR("no digits: Nguyễn", buf);
	td_identity_mask_text("031185001234", buf, 8); /* truncated, still masked */
	CHECK_STR("031****", buf);
	td_identity_mask_text("", buf, sizeof(buf));
	CHECK_STR("", buf);

	td_identity_normalize("1088001111", id, sizeof(id)); /* 10 digits: a CCCD that lost "00" */
	CHECK_STR("001088001111", id);
	td_identity_normalize(" 31185001234 ", id, sizeof(id));
	CHECK_STR("031185001234", id);
	td_identity_normalize("31234567", id, sizeof(id)); /* 8: a CMND that lost its 0 */
	CHECK_STR("031234567", id);
	td_identity_normalize("031185001234 (cũ)", id, sizeof(id));
	CHECK_STR("031185001234", id);
	td_identity_normalize("12345", id, sizeof(id)); /* left for the checks to judge */
	CHECK_STR("12345", id);
}

/* The identity rules and the [campaign] section. */
static void test_campaign(const char *dir)
{
	char path[4200];
	td_rule_settings s;
	td_error err;

	td_rule_settings_init(&s);
	CHECK_INT(TD_SEV_ERROR, s.severity[TD_RULE_IDENTITY_MISMATCH]);
	CHECK_INT(TD_SEV_WARNING, s.severity[TD_RULE_IDENTITY_UNVERIFIED]);
	CHECK_INT(2, s.group[TD_RULE_IDENTITY_UNVERIFIED]);
	CHECK_STR("sạch", td_rule_find("IDENTITY_MISMATCH")->criterion);
	CHECK_DBL(95, s.verified_target_percent, 0);
	td_error_init(&err);
	snprintf(path, sizeof(path), "%s/rules/campaign.ini", TD_SCHEMAS);
	CHECK_INT(TD_OK, td_rule_profile_load(&s, path, &err));
	CHECK_INT(TD_SEV_ERROR, s.severity[TD_RULE_IDENTITY_UNVERIFIED]);
	CHECK_INT(TD_SEV_ERROR, s.severity[TD_RULE_AREA_MISMATCH]); /* the rest as in default */
	CHECK_DBL(95, s.verified_target_percent, 0);
	CHECK_INT(TD_OK,
		  td_rule_profile_load(&s, write_profile(dir, "[campaign]\nverified_target_percent = 99.5\n"), &err));
	CHECK_DBL(99.5, s.verified_target_percent, 0);
	CHECK_INT(TD_ERR_USAGE,
		  td_rule_profile_load(&s, write_profile(dir, "[campaign]\nverified_target_percent = 101\n"), &err));
	CHECK(strstr(err.msg, "line 2: verified_target_percent = '101': expected a percentage") != NULL);
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_rule_profile_load(&s, write_profile(dir, "[campaign]\ntarget = 9\n"), &err));
	CHECK(strstr(err.msg, "line 2: unknown setting 'target' in [campaign]") != NULL);
}

int main(void)
{
	test_catalogue();
	test_profile(tap_tmpdir("rules"));
	test_identity();
	test_identity_text();
	test_campaign(tap_tmpdir("campaign"));
	return tap_done();
}
