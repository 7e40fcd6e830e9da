#include "json.h"
#include "strbuf.h"

void td_json_str(FILE *f, const char *s)
{
	td_strbuf b = TD_STRBUF_INIT;

	td_strbuf_json(&b, s);
	if (b.failed)
		fputs("\"\"", f);
	else
		fwrite(b.p, 1, b.len, f);
	td_strbuf_release(&b);
}
