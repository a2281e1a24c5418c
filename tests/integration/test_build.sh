#!/bin/sh
# The build is reproducible and the Debian package sound.  Two clean
# checkouts of one commit, in different folders, built at different
# times (and under another umask, time zone and locale), give
# bit-identical binaries and packages; lintian finds no error in the
# package; it holds every binary, man page, profile, ceremony script and
# the completion; and an auditor who rebuilds it gets the very hashes that
# the records of its binaries name.
. "$(dirname "$0")/../lib.sh"

# Nothing of the make that runs the tests (SANITIZE=1, -j, flags, its
# SOURCE_DATE_EPOCH) may reach the builds: each derives its own.
unset MAKEFLAGS MFLAGS MAKELEVEL CFLAGS CPPFLAGS LDFLAGS SOURCE_DATE_EPOCH

if ! git -C "$TOP" rev-parse -q --verify HEAD >/dev/null 2>&1; then
	not_ok "the source is a git checkout (the builds are of a commit)"
	finish
	exit
fi
HEAD=$(git -C "$TOP" rev-parse --short=12 HEAD)
git -C "$TOP" diff --quiet HEAD ||
    echo "# building commit $HEAD; uncommitted changes are not in it"
VERSION=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")

A=$SCRATCH/a/kc
B=$SCRATCH/b/a/longer/folder/kc
check "clean checkout A" git clone -q "$TOP" "$A"
check "clean checkout B, in another folder" git clone -q "$TOP" "$B"

# The second build of each pair runs three days later by its clock, in
# another time zone and locale, under another umask.
later() {
	(umask 077 && TZ=Asia/Tokyo LC_ALL=C.UTF-8 faketime '+3 days' "$@")
}

# --- make: the binaries ---------------------------------------------------
check "A: make" make -s -C "$A" -j2 all
check "B: make, later" later make -s -C "$B" -j2 all
n=0
for b in "$A"/bin/*; do
	n=$((n + 1))
	check "make: $(basename "$b") is the same in both builds" \
	    cmp "$b" "$B/bin/$(basename "$b")"
done
check "make: one binary per command" test "$n" -eq \
    "$(ls "$TOP"/cmd/*.c | wc -l)"
check "make: the library is the same in both builds" \
    cmp "$A/lib/libkeyceremony.a" "$B/lib/libkeyceremony.a"

"$A/bin/ca-log" --version >"$SCRATCH/version"
check "--version names the commit, and no uncommitted change" test \
    "$(sed -n 1p "$SCRATCH/version")" = \
    "ca-log $VERSION (commit $HEAD)"
check "--version's sha256 is the binary's" test \
    "$(sed -n 's/^sha256 //p' "$SCRATCH/version")" = \
    "$(sha256sum <"$A/bin/ca-log" | cut -c1-64)"

# --- make deb: the package --------------------------------------------------
check "A: make deb" make -s -C "$A" deb
check "B: make deb, later" later make -s -C "$B" deb
DEB=$A/dist/keyceremony_${VERSION}_amd64.deb
DBG=$A/dist/keyceremony-dbgsym_${VERSION}_amd64.deb
check "make deb: the package is the same in both builds" \
    cmp "$DEB" "$B/dist/$(basename "$DEB")"
check "make deb: its debug symbols are the same in both builds" \
    cmp "$DBG" "$B/dist/$(basename "$DBG")"

lintian --fail-on error "$A/dist/keyceremony_${VERSION}_amd64.changes" \
    >"$SCRATCH/lintian" 2>&1
rc=$?
check "lintian: exit 0" test "$rc" -eq 0
check "lintian: no error" test "$(grep -c '^E: ' "$SCRATCH/lintian")" -eq 0
grep '^[EW]: ' "$SCRATCH/lintian" | sed 's/^/# /'

check "package: named keyceremony" test \
    "$(dpkg-deb -f "$DEB" Package)" = keyceremony
check "package: version $VERSION" test \
    "$(dpkg-deb -f "$DEB" Version)" = "$VERSION"
dpkg-deb -f "$DEB" Depends | tr ',|' '\n\n' |
    sed 's/(.*//; s/ //g' >"$SCRATCH/depends"
