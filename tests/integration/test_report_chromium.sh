#!/bin/sh
# ca-audit --html in a real browser: a root CA with an OT and an IT issuing
# CA, a revocation and a CRL, audited into one page that Debian's headless
# Chromium renders (a screenshot) and parses (the DOM, read back with
# python3's html.parser).  Operator names carry markup, which must reach
# the DOM as text.  Chromium runs with no network (a fresh network
# namespace when unshare(1) allows it, and no name resolves), and its net
# log must show that the page loaded nothing and no byte was sent.
. "$(dirname "$0")/../lib.sh"

PROFILES=$TOP/profiles
CHROMIUM=${CHROMIUM:-chromium}
HOSTILE='<script>alert(1)</script> "O'\''Brien" & <img src=x onerror=alert(2)>'

fp() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }

if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
	not_ok "chromium is installed (tests/deps.sh installs it)"
	finish
	exit 1
fi

for t in root ot it; do
	new_token "$t"
done
PINFILE=$SCRATCH/pin-root
PS="--pin-source file:$PINFILE"
R=$SCRATCH/root

# --- a small hierarchy ---------------------------------------------------
expect_status 0 "root CA" "$BIN/ca-init" --ceremony "$PLAN" -d "$R" --token pkcs11:token=root \
    $PS --subject "CN=Plant Root CA 1,O=Example Manufacturing,C=DE" \
    --operator "$HOSTILE" --witness "Bob Witness"
ROOTFP=$(fp "$R/ca.pem")
for s in ot it; do
	expect_status 0 "$s: request" "$BIN/ca-init" --ceremony "$PLAN" --sub -d "$SCRATCH/$s" \
	    --token "pkcs11:token=$s" $PS \
	    --subject "CN=Line 4 $s Issuing CA,O=Example Manufacturing,C=DE"
done
expect_status 0 "ot: signed under ot-issuing-sl2" "$BIN/ca-sign-sub" -d "$R" \
    --csr "$SCRATCH/ot/ca.csr" --profile "$PROFILES/ot-issuing-sl2.json" \
    --out "$SCRATCH/ot.pem" $PS --operator "$HOSTILE"
expect_status 0 "it: signed under it-issuing" "$BIN/ca-sign-sub" -d "$R" \
    --csr "$SCRATCH/it/ca.csr" --profile "$PROFILES/it-issuing.json" \
    --out "$SCRATCH/it.pem" $PS --operator "$HOSTILE"
ITSERIAL=$(openssl x509 -in "$SCRATCH/it.pem" -noout -serial | cut -d= -f2 |
    tr 'A-F' 'a-f')
expect_status 0 "it: revoked" "$BIN/ca-crl" revoke -d "$R" \
    --serial "$ITSERIAL" --reason superseded $PS --operator "$HOSTILE"
expect_status 0 "a CRL" "$BIN/ca-crl" issue -d "$R" $PS --operator "$HOSTILE"

# --- the pages -----------------------------------------------------------
# audit NAME DIR: the JSON report and the HTML page of one audit; exit 0
# (passed) or 1 (findings) are both a finished audit.
audit() {
	_n=$1 _d=$2
	shift 2
	"$BIN/ca-audit" -d "$_d" --anchor "$ROOTFP" --json \
	    --html "$SCRATCH/$_n.html" "$@" >"$SCRATCH/$_n.json" \
	    2>"$SCRATCH/$_n.err"
	set -- "$_n"
	_st=$?
	if [ "$_st" -le 1 ] && [ -s "$SCRATCH/$1.html" ]; then
		ok "$1: ca-audit --html wrote a page (exit $_st)"
	else
		not_ok "$1: ca-audit --html wrote a page (exit $_st)"
		sed 's/^/#   /' "$SCRATCH/$1.err"
	fi
}

