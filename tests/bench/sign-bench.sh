#!/bin/bash
# sign-bench.sh (P1): signing one subordinate CA certificate with
# ca-sign-sub, which also lints before and after, verifies the CA's log
# and writes the record, against `openssl x509 -req` through the libp11
# pkcs11 engine with the same key on the same SoftHSM2 token.  Each side
# signs BENCH_N certificates, one process each, from the same request;
# the table shows the time per certificate and the ratio.  Not part of
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
set -euo pipefail

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

now() { date +%s.%N; }

t0=$(now)
for i in $(seq 1 "$N"); do
	"$BIN/ca-sign-sub" -d "$S/root" --csr "$S/sub.csr" \
	    --profile "$TOP/profiles/it-issuing.json" --out "$S/ours-$i.pem" \
	    --pin-source "file:$S/pin" >/dev/null
done
t1=$(now)
for i in $(seq 1 "$N"); do
	OPENSSL_CONF=$S/openssl.cnf openssl x509 -req -in "$S/sub.csr" \
	    -engine pkcs11 -CAkeyform engine \
	    -CAkey "pkcs11:token=bench;object=$LABEL;type=private;pin-value=123456" \
	    -CA "$S/root/ca.pem" -days 3650 -extfile "$S/ext.cnf" \
	    -set_serial "$((1000 + i))" -sha384 -out "$S/openssl-$i.pem" \
	    2>/dev/null
done
t2=$(now)

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
# awk, not bc: it is on every Debian system.
awk -v n="$N" -v t0="$t0" -v t1="$t1" -v t2="$t2" 'BEGIN {
	ours = (t1 - t0) / n * 1000
	theirs = (t2 - t1) / n * 1000
	ratio = ours / theirs
	printf "%-34s %12s\n", "P1: one subordinate CA", "ms each"
	printf "%-34s %12.1f\n", "ca-sign-sub (lints, log, record)", ours
	printf "%-34s %12.1f\n", "openssl x509 -req -engine pkcs11", theirs
	printf "%-34s %12.2f  (target: at most 1.00)\n", "ratio", ratio
	exit ratio <= 1.0 ? 0 : 1
}'
