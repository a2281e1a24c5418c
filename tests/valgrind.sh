#!/bin/sh
# make valgrind: integration tests with every command of the toolkit run
# under valgrind's memcheck.  Each command's process writes a log; the
# run fails when any shows a memory error or a definite leak (libp11's
# own leaks on failed token calls are suppressed: tests/valgrind.supp),
# or when a test fails (a memcheck error also makes the command exit 99).
#   tests/valgrind.sh [TEST...]    e.g. test_crl test_subca
# Slow (memcheck runs the code some 20 to 50 times slower): not part of
# make check.  Logs are kept in tests/valgrind-out/.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/tests/valgrind-out
TESTS=${*:-test_ceremony test_crl test_subca test_audit test_clock}
rm -rf "$OUT"
mkdir -p "$OUT/bin" "$OUT/logs"
for b in "$TOP"/bin/*; do
	n=${b##*/}
	cat >"$OUT/bin/$n" <<WRAP
#!/bin/sh
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --suppressions="$TOP/tests/valgrind.supp" \
    --log-file="$OUT/logs/$n.%p.log" "$b" "\$@"
WRAP
	chmod +x "$OUT/bin/$n"
done

# The check itself must be able to fail: a program that leaks and reads
# out of bounds, under the same options, has to be caught.
cat >"$OUT/canary.c" <<'C'
#include <stdlib.h>
int main(void) { char *p = malloc(8); volatile char c = p[8]; p = NULL; return c & 0; }
C
cc -O0 -g -o "$OUT/canary" "$OUT/canary.c"
sed -e "s|\"$TOP/bin/ca-log\"|\"$OUT/canary\"|" -e "s|/ca-log\.%p|/canary.%p|" \
    "$OUT/bin/ca-log" >"$OUT/canary.sh"
sh "$OUT/canary.sh"
canary=$?

# A log line "==PID==" is an error or a leak; "--PID--" lines are
# valgrind's own notes (it does not know mlock2, which OpenSSL's secure
# heap tries before mlock).
bad_logs() {
	grep -l '^==[0-9]*==' "$OUT"/logs/"$1"*.log 2>/dev/null
}

failed=0
for t in $TESTS; do
	KC_BIN=$OUT/bin sh "$TOP/tests/integration/$t.sh" >"$OUT/$t.out" 2>&1
	rc=$?
	echo "# $t: $(tail -1 "$OUT/$t.out")"
	[ "$rc" -eq 0 ] || failed=$((failed + 1))
done
runs=$(find "$OUT/logs" -name 'ca-*.log' | wc -l)
bad=$(bad_logs ca- | wc -l)
for f in $(bad_logs ca- | head -5); do
	echo "# $f:"
	sed -n '1,40p' "$f" | sed 's/^/#   /'
done
echo "# $runs commands ran under memcheck; $bad with errors or definite leaks"
pass=0
fail=0
result() {
	if [ "$1" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok - $2"
	else
		fail=$((fail + 1))
		echo "not ok - $2"
	fi
}
[ "$canary" -eq 99 ] && [ "$(bad_logs canary | wc -l)" -eq 1 ]
result $? "a leaking, overreading canary is caught"
result "$failed" "the tests pass with every command under memcheck"
[ "$bad" -eq 0 ] && [ "$runs" -gt 0 ]
result $? "no memory errors and no definite leaks"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
