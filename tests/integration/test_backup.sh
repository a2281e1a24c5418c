#!/bin/sh
# Key backup and restore: a backup-capable root (its profile allows it),
# the security officer's trusted wrapping key split 2 of 3, a backup
# test-restored into a scratch token, and a restore into a new token
# that then signs a CRL the original certificate verifies.  A profile
# without key_backup, never-extractable keys, wrong shares and a changed
# backup are refused with nothing recorded.
. "$(dirname "$0")/../lib.sh"

new_token root
new_token scratch 222222
new_token fresh 333333
printf '%s\n' 87654321 >"$SCRATCH/so-pin"
chmod 600 "$SCRATCH/so-pin"
D=$SCRATCH/root
PS="--pin-source file:$SCRATCH/pin-root"
records() { ls "$D/log" | wc -l; }

printf '1. Generate the keys.\n' >"$SCRATCH/script.txt"
"$BIN/ca-ceremony" plan --out "$SCRATCH/plan.json" --id keygen \
    --purpose "root key generation" --script "$SCRATCH/script.txt" \
    --approval T-1 --location lab --person "administrator:Ann" \
    --person "witness:Bob" --person "custodian:Carol" \
    --person "custodian:Dave" --person "custodian:Erin" >/dev/null
jq '. + {key_backup: true}' "$TOP/profiles/root.json" >"$SCRATCH/backup.json"

expect_status 1 "--backup-capable under a profile without key_backup" \
    "$BIN/ca-init" --ceremony "$SCRATCH/plan.json" -d "$D" \
    --token pkcs11:token=root $PS --subject "CN=Backup Root" \
    --profile "$TOP/profiles/root.json" --backup-capable
check "says what to do, and made nothing" sh -c \
    'grep -q "key_backup" "$1" && test ! -e "$2"' sh "$SCRATCH/err" "$D"
expect_status 0 "ca-init --backup-capable" "$BIN/ca-init" \
    --ceremony "$SCRATCH/plan.json" -d "$D" --token pkcs11:token=root $PS \
    --subject "CN=Backup Root" --profile "$SCRATCH/backup.json" \
    --backup-capable
check "the keys are recorded as extractable only under a trusted key" \
    test "$(jq -c '[.body.params.key_backup, [.body.keys[].attributes |
    [.extractable, .wrap_with_trusted, .sensitive]]]' \
    "$D/log/000001.json")" = '[true,[[true,true,true],[true,true,true]]]'
FP=$(openssl x509 -in "$D/ca.pem" -outform DER | sha256sum | cut -c1-64)
check "the audit accepts them and says so" sh -c \
    '"$1" -d "$2" --anchor "$3" --json | jq -e "[.findings[] |
    select(.check == \"key-backup\")] | length == 1" >/dev/null' sh \
    "$BIN/ca-audit" "$D" "$FP"

# A root made without --backup-capable: nothing of this for it.
new_token plain
"$BIN/ca-init" --ceremony "$SCRATCH/plan.json" -d "$SCRATCH/plain" \
    --token pkcs11:token=plain --pin-source "file:$SCRATCH/pin-plain" \
    --subject "CN=Plain Root" --profile "$SCRATCH/backup.json" >/dev/null
expect_status 1 "no wrapping key for a root whose keys never leave" \
    "$BIN/ca-backup" wrap-key -d "$SCRATCH/plain" --custodians 3 \
    --threshold 2 --shares-out "$SCRATCH/pwk" \
    --so-pin-source "file:$SCRATCH/so-pin" \
    --pin-source "file:$SCRATCH/pin-plain"
check "says why, and wrote nothing" sh -c 'grep -q "backup-capable" "$1" &&
    test ! -e "$2" -a "$(ls "$3/log" | wc -l)" -eq 1' sh "$SCRATCH/err" \
    "$SCRATCH/pwk" "$SCRATCH/plain"
check "and its keys stay in: the token says never extractable" sh -c \
    '"$1" "$2" plain "$3" | jq -e "[.[] | select(.class == \"private\") |
    .never_extractable] | all and length == 2" >/dev/null' sh \
    "$TOP/tests/bin/p11attrs" "$MODULE" "$SCRATCH/pin-plain"

# The wrapping key, in the key generation ceremony still open.
n=$(records)
# A shares folder that is there: refused before either PIN is asked for
# (this SO PIN is wrong: status 4 had it been tried).
mkdir "$SCRATCH/taken"
expect_status 6 "a --shares-out that exists is refused" "$BIN/ca-backup" \
    wrap-key -d "$D" --custodians 3 --threshold 2 \
    --shares-out "$SCRATCH/taken" --so-pin-source "file:$SCRATCH/pin-root" $PS