# The good page carries a replacement plan: two windows for line 4, one
# soon and one in twenty years, and a CRL ceremony after the CRL ends.
day() { date -u -d "+$1 days" +%Y-%m-%dT%H:%M:%SZ; }
cat >"$SCRATCH/windows.json" <<EOF
{"format": "ca-windows", "version": 1, "sites": [{"name": "line-4",
 "zone": "OT-L4", "windows": [
  {"name": "soon", "start": "$(day 30)", "end": "$(day 31)"},
  {"name": "late", "start": "$(day 7300)", "end": "$(day 7301)"}]}],
 "crl_ceremonies": ["$(day 400)"]}
EOF
"$BIN/ca-plan" --windows "$SCRATCH/windows.json" -d "$R" --json \
    >"$SCRATCH/plan.json"
audit good "$R" --windows "$SCRATCH/windows.json"
# A tampered artifact: the audit must report it, and the page must show it.
cp -a "$R" "$SCRATCH/bad"
printf 'x' >>"$SCRATCH/bad/crl/1.der"
audit bad "$SCRATCH/bad"
check "bad: the audit reports at least one error" test \
    "$(jq '[.findings[] | select(.severity == "error")] | length' \
    "$SCRATCH/bad.json")" -gt 0

# No fetch may leave: no network at all where a namespace can be made.
NONET=""
if unshare -n true 2>/dev/null; then
	NONET="unshare -n"
	echo "# chromium runs in a network namespace of its own"
else
	echo "# chromium runs on the host's network, no name resolving"
fi
# chrome NAME RUN ARGS...: Chromium for NAME's page, headless, with its
# own profile and a net log per RUN, and its background services off.
chrome() {
	_n=$1
	_run=$2
	shift 2
	# shellcheck disable=SC2086
	timeout 120 $NONET "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --user-data-dir="$SCRATCH/chrome-$_n" \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --disable-default-apps --disable-extensions \
	    --disable-domain-reliability --no-first-run --no-pings \
	    --disable-breakpad --metrics-recording-only \
	    --disable-features=NetworkTimeServiceQuerying \
	    --host-resolver-rules="MAP * ~NOTFOUND" \
	    --log-net-log="$SCRATCH/$_n-$_run.netlog" "$@"
}

for p in good bad; do
	PAGE=file://$SCRATCH/$p.html
	chrome "$p" shot --screenshot="$SCRATCH/$p.png" --window-size=1280,2000 \
	    "$PAGE" >"$SCRATCH/$p-shot.out" 2>&1
	check "$p: the screenshot is a 1280x2000 PNG of some substance" \
	    $PY - "$SCRATCH/$p.png" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
assert d[12:16] == b"IHDR", "no IHDR"
w, h = struct.unpack(">II", d[16:24])
assert (w, h) == (1280, 2000), (w, h)
assert len(d) > 20000, "only %d bytes: a blank page?" % len(d)
# A blank page has a handful of distinct pixel rows; this one, hundreds.
idat, i = b"", 8
while i + 8 <= len(d):
    n = struct.unpack(">I", d[i:i + 4])[0]
    if d[i + 4:i + 8] == b"IDAT":
        idat += d[i + 8:i + 8 + n]
    i += 12 + n
raw = zlib.decompress(idat)
stride = len(raw) // h
rows = {raw[y * stride + 1:(y + 1) * stride] for y in range(h)}
assert len(rows) > 200, "only %d distinct rows" % len(rows)
PY
	chrome "$p" dom --dump-dom "$PAGE" >"$SCRATCH/$p.dom" \
	    2>"$SCRATCH/$p-dom.err"
	check "$p: chromium dumped a DOM" test -s "$SCRATCH/$p.dom"
done

# dom NAME CHECK: python over NAME's DOM (as Chromium built it) and JSON
# report; CHECK raises AssertionError to fail.
cat >"$SCRATCH/dom.py" <<'PY'
import json, sys
from html.parser import HTMLParser

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.text = [], ""
    def cls(self):
        return (self.attrs.get("class") or "").split()
    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()
    def all_text(self):
        return self.text + "".join(c.all_text() for c in self.children)
    def find(self, tag=None, cls=None, id=None):
        return [n for n in self.walk() if (tag is None or n.tag == tag)
                and (cls is None or cls in n.cls())
                and (id is None or n.attrs.get("id") == id)]

