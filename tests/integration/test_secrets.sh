#!/bin/sh
# The PIN never appears in argv, the environment, any record, stdout or
# stderr; a command waiting for it runs with core dumps off and its secret
# arena locked in memory; killed there (SIGABRT), it leaves no core file.
. "$(dirname "$0")/../lib.sh"

PIN=86420135
new_token root "$PIN"
new_token sub "$PIN"
PINFILE=$SCRATCH/pin-root
PS="--pin-source file:$PINFILE"
R=$SCRATCH/root
mkdir "$SCRATCH/out"

# run NAME COMMAND...: a command whose output is kept in out/NAME.
run() {
	_n=$1
	shift
	"$@" >"$SCRATCH/out/$_n.stdout" 2>"$SCRATCH/out/$_n.stderr"
}
check "root" run init "$BIN/ca-init" --ceremony "$PLAN" -d "$R" \
    --token pkcs11:token=root $PS --subject "CN=Secret Root"
check "attest" run attest "$BIN/ca-ceremony" attest -d "$R" \
    --by "Bob Witness" --statement "read aloud" $PS
check "seal" run seal "$BIN/ca-ceremony" seal -d "$R" $PS
check "sub" run sub "$BIN/ca-init" --ceremony "$PLAN" --sub \
    -d "$SCRATCH/sub" --token pkcs11:token=sub $PS --subject "CN=Sub"
check "sign" run sign "$BIN/ca-sign-sub" -d "$R" --csr "$SCRATCH/sub/ca.csr" \
    --profile "$TOP/profiles/it-issuing.json" --out "$SCRATCH/sub.pem" $PS
check "install" run install "$BIN/ca-init" --install "$SCRATCH/sub.pem" \
    --chain "$R/ca.pem" -d "$SCRATCH/sub" $PS
mkdir "$SCRATCH/devs"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout /dev/null -subj "/CN=dev-1" -addext \
    "subjectAltName=DNS:dev-1.plant.example" -out "$SCRATCH/devs/dev-1.csr" \
    2>/dev/null
check "issue" run issue "$BIN/ca-issue" -d "$SCRATCH/sub" \
    --profile "$TOP/profiles/device-mtls.json" --csrs "$SCRATCH/devs" \
    --out "$SCRATCH/devices" $PS
check "revoke" run revoke "$BIN/ca-crl" revoke -d "$R" \
    --cert "$SCRATCH/sub.pem" --reason superseded $PS
check "crl" run crl "$BIN/ca-crl" issue -d "$R" --out "$SCRATCH/export" $PS
check "a wrong PIN is reported" sh -c "printf '11112222\n' >'$SCRATCH/bad' &&
    chmod 600 '$SCRATCH/bad' && ! '$BIN/ca-crl' issue -d '$R' \
    --pin-source 'file:$SCRATCH/bad' >'$SCRATCH/out/bad.stdout' \
    2>'$SCRATCH/out/bad.stderr'"
# Every file the commands wrote or printed; the tokens and the PIN files
# are the only places the PIN may be.
hits=$(grep -rl -e "$PIN" -e "$(printf %s "$PIN" | base64)" "$SCRATCH" |
    grep -v -e "^$SCRATCH/tokens/" -e "^$SCRATCH/pin-" | tr '\n' ' ')
check "the PIN is in no record, artifact, stdout or stderr" test -z "$hits"
[ -z "$hits" ] || echo "#   found in: $hits"
check "and the PIN files were found by the same search (it can fail)" \
    test "$(grep -rl "$PIN" "$SCRATCH" | grep -c "^$SCRATCH/pin-")" -eq 2

# A command waiting for its PIN: the PIN comes through a FIFO, later.
mkfifo "$SCRATCH/fifo"
mkdir "$SCRATCH/cwd"
(cd "$SCRATCH/cwd" && ulimit -c unlimited &&
    exec "$BIN/ca-crl" issue -d "$R" --pin-source fd:3 3<>"$SCRATCH/fifo") \
    >"$SCRATCH/waiting.out" 2>&1 &
w=$!
# The PIN is read after the limits are set and the arena locked: once it
# blocks on its FIFO, all of that is in place.
check "waiting: ca-crl blocks reading its PIN" wait_reading "$w" 3
tr '\0' '\n' <"/proc/$w/cmdline" >"$SCRATCH/w.cmdline"
tr '\0' '\n' <"/proc/$w/environ" >"$SCRATCH/w.environ"
check "waiting: its argv was read" grep -qx "issue" "$SCRATCH/w.cmdline"
check "waiting: argv holds no PIN" lacks -F "$PIN" "$SCRATCH/w.cmdline"
check "waiting: its environment was read" grep -q "^SOFTHSM2_CONF=" \
    "$SCRATCH/w.environ"
check "waiting: the environment holds no PIN" lacks -F "$PIN" \
    "$SCRATCH/w.environ"
check "waiting: core dumps are off (RLIMIT_CORE 0, though the shell allowed them)" \
    test "$(awk '/^Max core file size/ {print $5 " " $6}' "/proc/$w/limits")" = "0 0"
check "waiting: the secret arena is locked in memory" test \
    "$(awk '/^VmLck:/ {print $2}' "/proc/$w/status")" -ge 64
kill -ABRT "$w"
wait "$w"
check "killed with SIGABRT" test $? -eq $((128 + 6))
check "  it left no core file" test -z "$(ls "$SCRATCH/cwd")"
# The same kill, of a process that has not turned dumps off, leaves one
# where the kernel writes core files to the process's folder: the check
# above can fail.
case $(cat /proc/sys/kernel/core_pattern) in
core*)
	(cd "$SCRATCH/cwd" && ulimit -c unlimited && exec sleep 30) &
	c=$!
	# Killed only once it is sleep (whose limit is unlimited), not the
	# subshell still setting it.
	_sl=$(readlink -f "$(command -v sleep)")
	i=0
	while [ "$(readlink "/proc/$c/exe")" != "$_sl" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -ABRT "$c"
	wait "$c"
	check "  (a process that allows dumps leaves a core file there)" \
	    test -n "$(ls "$SCRATCH/cwd")" ;;
*)
	echo "# core_pattern is $(cat /proc/sys/kernel/core_pattern): the control is not run" ;;
esac

finish
