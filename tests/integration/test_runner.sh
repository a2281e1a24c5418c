#!/bin/sh
# The integration runner (tests/run-integration.sh) must fail a script
# that does not end well, whatever its last line says: one that exits
# non-zero after its summary, one that runs no checks, one whose failure
# is followed by a second summary, one whose summary is not its last
# line or disagrees with its "ok" lines, and one that hangs, which must
# be killed, with what it started, at its limit.  A good script is the
# control: it must pass.
. "$(dirname "$0")/../lib.sh"

RUN=$TOP/tests/run-integration.sh
F=$SCRATCH/fake
mkdir -p "$F"

fake() {
	printf '#!/bin/sh\n%s\n' "$2" >"$F/$1.sh"
}
fake good 'echo "ok - one"; echo "ok - two"; echo "2 passed, 0 failed"'
fake exit3 'echo "ok - one"; echo "1 passed, 0 failed"; exit 3'
fake nochecks 'echo "0 passed, 0 failed"'
fake twosums 'echo "not ok - one"; echo "0 passed, 1 failed"
echo "ok - two"; echo "1 passed, 0 failed"'
fake notlast 'echo "ok - one"; echo "1 passed, 0 failed"; echo "more"'
fake miscount 'echo "ok - one"; echo "3 passed, 0 failed"'
fake nosummary 'echo "ok - one"'
# The hang: a child that would outlive its script, its PID kept to see
# that the runner's kill reached it.
printf '#!/bin/sh\n# limit: 2\nsleep 300 &\necho $! >"%s"\nwait\n' \
    "$SCRATCH/hang.pid" >"$F/hang.sh"

# runs NAME...: the runner's exit status over the fakes named, and its
# verdict lines in $SCRATCH/run.out.
runs() {
	_a=""
	for _n in "$@"; do
		_a="$_a $F/$_n.sh"
	done
	# The fakes are plain sh, as fast in any build: the limits they are
	# held to must not scale with the build the suite runs under.
	# shellcheck disable=SC2086
	KC_LIMIT_SCALE=1 "$RUN" $_a >"$SCRATCH/run.out" 2>&1
}
# verdict NAME: the runner's verdict on the fake NAME.
verdict() {
	sed -n "s/^$1\\.sh: //p" "$SCRATCH/run.out"
}

runs good
check "a good script passes (exit 0)" test $? -eq 0
check "  and is counted" test "$(tail -n 1 "$SCRATCH/run.out")" = \
    "integration: 2 passed, 0 failed"
for c in "exit3:exited 3" "nochecks:ran no checks" \
    "twosums:printed 2 summary lines" \
    "notlast:its summary line is not its last line" \
    "miscount:says 3 passed, but printed 1 \"ok\" lines" \
    "nosummary:ended without a summary line (exit 0)"; do
	n=${c%%:*}
	runs good "$n"
	rc=$?
	check "$n: the run fails" test "$rc" -eq 1
	check "$n: $(verdict "$n")" test "$(verdict "$n")" = "FAILED: ${c#*:}"
	check "$n: the good script beside it still passes" \
	    sh -c "grep -q '^good.sh: passed in ' '$SCRATCH/run.out'"
done

start=$(date +%s)
runs hang
rc=$?
took=$(( $(date +%s) - start ))
check "hang: the run fails" test "$rc" -eq 1
check "hang: $(verdict hang)" test "$(verdict hang)" = \
    "FAILED: killed after its limit of 2 s"
check "hang: killed within seconds of its limit (took $took s)" \
    test "$took" -lt 15
# Gone, or a zombie that nobody reaps: either way no longer running.
pid=$(cat "$SCRATCH/hang.pid")
st=$(ps -o stat= -p "$pid" 2>/dev/null)
check "hang: its child (PID $pid) was killed too (state '${st:-gone}')" \
    sh -c "[ -n '$pid' ] && case '$st' in ''|Z*) true;; *) false;; esac"
KC_LIMIT_SCALE=2 "$RUN" "$F/hang.sh" >"$SCRATCH/run.out" 2>&1
check "hang: KC_LIMIT_SCALE scales the limit" test "$(verdict hang)" = \
    "FAILED: killed after its limit of 4 s"
finish
