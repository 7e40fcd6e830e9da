#include "error.h"

#include <stdarg.h>
#include <stdio.h>

void td_error_init(td_error *err)
{
	if (!err)
		return;
	err->code = TD_OK;
	err->msg[0] = '\0';
}

td_status td_error_set(td_error *err, td_status code, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code != TD_OK)
		return err ? err->code : code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *td_strerror(td_status code)
{
	switch (code) {
	case TD_OK:
		return "success";
	case TD_ERR_USAGE:
		return "bad usage or configuration";
	case TD_ERR_INPUT:
		return "unreadable or invalid input";
	case TD_ERR_WORKSPACE:
		return "not a usable workspace";
	case TD_ERR_LOCKED:
		return "workspace locked by another writer";
	case TD_ERR_IO:
		return "input/output failure";
	case TD_ERR_NOMEM:
		return "out of memory";
	case TD_ERR_INTERNAL:
		return "internal failure";
	case TD_ERR_CANCELLED:
		return "cancelled";
	}
	return "unknown status";
}
