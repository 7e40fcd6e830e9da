/* Fuzz register reading (lib/ingest.c, the register part of td_ingest_run) with XLS (GDAL's XLS driver, libfreexl,
 * under it). */
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init();
	fz_ws_template(0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_ingest_register(data, size, ".xls");
	return 0;
}
