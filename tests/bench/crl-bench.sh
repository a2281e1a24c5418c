#!/bin/bash
# crl-bench.sh: time and peak memory of building one CRL over many revoked
# certificates, ours (lib/crl.c, signed on a SoftHSM2 token) against
# `openssl ca -gencrl` over the same entries, with the targets of the
# streaming builder: at least 6 times faster, at most a quarter of the
# memory.  Not part of `make check`; run it with `make bench`.
#
# Environment:
#   BENCH_N=1000000   how many revoked certificates
#   BENCH_ALG=p384    p384 or p256, for both CAs
#   BENCH_RUNS=1      runs of each; the table keeps the fastest time and
#                     the largest peak memory
#   BENCH_KEEP=1      keep the scratch folder (it is printed)
#   TMPDIR            where the scratch folder goes (needs about 300 MB
#                     at a million entries)
#
# Exit status: 0 when both CRLs check and both targets are met, 1 when a
# target is missed, 2 when something is broken.
set -Eeuo pipefail
# A step that fails is a broken benchmark (2), never a missed target (1).
trap 'echo "crl-bench: the command at line $LINENO failed" >&2; exit 2' ERR

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$TOP/bin
CRLBENCH=$TOP/tests/bin/crlbench
PY=/usr/bin/python3
GNUTIME=/usr/bin/time
N=${BENCH_N:-1000000}
ALG=${BENCH_ALG:-p384}
RUNS=${BENCH_RUNS:-1}
SPEED_TARGET=6		# ours at least this many times faster
MEM_TARGET=0.25		# ours at most this fraction of openssl's peak RSS

die() { echo "crl-bench: $*" >&2; exit 2; }

case $N in ''|*[!0-9]*) die "BENCH_N \"$N\" is not a number" ;; esac
[ "$N" -ge 1 ] || die "BENCH_N must be at least 1"
case $RUNS in ''|*[!0-9]*|0) die "BENCH_RUNS \"$RUNS\" is not a count" ;; esac
case $ALG in
p384) CURVE=P-384 MD=sha384 ;;
p256) CURVE=P-256 MD=sha256 ;;
*) die "BENCH_ALG \"$ALG\" is not p384 or p256" ;;
esac
# The index generator spaces revocations 29 seconds apart from 2020 on;
# openssl's index holds UTCTime, so they must stay before 2050.
[ "$N" -le 30000000 ] || die "BENCH_N is at most 30000000"
[ -x "$GNUTIME" ] ||
	die "$GNUTIME is missing: apt-get install time (GNU time)"
for t in "$BIN/ca-init" "$CRLBENCH"; do
	[ -x "$t" ] || die "\"$t\" is missing: run make bench"
done
command -v softhsm2-util >/dev/null || die "softhsm2-util is missing"

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/kc-bench.XXXXXX")
if [ -n "${BENCH_KEEP:-}" ]; then
	echo "crl-bench: scratch folder $SCRATCH (kept)"
else
	trap 'rm -rf "$SCRATCH"' EXIT
	trap 'exit 2' INT TERM
fi
umask 077
S=$SCRATCH
mkdir -p "$S/tokens" "$S/ossl"
cat >"$S/softhsm2.conf" <<CONF
directories.tokendir = $S/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
export SOFTHSM2_CONF="$S/softhsm2.conf"

step() { printf '==> %s\n' "$*"; }

# secs: seconds since the epoch with fractions, for the set-up steps.
secs() { date +%s.%N; }

# --- the two CAs ------------------------------------------------------------

step "Root CA on a scratch SoftHSM2 token ($ALG), and an openssl CA with a" \
    "software key of the same algorithm"
softhsm2-util --init-token --free --label bench-root --so-pin 87654321 \
    --pin 123456 >/dev/null
printf '123456\n' >"$S/pin"
chmod 600 "$S/pin"
printf 'Benchmark\n' >"$S/script.txt"
"$BIN/ca-ceremony" plan --out "$S/plan.json" --id BENCH-1 \
    --purpose benchmark --script "$S/script.txt" --approval BENCH \
    --location bench --person 'witness:Bench Witness' \
    --person 'custodian:Bench Operator' >/dev/null ||
	die "cannot write the ceremony plan"
"$BIN/ca-init" -d "$S/root" --token 'pkcs11:token=bench-root' \
    --ceremony "$S/plan.json" \
    --algorithm "$ALG" --pin-source "file:$S/pin" \
    --subject 'CN=Bench Root CA,O=Example,C=DE' \
    --operator 'Bench Operator' >"$S/ca-init.out" 2>&1 ||
	{ cat "$S/ca-init.out" >&2; die "ca-init failed"; }

