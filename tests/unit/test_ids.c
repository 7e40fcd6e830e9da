/*
 * lib/ids.c: ISO 7064 check characters against published test vectors, the
 * error-detection properties that decided the default (MOD 97-10), the ID
 * template, parsing with its messages, the address link, and the [id]
 * section of a profile.
 */
#include "ids.h"
#include "rules.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * MOD 11-10: "0794" → 5 is the worked example of ISO 7064; "79462" → 3 and
 * "00200667308" → 5 are python-stdnum's documented examples
 * (stdnum.iso7064.mod_11_10); the others are from the test suite of cdigit
 * (test/mod11_10.js).
 */
static void test_mod11_10_vectors(void)
{
	static const struct {
		const char *data;
		char check;
	} v[] = {
		{"0794", '5'},     {"79462", '3'},        {"00200667308", '5'}, {"6511224300430482", '7'},
		{"003", '2'},      {"4555773880", '8'},   {"05320162033", '8'}, {"4716", '6'},
		{"42328026", '0'}, {"308655184386", '3'},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK_INT(v[i].check, td_iso7064_mod11_10(v[i].data));
	CHECK(td_iso7064_valid(TD_ID_MOD11_10, "794623"));
	CHECK(td_iso7064_valid(TD_ID_MOD11_10, "002006673085"));
	CHECK(!td_iso7064_valid(TD_ID_MOD11_10, "00200667308")); /* stdnum: invalid */
	CHECK(!td_iso7064_valid(TD_ID_MOD11_10, "794624"));
	CHECK_INT(0, td_iso7064_mod11_10(""));
	CHECK_INT(0, td_iso7064_mod11_10("07a4"));
	CHECK(!td_iso7064_valid(TD_ID_MOD11_10, "7"));
}

/*
 * MOD 97-10: "794" → 44 is ISO 7064's worked example; the others are from
 * cdigit's test suite (test/mod97_10.js), including "9005965" → 01, where
 * the remainder is 0 and the check value is (98 − 0) mod 97 = 1.
 */
static void test_mod97_10_vectors(void)
{
	static const struct {
		const char *data, *check;
	} v[] = {
		{"794", "44"},   {"9005965", "01"}, {"1701224967751", "81"}, {"32142829123456987654321611", "82"},
		{"33769", "59"}, {"4134", "15"},    {"810045", "07"},        {"00855544", "86"},
	};
	char cc[3];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(cc, sizeof(cc), "??");
		CHECK_INT(1, td_iso7064_mod97_10(v[i].data, cc));
		CHECK_STR(v[i].check, cc);
	}
	CHECK(td_iso7064_valid(TD_ID_MOD97_10, "79444"));
	CHECK(td_iso7064_valid(TD_ID_MOD97_10, "900596501"));
	CHECK(!td_iso7064_valid(TD_ID_MOD97_10, "900596598")); /* IBAN's 98 is not ISO 7064's 01 */
	CHECK(!td_iso7064_valid(TD_ID_MOD97_10, "79445"));
	CHECK_INT(0, td_iso7064_mod97_10("", cc));
	CHECK_INT(0, td_iso7064_mod97_10("79-4", cc));
}

/* One step of MOD 11-10's state machine. */
static int step_11_10(int p, int d)
{
	int s = (p + d) % 10;
	return (2 * (s ? s : 10)) % 11;
}

/*
 * Why MOD 97-10 is the default. MOD 11-10 catches every single mistyped
 * digit (each step is a bijection of the digit), but an adjacent swap ab ->
 * ba goes unnoticed whenever both orders lead to the same state: 20 of the
 * 900 (state, a != b) cases, so about 2 % of swaps. MOD 97-10 catches both
 * kinds always (10^k and 9 * 10^k are never 0 mod the prime 97); checked
 * here on every single substitution and adjacent swap of 2,000 IDs.
 */
