#!/bin/sh
# The laptop's clock cannot be trusted: a record is refused when the clock
# reads earlier than the log's last record, or implausibly far after it,
# unless the operator confirms the time read from a trusted clock; the
# confirmation is recorded, and ca-audit reports it.
. "$(dirname "$0")/../lib.sh"

new_token root
PS="--pin-source file:$SCRATCH/pin-root"
R=$SCRATCH/root
records() { find "$R/log" -name '[0-9]*.json' | wc -l; }
last() { ls "$R"/log/[0-9]*.json | tail -n 1; }

expect_status 0 "a root CA" "$BIN/ca-init" --ceremony "$PLAN" -d "$R" \
    --token pkcs11:token=root $PS --subject "CN=Clock Root"
check "its ceremony sealed" seal "$R" "$SCRATCH/pin-root"
FP=$(openssl x509 -in "$R/ca.pem" -outform DER | sha256sum | cut -c1-64)
N=$(records)

# Years ahead: refused, nothing written.
LATE=$(date -u -d '+500 days' '+%Y-%m-%d %H:%M:%S')
LATE_T=$(date -u -d "$LATE" '+%Y-%m-%dT%H:%MZ')
expect_status 1 "a clock 500 days after the last record" \
    faketime "$LATE" "$BIN/ca-crl" issue -d "$R" $PS
check "  the message says how to confirm the time" \
    grep -q -- "--confirm-clock" "$SCRATCH/err"
check "  nothing written" test "$(records)" -eq "$N" -a ! -e "$R/crl"
# A confirmation that the system clock contradicts.
expect_status 1 "a confirmed time the system clock disagrees with" \
    faketime "$LATE" "$BIN/ca-crl" issue -d "$R" $PS \
    --confirm-clock "$(date -u '+%Y-%m-%dT%H:%MZ')"
check "  the message says to set the clock" grep -q "set the system clock" \
    "$SCRATCH/err"
expect_status 2 "a confirmed time that is no time" \
    faketime "$LATE" "$BIN/ca-crl" issue -d "$R" $PS --confirm-clock soon
check "  nothing written" test "$(records)" -eq "$N"

# Confirmed against a trusted clock: written, with the deviation.
expect_status 0 "the time confirmed" faketime "$LATE" "$BIN/ca-crl" issue \
    -d "$R" $PS --confirm-clock "$LATE_T"
check "the record holds the clock deviation" test "$(jq -c \
    '.body.clock_deviation | [.confirmed_time[0:16], (.days >= 500), .what != ""]' \
    "$(last)")" = "[\"$(echo "$LATE_T" | cut -c1-16)\",true,true]"
faketime "$LATE" "$BIN/ca-audit" --json -d "$R" --anchor "$FP" \
    >"$SCRATCH/audit.json"
check "ca-audit passes, and reports the confirmed clock" jq -e \
    '.passed and ([.findings[] | select(.check == "clock") | .severity] == ["info"])' \
    "$SCRATCH/audit.json"
# Once confirmed, the next record is near the last again: no deviation.
expect_status 0 "the next record, a day later" faketime \
    "$(date -u -d '+501 days' '+%Y-%m-%d %H:%M:%S')" "$BIN/ca-crl" issue -d "$R" $PS
check "  needs no confirmation and holds none" test "$(jq -r \
    '.body.clock_deviation // "none"' "$(last)")" = none

# Earlier than the last record: refused, confirmed or not.
N=$(records)
expect_status 1 "a clock before the last record" "$BIN/ca-crl" issue -d "$R" $PS
check "  the message names the last record's time" \
    grep -q "earlier than the last record" "$SCRATCH/err"
expect_status 1 "  and confirming the time does not help" "$BIN/ca-crl" \
    issue -d "$R" $PS --confirm-clock "$(date -u '+%Y-%m-%dT%H:%MZ')"
expect_status 1 "  for ca-ceremony too" "$BIN/ca-ceremony" open -d "$R" \
    --id X --purpose p --script "$PLAN" --approval A --location L \
    --person witness:W --person custodian:C $PS
check "  nothing written" test "$(records)" -eq "$N"

finish
