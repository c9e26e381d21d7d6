#!/bin/sh
# mcprisk report --html / --markdown over the test manifests plus a hostile
# one: every page exists, no markup from remote text survives as markup,
# every local link resolves inside the site, Markdown tables keep their
# shape, and two runs give identical bytes.
. "$(dirname "$0")/lib.sh"
DB="$T_DIR/cat.db"
H="$T_DIR/html"
M="$T_DIR/md"

t_ok "import manifests" "$MCPRISK" --db "$DB" import "$ROOT/tests/data/manifests"
t_ok "import hostile manifest" "$MCPRISK" --db "$DB" import \
	"$ROOT/tests/data/manifests-hostile"
t_fail "report needs a target" 2 "$MCPRISK" --db "$DB" report
t_fail "report rejects a stray argument" 2 "$MCPRISK" --db "$DB" report \
	--html "$H" extra
t_fail "report rejects a bad --jobs" 2 "$MCPRISK" --db "$DB" report \
	--html "$H" --jobs 0
t_fail "report rejects an unknown profile" 3 "$MCPRISK" --db "$DB" report \
	--html "$H" --profile nosuch
t_ok "report --html --markdown" "$MCPRISK" --db "$DB" report --html "$H" \
	--markdown "$M"
t_grep "report summary on stderr" "5 servers, 14 tools, 14 definitions" \
	"$T_DIR/err"

nserv=$(find "$H/s" -type f -name '*.html' | wc -l)
ntool=$(find "$H/t" -type f -name '*.html' | wc -l)
t_eq "a page per server" "$nserv" 5
t_eq "a page per definition" "$ntool" 14
t_eq "markdown pages match" "$(find "$M" -type f -name '*.md' | wc -l)" \
	"$(find "$H" -type f -name '*.html' | wc -l)"
for f in index.html style.css s/aws-omics.html; do
	if [ -s "$H/$f" ]; then t_pass "exists $f"; else t_bad "exists $f"; fi
