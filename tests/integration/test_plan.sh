#!/bin/sh
# ca-plan: a root, a subordinate it signed and its CRL against a site's
# maintenance windows (ca-windows(5)): each gets the last window before
# its expiry minus the margin, and warnings for a certificate with no
# window left, one that outlives its issuer, and a CRL that runs out
# before the next CRL ceremony.  The JSON plan is parsed, not grepped.
# Then a staged replacement, signed now for later windows.
. "$(dirname "$0")/../lib.sh"

new_token root
new_token sub
PS="--pin-source file:$SCRATCH/pin-root"
R=$SCRATCH/root
"$BIN/ca-init" --ceremony "$PLAN" -d "$R" --token pkcs11:token=root $PS \
    --subject "CN=Plan Root" >/dev/null
"$BIN/ca-init" --ceremony "$PLAN" --sub -d "$SCRATCH/sub" \
    --token pkcs11:token=sub --pin-source "file:$SCRATCH/pin-sub" \
    --subject "CN=Plan Sub" >/dev/null
"$BIN/ca-sign-sub" -d "$R" --csr "$SCRATCH/sub/ca.csr" \
    --profile "$TOP/profiles/it-issuing.json" --out "$SCRATCH/sub.pem" \
    $PS >/dev/null
"$BIN/ca-crl" issue -d "$R" $PS >/dev/null

# days_on N: the time N days from now, as a windows file writes it.
days_on() { date -u -d "+$1 days" +%Y-%m-%dT%H:%M:%SZ; }
# windows FILE CRL-DAY START-DAY...: one site, a day-long window at each.
windows() {
	_f=$1 _crl=$2
	shift 2
	{
		printf '{"format": "ca-windows", "version": 1, "sites": [\n'
		printf '  {"name": "line-4", "zone": "OT-L4", "windows": ['
		_sep=
		for _d in "$@"; do
			printf '%s\n    {"name": "w%s", "start": "%s", "end": "%s"}' \
			    "$_sep" "$_d" "$(days_on "$_d")" "$(days_on $((_d + 1)))"
			_sep=,
		done
		printf ']}],\n  "crl_ceremonies": ["%s"]}\n' "$(days_on "$_crl")"
	} >"$_f"
}

# The root lasts 25 years, the subordinate 10, the CRL 12 months.
windows "$SCRATCH/good.json" 200 100 3000 9000
expect_status 0 "a plan with a window for everything" "$BIN/ca-plan" \
    --windows "$SCRATCH/good.json" -d "$R" --json
J=$SCRATCH/out
check "three items: the root, the subordinate it issued, its CRL" test \
    "$(jq -c '[.items[].kind]' "$J")" = '["ca","issued","crl"]'
check "each certificate gets the last window before its expiry" test \
    "$(jq -c '[.items[] | .window.name // .window.crl_ceremony[0:10]]' \
    "$J")" = "[\"w9000\",\"w3000\",\"$(days_on 200 | cut -c1-10)\"]"
check "expiries as the certificates have them" test \
    "$(jq -r '.items[0].expiry' "$J")" = "$(openssl x509 -in "$R/ca.pem" \
    -noout -enddate | cut -d= -f2 | xargs -I{} date -u -d {} \
    +%Y-%m-%dT%H:%M:%SZ)"
check "no warnings" test "$(jq '.warnings' "$J")" -eq 0 -a \
    "$(jq '[.items[] | select(.warning)] | length' "$J")" -eq 0

# No window before the subordinate's expiry, and the CRL ceremony after
# the CRL runs out.
windows "$SCRATCH/late.json" 400 3700
expect_status 1 "a plan with warnings" "$BIN/ca-plan" \
    --windows "$SCRATCH/late.json" -d "$R" --json
check "the subordinate has no window, the CRL runs out first" test \
    "$(jq -c '[.items[] | [.kind, (.warning // "" | test("no window|before the next CRL ceremony"))]]' \
    "$J")" = '[["ca",false],["issued",true],["crl",true]]'
check "the count agrees" test "$(jq '.warnings' "$J")" -eq 2
expect_status 1 "the text plan" "$BIN/ca-plan" \
    --windows "$SCRATCH/late.json" -d "$R"
check "says 2 warnings" grep -qx "3 items, 2 warnings" "$J"
# A margin longer than the time to the only window takes it away.
expect_status 1 "a margin of 30 years leaves no window for the root" \
    "$BIN/ca-plan" --windows "$SCRATCH/good.json" -d "$R" --json \
    --margin 30y
check "both certificates are flagged, the CRL is not" \
    test "$(jq -c '[.items[] | .warning != null]' "$J")" = \
    '[true,true,false]'

# A certificate that outlives its issuer (made by hand: the toolkit's
# profiles never sign one).
F=$SCRATCH/fake
mkdir -p "$F/issued"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$F/ca.key" -subj "/CN=Short CA" -days 400 -out "$F/ca.pem" \
    2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout /dev/null -subj "/CN=Long Device" 2>/dev/null |
    openssl x509 -req -CA "$F/ca.pem" -CAkey "$F/ca.key" -days 2000 \
    -set_serial 7 -out "$F/issued/07.pem" 2>/dev/null
expect_status 1 "a certificate outliving its issuer" "$BIN/ca-plan" \
    --windows "$SCRATCH/good.json" -d "$F" --json