static void test_detection(void)
{
	int missed = 0;
	td_id_settings s;
	td_error err;
	char id[TD_ID_MAX], t[TD_ID_MAX];
	long undetected = 0, tried = 0;

	for (int p = 1; p <= 10; p++)
		for (int a = 0; a < 10; a++)
			for (int b = 0; b < 10; b++) {
				if (a == b)
					continue;
				missed += step_11_10(step_11_10(p, a), b) == step_11_10(step_11_10(p, b), a);
				CHECK(step_11_10(p, a) != step_11_10(p, b));
			}
	CHECK_INT(20, missed);

	td_id_settings_init(&s);
	td_error_init(&err);
	for (long seq = 1; seq <= 2000; seq++) {
		char commune[6];
		snprintf(commune, sizeof(commune), "%05ld", 10000 + (seq * 7919) % 90000);
		if (td_id_make(&s, commune, seq * 4793 % 9999999 + 1, id, sizeof(id), &err) != TD_OK)
			break;
		for (size_t i = 0; id[i]; i++) {
			for (char d = '0'; d <= '9'; d++) {
				if (d == id[i])
					continue;
				snprintf(t, sizeof(t), "%s", id);
				t[i] = d;
				tried++;
				undetected += td_iso7064_valid(TD_ID_MOD97_10, t);
			}
			if (id[i + 1] && id[i] != id[i + 1]) {
				snprintf(t, sizeof(t), "%s", id);
				t[i] = id[i + 1];
				t[i + 1] = id[i];
				tried++;
				undetected += td_iso7064_valid(TD_ID_MOD97_10, t);
			}
		}
	}
	CHECK_INT(TD_OK, err.code);
	CHECK(tried > 250000);
	CHECK_INT(0, undetected);
}

