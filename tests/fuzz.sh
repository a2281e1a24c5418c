#!/bin/sh
# fuzz.sh MODE HARNESS...: run the libFuzzer harnesses.
#   smoke  replay each seed corpus (testdata/fuzz/NAME, crash inputs kept
#          there as regressions) and make 2000 fixed-seed mutations: the
#          same run every time, so it cannot flake (make check)
#   long   FUZZ_TIME seconds each (default 60) over a scratch copy of the
#          corpus; crashes go to fuzz-artifacts/ (make fuzz)
# Prints "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
mode=$1
shift
pass=0
fail=0
for h in "$@"; do
	name=${h##*/fuzz_}
	seeds=$top/testdata/fuzz/$name
	work=$(mktemp -d "${TMPDIR:-/tmp}/kc-fuzz.XXXXXX")
	cp "$seeds"/* "$work"/ 2>/dev/null
	if [ "$mode" = smoke ]; then
		"$h" -runs=0 "$seeds" >"$work.log" 2>&1 &&
		    "$h" -runs=2000 -seed=1 -max_len=8192 \
		    -artifact_prefix="$work/" "$work" >>"$work.log" 2>&1
	else
		mkdir -p "$top/fuzz-artifacts"
		"$h" -max_total_time="${FUZZ_TIME:-60}" -max_len=8192 \
		    -artifact_prefix="$top/fuzz-artifacts/$name-" "$work" \
		    >"$work.log" 2>&1
	fi
	rc=$?
	n=$(ls "$seeds" | wc -l)
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok - $name: $n seeds$( [ "$mode" = smoke ] &&
		    echo ' and 2000 fixed-seed mutations' ||
		    echo ", $(grep -o 'DONE.*' "$work.log" | head -n 1)")"
	else
		fail=$((fail + 1))
		echo "not ok - $name (exit $rc)"
		grep -E 'ERROR|runtime error|SUMMARY|Test unit written' \
		    "$work.log" | sed 's/^/#   /' | head -n 10
	fi
	rm -rf "$work" "$work.log"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