check "is flagged" test "$(jq -r '.items[1].warning' "$J" |
    grep -c "outlives its issuing CA")" -eq 1

# A staged replacement of the subordinate: signed now, valid from a later
# window's start to a still later one's end.
windows "$SCRATCH/stage.json" 200 100 3000 6000 9000
n_issued=$(ls "$R/issued" | wc -l)
expect_status 0 "a staged replacement, window to window" "$BIN/ca-sign-sub" \
    -d "$R" --csr "$SCRATCH/sub/ca.csr" \
    --profile "$TOP/profiles/it-issuing.json" --out "$SCRATCH/staged.pem" \
    --windows "$SCRATCH/stage.json" --not-before window:w3000 \
    --not-after window:w6000 $PS
check "notBefore is the first window's start" test "$(openssl x509 \
    -in "$SCRATCH/staged.pem" -noout -startdate | cut -d= -f2 |
    xargs -I{} date -u -d {} +%Y-%m-%dT%H:%M:%SZ)" = \
    "$(jq -r '.sites[0].windows[1].start' "$SCRATCH/stage.json")"
check "notAfter the second window's end" test "$(openssl x509 \
    -in "$SCRATCH/staged.pem" -noout -enddate | cut -d= -f2 |
    xargs -I{} date -u -d {} +%Y-%m-%dT%H:%M:%SZ)" = \
    "$(jq -r '.sites[0].windows[2].end' "$SCRATCH/stage.json")"
STREC=$R/log/$(ls "$R/log" | tail -1)
check "the record marks it staged, by which windows" test "$(jq -c \
    '.body.params.staged | [.by, .not_before == .not_before]' "$STREC")" = \
    '["site line-4, windows w3000 to w6000",true]'
check "it verifies once it is valid (at its notBefore)" openssl verify \
    -attime "$(date -u -d "$(jq -r .body.params.staged.not_before \
    "$STREC")" +%s)" -CAfile "$R/ca.pem" "$SCRATCH/staged.pem"
n_rec=$(ls "$R/log" | wc -l)
# stage_refused STATUS DESCRIPTION WORDS OPTION...: refused with STATUS,
# saying WORDS.
stage_refused() {
	_st=$1 _desc=$2 _words=$3
	shift 3
	expect_status "$_st" "$_desc" "$BIN/ca-sign-sub" -d "$R" \
	    --csr "$SCRATCH/sub/ca.csr" \
	    --profile "$TOP/profiles/it-issuing.json" \
	    --out "$SCRATCH/refused.pem" --windows "$SCRATCH/stage.json" \
	    "$@" $PS
	check "  and says so" grep -q "$_words" "$SCRATCH/err"
}
stage_refused 1 "an end past the profile's ten years" "profile's validity" \
    --not-before window:w3000 --not-after window:w9000
stage_refused 2 "a notBefore in the past" "in the past" \
    --not-before 2020-01-01T00:00:00Z
stage_refused 2 "an end before the start" "must come after" \
    --not-before window:w6000 --not-after window:w3000
stage_refused 2 "a window the site does not have" 'no window "w7"' \
    --not-before window:w7
stage_refused 2 "a time in another form" "neither a UTC time" \
    --not-before 2030-01-01
check "none of them signed or recorded anything" test ! -e \
    "$SCRATCH/refused.pem" -a "$(ls "$R/log" | wc -l)" -eq "$n_rec" -a \
    "$(ls "$R/issued" | wc -l)" -eq $((n_issued + 1))
expect_status 2 "window:NAME needs --windows" "$BIN/ca-sign-sub" -d "$R" \
    --csr "$SCRATCH/sub/ca.csr" --profile "$TOP/profiles/it-issuing.json" \
    --not-before window:w3000 $PS
check "  and says so" grep -q "needs --windows FILE" "$SCRATCH/err"

# What it refuses.
printf '{"format": "ca-windows", "version": 1,\n "sites": [{"name": 1}]}\n' \
    >"$SCRATCH/bad.json"
expect_status 2 "a windows file in error" "$BIN/ca-plan" \
    --windows "$SCRATCH/bad.json" -d "$R"
check "names the place in the file" grep -q \
    "bad.json:2:13: \"name\" must be a string" "$SCRATCH/err"
jq '.sites += [.sites[0] | .name = "paint"]' "$SCRATCH/good.json" \
    >"$SCRATCH/two.json"
expect_status 2 "two sites and no --site" "$BIN/ca-plan" \
    --windows "$SCRATCH/two.json" -d "$R"
expect_status 2 "an unknown site" "$BIN/ca-plan" --site nowhere \
    --windows "$SCRATCH/two.json" -d "$R"
expect_status 0 "--site picks one" "$BIN/ca-plan" --site paint \
    --windows "$SCRATCH/two.json" -d "$R"
expect_status 2 "a folder that is no CA directory" "$BIN/ca-plan" \
    --windows "$SCRATCH/good.json" -d "$SCRATCH"
expect_status 2 "a bad margin" "$BIN/ca-plan" \
    --windows "$SCRATCH/good.json" -d "$R" --margin soon
check "each refusal is one line" test "$(wc -l <"$SCRATCH/err")" -eq 1
finish
