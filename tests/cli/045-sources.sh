# mcprisk sources: a catalog with every source type, including a registry
# served by the mock on 127.0.0.1; secrets never reach the output.
. "$ROOT/tests/cli/lib.sh"

D=$T_DIR/cat
mkdir -p "$D/snap"
printf '{"server":{"name":"snapped"},"tools":[]}\n' >"$D/snap/one.json"
printf '{"tools":[]}\n' >"$D/snap/two.json"
cat >"$D/cursor.json" <<'EOF'
{"mcpServers":{
  "gh":{"url":"https://api.example.com/mcp","headers":{"Authorization":"Bearer ${MCPRISK_T_GH}"}},
  "mem":{"command":"npx","args":["-y","@modelcontextprotocol/server-memory"],"env":{"TOKEN":"${MCPRISK_T_SECRET}"}}}}
EOF

# The mock registry: the system picks the port, we wait for the port file.
python3 "$ROOT/tests/fixtures/mock_registry.py" --data "$ROOT/tests/data/registry" \
	--port-file "$T_DIR/port" --log "$T_DIR/reglog" --lifetime 120 &
MOCK=$!
stop_mock() { kill "$MOCK" 2>/dev/null; wait "$MOCK" 2>/dev/null; }
T_CLEANUP="stop_mock"
i=0
while [ ! -s "$T_DIR/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(cat "$T_DIR/port" 2>/dev/null)
t_grep "mock registry started" '^[0-9]+$' "$T_DIR/port"

cat >"$D/catalog.json" <<EOF
{"sources":[
  {"type":"server","name":"everything","url":"http://127.0.0.1:3001/mcp","headers":{"X-API-Key":"\${MCPRISK_T_SECRET}"}},
  {"type":"config","path":"cursor.json"},
  {"type":"config","path":"~/nonexistent-mcp.json","optional":true},
  {"type":"manifests","path":"snap"},
  {"type":"registry","url":"http://127.0.0.1:$PORT","limit":2}]}
EOF
export MCPRISK_T_SECRET=hunter2-do-not-print
unset MCPRISK_T_GH

t_ok "sources lists the catalog" "$MCPRISK" sources --catalog "$D/catalog.json"
cp "$T_DIR/out" "$T_DIR/table"
cp "$T_DIR/err" "$T_DIR/table.err"
t_grep "server from the catalog" '^everything +auto +- +http://127\.0\.0\.1:3001/mcp$' "$T_DIR/table"
t_grep "stdio server from a config" '^mem +stdio +- +npx -y @modelcontextprotocol/server-memory$' "$T_DIR/table"
t_grep "missing variable is a config_error" '^gh +auto +config_error' "$T_DIR/table"
t_grep "the note names server and variable" "note: gh: server 'gh': headers.Authorization: environment variable 'MCPRISK_T_GH' is not set" "$T_DIR/table"
t_grep "manifest named by server.name" '^snapped +manifest' "$T_DIR/table"
t_grep "manifest named by file" '^two +manifest' "$T_DIR/table"
t_grep "registry remote" '^io\.github\.example/weather +streamable-http +- +https://weather\.example\.com/mcp$' "$T_DIR/table"
t_grep "registry package needs exec" '^io\.github\.acme/db +stdio +needs_exec +npx -y @acme/db-mcp@0\.3\.1' "$T_DIR/table"
t_grep "registry auth header" '^com\.example/keyed +streamable-http +auth_required' "$T_DIR/table"
t_grep "registry summary on stderr" 'registry http://127\.0\.0\.1:[0-9]+: 3 pages, 11 servers, 11 targets \(1 deleted, 1 old versions, 0 without endpoints, 1 malformed skipped\)' "$T_DIR/table.err"
t_nogrep "no secret in the table" 'hunter2' "$T_DIR/table"
t_nogrep "no secret on stderr" 'hunter2' "$T_DIR/table.err"
t_grep "limit sent to the registry" 'limit=2' "$T_DIR/reglog"

t_ok "sources --json" "$MCPRISK" --json sources --catalog "$D/catalog.json" --allow-exec
t_nogrep "no secret in JSON" 'hunter2' "$T_DIR/out"
t_eq "json target count" "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["targets"]))' <"$T_DIR/out")" 16
t_eq "allow-exec lifts needs_exec" "$(python3 -c '
import json,sys
d={t["name"]:t for t in json.load(sys.stdin)["targets"]}
print(d["io.github.py/time"]["status"], d["mem"]["env"], d["everything"]["headers"])' <"$T_DIR/out")" "None ['TOKEN'] ['X-API-Key']"
t_eq "registry watermark" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["registries"][0]["max_updated_at"])' <"$T_DIR/out")" "2025-11-02T10:00:00.5Z"

: >"$T_DIR/reglog"
t_ok "sources --since" "$MCPRISK" -q sources --catalog "$D/catalog.json" --since 2025-10-01T00:00:00Z
t_grep "updated_since sent encoded" 'updated_since=2025-10-01T00%3A00%3A00Z' "$T_DIR/reglog"
t_fail "bad --since is a usage error" 2 "$MCPRISK" sources --catalog "$D/catalog.json" --since yesterday

: >"$T_DIR/reglog"
t_ok "sources --no-sync" "$MCPRISK" sources --catalog "$D/catalog.json" --no-sync
t_grep "registry not synced" 'not synced \(--no-sync\)' "$T_DIR/err"
t_eq "no registry traffic with --no-sync" "$(wc -c <"$T_DIR/reglog" | tr -d ' ')" 0

printf '{"sources":[{"type":"registry","url":5}]}\n' >"$D/bad.json"
t_fail "bad catalog is a runtime error" 3 "$MCPRISK" sources --catalog "$D/bad.json"
t_grep "error names the JSON path" "bad.json: sources\[0\]\.url: expected string, got integer" "$T_DIR/err"
printf '{"sources":[{"type":"registry","url":"http://127.0.0.1:%s/status"}]}\n' "$PORT" >"$D/down.json"
t_fail "failing registry is a runtime error" 3 "$MCPRISK" sources --catalog "$D/down.json"
t_grep "registry error names the page" "page 1: HTTP status 503" "$T_DIR/err"
t_fail "stray argument" 2 "$MCPRISK" sources extra

t_done
