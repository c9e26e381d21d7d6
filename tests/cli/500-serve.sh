#!/bin/sh
# mcprisk serve: every endpoint answers what the CLI prints with --json
# (byte for byte; /v1/tools the same JSON value, compact), policies are
# the exporters' bytes, and SIGTERM exits 0.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/serve_lib.sh"
M="$MCPRISK"
DB="$T_DIR/s.db"
RENDER="$ROOT/$BUILD/fixtures/policy_render"
export MCPRISK_NOW=1767225600
"$M" -q --db "$DB" import "$ROOT/tests/data/manifests" || exit 1
printf '{"server":{"name":"io.github.x/y.z"},"tools":[{"name":"delete_repo","description":"Delete a repository permanently."},{"name":"x/y","description":"Get a thing."}]}' >"$T_DIR/slash.json"
"$M" -q --db "$DB" import "$T_DIR/slash.json" || exit 1
unset MCPRISK_NOW

t_ok "serve starts on a free port" serve_start "$DB" --threads 3
t_grep "prints the real port" '^listening on http://127\.0\.0\.1:[1-9][0-9]*$' "$T_DIR/serve.err"

t_eq "healthz" "$(req GET /healthz)" 200
t_grep "healthz says ok" '"status": "ok"' "$T_DIR/body"

# One server: the same bytes as `mcprisk --json show`.
"$M" --db "$DB" --json show aws-omics >"$T_DIR/cli.json"
t_eq "GET /v1/servers/aws-omics" "$(req GET /v1/servers/aws-omics)" 200
t_ok "server JSON is the CLI's" cmp "$T_DIR/body" "$T_DIR/cli.json"
t_grep "content type json" '^Content-Type: application/json' "$T_DIR/headers"
"$M" --db "$DB" --json show io.github.x/y.z >"$T_DIR/cli.json"
t_eq "name with %2F" "$(req GET /v1/servers/io.github.x%2Fy.z)" 200
t_ok "escaped name is the CLI's" cmp "$T_DIR/body" "$T_DIR/cli.json"
t_eq "name with a raw slash" "$(req GET /v1/servers/io.github.x/y.z)" 200
t_ok "raw-slash name is the CLI's" cmp "$T_DIR/body" "$T_DIR/cli.json"
t_eq "unknown server 404" "$(req GET /v1/servers/nope)" 404
t_ok "404 is JSON" is_json_error "$T_DIR/body"
t_eq "HEAD works" "$(curl -s -I -o /dev/null -w '%{http_code}' "$BASE/v1/servers/aws-omics")" 200

# Paging: every page joined is `mcprisk --json servers`.
"$M" --db "$DB" --json servers >"$T_DIR/cli.json"
: >"$T_DIR/pages"
cursor=
n=0
while [ $n -lt 20 ]; do
	st=$(req GET "/v1/servers?limit=2${cursor:+&cursor=$cursor}")
	[ "$st" = 200 ] || break
	cat "$T_DIR/body" >>"$T_DIR/pages"
	echo >>"$T_DIR/pages"
	cursor=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["next_cursor"]; print(c or "")' "$T_DIR/body")
	n=$((n + 1))
	[ -n "$cursor" ] || break
done
t_eq "three pages of two" "$n" 3
t_eq "pages join to the CLI list" "$(python3 - "$T_DIR/pages" "$T_DIR/cli.json" <<'PY'
import json, sys
dec = json.JSONDecoder()
text, rows, i = open(sys.argv[1]).read(), [], 0
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    d, i = dec.raw_decode(text, i)
    rows += d["servers"]
# grade, grade_reason and tokens are added by the CLI itself (not yet in
# the store's JSON); definition_bytes is what they are computed from.
drop = {"grade", "grade_reason", "tokens", "definition_bytes"}
strip = lambda l: [{k: v for k, v in r.items() if k not in drop} for r in l]
print(strip(rows) == strip(json.load(open(sys.argv[2]))["servers"]))
PY
)" True
t_eq "default page" "$(req GET /v1/servers)" 200
t_eq "one page holds all five" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["servers"]), d["next_cursor"])' "$T_DIR/body")" "5 None"

