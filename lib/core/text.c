#include "text.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static td_status normalise(const char *s, utf8proc_option_t opts, char **out, td_error *err)
{
	utf8proc_uint8_t *res = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &res,
					  UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | opts);
	*out = NULL;
	if (n < 0)
		return td_error_set(err, n == UTF8PROC_ERROR_NOMEM ? TD_ERR_NOMEM : TD_ERR_INPUT, "not valid UTF-8");
	*out = (char *)res;
	return TD_OK;
}

td_status td_text_nfc(const char *s, char **out, td_error *err)
{
	return normalise(s, 0, out, err);
}

/* Case-folded (and, with STRIPMARK, unaccented) NFC text with spaces collapsed. */
static int key(const char *s, utf8proc_option_t opts, char *buf, size_t size)
{
	char *folded = NULL;
	size_t j = 0;
	int space = 0;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	if (normalise(s, UTF8PROC_CASEFOLD | opts, &folded, NULL) != TD_OK)
		return 0;
	for (const char *p = folded; *p && j + 1 < size; p++) {
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = j > 0;
			continue;
		}
		if (space && j + 2 < size)
			buf[j++] = ' ';
		space = 0;
		/* đ has no combining mark to strip: it is a letter of its own. */
		if ((opts & UTF8PROC_STRIPMARK) && (unsigned char)c == 0xC4 && (unsigned char)p[1] == 0x91) {
			c = 'd';
			p++;
		}
		buf[j++] = c;
	}
	buf[j] = '\0';
	free(folded);
	return 1;
}

int td_text_key(const char *s, char *buf, size_t size)
{
	return key(s, 0, buf, size);
}

int td_text_fold(const char *s, char *buf, size_t size)
{
	return key(s, UTF8PROC_STRIPMARK, buf, size);
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int td_text_parse_long(const char *s, long *out)
{
	char *end;
	long v;

	s = skip_space(s);
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || errno || *skip_space(end))
		return 0;
	*out = v;
	return 1;
}

int td_text_parse_decimal(const char *s, double *out)
{
	char buf[64], *end;
	size_t n;

	s = skip_space(s);
	n = strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n + 1);
	if (!strchr(buf, '.')) {
		char *comma = strchr(buf, ',');
		if (comma && !strchr(comma + 1, ','))
			*comma = '.';
	}
	*out = strtod(buf, &end);
	return end != buf && *skip_space(end) == '\0' && isfinite(*out);
}

size_t td_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

size_t td_utf8_copy(char *buf, size_t size, const char *s, size_t max)
{
	size_t i = 0, chars = 0;

	if (size == 0)
		return 0;
	while (s[i] && chars < max) {
		size_t n = 1;
		while ((((unsigned char)s[i + n]) & 0xC0) == 0x80)
			n++;
		if (i + n >= size)
			break;
		i += n;
		chars++;
	}
	memcpy(buf, s, i);
	buf[i] = '\0';
	return i;
}
