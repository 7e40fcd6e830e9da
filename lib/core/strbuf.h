/*
 * A growing string, for JSON and other text built piece by piece, with a
 * hard size cap so a runaway input cannot take all memory.
 *
 *     td_strbuf b = TD_STRBUF_INIT;
 *     td_strbuf_str(&b, "{\"path\":");
 *     td_strbuf_json(&b, path);             (a JSON string literal)
 *     td_strbuf_fmt(&b, ",\"n\":%ld}", n);
 *     if (b.failed) ... out of memory or over the cap ...
 *     use(b.p);                             (NULL while nothing was added)
 *     td_strbuf_release(&b);
 *
 * After a failure further appends do nothing, so a builder can check once
 * at the end.
 */
#ifndef TD_STRBUF_H
#define TD_STRBUF_H

#include <stddef.h>

#define TD_STRBUF_MAX ((size_t)16 << 20) /* bytes, terminator included */

typedef struct td_strbuf {
	char *p; /* NUL-terminated once anything was added; owned */
	size_t len;
	size_t cap;
	int failed; /* an append ran out of memory or past TD_STRBUF_MAX */
} td_strbuf;
#define TD_STRBUF_INIT                                                                                                 \
	{                                                                                                              \
		NULL, 0, 0, 0                                                                                          \
	}

/* Append n bytes of s. */
void td_strbuf_add(td_strbuf *b, const char *s, size_t n);

/* Append the NUL-terminated s. */
void td_strbuf_str(td_strbuf *b, const char *s);

/* Append printf-style text (at most 255 bytes per call; longer sets failed). */
void td_strbuf_fmt(td_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append s as a JSON string literal: quotes, \" \\ and \u00XX for control bytes. NULL as "". */
void td_strbuf_json(td_strbuf *b, const char *s);

/* Free the text and reset b. Accepts NULL. */
void td_strbuf_release(td_strbuf *b);

#endif