# Tools: store_tool's JSON, the same verdict as show.
t_eq "GET /v1/tools/CancelAHORunBatch" "$(req GET /v1/tools/CancelAHORunBatch)" 200
"$M" --db "$DB" --json show aws-omics >"$T_DIR/cli.json"
t_eq "tool verdict is show's" "$(python3 -c '
import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
v=[t["verdict"] for t in b["tools"] if t["name"]=="CancelAHORunBatch"][0]
print(a["tool"], a["servers"][0]["server"], a["servers"][0]["verdict"]==v, v["category"])' "$T_DIR/body" "$T_DIR/cli.json")" "CancelAHORunBatch aws-omics True destructive"
t_eq "tool on a named server" "$(req GET '/v1/tools/CancelAHORunBatch?server=aws-omics')" 200
t_eq "tool on another server 404" "$(req GET '/v1/tools/CancelAHORunBatch?server=docker-tools')" 404
t_eq "tool name with an escaped slash" "$(req GET /v1/tools/x%2Fy)" 200
t_eq "slash tool found" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["servers"][0]["server"])' "$T_DIR/body")" io.github.x/y.z

# Search: `mcprisk --json search`.
"$M" --db "$DB" --json search cancel batch >"$T_DIR/cli.json"
t_eq "search" "$(req GET '/v1/search?q=cancel+batch')" 200
t_ok "search JSON is the CLI's" cmp "$T_DIR/body" "$T_DIR/cli.json"
"$M" --db "$DB" --json search --limit 1 knowl >"$T_DIR/cli.json"
t_eq "search with a limit" "$(req GET '/v1/search?q=knowl&limit=1')" 200
t_ok "limited search is the CLI's" cmp "$T_DIR/body" "$T_DIR/cli.json"

# Changes: every form of since.
t_eq "changes since 0" "$(req GET '/v1/changes?since=0')" 200
t_eq "every import added its server" "$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["changes"]; print(len(c), {x["kind"] for x in c})' "$T_DIR/body")" "5 {'server_added'}"
t_eq "changes since RFC 3339" "$(req GET '/v1/changes?since=2025-12-31T23:00:00Z')" 200
t_eq "RFC 3339 before the import sees all" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["changes"]))' "$T_DIR/body")" 5
t_eq "changes since an offset time" "$(req GET '/v1/changes?since=2026-01-01T02:00:01%2B02:00')" 200
t_eq "a second after the import sees none" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["changes"]))' "$T_DIR/body")" 0
t_eq "changes since a duration" "$(req GET '/v1/changes?since=7d')" 200
t_eq "changes with a limit" "$(req GET '/v1/changes?limit=3')" 200
t_eq "limit cuts the list" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["changes"]))' "$T_DIR/body")" 3

# Classify: the same bytes as `mcprisk classify --json`, in every shape.
for f in omics jsonrpc docker-tools tools-result; do
	"$M" --json classify "$ROOT/tests/data/manifests/$f.json" >"$T_DIR/cli.json"
	t_eq "POST /v1/classify $f" "$(req POST /v1/classify --data-binary @"$ROOT/tests/data/manifests/$f.json")" 200
	t_ok "classify $f is the CLI's" cmp "$T_DIR/body" "$T_DIR/cli.json"
done
"$M" --db "$DB" --json servers >"$T_DIR/before.json"
t_eq "catalog unchanged after classify" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["servers"]))' "$T_DIR/before.json")" 5