check "...said so, and wrote nothing" sh -c 'grep -q \
    "taken\" exists; give a new folder for the shares" "$1" &&
    test "$(ls "$2")" = ""' sh "$SCRATCH/err" "$SCRATCH/taken"
check "...nothing recorded" test "$(records)" -eq "$n"
expect_status 4 "a wrong SO PIN is refused" "$BIN/ca-backup" wrap-key \
    -d "$D" --custodians 3 --threshold 2 --shares-out "$SCRATCH/wk" \
    --so-pin-source "file:$SCRATCH/pin-root" $PS
check "nothing recorded or written" test "$(records)" -eq "$n" -a \
    ! -e "$SCRATCH/wk"
expect_status 0 "ca-backup wrap-key, 2 of 3" "$BIN/ca-backup" wrap-key \
    -d "$D" --custodians 3 --threshold 2 --shares-out "$SCRATCH/wk" \
    --so-pin-source "file:$SCRATCH/so-pin" $PS
W=$D/log/$(ls "$D/log" | tail -1)
check "its record: aes-256, a check value, CKM_AES_KEY_WRAP_PAD, 2 of 3" \
    test "$(jq -c '.body.backup_wrap_key | [.algorithm, (.kcv | length),
    .mechanism, .split.threshold, [.split.shares[].custodian]]' "$W")" = \
    '["aes-256",6,"CKM_AES_KEY_WRAP_PAD",2,["Carol","Dave","Erin"]]'
# SoftHSM2 derives by ECDH and unwraps with its RFC 5649 key wrap.
UNWRAP='{"call":"C_UnwrapKey","kdf":"CKD_NULL","mechanism":"CKM_AES_KEY_WRAP_PAD","transport_key":"ecdh-p256"}'
check "the key came in by C_UnwrapKey under a transport key, not in clear" \
    test "$(jq -cS '.body.backup_wrap_key.import' "$W")" = "$UNWRAP"
check "three owner-only share files" test "$(find "$SCRATCH/wk" -type f \
    -perm 0600 | wc -l)" -eq 3