static void test_template(void)
{
	td_id_settings s;
	td_error err;
	char id[TD_ID_MAX], commune[6];
	long seq = -1;

	td_id_settings_init(&s);
	td_error_init(&err);
	CHECK_STR("{commune}{seq:7}{check}", s.format);
	CHECK_INT(TD_ID_MOD97_10, s.check);
	CHECK_INT(14, td_id_length(&s));
	CHECK_INT(TD_OK, td_id_make(&s, "11311", 1, id, sizeof(id), &err));
	CHECK_STR("11311000000129", id);
	CHECK_INT(TD_OK, td_id_make(&s, "11329", 4, id, sizeof(id), &err));
	CHECK_STR("11329000000487", id);
	CHECK_INT(TD_OK, td_id_parse(&s, id, commune, &seq, &err));
	CHECK_STR("11329", commune);
	CHECK_INT(4, seq);

	CHECK_INT(TD_ERR_INPUT, td_id_make(&s, "1131", 1, id, sizeof(id), &err));
	CHECK_STR("commune code '1131' is not 5 digits, as the ID format '{commune}{seq:7}{check}' needs", err.msg);
	td_error_init(&err);
	CHECK_INT(TD_ERR_INPUT, td_id_make(&s, "1131x", 1, id, sizeof(id), &err));
	td_error_init(&err);
	CHECK_INT(TD_ERR_USAGE, td_id_make(&s, "11311", 10000000, id, sizeof(id), &err));
	CHECK_STR("commune 11311 has used every sequence number of 7 digits: widen {seq:N} in the ID format "
		  "'{commune}{seq:7}{check}'",
		  err.msg);

	/* MOD 11-10: one check digit; literals are kept but not checked. */
	td_error_init(&err);
	s.check = TD_ID_MOD11_10;
	CHECK_INT(13, td_id_length(&s));
	CHECK_INT(TD_OK, td_id_make(&s, "11311", 1, id, sizeof(id), &err));
	CHECK_STR("1131100000012", id);
	s.check = TD_ID_MOD97_10;
	CHECK_INT(TD_OK, td_id_set_format(&s, "VN-{commune}-{seq:6}{check}", &err));
	CHECK_INT(17, td_id_length(&s));
	CHECK_INT(TD_OK, td_id_make(&s, "11311", 1, id, sizeof(id), &err));
	CHECK_STR("VN-11311-00000169", id);
	CHECK_INT(TD_OK, td_id_parse(&s, "VN-11311-00000169", commune, &seq, &err));
	CHECK_INT(1, seq);
	CHECK_INT(TD_ERR_INPUT, td_id_parse(&s, "VX-11311-00000169", NULL, NULL, &err));
	CHECK_STR("'VX-11311-00000169' is not a parcel ID: characters 1 to 3 should read 'VN-' "
		  "(VN-{commune}-{seq:6}{check})",
		  err.msg);

	static const struct {
		const char *format, *msg;
	} bad[] = {
		{"{commune}{seq:7}", "ID format '{commune}{seq:7}' needs {commune}, {seq:N} and {check}"},
		{"{commune}{check}{seq:7}", "ID format '{commune}{check}{seq:7}': {check} must come last"},
		{"{commune}{commune}{seq:7}{check}",
		 "ID format '{commune}{commune}{seq:7}{check}': '{commune}' appears twice"},
		{"{commune}{seq:0}{check}",
		 "ID format '{commune}{seq:0}{check}': expected {seq:N} with N from 1 to 12"},
		{"{commune}{seq:13}{check}",
		 "ID format '{commune}{seq:13}{check}': expected {seq:N} with N from 1 to 12"},
		{"{tinh}{commune}{seq:7}{check}", "ID format '{tinh}{commune}{seq:7}{check}': unknown field '{tinh}' "
						  "(expected {commune}, {seq:N} or {check})"},
		{"{commune}{seq:7{check}", "ID format '{commune}{seq:7{check}': expected {seq:N} with N from 1 to 12"},
		{"{commune}{seq:7}{check", "ID format '{commune}{seq:7}{check': '{' without '}'"},
		{"A B{commune}{seq:7}{check}",
		 "ID format 'A B{commune}{seq:7}{check}': literal text must be printable ASCII without spaces"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		td_error_init(&err);
		CHECK_INT(TD_ERR_USAGE, td_id_set_format(&s, bad[i].format, &err));
		CHECK_STR(bad[i].msg, err.msg);
	}
	CHECK_STR("VN-{commune}-{seq:6}{check}", s.format); /* unchanged by the failures */
}

static void test_parse_errors(void)
{
	td_id_settings s;
	td_error err;

	td_id_settings_init(&s);
	static const struct {
		const char *id, *msg;
	} bad[] = {
		{"1131100000012",
		 "'1131100000012' is not a parcel ID: expected 14 characters ({commune}{seq:7}{check}), got 13"},
		{"113110000001290",
		 "'113110000001290' is not a parcel ID: expected 14 characters ({commune}{seq:7}{check}), got 15"},
		{"11311O00000129",
		 "'11311O00000129' is not a parcel ID: character 6 is 'O', expected a digit of the sequence"},
		{"1131x000000129",
		 "'1131x000000129' is not a parcel ID: character 5 is 'x', expected a digit of the commune code"},
		{"1131100000012X",
		 "'1131100000012X' is not a parcel ID: character 14 is 'X', expected a digit of the check digits"},
		/* one digit mistyped, two adjacent digits swapped, the check digits swapped */
		{"11311000000139", "'11311000000139' is not a valid parcel ID: the check digits do not match (ISO 7064 "
				   "MOD 97-10); a digit is mistyped or two are swapped"},
		{"13111000000129", "'13111000000129' is not a valid parcel ID: the check digits do not match (ISO 7064 "
				   "MOD 97-10); a digit is mistyped or two are swapped"},
		{"11311000000192", "'11311000000192' is not a valid parcel ID: the check digits do not match (ISO 7064 "
				   "MOD 97-10); a digit is mistyped or two are swapped"},
		{"11311000000032", "'11311000000032' is not a parcel ID: sequence 0 is never issued"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		td_error_init(&err);
		CHECK_INT(TD_ERR_INPUT, td_id_parse(&s, bad[i].id, NULL, NULL, &err));
		CHECK_STR(bad[i].msg, err.msg);
	}
	td_error_init(&err);
	CHECK_INT(TD_OK, td_id_parse(&s, "11311000000129", NULL, NULL, &err));
}

static void test_link(void)
{
	td_id_settings s;
	char out[128];

	td_id_settings_init(&s);
	snprintf(out, sizeof(out), "x");
	CHECK_INT(1, td_id_link(&s, "11311000000129", "11311", 1, 5, out, sizeof(out)));
	CHECK_STR("", out);
	snprintf(s.address_link, sizeof(s.address_link), "%s",
		 "https://dc.example.vn/{commune}/{sheet}-{parcel}?id={id}&x={y}");
	CHECK_INT(1, td_id_link(&s, "11311000000129", "11311", 12, 345, out, sizeof(out)));
	CHECK_STR("https://dc.example.vn/11311/12-345?id=11311000000129&x={y}", out);
	CHECK_INT(0, td_id_link(&s, "11311000000129", "11311", 12, 345, out, 20));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void test_profile(void)
{
	char path[4200];
	td_id_settings s;
	td_rule_settings r;
	td_error err;

	/* The shipped profile: the rules loader skips [id], the ID loader reads only [id]. */
	snprintf(path, sizeof(path), "%s/rules/default.ini", TD_SCHEMAS);
	td_id_settings_init(&s);
	td_rule_settings_init(&r);
	td_error_init(&err);
	CHECK_INT(TD_OK, td_rule_profile_load(&r, path, &err));
	CHECK_INT(TD_OK, td_id_profile_load(&s, path, &err));
	CHECK_STR("{commune}{seq:7}{check}", s.format);
	CHECK_INT(TD_ID_MOD97_10, s.check);
	CHECK_STR("", s.address_link);
	CHECK_DBL(0.1, s.match_tolerance, 0);
	CHECK_DBL(0.1, s.lineage_min_overlap, 0);

	/* {check}'s width follows check, even when check comes after format. */
	snprintf(path, sizeof(path), "%s/id.ini", tap_tmpdir("test_ids"));
	write_file(path, "[severity]\nGAP = off\n[id]\nformat = HP{commune}{seq:6}{check}\ncheck = mod11-10\n"
			 "address_link = https://x.vn/{id}\nmatch_tolerance = 0.05\nlineage_min_overlap = 0.25\n");
	td_id_settings_init(&s);
	CHECK_INT(TD_OK, td_id_profile_load(&s, path, &err));
	CHECK_INT(TD_ID_MOD11_10, s.check);
	CHECK_INT(14, td_id_length(&s));
	CHECK_STR("https://x.vn/{id}", s.address_link);
	CHECK_DBL(0.05, s.match_tolerance, 0);
	CHECK_DBL(0.25, s.lineage_min_overlap, 0);

	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"[id]\nprefix = VN\n", "line 2: unknown setting 'prefix' in [id]"},
		{"[id]\ncheck = luhn\n", "line 2: check = 'luhn': expected mod97-10 or mod11-10"},
		{"[id]\nmatch_tolerance = 2\n", "line 2: match_tolerance = '2': expected a number from 0 to 1"},
		{"[id]\naddress_link = x/{ma}\n",
		 "line 2: address_link = 'x/{ma}': expected text with {id}, {commune}, {sheet} or {parcel}"},
		{"[id]\nformat = {commune}{check}\n",
		 "ID format '{commune}{check}' needs {commune}, {seq:N} and {check}"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(path, bad[i].text);
		td_id_settings_init(&s);
		td_error_init(&err);
		CHECK_INT(TD_ERR_USAGE, td_id_profile_load(&s, path, &err));
		if (!strstr(err.msg, bad[i].msg))
			CHECK_STR(bad[i].msg, err.msg);
	}
}

int main(void)
{
	test_mod11_10_vectors();
	test_mod97_10_vectors();
	test_detection();
	test_template();
	test_parse_errors();
	test_link();
	test_profile();
	return tap_done();
}