O=$S/ossl
cat >"$O/req.cnf" <<CNF
[ req ]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[ dn ]
C = DE
O = Example
CN = Bench OpenSSL CA
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
CNF
openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$CURVE" \
    -out "$O/ca.key" 2>/dev/null || die "openssl genpkey failed"
openssl req -x509 -new -config "$O/req.cnf" -key "$O/ca.key" "-$MD" \
    -days 3650 -out "$O/ca.pem" 2>/dev/null || die "openssl req failed"
# unique_subject = no spares openssl an index over the subjects; the
# entries have distinct subjects anyway.
cat >"$O/ca.cnf" <<CNF
[ ca ]
default_ca = bench
[ bench ]
dir = $O
database = \$dir/index.txt
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
crlnumber = \$dir/crlnumber
new_certs_dir = \$dir
default_md = $MD
default_crl_days = 30
unique_subject = no
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
CNF
printf 'unique_subject = no\n' >"$O/index.txt.attr"

# --- the entries ------------------------------------------------------------

# Both indexes hold the same N certificates: 16-octet serials from
# 0x0100..00 up, so that numeric and text order agree; revoked 29 seconds
# apart from 2020-01-01; reasons keyCompromise to cessationOfOperation in
# turn, every third compromise with an invalidity date three days earlier.
# Reasons openssl ca cannot write the way we do are left out: it encodes
# unspecified as a reasonCode of 0, which RFC 5280 5.3.1 says to omit, and
# knows no privilegeWithdrawn.  The CRLs' entries must then be the same
# octets, and are compared below.
step "Generating $N revoked entries in both index formats"
t0=$(secs)
"$PY" - "$N" "$S/index" "$O/index.txt" <<'PY'
import sys, time

n, ours_path, ossl_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
base = 1 << 120
t0 = 1577836800             # 2020-01-01T00:00:00Z
step = 29
names = {1: "keyCompromise", 2: "CACompromise", 3: "affiliationChanged",
         4: "superseded", 5: "cessationOfOperation"}
kt = {1: "keyTime", 2: "CAkeyTime"}
days = {}

def gen(t):
    """YYYYMMDDHHMMSSZ for t, the date looked up once per day."""
    d, s = divmod(t, 86400)
    ds = days.get(d)
    if ds is None:
        ds = days[d] = time.strftime("%Y%m%d", time.gmtime(d * 86400))
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return "%s%02d%02d%02dZ" % (ds, h, m, s)

with open(ours_path, "w") as ours, open(ossl_path, "w") as ossl:
    a, b = [], []
    for i in range(n):
        serial = "%032x" % (base + i)
        t = t0 + i * step
        rev = gen(t)
        reason = 1 + i % 5
        if reason in kt and i % 3 == 0:
            inv = gen(t - 3 * 86400)
            a.append("%s %s %d %s\n" % (serial, rev, reason, inv))
            r = "%s,%s,%s" % (rev[2:], kt[reason], inv)
        else:
            a.append("%s %s %d\n" % (serial, rev, reason))
            r = "%s,%s" % (rev[2:], names[reason])
        b.append("R\t491231235959Z\t%s\t%s\tunknown\t/CN=bench %d\n"
                 % (r, serial.upper(), i))
        if len(a) == 65536:
            ours.write("".join(a))
            ossl.write("".join(b))
            a, b = [], []
    ours.write("".join(a))
    ossl.write("".join(b))
PY
t1=$(secs)
printf '    %s lines each in %.1f s: %s (%s bytes), %s (%s bytes)\n' "$N" \
    "$(awk "BEGIN { print $t1 - $t0 }")" "index" "$(stat -c %s "$S/index")" \
    "index.txt" "$(stat -c %s "$O/index.txt")"

# --- the runs ---------------------------------------------------------------

# measure NAME COMMAND...: run COMMAND under GNU time into $S/NAME.time,
# its output into $S/NAME.out.
measure() {
	_name=$1
	shift
	if ! "$GNUTIME" -v -o "$S/$_name.time" "$@" >"$S/$_name.out" \
	    2>"$S/$_name.err"; then
		sed 's/^/    /' "$S/$_name.err" "$S/$_name.time" >&2
		die "$_name failed: $*"
	fi
}

