#!/bin/sh
# refresh: real stdio peers, HTTP fixtures and a mock registry in one run;
# failures keep the last good tools; registry-learned loopback addresses
# are blocked unless --allow-private; incremental registry syncs.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/peers.sh"
need_peers
M="$MCPRISK"
DB="$T_DIR/r.db"
C="$T_DIR/catalog.json"

start_http_fixture

# A registry whose only server lives on the loopback HTTP fixture, spelled
# 127.0.0.2: a learned address the policy must refuse.
mkdir -p "$T_DIR/reg"
cat >"$T_DIR/reg/page1.json" <<EOF
{"servers":[{"server":{"name":"io.test/local","description":"On loopback","version":"1.0.0",
  "remotes":[{"type":"streamable-http","url":"http://127.0.0.2:$HP/good/mcp"}]},
  "_meta":{"io.modelcontextprotocol.registry/official":{"status":"active","updatedAt":"2026-11-01T00:00:00Z","isLatest":true}}},
 {"server":{"name":"io.test/near","description":"Also on loopback","version":"1.0.0",
  "remotes":[{"type":"streamable-http","url":"http://127.0.0.1:$HP/good/mcp"}]},
  "_meta":{"io.modelcontextprotocol.registry/official":{"status":"active","updatedAt":"2026-10-01T00:00:00Z","isLatest":true}}}],
 "metadata":{"count":1}}
EOF
python3 "$ROOT/tests/fixtures/mock_registry.py" --data "$T_DIR/reg" \
	--port-file "$T_DIR/rport" --log "$T_DIR/reglog" --lifetime 300 &
MOCK=$!
stop_mock() { kill "$MOCK" 2>/dev/null; wait "$MOCK" 2>/dev/null; }
T_CLEANUP="$T_CLEANUP stop_mock"
i=0
while [ ! -s "$T_DIR/rport" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
RP=$(cat "$T_DIR/rport")

write_catalog() { # $1: command of the "flaky" server
	cat >"$C" <<EOF
{"sources":[
 {"type":"server","name":"memory","command":"$NODE_BIN/mcp-server-memory"},
 {"type":"server","name":"everything","command":"$NODE_BIN/mcp-server-everything","args":["stdio"]},
 {"type":"server","name":"paged","url":"http://127.0.0.1:$HP/pages/mcp"},
 {"type":"server","name":"flaky","command":"$1"},
 {"type":"server","name":"missing","command":"/nonexistent/mcp-server"},
 {"type":"manifests","path":"$ROOT/tests/data/manifests"},
 {"type":"registry","url":"http://127.0.0.1:$RP"}]}
EOF
}
write_catalog "$NODE_BIN/mcp-server-memory"

t_ok "first refresh" "$M" --db "$DB" refresh --catalog "$C" --jobs 4
t_grep "summary line" "refresh: .* servers ok" "$T_DIR/err"
status() { sqlite3 "$DB" "SELECT status || ' ' || tool_count FROM servers WHERE name = '$1'"; }
t_eq "memory ok" "$(status memory)" "ok 9"
t_eq "everything ok" "$(status everything)" "ok 13"
t_eq "paged fixture: all three pages collected" "$(status paged)" "ok 3"
t_eq "missing command recorded" "$(status missing)" "spawn_failed 0"
t_eq "saved manifests ingested" "$(status aws-omics)" "ok 4"
t_eq "registry loopback server blocked (127.0.0.2)" "$(status io.test/local)" "blocked 0"
t_eq "registry loopback server blocked (127.0.0.1)" "$(status io.test/near)" "blocked 0"
t_grep "registry sync summarised" "registry http://127.0.0.1:$RP: 1 pages" "$T_DIR/err"
t_eq "everything classified" "$(sqlite3 "$DB" "SELECT count(*) FROM definitions d WHERE NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.def_id = d.id)")" "0"

# The flaky server now fails: it keeps its nine tools, only status changes.
write_catalog "/nonexistent/flaky"
before=$(sqlite3 "$DB" "SELECT group_concat(t.name) FROM tools t JOIN servers s ON s.id = t.server_id WHERE s.name = 'flaky' AND t.removed_at IS NULL")
t_ok "second refresh with a failing server" "$M" --db "$DB" refresh --catalog "$C"
t_eq "failed server status" "$(status flaky)" "spawn_failed 9"
t_eq "failed server keeps its last good tools" "$(sqlite3 "$DB" "SELECT group_concat(t.name) FROM tools t JOIN servers s ON s.id = t.server_id WHERE s.name = 'flaky' AND t.removed_at IS NULL")" "$before"
t_grep "incremental registry sync sends updated_since" "updated_since=2026-11-01" "$T_DIR/reglog"
t_eq "registry server still known after an incremental sync" "$(status io.test/local)" "blocked 0"
t_eq "nothing changed, nothing recorded" "$(sqlite3 "$DB" "SELECT count(*) FROM changes WHERE kind != 'server_added'")" "0"

t_ok "--allow-private crawls the registry's loopback server" "$M" --db "$DB" refresh --catalog "$C" --only io.test/near --allow-private
t_eq "learned server crawled" "$(status io.test/near)" "ok 2"
t_fail "--only of an unknown name" 3 "$M" --db "$DB" refresh --catalog "$C" --only nope
t_fail "bad --jobs" 2 "$M" --db "$DB" refresh --catalog "$C" --jobs 0
t_ok "servers after refresh" "$M" --db "$DB" servers
t_grep "table has the peers" "^everything +ok +[A-F] +13" "$T_DIR/out"
t_done
