#!/bin/bash
# audit-bench.sh: how fast ca-audit verifies, and that its memory does
# not grow with the log.  tests/bin/auditgen builds two synthetic root CA
# directories (P-384, software keys, real signatures) whose logs record
# the issue of BENCH_N_SMALL and BENCH_N certificates; ca-audit checks
# each under GNU time.  Its ECDSA P-384 verifications per second are set
# beside `openssl speed ecdsap384` on one core.  Not part of `make check`;
# run it with `make bench`.
#
# Targets: ca-audit verifies at least 70% as many signatures per second
# as openssl speed, and its peak RSS at BENCH_N is below 1.5 times that
# at BENCH_N_SMALL.
#
# Environment:
#   BENCH_N=100000       certificates in the large log
#   BENCH_N_SMALL=N/10   certificates in the small log (at least 1; below
#                        about 3000 the audit's fixed 4 MiB filter of
#                        serials is not yet all touched, and its RSS
#                        still grows)
#   BENCH_SPEED_SECS=5   seconds for openssl speed
#   BENCH_KEEP=1         keep the scratch folder (it is printed)
#   TMPDIR               where the scratch folder goes (about 1.2 GB at
#                        100,000 certificates: three files of 1 to 3 KB
#                        each, a 4 KiB block apiece; the small directory
#                        goes before the large one is made)
#
# The logs are read from the page cache, just after they were written.
# Exit status: 0 when both audits pass over every record and both
# targets are met, 1 when a target is missed, 2 when something is broken
# (including an audit that reports findings on these directories).
set -Eeuo pipefail
# A step that fails is a broken benchmark (2), never a missed target (1).
trap 'echo "audit-bench: the command at line $LINENO failed" >&2; exit 2' ERR

TOP=$(cd "$(dirname "$0")/../.." && pwd)
AUDIT=$TOP/bin/ca-audit
AUDITGEN=$TOP/tests/bin/auditgen
PROFILE=$TOP/profiles/it-issuing.json
PY=/usr/bin/python3
GNUTIME=/usr/bin/time
N=${BENCH_N:-100000}
SMALL=${BENCH_N_SMALL:-$((N / 10))}
SPEED_SECS=${BENCH_SPEED_SECS:-5}
RATE_TARGET=0.70	# ours / openssl verifications per second, at least
MEM_TARGET=1.5		# peak RSS at N / at N_SMALL, below

die() { echo "audit-bench: $*" >&2; exit 2; }

case $N in ''|*[!0-9]*) die "BENCH_N \"$N\" is not a number" ;; esac
case $SMALL in ''|*[!0-9]*) die "BENCH_N_SMALL \"$SMALL\" is not a number" ;;
esac
case $SPEED_SECS in ''|*[!0-9]*|0)
	die "BENCH_SPEED_SECS \"$SPEED_SECS\" is not a count" ;;
esac
[ "$SMALL" -ge 1 ] || SMALL=1
[ "$N" -gt "$SMALL" ] || die "BENCH_N ($N) must exceed BENCH_N_SMALL ($SMALL)"
[ "$N" -le 999998 ] || die "BENCH_N is at most 999998 (six-digit records)"
[ -x "$GNUTIME" ] ||
	die "$GNUTIME is missing: apt-get install time (GNU time)"
for t in "$AUDIT" "$AUDITGEN"; do
	[ -x "$t" ] || die "\"$t\" is missing: run make bench"
done
[ -r "$PROFILE" ] || die "\"$PROFILE\" is missing"
command -v openssl >/dev/null || die "openssl is missing"

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/kc-audit-bench.XXXXXX")
if [ -n "${BENCH_KEEP:-}" ]; then
	echo "audit-bench: scratch folder $SCRATCH (kept)"
else
	trap 'rm -rf "$SCRATCH"' EXIT
	trap 'exit 2' INT TERM
fi
S=$SCRATCH

step() { printf '==> %s\n' "$*"; }

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

# calc EXPR: the value of the awk expression EXPR.
calc() { awk "BEGIN { print $1 }"; }

# kv FILE KEY: the value of "KEY: value" in auditgen's output.
kv() { sed -n "s/^$2: //p" "$1"; }

# --- openssl's rate ----------------------------------------------------------

# The machine's speed can drift (other guests on the host, other work):
# each audit is compared with openssl speed run just before and just
# after it, on the same machine in the same state.

# speed WHEN: run openssl speed; its verify/s into last_vps.
last_vps=0
nspeed=0
speed() {
	local v out
	nspeed=$((nspeed + 1))
	out=$S/speed-$nspeed.out
	step "openssl speed -seconds $SPEED_SECS ecdsap384 (one core, $1)"
	openssl speed -seconds "$SPEED_SECS" ecdsap384 >"$out" 2>&1 ||
		die "openssl speed failed: $(tail -n 3 "$out")"
	# The row: "384 bits ecdsa (nistp384)  SIGN_S VERIFY_S SIGN/s VERIFY/s".
	v=$(awk '/ecdsa \(nistp384\)/ { v = $NF } END { print v }' "$out")
	case $v in
	''|*[!0-9.]*) die "cannot read verify/s from openssl speed:" \
	    "$(cat "$out")" ;;
	esac
	printf '    %s verify/s\n' "$v"
	last_vps=$v
}