VOID = {"meta", "br", "img", "link", "input", "hr", "source", "wbr"}

class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#document", [], None)
    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n
    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))
    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent
    def handle_data(self, data):
        self.cur.text += data

name, check = sys.argv[1], sys.argv[2]
t = Tree()
t.feed(open(name + ".dom", encoding="utf-8").read())
doc = t.root
rep = json.load(open(name + ".json"))
def one(xs):
    assert len(xs) == 1, "%d matches, wanted one" % len(xs)
    return xs[0]
exec(check)
PY
dom() {
	check "$1: $2" $PY "$SCRATCH/dom.py" "$SCRATCH/$1" "$3"
}

for p in good bad; do
	dom "$p" "every section is there, once" '
for s in ("summary", "hierarchy", "timeline", "crl-runway", "findings",
          "posture"):
    assert one(doc.find("section", id=s)), s'
	dom "$p" "svg#radar holds one polygon.score with 7 points" '
radar = one(doc.find("svg", id="radar"))
poly = one(radar.find("polygon", cls="score"))
pts = [tuple(map(float, xy.split(","))) for xy in poly.attrs["points"].split()]
assert len(pts) == 7, pts
assert len(radar.find("polygon", cls="grid")) == 4
assert len(radar.find("line", cls="axis")) == 7'
	dom "$p" "the radar draws the scores of the JSON report" '
radar = one(doc.find("svg", id="radar"))
labels = radar.find("text", cls="label")
assert len(labels) == 7
for lab, sc in zip(labels, rep["posture"]):
    s = max(0, min(100, sc["score"]))
    assert lab.all_text().strip() == "%s %d" % (sc["axis"], s), \
        (lab.all_text(), sc)
# Axis 0 points up: its vertex sits straight above the centre, at the
# distance its score gives (radius 150).
poly = one(radar.find("polygon", cls="score"))
x0, y0 = map(float, poly.attrs["points"].split()[0].split(","))
s0 = max(0, min(100, rep["posture"][0]["score"]))
assert x0 == 350.0 and abs(y0 - (200 - 1.5 * s0)) < 0.06, (x0, y0, s0)'
	dom "$p" "the findings table has one row per finding of the report" '
tab = one(one(doc.find("section", id="findings")).find("table"))
rows = tab.find("tr", cls="finding")
assert len(rows) == len(rep["findings"]), (len(rows), len(rep["findings"]))
for sev in ("error", "warning", "info"):
    assert len(tab.find("tr", cls="sev-" + sev)) == \
        len([f for f in rep["findings"] if f["severity"] == sev]), sev
none = tab.find("tr", cls="none")
assert len(none) == (0 if rows else 1)
if rows:
    cells = [c.all_text() for c in rows[0].find("td")]
    assert len(cells) == 5, cells'
	dom "$p" "the hierarchy shows the OT and the IT CA, the IT one revoked" '
h = one(doc.find("section", id="hierarchy"))
subs = h.find("span", cls="sub")
assert len(subs) == 2, len(subs)
txt = [s.all_text() for s in subs]
ot = [s for s in subs if "Line 4 ot" in s.all_text()][0]
it = [s for s in subs if "Line 4 it" in s.all_text()][0]
assert ot.find("span", cls="ot") and not ot.find("span", cls="revoked")
assert it.find("span", cls="it") and it.find("span", cls="revoked")
assert "revoked" in it.cls()'
	dom "$p" "the CRL runway marks now, and the days left" '
s = one(doc.find("section", id="crl-runway"))
svg = one(s.find("svg", cls="runway"))
assert one(svg.find("line", cls="now"))
days = int(one(s.find("span", cls="days-left")).attrs["data-days"])
assert 360 <= days <= 366, days'
	dom "$p" "the timeline lists the ceremonies of the report" '