# field FILE LABEL: a value of GNU time -v's report.
field() {
	sed -n "s/^[[:space:]]*$2[^:]*([^)]*): //p; s/^[[:space:]]*$2: //p" \
	    "$1" | head -n 1
}

# elapsed FILE: the wall clock time in seconds ([h:]m:ss.ss in the report).
elapsed() {
	field "$1" 'Elapsed (wall clock) time' |
	    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i;
	    printf "%.2f\n", s }'
}

best_ours=""; best_ossl=""; rss_ours=0; rss_ossl=0; cpu_ours=""; cpu_ossl=""
run=1
while [ "$run" -le "$RUNS" ]; do
	step "Run $run of $RUNS: crlbench (ours) and openssl ca -gencrl"
	rm -f "$S/ours.der" "$S/ours.pem" "$O/crl.pem"
	measure ours "$CRLBENCH" "$S/root" "$S/pin" "$S/index" \
	    "$S/ours.der" "$S/ours.pem"
	printf '01\n' >"$O/crlnumber"
	measure ossl openssl ca -config "$O/ca.cnf" -gencrl -out "$O/crl.pem"
	for w in ours ossl; do
		e=$(elapsed "$S/$w.time")
		k=$(field "$S/$w.time" 'Maximum resident set size')
		u=$(field "$S/$w.time" 'User time')
		y=$(field "$S/$w.time" 'System time')
		c=$(awk "BEGIN { printf \"%.2f\", $u + $y }")
		printf '    %-5s %8.2f s elapsed, %8.2f s CPU, %9d KiB peak RSS\n' \
		    "$w" "$e" "$c" "$k"
		eval "b=\$best_$w; m=\$rss_$w"
		if [ -z "$b" ] || awk "BEGIN { exit !($e < $b) }"; then
			eval "best_$w=$e; cpu_$w=$c"
		fi
		[ "$k" -gt "$m" ] && eval "rss_$w=$k"
	done
	run=$((run + 1))
done
sed 's/^/    crlbench: /' "$S/ours.out"

# --- the CRLs are what they should be ---------------------------------------

step "Checking both CRLs with openssl crl and a DER walk of their entries"
fails=0
bad() { echo "    FAIL: $*"; fails=$((fails + 1)); }
# openssl parses each CRL and checks its signature with its CA's
# certificate; ours must be the same CRL in PEM as in DER.
if openssl crl -in "$S/ours.pem" -CAfile "$S/root/ca.pem" -outform DER \
    -out "$S/ours.pem.der" 2>"$S/crl-ours.err" &&
    grep -qx 'verify OK' "$S/crl-ours.err"; then
	cmp -s "$S/ours.pem.der" "$S/ours.der" ||
		bad "ours.pem is not ours.der"
else
	bad "openssl crl rejects ours: $(head -n 3 "$S/crl-ours.err")"
fi
if openssl crl -in "$O/crl.pem" -CAfile "$O/ca.pem" -outform DER \
    -out "$S/ossl.der" 2>"$S/crl-ossl.err" &&
    grep -qx 'verify OK' "$S/crl-ossl.err"; then
	:
else
	bad "openssl crl rejects openssl's: $(head -n 3 "$S/crl-ossl.err")"
fi
# The entries counted and hashed from the DER, independently of both
# builders: CertificateList, TBSCertList, then version, signature,
# issuer, thisUpdate, nextUpdate and revokedCertificates.
entries() {
	"$PY" - "$1" <<'PY'
import hashlib, sys

d = memoryview(open(sys.argv[1], "rb").read())

def tlv(p):
    """tag, start of value, end of value of the TLV at p"""
    tag, n = d[p], d[p + 1]
    p += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(d[p:p + k], "big")
        p += k
    return tag, p, p + n

_, p, _ = tlv(0)                 # CertificateList
_, p, tbs_end = tlv(p)           # TBSCertList
for want in (0x02, 0x30, 0x30):  # version, signature, issuer
    tag, _, p = tlv(p)
    assert tag == want, hex(tag)
for _ in range(2):               # thisUpdate, nextUpdate
    tag, _, p = tlv(p)
    assert tag in (0x17, 0x18), hex(tag)
tag, v, end = tlv(p)
count = 0
if tag == 0x30:
    h = hashlib.sha256(d[p:end]).hexdigest()
    while v < end:
        tag, _, v = tlv(v)
        assert tag == 0x30
        count += 1
    assert v == end
else:
    h = "none"
print(count, h)
PY
}
if [ -s "$S/ours.pem.der" ] && [ -s "$S/ossl.der" ]; then
	read -r n_ours h_ours <<<"$(entries "$S/ours.der")" || true
	read -r n_ossl h_ossl <<<"$(entries "$S/ossl.der")" || true
	printf '    ours:    %s entries, revokedCertificates sha256 %s\n' \
	    "${n_ours:-?}" "${h_ours:-?}"
	printf '    openssl: %s entries, revokedCertificates sha256 %s\n' \
	    "${n_ossl:-?}" "${h_ossl:-?}"
	[ "${n_ours:-}" = "$N" ] || bad "ours holds ${n_ours:-?} entries, not $N"
	[ "${n_ossl:-}" = "$N" ] ||
		bad "openssl's holds ${n_ossl:-?} entries, not $N"
	rep=$(sed -n 's/^entries: //p' "$S/ours.out")
	[ "$rep" = "$N" ] || bad "crlbench reported $rep entries, not $N"
	[ -n "${h_ours:-}" ] && [ "${h_ours:-}" = "${h_ossl:-}" ] ||
		bad "the two CRLs' entries are not the same octets"
