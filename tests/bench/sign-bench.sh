#!/bin/bash
# sign-bench.sh (P1): signing one subordinate CA certificate with
# ca-sign-sub, which also lints before and after, verifies the CA's log
# and writes the record, against `openssl x509 -req` through the libp11
# pkcs11 engine with the same key on the same SoftHSM2 token.  Each side
# signs BENCH_SIGN_N certificates, one process each, from the same
# request.  The two sides take turns, one certificate each, so that a
# machine that slows down or speeds up during the run weighs on both
# alike; the table shows the median time per certificate of each side
# (and the quartiles) and the ratio of the medians.  Not part of
# `make check`; run it with `make bench`.
#
# Target: ca-sign-sub no slower than openssl (ratio at most 1.0).
#
# Environment:
#   BENCH_SIGN_N=20   certificates on each side
#   BENCH_KEEP=1      keep the scratch folder (it is printed)
#
# Exit status: 0 when every certificate verifies and the target is met,
# 1 when it is missed, 2 when something is broken.
set -Eeuo pipefail
# A step that fails is a broken benchmark (2), never a missed target (1).
trap 'echo "sign-bench: the command at line $LINENO failed" >&2; exit 2' ERR

TOP=$(cd "$(dirname "$0")/../.." && pwd)
N=${BENCH_SIGN_N:-20}
. "$TOP/tests/bench/lib.sh"
bench_start sign-bench
bench_root bench "$S/root"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes \
    -keyout /dev/null -subj "/CN=Bench Sub" -out "$S/sub.csr" 2>/dev/null
LABEL=$(jq -r '.ca_key' "$S/root/ca.json" | sed 's/.*object=\([^;]*\).*/\1/')

# openssl's side: the same extensions a subordinate gets here.
cat >"$S/ext.cnf" <<EOF_EXT
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF_EXT
cat >"$S/openssl.cnf" <<EOF_CNF
openssl_conf = init
[init]
engines = engines
[engines]
pkcs11 = pkcs11
[pkcs11]
dynamic_path = $ENGINE
MODULE_PATH = $MODULE
EOF_CNF

# bash's own clock: a `date` per command would add a process to each
# side's time.
now() { echo "${EPOCHREALTIME/./}"; }

for i in $(seq 1 "$N"); do
	t0=$(now)
	"$BIN/ca-sign-sub" -d "$S/root" --csr "$S/sub.csr" \
	    --profile "$TOP/profiles/it-issuing.json" --out "$S/ours-$i.pem" \
	    --pin-source "file:$S/pin" >/dev/null
	t1=$(now)
	OPENSSL_CONF=$S/openssl.cnf openssl x509 -req -in "$S/sub.csr" \
	    -engine pkcs11 -CAkeyform engine \
	    -CAkey "pkcs11:token=bench;object=$LABEL;type=private;pin-value=123456" \
	    -CA "$S/root/ca.pem" -days 3650 -extfile "$S/ext.cnf" \
	    -set_serial "$((1000 + i))" -sha384 -out "$S/openssl-$i.pem" \
	    2>/dev/null
	t2=$(now)
	echo "$((t1 - t0)) $((t2 - t1))" >>"$S/times"
done

bad=0
for f in "$S"/ours-*.pem "$S"/openssl-*.pem; do
	openssl verify -CAfile "$S/root/ca.pem" -partial_chain "$f" \
	    >/dev/null 2>&1 || bad=$((bad + 1))
done
if [ "$bad" -ne 0 ] || [ "$(ls "$S"/openssl-*.pem | wc -l)" -ne "$N" ]; then
	echo "sign-bench: $bad certificates do not verify, or openssl signed" \
	    "fewer than $N" >&2
	exit 2
fi
# awk, not bc: it is on every Debian system.  Times are microseconds.
awk '
# Sorts a[1..k] in place (the quartiles below read it sorted).
function median(a, k,    i, j, t) {
	for (i = 2; i <= k; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
{ ours[NR] = $1; theirs[NR] = $2 }
END {
	mo = median(ours, NR) / 1000; mt = median(theirs, NR) / 1000
	ratio = mo / mt
	printf "%-34s %12s %16s\n", "P1: one subordinate CA", "ms (median)",
	    "quartiles"
	printf "%-34s %12.1f %7.1f .. %6.1f\n",
	    "ca-sign-sub (lints, log, record)", mo,
	    ours[int(NR / 4) + 1] / 1000, ours[int(3 * NR / 4) + 1] / 1000
	printf "%-34s %12.1f %7.1f .. %6.1f\n",
	    "openssl x509 -req -engine pkcs11", mt,
	    theirs[int(NR / 4) + 1] / 1000, theirs[int(3 * NR / 4) + 1] / 1000
	printf "%-34s %12.2f  (target: at most 1.00)\n", "ratio of medians",
	    ratio
	exit ratio <= 1.0 ? 0 : 1
}' "$S/times" || exit 1