s = one(doc.find("section", id="timeline"))
assert len(s.find("li", cls="ceremony")) == len(rep["ceremonies"]) > 0'
	dom "$p" "operator markup reaches the DOM as text only" '
ops = [o.all_text() for o in doc.find("span", cls="operator")]
want = """<script>alert(1)</script> \"O'"'"'Brien\" & <img src=x onerror=alert(2)>"""
assert want in ops, ops
assert not doc.find("script") and not doc.find("img")'
	dom "$p" "nothing in the page can load or run anything" '
for n in doc.walk():
    for k, v in n.attrs.items():
        assert not k.startswith("on"), (n.tag, k)
        assert k not in ("src", "srcset", "action", "xlink:href", "poster",
                         "data"), (n.tag, k)
        if k == "href":
            assert v.startswith("#"), v
    assert n.tag not in ("script", "iframe", "object", "embed", "link",
                         "img", "image", "use", "audio", "video", "form")
style = "".join(s.all_text() for s in doc.find("style"))
assert "url(" not in style and "@import" not in style'
	# Chromium's own services (update_client, gaia) still try to call
	# home whatever the flags; the page must ask for nothing, and no byte
	# may leave by any socket.
	check "$p: the page made no request (net log)" \
	    $PY - "$SCRATCH/$p-shot.netlog" "$SCRATCH/$p-dom.netlog" <<'PY'
import json, sys
# Traffic annotations of the loads a page causes: blink_resource_loader,
# navigation_url_loader.
PAGE = {101845102, 63171670}
for f in sys.argv[1:]:
    log = json.load(open(f))
    for e in log["events"]:
        p = e.get("params") or {}
        if p.get("traffic_annotation") in PAGE:
            assert p.get("url", "").startswith("file:"), p.get("url")
PY
	check "$p: no byte left chromium by any socket (net log)" \
	    $PY - "$SCRATCH/$p-shot.netlog" "$SCRATCH/$p-dom.netlog" <<'PY'
import json, sys
for f in sys.argv[1:]:
    log = json.load(open(f))
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    sent = [types[e["type"]] for e in log["events"]
            if types[e["type"]] in ("SOCKET_BYTES_SENT", "UDP_BYTES_SENT")]
    assert not sent, (f, sent)
PY
done

dom good "the summary of a good root names it and the anchor matched" '
s = one(doc.find("section", id="summary"))
assert "Plant Root CA 1" in s.all_text()
assert "matches the root fingerprint" in one(s.find("dd", cls="anchor")).all_text()'
dom good "the replacement plan: a row and a timeline bar per item" '
import json
plan = json.load(open(name.rsplit("/", 1)[0] + "/plan.json"))
s = one(doc.find("section", id="plan"))
svg = one(s.find("svg", cls="plan"))
items = svg.find("g", cls="item")
assert len(items) == len(plan["items"]) == 4, (len(items), plan["items"])
assert [g.cls()[1] for g in items] == [i["kind"] for i in plan["items"]]
for g, i in zip(items, plan["items"]):
    assert ("warn" in g.cls()) == ("warning" in i), (g.cls(), i)
    assert one(g.find("rect", cls="life"))
assert len(svg.find("rect", cls="window")) == 2
rows = one(s.find("tbody")).find("tr")
assert len(rows) == 4
assert sum("warn" in r.cls() for r in rows) == plan["warnings"] >= 1
assert not doc.find("section", id="plan")[0].find("script")'
dom bad "a page without --windows has no plan" '
assert not doc.find("section", id="plan")'
dom bad "the tampered CRL fails the audit and shows in the findings" '
s = one(doc.find("section", id="summary"))
assert one(s.find("div", cls="verdict")).all_text() == "FAIL"
assert rep["passed"] is False
assert one(doc.find("section", id="findings")).find("tr", cls="sev-error")'

finish