fi

# --- the table --------------------------------------------------------------

der_ours=$(stat -c %s "$S/ours.der")
der_ossl=$(stat -c %s "$S/ossl.der" 2>/dev/null || echo 0)
# calc EXPR: the value of the awk expression EXPR.
calc() { awk "BEGIN { print $1 }"; }
# GNU time counts in hundredths; a run it saw as 0.00 s took at most that.
[ "$best_ours" = 0.00 ] && best_ours=0.01
[ "$best_ossl" = 0.00 ] && best_ossl=0.01
speedup=$(calc "sprintf(\"%.2f\", $best_ossl / $best_ours)")
memfrac=$(calc "sprintf(\"%.4f\", $rss_ours / $rss_ossl)")
speed_ok=$(calc "($best_ossl >= $SPEED_TARGET * $best_ours)")
mem_ok=$(calc "($rss_ours <= $MEM_TARGET * $rss_ossl)")
mib() { calc "sprintf(\"%.1f\", $1 / 1024)"; }

echo
printf 'CRL over %s revoked certificates, %s, best of %s run(s)\n' "$N" \
    "$ALG" "$RUNS"
printf '%-22s %16s %20s %18s\n' "" "ours (crlbench)" "openssl ca -gencrl" \
    "ours vs openssl"
printf '%-22s %16s %20s %17sx faster\n' "elapsed (s)" "$best_ours" \
    "$best_ossl" "$speedup"
printf '%-22s %16s %20s\n' "CPU user+sys (s)" "$cpu_ours" "$cpu_ossl"
printf '%-22s %16s %20s %9s of memory\n' "peak RSS (MiB)" "$(mib "$rss_ours")" \
    "$(mib "$rss_ossl")" "$memfrac"
printf '%-22s %16s %20s\n' "CRL DER (bytes)" "$der_ours" "$der_ossl"
echo
printf 'Ours opens the CA directory (verifying its log), logs in to the\n'
printf 'SoftHSM2 token and signs there through PKCS#11, writes DER and PEM and\n'
printf 'reads the CRL back (ca_crl_check); openssl ca signs with a software key\n'
printf 'from a file, writes PEM only and checks nothing.  Split of ours:\n'
printf '  open+login %s s, write %s s, check %s s\n' \
    "$(sed -n 's/^seconds_open_login: //p' "$S/ours.out")" \
    "$(sed -n 's/^seconds_write: //p' "$S/ours.out")" \
    "$(sed -n 's/^seconds_check: //p' "$S/ours.out")"
echo
status=0
if [ "$speed_ok" -eq 1 ]; then r=PASS; else r=FAIL; status=1; fi
printf '%s  speed:  %sx faster (target: at least %sx)\n' "$r" "$speedup" \
    "$SPEED_TARGET"
if [ "$mem_ok" -eq 1 ]; then r=PASS; else r=FAIL; status=1; fi
printf '%s  memory: %s of openssl'"'"'s peak RSS (target: at most %s)\n' "$r" \
    "$memfrac" "$MEM_TARGET"
if [ "$fails" -eq 0 ]; then
	printf 'PASS  both CRLs verify and hold the same %s entries\n' "$N"
else
	printf 'FAIL  %d check(s) of the CRLs failed (above)\n' "$fails"
	status=2
fi
exit "$status"
