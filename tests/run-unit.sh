#!/bin/sh
# Run every Check suite; each prints its own summary.  Fails if any fails.
set -u
fail=0
for t in "$@"; do
	echo "== $(basename "$t")"
	CK_FORK=yes "$t" || fail=1
done
exit $fail