# --- generate and audit ------------------------------------------------------

fails=0
bad() { echo "    FAIL: $*"; fails=$((fails + 1)); }

# run_size NAME COUNT: generate a CA directory of COUNT issued
# certificates and audit it between two runs of openssl speed; sets
# gen_NAME, el_NAME, cpu_NAME, rss_NAME and ossl_NAME (the mean of the
# two runs).
run_size() {
	local name=$1 count=$2 dir=$S/ca-$1 rc fp head gen el u y cpu rss
	local kind rest nfail nall ndropped before after
	step "auditgen: a root CA that issued $count certificates"
	if ! "$GNUTIME" -v -o "$S/gen-$name.time" "$AUDITGEN" "$dir" "$count" \
	    "$PROFILE" >"$S/gen-$name.out" 2>"$S/gen-$name.err"; then
		sed 's/^/    /' "$S/gen-$name.err" >&2
		die "auditgen failed"
	fi
	fp=$(kv "$S/gen-$name.out" fingerprint)
	head=$(kv "$S/gen-$name.out" head)
	[ "$(kv "$S/gen-$name.out" records)" = $((count + 2)) ] ||
		die "auditgen wrote $(kv "$S/gen-$name.out" records) records"
	gen=$(elapsed "$S/gen-$name.time")
	eval "gen_$name=$gen"
	printf '    %s records in %s s; root sha256:%s\n' $((count + 2)) \
	    "$gen" "$fp"
	printf '    head sha256:%s\n' "$head"

	speed "before the audit of $count"
	before=$last_vps
	step "ca-audit over $((count + 2)) records and $count certificates"
	rc=0
	"$GNUTIME" -v -o "$S/audit-$name.time" "$AUDIT" -d "$dir" \
	    --anchor "$fp" --expect-head "$head" --json \
	    >"$S/audit-$name.json" 2>"$S/audit-$name.err" || rc=$?
	case $rc in
	0|1) ;;
	*)
		sed 's/^/    /' "$S/audit-$name.err" "$S/audit-$name.time" >&2
		die "ca-audit could not run (exit $rc)"
		;;
	esac
	# What the audit covered, and what it found, from its JSON report.
	if ! "$PY" - "$S/audit-$name.json" "$count" "$rc" \
	    >"$S/audit-$name.sum" <<'PY'
import json, sys

path, count, rc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path) as f:
    a = json.load(f)
problems = []
if a.get("format") != "ca-audit-report" or a.get("version") != 1:
    problems.append("not a ca-audit-report version 1")
log, state = a.get("log", {}), a.get("state", {})
if log.get("records") != count + 2:
    problems.append("audited %r records, not %d" % (log.get("records"),
                                                    count + 2))
if state.get("issued") != count:
    problems.append("counted %r issued, not %d" % (state.get("issued"),
                                                   count))
if log.get("head_check") != "matched":
    problems.append("head check %r" % log.get("head_check"))
if a.get("anchored") is not True:
    problems.append("not anchored")
failing = [f for f in a.get("findings", [])
           if f.get("severity") in ("warning", "error")]
if (rc == 0) != (a.get("passed") is True) or (rc == 0) != (not failing):
    problems.append("exit %d, passed %r, %d failing findings"
                    % (rc, a.get("passed"), len(failing)))
print("findings %d %d %d" % (len(failing), len(a.get("findings", [])),
                             a.get("findings_dropped", 0)))
for f in failing[:5]:
    print("finding %s record %s %s %s: %s" % (f.get("severity"),
          f.get("seq"), f.get("check"), f.get("file") or "-",
          f.get("reason")))
for p in problems:
    print("problem " + p)
PY
	then
		die "cannot read the audit's JSON report"
	fi
	while read -r kind rest; do
		case $kind in
		findings)
			read -r nfail nall ndropped <<<"$rest"
			if [ "$nfail" -gt 0 ] || [ "$ndropped" -gt 0 ]; then
				bad "ca-audit reports $nfail failing finding(s) of $nall listed, $ndropped more dropped (exit $rc); the first:"
			else
				printf '    no failing findings (%s informational)\n' \
				    "$nall"
			fi
			;;
		finding) printf '      %s\n' "$rest" ;;
		problem) bad "ca-audit $rest" ;;
		esac
	done <"$S/audit-$name.sum"
	el=$(elapsed "$S/audit-$name.time")
	u=$(field "$S/audit-$name.time" 'User time')
	y=$(field "$S/audit-$name.time" 'System time')
	cpu=$(calc "sprintf(\"%.2f\", $u + $y)")
	rss=$(field "$S/audit-$name.time" 'Maximum resident set size')
	printf '    %s s elapsed, %s s CPU, %s KiB peak RSS\n' "$el" "$cpu" \
	    "$rss"
	eval "el_$name=$el cpu_$name=$cpu rss_$name=$rss"
	speed "after the audit of $count"
	after=$last_vps
	eval "ossl_$name=$(calc "sprintf(\"%.1f\", ($before + $after) / 2)")"
	if [ "$(calc "($before > 1.2 * $after || $after > 1.2 * $before)")" \
	    -eq 1 ]; then
		printf '    WARNING: openssl speed moved from %s to %s verify/s\n' \
		    "$before" "$after"
		printf '    during the audit: the machine is not steady\n'
	fi
	# The large directory's disk is not needed any more.
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir"
}

