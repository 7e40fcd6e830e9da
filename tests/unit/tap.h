/*
 * Minimal assertion helpers for unit tests (expected value first).
 * Each failed check prints file:line and both values; tap_done() prints
 * "N passed, N failed" and returns the process exit code.
 */
#ifndef TD_TAP_H
#define TD_TAP_H

#include <stddef.h>

void tap_check_int(const char *file, int line, const char *expr, long long expected, long long actual);
void tap_check_dbl(const char *file, int line, const char *expr, double expected, double actual, double tol);
void tap_check_str(const char *file, int line, const char *expr, const char *expected, const char *actual);
void tap_check_true(const char *file, int line, const char *expr, int cond);
int tap_done(void);
/* A scratch directory for this test (created, under $TD_TMP or /tmp); never NULL. */
const char *tap_tmpdir(const char *name);

#define CHECK_INT(exp, act) tap_check_int(__FILE__, __LINE__, #act, (long long)(exp), (long long)(act))
#define CHECK_DBL(exp, act, tol) tap_check_dbl(__FILE__, __LINE__, #act, (exp), (act), (tol))
#define CHECK_STR(exp, act) tap_check_str(__FILE__, __LINE__, #act, (exp), (act))
#define CHECK(cond) tap_check_true(__FILE__, __LINE__, #cond, (cond) != 0)

#endif
