#!/bin/sh
# Run the integration tests (every tests/integration/test_*.sh, or the
# scripts named), each against scratch SoftHSM2 tokens of its own, and
# print the totals last.
#
# A script passes only when all of these hold, so that a script that
# dies half way, hangs, runs no checks or prints a stray summary cannot
# pass for a good one:
#   - it exits 0, within its time limit;
#   - its last line is its only summary line, "N passed, 0 failed", N > 0;
#   - it printed N lines "ok - ..." and no line "not ok - ...".
# The limit is 300 seconds, or what a "# limit: SECONDS" line in the
# script's first 20 lines says, times KC_LIMIT_SCALE (default 1; the
# sanitizer and valgrind builds are slower).  A script past its limit is
# killed with everything it started (timeout(1) signals its process
# group), and counts as failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
scale=${KC_LIMIT_SCALE:-1}
[ $# -gt 0 ] || set -- "$here"/integration/test_*.sh
tp=0
tf=0
bad=""
out=$(mktemp)
rcf=$(mktemp)
trap 'rm -f "$out" "$rcf"' EXIT INT TERM
for t in "$@"; do
	name=$(basename "$t")
	limit=$(head -n 20 "$t" | sed -n 's/^# limit: \([0-9][0-9]*\)$/\1/p' |
	    head -n 1)
	limit=$(( ${limit:-300} * scale ))
	echo "== $name"
	start=$(date +%s)
	{ timeout -k 10 "$limit" sh "$t" 2>&1; echo $? >"$rcf"; } |
	    tee "$out"
	rc=$(cat "$rcf")
	secs=$(( $(date +%s) - start ))
	sums=$(grep -cE '^[0-9]+ passed, [0-9]+ failed$' "$out")
	last=$(tail -n 1 "$out")
	oks=$(grep -c '^ok - ' "$out")
	noks=$(grep -c '^not ok - ' "$out")
	why=""
	case $last in
	*" passed, "*" failed")
		p=${last%% passed*}
		f=${last#*, }
		f=${f%% failed*}
		;;
	*)
		p=0
		f=0
		;;
	esac
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="killed after its limit of $limit s"
	elif [ "$sums" -eq 0 ]; then
		why="ended without a summary line (exit $rc)"
	elif [ "$sums" -gt 1 ]; then
		why="printed $sums summary lines"
	elif ! printf '%s\n' "$last" |
	    grep -qE '^[0-9]+ passed, [0-9]+ failed$'; then
		why="its summary line is not its last line"
	elif [ "$f" -ne 0 ] || [ "$noks" -ne 0 ]; then
		why="$f checks failed"
	elif [ "$rc" -ne 0 ]; then
		why="exited $rc"
	elif [ "$p" -eq 0 ]; then
		why="ran no checks"
	elif [ "$oks" -ne "$p" ]; then
		why="says $p passed, but printed $oks \"ok\" lines"
	fi
	tp=$((tp + p))
	if [ -n "$why" ]; then
		echo "$name: FAILED: $why"
		tf=$((tf + (f > 0 ? f : 1)))
		bad="$bad $name"
	else
		echo "$name: passed in $secs s (limit $limit s)"
	fi
done
[ -z "$bad" ] || echo "integration: failed:$bad"
echo "integration: $tp passed, $tf failed"
[ -z "$bad" ]