# loadavg: the one-minute load average.
loadavg() { cut -d ' ' -f 1 /proc/loadavg; }

load_start=$(loadavg)
gen_small="" el_small="" cpu_small="" rss_small="" ossl_small=""
gen_large="" el_large="" cpu_large="" rss_large="" ossl_large=""
run_size small "$SMALL"
run_size large "$N"
load_end=$(loadavg)

# --- the table ---------------------------------------------------------------

# GNU time counts in hundredths; a run it saw as 0.00 s took at most that.
[ "$el_small" = 0.00 ] && el_small=0.01
[ "$el_large" = 0.00 ] && el_large=0.01
[ "$cpu_small" = 0.00 ] && cpu_small=0.01
[ "$cpu_large" = 0.00 ] && cpu_large=0.01
# One record signature and one certificate signature per certificate,
# and the init-root and seal records': the log signer and the root are
# checked once, outside the per-certificate count.
rate() { calc "sprintf(\"%.1f\", $1 / $2)"; }
mib() { calc "sprintf(\"%.1f\", $1 / 1024)"; }
v_small=$((2 * SMALL + 2))
v_large=$((2 * N + 2))
vps_small=$(rate "$v_small" "$el_small")
vps_large=$(rate "$v_large" "$el_large")
ratio_small=$(calc "sprintf(\"%.3f\", $vps_small / $ossl_small)")
ratio_large=$(calc "sprintf(\"%.3f\", $vps_large / $ossl_large)")
memratio=$(calc "sprintf(\"%.3f\", $rss_large / $rss_small)")
rate_ok=$(calc "($ratio_large >= $RATE_TARGET)")
mem_ok=$(calc "($memratio < $MEM_TARGET)")

row() { printf '%-34s %14s %14s\n' "$@"; }
echo
printf 'ca-audit over a P-384 root CA, against openssl speed ecdsap384 on\n'
printf 'one core (the mean of a run just before and one just after each audit)\n'
row "issued certificates" "$SMALL" "$N"
row "records" $((SMALL + 2)) $((N + 2))
row "generation (s)" "$gen_small" "$gen_large"
row "audit elapsed (s)" "$el_small" "$el_large"
row "audit CPU user+sys (s)" "$cpu_small" "$cpu_large"
row "certificates verified/s" "$(rate "$SMALL" "$el_small")" \
    "$(rate "$N" "$el_large")"
row "records verified/s" "$(rate $((SMALL + 2)) "$el_small")" \
    "$(rate $((N + 2)) "$el_large")"
row "P-384 verifies/s, ca-audit" "$vps_small" "$vps_large"
row "P-384 verifies/s, openssl speed" "$ossl_small" "$ossl_large"
row "  ratio" "$ratio_small" "$ratio_large"
row "P-384 verifies/CPU-s, ca-audit" "$(rate "$v_small" "$cpu_small")" \
    "$(rate "$v_large" "$cpu_large")"
row "peak RSS (MiB)" "$(mib "$rss_small")" "$(mib "$rss_large")"
echo
printf 'Each certificate costs ca-audit two P-384 verifications (its record\n'
printf 'and the certificate itself) besides reading, hashing and linting;\n'
printf 'openssl speed verifies a fixed digest in a loop.\n'
printf 'Load average %s at the start, %s at the end, on %s CPU(s): the\n' \
    "$load_start" "$load_end" "$(nproc)"
printf 'rates mean little when other work shares the machine.\n'
echo
status=0
if [ "$rate_ok" -eq 1 ]; then r=PASS; else r=FAIL; status=1; fi
printf '%s  rate:   %s of openssl'"'"'s verify/s at %s certificates (target: at least %s)\n' \
    "$r" "$ratio_large" "$N" "$RATE_TARGET"
if [ "$mem_ok" -eq 1 ]; then r=PASS; else r=FAIL; status=1; fi
printf '%s  memory: peak RSS at %s is %sx that at %s (target: below %sx)\n' \
    "$r" "$N" "$memratio" "$SMALL" "$MEM_TARGET"
if [ "$fails" -eq 0 ]; then
	printf 'PASS  both audits covered every record and found nothing\n'
else
	printf 'FAIL  %d check(s) of the audits failed (above)\n' "$fails"
	status=2
fi
exit "$status"
