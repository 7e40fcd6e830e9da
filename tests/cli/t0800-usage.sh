#!/bin/sh
# Global usage: help, version, exit codes for bad usage.
. "$(dirname "$0")/lib.sh"

run 0 --help
contains out.txt "usage: thuadat [-q | -v] [--json] [--log FILE] [--csv-sep SEP] COMMAND [ARGS]"
contains out.txt "2  finished, data fails rules"
contains out.txt "5  internal or I/O failure"
for c in init ingest check classify export run merge; do
	contains out.txt "  $c "
done
for c in init ingest check classify export run merge; do
	run 0 "$c" --help
	contains out.txt "usage: thuadat $c"
done
run 0 --version
contains out.txt "thuadat 0.1.0"
run 3
contains err.txt "usage: thuadat"
run 3 frobnicate
contains err.txt "'frobnicate' is not a thuadat command"
run 3 --bogus
contains err.txt "unknown option '--bogus'"
run 3 check
contains err.txt "usage: thuadat check WORKSPACE"
run 3 check a.gpkg b.gpkg
contains err.txt "expected one workspace path"
run 3 check --no-such-option ws.gpkg
contains err.txt "usage: thuadat check"
run 3 export ws.gpkg
contains err.txt "--out DIR is required"
done_testing
