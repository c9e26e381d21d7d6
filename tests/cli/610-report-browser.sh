#!/bin/sh
# The HTML report in headless Chromium: screenshots of the index and of a
# hostile tool page must be real pictures, and nothing from a description
# may run: the dumped DOM keeps its own <title>, holds no element the
# payloads would create, and shows the payloads as text.  Skips (as a pass
# with a note) only when chromium is not installed and CI is not set.
. "$(dirname "$0")/lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	if [ -n "${CI:-}" ]; then
		t_bad "chromium is installed" "tests/deps.sh should install it"
	else
		echo "skip: chromium not installed (tests/deps.sh installs it)"
	fi
	t_done
	exit $?
fi
DB="$T_DIR/cat.db"
H="$T_DIR/html"
"$MCPRISK" -q --db "$DB" import "$ROOT/tests/data/manifests" \
	"$ROOT/tests/data/manifests-hostile" >/dev/null 2>&1
t_ok "report --html" "$MCPRISK" -q --db "$DB" report --html "$H"
TOOL=$(grep -l '>DeleteEverything<' "$H"/t/*/*.html | head -n 1)
SERVER=$(ls "$H"/s/*evil*.html | head -n 1)
QUOTED=$(grep -l 'Reads a record' "$H"/t/*/*.html | head -n 1)

# One browser run, bounded in time, with a throwaway profile and nothing
# that reaches the network.
browse() {
	prof=$(mktemp -d "$T_DIR/prof.XXXXXX")
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$prof" "$@" 2>>"$T_DIR/chromium.log"
}

# A file:// URL with the path percent-encoded: page names hold '%'.
fileurl() {
	python3 -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).as_uri())' "$1"
}

for page in index "$TOOL"; do
	case $page in
	index) url=$(fileurl "$H/index.html"); png="$T_DIR/index.png" ;;
	*) url=$(fileurl "$page"); png="$T_DIR/tool.png" ;;
	esac
	browse --screenshot="$png" --window-size=1280,900 "$url" >/dev/null
	if [ -s "$png" ]; then t_pass "screenshot $(basename "$png")"; else
		t_bad "screenshot $(basename "$png")" \
			"$(tail -n 5 "$T_DIR/chromium.log")"; fi
done
[ -n "${TEST_OUT:-}" ] && cp "$T_DIR"/*.png "$TEST_OUT/" 2>/dev/null

cat >"$T_DIR/png.py" <<'PY'
import struct, sys, zlib
# Decode a PNG (8-bit RGB/RGBA, as Chromium writes) and report whether it
# has real content: enough distinct colours and non-background pixels.
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), "unexpected PNG format"
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
rows, prev, i = [], bytearray(stride), 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else
                                  b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line
colours, ink = set(), 0
for y in range(0, h, 3):
    r = rows[y]
    for x in range(0, w * bpp, bpp * 3):
        px = r[x:x + 3]
        colours.add(px)
        if px != b"\xff\xff\xff":
            ink += 1
print("size %dx%d colours %d ink %d" % (w, h, len(colours), ink))
sys.exit(0 if w == 1280 and len(colours) >= 8 and ink >= 2000 else 1)
PY
for png in index tool; do
	if python3 "$T_DIR/png.py" "$T_DIR/$png.png" >"$T_DIR/png.out" 2>&1; then
		t_pass "$png.png has content ($(cat "$T_DIR/png.out"))"
	else
		t_bad "$png.png has content" "$(cat "$T_DIR/png.out")"
	fi
done

cat >"$T_DIR/dom.py" <<'PY'
import sys
from html.parser import HTMLParser
# The DOM after load: its <title> must be ours, no element the payloads
# would create may exist, and the payload must be there as text.
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.in_title, self.text, self.bad = "", False, [], []
    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "iframe", "object", "embed", "form"):
            self.bad.append(tag)
        for k, v in attrs:
            if k.startswith("on") or (v or "").strip().lower().startswith("javascript:"):
                self.bad.append("%s[%s]" % (tag, k))
        self.in_title = tag == "title"
    def handle_endtag(self, tag):
        self.in_title = False
    def handle_data(self, d):
        if self.in_title:
            self.title += d
        self.text.append(d)
dom = open(sys.argv[1], encoding="utf-8").read()
p = P()
p.feed(dom)
text = "".join(p.text)
errs = []
if "PWNED" in p.title or "mcprisk" not in p.title:
    errs.append("title is %r" % p.title)
if p.bad:
    errs.append("injected elements: %s" % ", ".join(p.bad))
for want in sys.argv[2:]:
    if want not in text:
        errs.append("payload %r not shown as text" % want)
print("; ".join(errs) or "title %r" % p.title)
sys.exit(1 if errs else 0)
PY
check_dom() { # name file payload...
	n=$1 f=$2; shift 2
	browse --dump-dom "$(fileurl "$f")" >"$T_DIR/dom.html"
	if python3 "$T_DIR/dom.py" "$T_DIR/dom.html" "$@" >"$T_DIR/dom.out" 2>&1
	then t_pass "$n: nothing executed"; else
		t_bad "$n: nothing executed" "$(cat "$T_DIR/dom.out")"; fi
}
check_dom "tool page" "$TOOL" \
	"<img src=x onerror=\"document.title='PWNED'\">" \
	"</td></tr></table><script>document.title='PWNED'</script>"
check_dom "tool page with link payloads" "$QUOTED" \
	"<script>document.title='PWNED'</script>" "[click](javascript:alert(1))"
check_dom "server page" "$SERVER" "<img src=x onerror=\"document.title='PWNED'\">"
check_dom "index" "$H/index.html" "x<script>alert(1)</script>"
t_done
