/*
 * The SQLite VFS behind fault injection (td_fault in ctx.h), compiled in
 * test builds (TD_FAULT_INJECTION) only:
 *
 *     td_fault f = {.fail_at = 7};
 *     ctx->fault = &f;
 *     td_check_run(...)          (fails with TD_ERR_IO at the 7th write)
 *     ctx->fault = NULL;
 *     td_fault_release(&f);
 */
#ifndef TD_FAULT_H
#define TD_FAULT_H

#include "ctx.h"

/*
 * The name of f's VFS for sqlite3_open_v2, registered on first use; NULL
 * when out of memory or when the build has no fault injection.
 */
const char *td_fault_vfs(td_fault *f);

/* Unregister and free f's VFS. Accepts NULL and an f never used. */
void td_fault_release(td_fault *f);

#endif
