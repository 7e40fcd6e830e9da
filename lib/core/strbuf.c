#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void td_strbuf_add(td_strbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *grown;
		while (cap < b->len + n + 1)
			cap *= 2;
		grown = cap <= TD_STRBUF_MAX ? realloc(b->p, cap) : NULL;
		if (!grown) {
			b->failed = 1;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void td_strbuf_str(td_strbuf *b, const char *s)
{
	td_strbuf_add(b, s, strlen(s));
}

void td_strbuf_fmt(td_strbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		b->failed = 1;
	else
		td_strbuf_add(b, tmp, (size_t)n);
}

void td_strbuf_json(td_strbuf *b, const char *s)
{
	td_strbuf_add(b, "\"", 1);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			td_strbuf_add(b, esc, 2);
		} else if (c < 0x20) {
			td_strbuf_fmt(b, "\\u%04x", c);
		} else {
			td_strbuf_add(b, s, 1);
		}
	}
	td_strbuf_add(b, "\"", 1);
}

void td_strbuf_release(td_strbuf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}
