/*
 * Shared by the fuzz harnesses (tests/fuzz/fuzz_<name>.c). Each harness is
 * built twice: with clang and -fsanitize=fuzzer for `make fuzz` (libFuzzer
 * supplies main), and with replay.c, a plain main that runs the saved corpus
 * once, for the smoke tests of `make test` (any compiler).
 *
 * Readers that take a path get the input written to a file in one scratch
 * folder per process (under $TD_FUZZ_TMP, else /dev/shm, else $TMPDIR or
 * /tmp), removed at exit.
 */
#ifndef TD_FUZZ_H
#define TD_FUZZ_H

#include "ctx.h"
#include "workspace.h"

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry points; every harness defines both. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* GDALAllRegister, quiet GDAL errors, the scratch folder and a context; aborts on failure. */
void fz_init(void);

/* The context made by fz_init. */
td_ctx *fz_ctx(void);

/* Write size bytes to name in the scratch folder; returns the path (static, valid until the next call). */
const char *fz_write(const char *name, const uint8_t *data, size_t size);

/* A path in the scratch folder (static, valid until the next call of fz_path or fz_write). */
const char *fz_path(const char *name);

/* With TD_FUZZ_VERBOSE set, print what a reader returned (to see how far the corpus gets); returns rc. */
td_status fz_note(const char *what, td_status rc, const td_error *err);

/* A NUL-terminated copy of the bytes; caller frees. Aborts when out of memory. */
char *fz_strndup(const uint8_t *data, size_t size);

/* ".xlsx" for a zip, ".xls" for an OLE2 compound file, else ".csv": the reader then goes by the extension. */
const char *fz_table_ext(const uint8_t *data, size_t size);

/*
 * Workspace template: created once (EPSG:9210), with the demo map and
 * register ingested when with_demo, then kept in memory. fz_ws_fresh writes
 * a copy to the scratch folder and opens it for writing, so every input
 * starts from the same workspace.
 */
void fz_ws_template(int with_demo);
td_ws *fz_ws_fresh(void);

/*
 * Ingest the bytes as a register file named register<ext> into a fresh copy
 * of the template (commune 11311 where the register has no commune column).
 */
void fz_ingest_register(const uint8_t *data, size_t size, const char *ext);

#endif