# Policies: the exporters' bytes, with the right content type.
for f in policylayer:application/json claude:application/json \
	 codex:application/toml docker:application/yaml \
	 intercept:application/yaml; do
	fmt=${f%%:*}
	ct=${f#*:}
	"$RENDER" "$DB" "$ROOT/data/rules" "$ROOT/data/profiles/balanced.json" aws-omics "$fmt" >"$T_DIR/want"
	t_eq "policy $fmt" "$(req GET "/v1/servers/aws-omics/policy?format=$fmt")" 200
	t_ok "policy $fmt bytes" cmp "$T_DIR/body" "$T_DIR/want"
	t_grep "policy $fmt content type" "^Content-Type: $ct" "$T_DIR/headers"
done
"$RENDER" "$DB" "$ROOT/data/rules" "$ROOT/data/profiles/strict.json" io.github.x/y.z claude gh >"$T_DIR/want"
t_eq "policy with profile and alias" "$(req GET '/v1/servers/io.github.x%2Fy.z/policy?format=claude&profile=strict&alias=gh')" 200
t_ok "profile and alias bytes" cmp "$T_DIR/body" "$T_DIR/want"
"$RENDER" "$DB" "$ROOT/data/rules" "$ROOT/data/profiles/balanced.json" aws-omics policylayer >"$T_DIR/want"
t_eq "default policy" "$(req GET /v1/servers/aws-omics/policy)" 200
t_ok "default is policylayer, balanced" cmp "$T_DIR/body" "$T_DIR/want"
t_eq "policy of an unknown server" "$(req GET /v1/servers/nope/policy)" 404

# Metrics: requests, latency, catalog counts, the last run.
t_eq "metrics" "$(req GET /metrics)" 200
t_grep "metrics content type" '^Content-Type: text/plain; version=0\.0\.4' "$T_DIR/headers"
t_grep "requests by route and status" '^mcprisk_http_requests_total\{route="server",status="200"\} [1-9]' "$T_DIR/body"
t_grep "404s counted" '^mcprisk_http_requests_total\{route="server",status="404"\} 1$' "$T_DIR/body"
t_grep "latency histogram" '^mcprisk_http_request_duration_seconds_bucket\{route="classify",le="\+Inf"\} 4$' "$T_DIR/body"
t_grep "server count" '^mcprisk_catalog_objects\{kind="servers"\} 5$' "$T_DIR/body"
t_grep "tool count" '^mcprisk_catalog_objects\{kind="tools"\} 12$' "$T_DIR/body"
t_grep "last import time" '^mcprisk_last_run_finished_seconds\{kind="import"\} 1767225600$' "$T_DIR/body"
t_grep "last import outcome" '^mcprisk_last_run_success\{kind="import"\} 1$' "$T_DIR/body"

serve_stop
t_eq "SIGTERM exits 0" "$S_RC" 0

# GET /v1/tools/{name} splices the stored JSON texts: whatever the
# strings, reals and servers, the body must be the same JSON value as
# `mcprisk --json risk` (same types too: 1.0 is not 1, true is not 1).
DB2="$T_DIR/tools.db"
"$M" -q --db "$DB2" import "$ROOT/tests/data/manifests" "$ROOT/tests/data/manifests-hostile" || exit 1
printf '{"server":{"name":"shared-a"},"tools":[{"name":"shared_tool","description":"Reads \\"it\\" \\\\ back\\u0001\\u001f\\u007f\\t\\u2028 \\ud83d\\ude00 done.","inputSchema":{"type":"object","properties":{"n":{"type":"number","minimum":0.5,"maximum":1e-07,"default":9007199254740993}}}},{"name":"CancelAHORunBatch","description":"Cancels a batch elsewhere."}]}' >"$T_DIR/shared-a.json"
printf '{"server":{"name":"shared-b \\"b\\""},"tools":[{"name":"shared_tool","description":"Writes a value.","inputSchema":{"type":"object","properties":{"x":{"type":"number","minimum":0.1234567890123,"multipleOf":2.718281828459045}}}}]}' >"$T_DIR/shared-b.json"
# Imported last but first by name: rows come out of SQLite in import order.
printf '{"server":{"name":"aaa-late"},"tools":[{"name":"CancelAHORunBatch","description":"Cancels a run batch, late."}]}' >"$T_DIR/late.json"
"$M" -q --db "$DB2" import "$T_DIR/shared-a.json" "$T_DIR/shared-b.json" || exit 1
"$M" -q --db "$DB2" import "$T_DIR/late.json" || exit 1
# same_as_cli TOOL [SERVER]: the API body equals the CLI's --json value.
same_as_cli() {
	sc_path=$(python3 -c 'import sys, urllib.parse as u
q = lambda s: u.quote(s, safe="")
print("/v1/tools/" + q(sys.argv[1]) + ("?server=" + q(sys.argv[2]) if len(sys.argv) > 2 else ""))' "$@")
	sc_st=$(req GET "$sc_path")
	[ "$sc_st" = 200 ] || { echo "status $sc_st for $sc_path" >&2; return 1; }
	if [ $# -gt 1 ]; then
		"$M" --db "$DB2" --json risk --server "$2" "$1" >"$T_DIR/cli.json"
	else
		"$M" --db "$DB2" --json risk "$1" >"$T_DIR/cli.json"
	fi || { echo "risk failed" >&2; return 1; }
	python3 - "$T_DIR/body" "$T_DIR/cli.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
same = a == b and json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
if not same:
    print("api:", json.dumps(a, sort_keys=True)[:180], file=sys.stderr)
    print("cli:", json.dumps(b, sort_keys=True)[:180], file=sys.stderr)
sys.exit(0 if same else 1)
PY
}
t_ok "serve starts on the second catalog" serve_start "$DB2"
t_ok "tool on one server" same_as_cli ListRuns
t_ok "tool on three servers" same_as_cli CancelAHORunBatch
t_eq "servers in name order" "$(python3 -c 'import json,sys; print([s["server"] for s in json.load(open(sys.argv[1]))["servers"]])' "$T_DIR/body")" "['aaa-late', 'aws-omics', 'shared-a']"
t_ok "tool on three servers, ?server=" same_as_cli CancelAHORunBatch shared-a
t_ok "odd strings and stable reals" same_as_cli shared_tool shared-a
t_ok "a real --json prints rounded" same_as_cli shared_tool 'shared-b "b"'
t_ok "both shared_tool servers" same_as_cli shared_tool
t_eq "shared_tool on neither" "$(req GET '/v1/tools/shared_tool?server=nope')" 404
t_ok "404 is JSON" is_json_error "$T_DIR/body"
hostile=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["server"]["name"])' "$ROOT/tests/data/manifests-hostile/xss.json")
python3 -c 'import json,sys; print("\n".join(t["name"] for t in json.load(open(sys.argv[1]))["tools"]))' "$ROOT/tests/data/manifests-hostile/xss.json" >"$T_DIR/hostile-tools"
while IFS= read -r tool; do
	t_ok "hostile tool $tool" same_as_cli "$tool"
	t_ok "hostile tool $tool on its server" same_as_cli "$tool" "$hostile"
done <"$T_DIR/hostile-tools"
# The stored verdict text is in the body as it is: the spliced path ran.
req GET /v1/tools/ListRuns >/dev/null
t_eq "stored verdict spliced" "$(python3 - "$DB2" "$T_DIR/body" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
v = db.execute("SELECT v.json FROM tools t JOIN verdicts v ON v.def_id = t.def_id WHERE t.name = 'ListRuns'").fetchone()[0]
print(v in open(sys.argv[2]).read())
PY
)" True
serve_stop
t_eq "second catalog SIGTERM exits 0" "$S_RC" 0

# IPv6 loopback, when the host has it.
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
	S_LISTEN='[::1]:0' S_HOST='[::1]' serve_start "$DB" >/dev/null 2>&1
	t_eq "IPv6 listen" "$(req GET /healthz)" 200
	t_grep "IPv6 address printed" '^listening on http://\[::1\]:[1-9]' "$T_DIR/serve.err"
	serve_stop
	t_eq "IPv6 SIGTERM exits 0" "$S_RC" 0
fi
t_fail "bad --listen" 2 "$M" --db "$DB" serve --listen nope
t_fail "bad --threads" 2 "$M" --db "$DB" serve --threads 0
t_fail "missing database" 3 "$M" --db "$T_DIR/none.db" serve --listen 127.0.0.1:0
t_done
