#!/bin/sh
# make-seeds.sh: regenerate the seed corpora of the libFuzzer harnesses
# (tests/fuzz/): csr/ with openssl, profile/ from profiles/, record/ from
# the logs of a make demo run (run it first), revocation/ and windows/ by
# hand.  Crash inputs found later are added to the corpus they belong to,
# by name.
set -eu
cd "$(dirname "$0")"
top=../..
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout /dev/null -subj "/CN=OT CA/O=Example" -out csr/p256.pem
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes \
    -keyout /dev/null -subj "/CN=OT CA 2/O=Example" -outform DER \
    -out csr/p384.der
openssl req -new -newkey rsa:3072 -nodes -keyout /dev/null \
    -subj "/CN=IT CA/O=Example" -out csr/rsa3072.pem
cp "$top"/profiles/*.json profile/
for f in "$top"/demo/plant-root/log/*.json; do
	cp "$f" "record/$(jq -r .body.op "$f").json"
done
printf '4a2ae9b079eb22bb7b21e74e79e76d9f 20261127161755Z 4\n' >revocation/one.idx
printf '01 20260101000000Z 0\n0a:bc 20260102000000Z 1 20251231000000Z\n7f 20260103000000Z 5\n' \
    >revocation/three.idx
printf '0A:BC:DE' >revocation/serial-typed
printf 'keyCompromise' >revocation/reason
printf 'scope' >revocation/idp
