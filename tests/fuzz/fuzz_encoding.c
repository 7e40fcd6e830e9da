/*
 * Fuzz legacy-encoding detection and decoding (lib/encoding.c): the input is
 * fed to the detector as the string fields of a DBF would be (split at '\n'),
 * decoded in every encoding, checked for residue, and written to a file for
 * the UTF-8 quick check.
 */
#include "fuzz.h"

#include "encoding.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init();
	return 0;
}

static int valid_utf8(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t len = (utf8proc_ssize_t)strlen(s);

	while (len > 0) {
		utf8proc_int32_t c;
		utf8proc_ssize_t n = utf8proc_iterate(p, len, &c);
		if (n <= 0)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const td_encoding all[] = {TD_ENC_UNKNOWN, TD_ENC_UTF8,   TD_ENC_TCVN3, TD_ENC_VNI,
					  TD_ENC_CP1258,  TD_ENC_VISCII, TD_ENC_ASCII};
	td_encoding_detector *d = td_encoding_detector_new();
	const char *bytes = (const char *)data;
	char why[200], *copy;
	td_encoding guess;
	int ascii = 0;

	if (!d)
		abort();
	for (size_t start = 0, i = 0; i <= size; i++)
		if (i == size || data[i] == '\n') {
			td_encoding_detector_feed(d, bytes + start, i - start);
			start = i + 1;
		}
	guess = td_encoding_detector_result(d, why, sizeof(why));
	td_encoding_detector_free(d);
	if (!memchr(why, '\0', sizeof(why)) || (int)guess < TD_ENC_UNKNOWN || guess > TD_ENC_ASCII)
		abort();

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		char *out = NULL;
		td_error err;
		td_status rc;

		td_error_init(&err);
		rc = td_encoding_decode(all[i], bytes, size, &out, &err);
		if ((rc == TD_OK) != (out != NULL) || (rc != TD_OK && !err.msg[0]))
			abort();
		if (out) {
			if (!valid_utf8(out))
				abort(); /* decoding promises UTF-8 */
			(void)td_encoding_has_residue(out);
		}
		free(out);
	}

	copy = fz_strndup(data, size);
	(void)td_encoding_has_residue(copy); /* any bytes: invalid UTF-8 is simply not residue */
	free(copy);
	if (td_encoding_file_is_utf8(fz_write("text", data, size), &ascii)) {
		char *out = NULL;
		td_error err;
		td_error_init(&err);
		/* The quick check and the decoder must agree on what UTF-8 is. */
		if (td_encoding_decode(TD_ENC_UTF8, bytes, size, &out, &err) != TD_OK)
			abort();
		free(out);
		for (size_t i = 0; ascii && i < size; i++)
			if (data[i] > 0x7F)
				abort();
	}
	return 0;
}