done
t_eq "no file outside the site" \
	"$(find "$T_DIR" -type f ! -path "$H/*" ! -path "$M/*" \
		! -name 'cat.db*' ! -name out ! -name err | wc -l)" 0
t_nogrep "no raw <script in html" '<script' "$(echo "$H"/index.html)"
if grep -rlq '<script\|<img' "$H"; then
	t_bad "no <script or <img anywhere in the html site"
else
	t_pass "no <script or <img anywhere in the html site"
fi
t_grep "payload shown as text" \
	"&lt;img src=x onerror=&quot;document.title=&#39;PWNED&#39;&quot;&gt;" \
	"$(grep -rl DeleteEverything "$H/t" | head -n 1)"
t_grep "server name escaped in the index" \
	'evil/\.\./x&lt;script&gt;alert\(1\)&lt;/script&gt;' "$H/index.html"
t_eq "hostile server page name is encoded" "$(ls "$H/s" | grep evil)" \
	'%2E.%2F..%2Fevil%2F..%2Fx%3Cscript%3Ealert%281%29%3C%2Fscript%3E.html'

cat >"$T_DIR/check.py" <<'PY'
import os, re, sys
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

html_dir, md_dir = sys.argv[1], sys.argv[2]
errors = []

class Check(HTMLParser):
    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.path = path
    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "iframe", "object", "embed", "form"):
            errors.append("%s: <%s> element" % (self.path, tag))
        for k, v in attrs:
            if k.startswith("on"):
                errors.append("%s: %s attribute on <%s>" % (self.path, k, tag))
            if k in ("href", "src"):
                check_link(self.path, v or "")

def check_link(path, href):
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        if not href.startswith("http://www.w3.org/2000/svg"):
            errors.append("%s: external link %r" % (path, href))
        return
    target = os.path.normpath(os.path.join(os.path.dirname(path),
                                           unquote(parts.path)))
    root = os.path.dirname(path)
    while not (os.path.isfile(os.path.join(root, "index.html")) or
               os.path.isfile(os.path.join(root, "index.md"))):
        root = os.path.dirname(root)
    if not target.startswith(os.path.abspath(root) + os.sep):
        errors.append("%s: link %r leaves the site" % (path, href))
    elif not os.path.isfile(target):
        errors.append("%s: link %r does not resolve" % (path, href))

nlinks = 0
for d, _, files in os.walk(html_dir):
    for f in files:
        if f.endswith(".html"):
            p = os.path.abspath(os.path.join(d, f))
            Check(p).feed(open(p, encoding="utf-8").read())

link = re.compile(r"(?<!\\)\]\(([^)\s]*)\)")
for d, _, files in os.walk(md_dir):
    for f in files:
        p = os.path.abspath(os.path.join(d, f))
        text = open(p, encoding="utf-8").read()
        # code blocks are literal: drop them (a fence closes only with a
        # run of backticks at least as long as the one that opened it)
        kept, fence = [], None
        for line in text.split("\n"):
            m = re.match(r"^(`{3,})\s*$", line)
            if fence is None and m:
                fence = m.group(1)
            elif fence is not None:
                if m and len(m.group(1)) >= len(fence):
                    fence = None
            else:
                kept.append(line)
        if fence is not None:
            errors.append("%s: unclosed code block" % p)
        text = "\n".join(kept)
        for m in link.finditer(text):
            nlinks += 1
            check_link(p, m.group(1))
        # raw HTML from remote text would be unescaped < followed by a letter
        for m in re.finditer(r"(?<!\\)<[A-Za-z/]", text):
            errors.append("%s: raw HTML at %d" % (p, m.start()))
        cols = None
        for line in text.split("\n"):
            if not line.startswith("|"):
                cols = None
                continue
            n = len(re.findall(r"(?<!\\)\|", line))
            if cols is None:
                cols = n
            elif n != cols:
                errors.append("%s: table row with %d pipes, header %d: %r"
                              % (p, n, cols, line[:80]))
if nlinks == 0:
    errors.append("no markdown links checked")
for e in errors[:20]:
    print(e)
sys.exit(1 if errors else 0)
PY
if python3 "$T_DIR/check.py" "$H" "$M" >"$T_DIR/check.out" 2>&1; then
	t_pass "markup, links and tables check"
else
	t_bad "markup, links and tables check" "$(head -c 1500 "$T_DIR/check.out")"
fi

t_grep "server page has the five formats" 'Docker MCP gateway tools.yaml' \
	"$H/s/aws-omics.html"
t_grep "server page has the hide list" '&quot;hide&quot;' "$H/s/aws-omics.html"
t_grep "server page has drift" 'added' "$H/s/aws-omics.html"
t_grep "tool page has evidence" 'verb\.cancel' \
	"$(grep -l '>CancelAHORunBatch<' "$H"/t/*/*.html | head -n 1)"
t_grep "index has the chart" '<svg' "$H/index.html"
t_grep "markdown index links server pages" '\]\(s/aws-omics\.md\)' \
	"$M/index.md"
t_grep "markdown escapes injected links" \
	'\\\[click\\\]\\\(javascript\\:alert\\\(1\\\)\\\)' \
	"$(grep -l 'Reads a record' "$M"/t/*/*.md | head -n 1)"

"$MCPRISK" --db "$DB" -q report --html "$T_DIR/html2" --markdown "$T_DIR/md2" \
	--jobs 1 >/dev/null 2>&1
if diff -r "$H" "$T_DIR/html2" >/dev/null && diff -r "$M" "$T_DIR/md2" >/dev/null
then t_pass "deterministic output"; else t_bad "deterministic output"; fi
t_ok "report again into the same directory" "$MCPRISK" --db "$DB" -q report \
	--html "$H"
t_eq "no temporary files left" "$(find "$H" -name '*.tmp*' | wc -l)" 0
t_done