for lib in libc6 libssl3 libp11-3 libjansson4 libgfshare2; do
	check "package: depends on $lib" grep -qx "$lib" "$SCRATCH/depends"
done

R=$SCRATCH/root
check "package: unpacks" dpkg-deb -x "$DEB" "$R"
for c in "$TOP"/cmd/*.c; do
	n=$(basename "$c" .c)
	check "package: /usr/bin/$n" test -x "$R/usr/bin/$n"
	check "package: bash completion for $n" test -f \
	    "$R/usr/share/bash-completion/completions/$n"
done
for m in "$TOP"/man/*.[0-9]; do
	p=$R/usr/share/man/man${m##*.}/$(basename "$m").gz
	check "package: $(basename "$m") as written" \
	    sh -c 'zcat "$1" | cmp - "$2"' sh "$p" "$m"
done
check_installed_data "$R/usr" package
check "package: copyright" test -s "$R/usr/share/doc/keyceremony/copyright"
readelf -S "$R/usr/bin/ca-init" >"$SCRATCH/sections" 2>&1
check "package: ca-init's sections can be read" grep -q "\.text" \
    "$SCRATCH/sections"
check "package: the binaries are stripped (symbols in -dbgsym)" \
    lacks -F ".debug_info" "$SCRATCH/sections"

# --- the auditor: records by the packaged binaries, hashes rebuilt ----------
RB=$SCRATCH/rebuilt
dpkg-deb -x "$B/dist/$(basename "$DEB")" "$RB"
new_token root
PS="--pin-source file:$SCRATCH/pin-root"
CA=$SCRATCH/ca
expect_status 0 "the packaged ca-init makes a root CA" "$R/usr/bin/ca-init" \
    --ceremony "$PLAN" -d "$CA" --token pkcs11:token=root $PS \
    --subject "CN=Packaged Root" --operator Alice --witness Bob
expect_status 0 "the packaged ca-crl issues a CRL" "$R/usr/bin/ca-crl" \
    issue -d "$CA" $PS
check "its record names the packaged ca-init's SHA-256" test \
    "$(jq -r .body.env.tool.sha256 "$CA/log/000001.json")" = \
    "$(sha256sum <"$R/usr/bin/ca-init" | cut -c1-64)"
FP=$(openssl x509 -in "$CA/ca.pem" -outform DER | sha256sum | cut -c1-64)
REBUILT=""
for b in "$RB"/usr/bin/*; do
	REBUILT="$REBUILT --binary $(sha256sum <"$b" | cut -c1-64)"
done
"$R/usr/bin/ca-audit" --json -d "$CA" --anchor "$FP" $REBUILT \
    >"$SCRATCH/audit.json"
check "ca-audit --binary with the rebuilt package's hashes: clean" \
    jq -e '.findings | map(select(.severity == "error")) | length == 0' \
    "$SCRATCH/audit.json"
OTHER=""
for b in "$A"/bin/*; do
	OTHER="$OTHER --binary $(sha256sum <"$b" | cut -c1-64)"
done
"$R/usr/bin/ca-audit" --json -d "$CA" --anchor "$FP" $OTHER \
    >"$SCRATCH/audit.json"
check "...with make's (unstripped) binaries instead: every record flagged" \
    jq -e --arg n "$(ls "$CA/log" | wc -l)" '[.findings[] |
    select(.check == "binary" and .severity == "error")] | length ==
    ($n | tonumber)' "$SCRATCH/audit.json"

# A control: the comparisons can see a difference.  Built without the
# file prefix map, the build's folder gets into the binaries.
check "control: B rebuilt without -ffile-prefix-map" \
    make -s -C "$B" -j2 REPRO= all
check "control: then its binaries differ from A's (cmp exits 1)" \
    status_is 1 cmp -s "$A/bin/ca-init" "$B/bin/ca-init"

finish
