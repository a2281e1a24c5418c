#!/bin/sh
# A token with a protected authentication path (a PIN pad or PED keys):
# the commands log in without reading a PIN, and each record says which
# way the login was made.  tests/bin/p11fault.so with KC_FAULT_PINPAD
# plays the pad: it reports the flag and, for a login with no PIN, types
# the PIN from a file nobody passes to the commands.
. "$(dirname "$0")/../lib.sh"

PAD=$TOP/tests/bin/p11fault.so
new_token pad 246810
new_token plain
mv "$SCRATCH/pin-pad" "$SCRATCH/pad-keys"
export KC_FAULT_PINPAD="$SCRATCH/pad-keys"
D=$SCRATCH/padroot

# login FILE: the login method a record names, and the pad flag.
login() { jq -r '[.body.env.token.login, .body.env.token.protected_auth_path] | join(" ")' "$1"; }

# No --pin-source, and no terminal: only the pad can log in.
expect_status 0 "ca-init on a PIN-pad token, no PIN given" \
    "$BIN/ca-init" --ceremony "$PLAN" -d "$D" --token pkcs11:token=pad \
    --module "$PAD" --subject "CN=Pad Root" </dev/null
check "its record says the PIN pad was used" \
    test "$(login "$D/log/000001.json")" = "pin-pad true"
expect_status 0 "ca-ceremony seal through the pad" \
    "$BIN/ca-ceremony" seal -d "$D" </dev/null
check "the seal record says so too" \
    test "$(login "$D/log/000002.json")" = "pin-pad true"
FP=$(openssl x509 -in "$D/ca.pem" -outform DER | sha256sum | cut -c1-64)
HEAD=$("$BIN/ca-log" verify -d "$D" --anchor "$FP" |
    sed -n 's/^head: *sha256://p')
check "the log verifies" test -n "$HEAD"
check "the audit passes" "$BIN/ca-audit" -d "$D" --anchor "$FP" \
    --expect-head "$HEAD"

# A PIN typed on the pad that is wrong: the token says so.
printf '000000\n' >"$SCRATCH/pad-keys"
expect_status 4 "a wrong PIN on the pad is an incorrect PIN" \
    "$BIN/ca-crl" issue -d "$D" </dev/null
check "and nothing was recorded" test ! -e "$D/log/000003.json"
printf '246810\n' >"$SCRATCH/pad-keys"

# Without the pad, the same kind of token logs in with a PIN, and says so.
unset KC_FAULT_PINPAD
expect_status 0 "ca-init with a PIN" "$BIN/ca-init" --ceremony "$PLAN" \
    -d "$SCRATCH/pinroot" --token pkcs11:token=plain \
    --pin-source "file:$SCRATCH/pin-plain" --subject "CN=Pin Root"
check "its record says a PIN was used" \
    test "$(login "$SCRATCH/pinroot/log/000001.json")" = "pin false"

finish