WS1=$SCRATCH/wk/01-Carol.share
WS2=$SCRATCH/wk/02-Dave.share
WS3=$SCRATCH/wk/03-Erin.share
check "no share is recorded" lacks -F "$(tail -1 "$WS1")" "$D"/log/*.json
expect_status 6 "a second wrapping key is refused" "$BIN/ca-backup" \
    wrap-key -d "$D" --custodians 3 --threshold 2 \
    --shares-out "$SCRATCH/wk2" --so-pin-source "file:$SCRATCH/so-pin" $PS

# The backup, test-restored into the scratch token.
B=$SCRATCH/backup
n=$(records)
expect_status 2 "one share is not enough for the test restore" \
    "$BIN/ca-backup" backup -d "$D" --out "$B" \
    --scratch-token pkcs11:token=scratch \
    --scratch-pin-source "file:$SCRATCH/pin-scratch" \
    --wrap-shares "shares:$WS1" $PS
check "nothing recorded, no backup folder" test "$(records)" -eq "$n" -a \
    ! -e "$B"
expect_status 0 "ca-backup backup" "$BIN/ca-backup" backup -d "$D" \
    --out "$B" --scratch-token pkcs11:token=scratch \
    --scratch-pin-source "file:$SCRATCH/pin-scratch" \
    --wrap-shares "shares:$WS3,$WS1" $PS
K=$D/log/$(ls "$D/log" | tail -1)
check "the record names the blobs by SHA-256" test "$(jq -r \
    '.body.key_backup.keys[] | select(.role == "ca") | .sha256' "$K")" = \
    "$(sha256sum "$B/ca-key.wrapped" | cut -c1-64)"
check "and holds the blobs themselves, byte for byte" sh -c \
    'jq -r ".body.key_backup.keys[] | select(.role == \"log-signer\") |
    .blob" "$1" | base64 -d | cmp -s - "$2/log-key.wrapped"' sh "$K" "$B"
check "and the test restore on the scratch token" test "$(jq -c \
    '[.body.key_backup.test_restore.token.label,
    .body.key_backup.test_restore.result,
    [.body.backup_shares_presented[].custodian]]' "$K")" = \
    '["scratch","ok",["Erin","Carol"]]'
check "the test restore's key came in the same way" test "$(jq -cS \
    '.body.key_backup.test_restore.token.import' "$K")" = "$UNWRAP"
check "backup.json lists each blob's SHA-256, as ca-key-backup(5) shows" \
    sh -c 'cd "$1" && jq -r ".keys[] | \"\\(.sha256)  \\(.file)\"" \
    backup.json | sha256sum -c --status' sh "$B"
check "and names the mechanism and check value the record does" test \
    "$(jq -c '[.mechanism, .wrap_key.kcv]' "$B/backup.json")" = \
    "$(jq -c '[.body.key_backup.mechanism, .body.key_backup.wrap_key.kcv]' \
    "$K")"
check "the blobs are owner-only" test "$(find "$B" -name '*.wrapped' \
    -perm 0600 | wc -l)" -eq 2
check "nothing was left on the scratch token" sh -c \
    '"$1" "$2" scratch "$3" | jq -e "length == 0" >/dev/null' sh \
    "$TOP/tests/bin/p11attrs" "$MODULE" "$SCRATCH/pin-scratch"
check "the log verifies" "$BIN/ca-log" verify -d "$D" --anchor "$FP"
"$BIN/ca-ceremony" seal -d "$D" $PS >/dev/null

# The old token is lost; a new one takes the keys.
cp -a "$D" "$SCRATCH/root-before"
softhsm2-util --delete-token --token root >/dev/null
n=$(records)
cp "$B/ca-key.wrapped" "$SCRATCH/good.wrapped"
printf 'x' >>"$B/ca-key.wrapped"
expect_status 8 "a changed backup is refused" "$BIN/ca-backup" restore \
    -d "$D" --from "$B" --token pkcs11:token=fresh \
    --pin-source "file:$SCRATCH/pin-fresh" --wrap-shares "shares:$WS1,$WS2"
cp "$SCRATCH/good.wrapped" "$B/ca-key.wrapped"
# Shares of another split: well formed, refused by the check value.
"$BIN/ca-init" --ceremony "$SCRATCH/plan.json" -d "$SCRATCH/other" \
    --token pkcs11:token=scratch \
    --pin-source "file:$SCRATCH/pin-scratch" --subject "CN=Other" \
    --custodians 3 --threshold 2 --shares-out "$SCRATCH/oshares" >/dev/null
expect_status 8 "another split's shares are refused" "$BIN/ca-backup" \
    restore -d "$D" --from "$B" --token pkcs11:token=fresh \
    --pin-source "file:$SCRATCH/pin-fresh" \
    --wrap-shares "shares:$SCRATCH/oshares/01-Carol.share,$SCRATCH/oshares/02-Dave.share"
check "nothing recorded, ca.json unchanged" sh -c \
    'test "$(ls "$1/log" | wc -l)" -eq "$2" && cmp -s "$1/ca.json" \
    "$3/ca.json"' sh "$D" "$n" "$SCRATCH/root-before"
expect_status 0 "ca-backup restore into the new token" "$BIN/ca-backup" \
    restore -d "$D" --from "$B" --token pkcs11:token=fresh \
    --pin-source "file:$SCRATCH/pin-fresh" --wrap-shares "shares:$WS2,$WS3"
check "ca.json names the new token" test "$(jq -r '.ca_key' "$D/ca.json" |
    grep -c 'token=fresh')" -eq 1
R=$D/log/$(ls "$D/log" | tail -1)
check "the restore record names the token and the blobs" test "$(jq -c \
    '[.body.op, .body.key_restore.token.label,
    (.body.key_restore.blobs | length)]' "$R")" = '["key-restore","fresh",2]'
check "and how the key that unwrapped them came in" test "$(jq -cS \
    '.body.key_restore.token.import' "$R")" = "$UNWRAP"
check "the restored keys are not local: they came from a backup" test \
    "$(jq -c '[.body.keys[].attributes.local]' "$R")" = '[false]'
expect_status 0 "the restored key issues a CRL" "$BIN/ca-crl" issue \
    -d "$D" --pin-source "file:$SCRATCH/pin-fresh"
CRL=$(ls "$D"/crl/*.der | tail -1)
check "which the original certificate verifies" crl_verifies "$CRL" \
    "$SCRATCH/root-before/ca.pem"
corrupt_copy "$CRL" "$SCRATCH/bad.crl" 2
expect_status 1 "  and not once a byte of its signature is changed" \
    crl_verifies "$SCRATCH/bad.crl" "$SCRATCH/root-before/ca.pem"
check "the log verifies under the original certificate" "$BIN/ca-log" \
    verify -d "$D" --anchor "$FP"
check "the audit passes" "$BIN/ca-audit" -d "$D" --anchor "$FP"
finish
