#!/bin/sh
# Run every integration test against a scratch SoftHSM2 token; each prints
# "N passed, N failed".  The totals line comes last.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tp=0
tf=0
for t in "$here"/integration/test_*.sh; do
	echo "== $(basename "$t")"
	out=$(mktemp)
	sh "$t" 2>&1 | tee "$out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$(basename "$t"): ended without a summary line"
		tf=$((tf + 1))
	else
		tp=$((tp + ${line%% passed*}))
		f=${line#*, }
		tf=$((tf + ${f%% failed*}))
	fi
	rm -f "$out"
done
echo "integration: $tp passed, $tf failed"
[ "$tf" -eq 0 ]
