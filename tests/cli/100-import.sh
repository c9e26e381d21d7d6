#!/bin/sh
# import: every manifest shape, idempotence, change records, and bad input
# that must leave the database exactly as it was.
. "$ROOT/tests/cli/lib.sh"
M="$MCPRISK"
DB="$T_DIR/c.db"
D="$ROOT/tests/data/manifests"
cp -r "$D" "$T_DIR/m"

t_ok "import a folder of four shapes" "$M" --db "$DB" import "$T_DIR/m"
t_grep "summary counts four servers" "4 servers ok" "$T_DIR/err"
t_grep "summary counts the new servers and their tools" "4 servers ok \(4 new, 0 unchanged\).*tools: [1-9][0-9]* in new servers, 0 added" "$T_DIR/err"
"$M" --db "$DB" --json servers >"$T_DIR/s.json"
t_eq "servers --json lists four" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["servers"]), sorted(s["name"] for s in d["servers"]))' "$T_DIR/s.json")" \
	"4 ['aws-omics', 'docker-tools', 'jsonrpc', 'tools-result']"
t_eq "tool counts" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([s["tool_count"] for s in d["servers"]])' "$T_DIR/s.json")" "[4, 2, 2, 2]"

dump() { sqlite3 "$DB" .dump | grep -v '^INSERT INTO runs' ; }
before=$(sqlite3 "$DB" .dump | md5sum)
t_ok "re-import of the same files" "$M" --db "$DB" import "$T_DIR/m"
t_eq "re-import changes nothing at all" "$(sqlite3 "$DB" .dump | md5sum)" "$before"

sed -i 's/Lists workflow runs./Lists all workflow runs./' "$T_DIR/m/omics.json"
python3 - "$T_DIR/m/omics.json" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p))
d["tools"] = [t for t in d["tools"] if t["name"] != "TagResource"]
d["tools"].append({"name": "DeleteRun", "description": "Deletes a run.", "inputSchema": {"type": "object"}})
json.dump(d, open(p, "w"))
PY
t_ok "import a changed manifest" "$M" --db "$DB" import "$T_DIR/m/omics.json"
t_grep "summary shows the drift" "1 added, 1 removed, 1 changed" "$T_DIR/err"
t_eq "changes recorded" "$(sqlite3 "$DB" "SELECT group_concat(kind || ':' || tool, ' ') FROM (SELECT kind, tool FROM changes WHERE tool IS NOT NULL ORDER BY tool)")" \
	"added:DeleteRun changed:ListRuns removed:TagResource"

# Bad input: each must fail with a path and leave the database untouched.
before=$(sqlite3 "$DB" .dump | md5sum)
bad() { # name content expected-message
	printf '%s' "$2" >"$T_DIR/bad.json"
	t_fail "rejects $1" 3 "$M" --db "$DB" import "$T_DIR/bad.json"
	t_grep "error for $1 names the file and path" "bad.json: .*$3" "$T_DIR/err"
}
bad "malformed JSON" '{"tools":[' "invalid JSON"
bad "wrong type" '{"tools":[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d","inputSchema":"x"}]}' 'tools\[3\]\.inputSchema: expected object, got string'
bad "duplicate keys" '{"tools":[{"name":"a","description":"x","description":"y"}]}' "duplicate object key"
bad "a tool without a name" '{"tools":[{"description":"x"}]}' 'tools\[0\]: tool has no name'
bad "duplicate tool names" '[{"name":"a"},{"name":"a"}]' "duplicate tool name 'a'"
bad "invalid UTF-8" "$(printf '{"tools":[{"name":"a\377"}]}')" "unable to decode byte 0xff"
python3 -c 'import json; print(json.dumps({"tools":[{"name":"t%d" % i} for i in range(10001)]}))' >"$T_DIR/many.json"
t_fail "rejects an absurd tool count" 3 "$M" --db "$DB" import "$T_DIR/many.json"
t_grep "tool count error" "more than the limit of 10000" "$T_DIR/err"
truncate -s 65M "$T_DIR/huge.json"
t_fail "rejects an oversized file" 3 "$M" --db "$DB" import "$T_DIR/huge.json"
t_grep "size error" "too large" "$T_DIR/err"
t_eq "bad input left the database exactly as it was" "$(sqlite3 "$DB" .dump | md5sum)" "$before"

printf '[{"name":"has space","description":"x"},{"name":"ok"}]' >"$T_DIR/odd.json"
t_ok "nonstandard names are kept" "$M" --db "$DB" import "$T_DIR/odd.json"
t_grep "and flagged" "name is outside" "$T_DIR/err"
t_eq "flag stored" "$(sqlite3 "$DB" "SELECT nonstandard FROM tools WHERE name = 'has space'")" "1"

t_ok "--server names the server of one file" "$M" --db "$DB" import --server renamed "$D/docker-tools.json"
t_eq "renamed server exists" "$(sqlite3 "$DB" "SELECT tool_count FROM servers WHERE name = 'renamed'")" "2"
t_fail "--server with two files is a usage error" 2 "$M" --db "$DB" import --server x "$D/omics.json" "$D/jsonrpc.json"
t_fail "missing file is a runtime error" 3 "$M" --db "$DB" import "$T_DIR/nope.json"
t_fail "no arguments is a usage error" 2 "$M" --db "$DB" import
t_fail "unknown command" 2 "$M" --db "$DB" frobnicate

# A database from a newer mcprisk is refused and left alone.
cp "$DB" "$T_DIR/new.db"
sqlite3 "$T_DIR/new.db" "PRAGMA user_version = 99"
t_fail "newer schema refused" 3 "$M" --db "$T_DIR/new.db" servers
t_grep "newer schema message" "newer than this mcprisk supports" "$T_DIR/err"

# A catalog written by the first schema (tests/data/catalog-v1.db: omics
# and docker-tools imported) is migrated by the first command that opens
# it, even a read-only query, and keeps every verdict.
cp "$ROOT/tests/data/catalog-v1.db" "$T_DIR/v1.db"
t_ok "a query opens a schema-1 catalog" "$M" --db "$T_DIR/v1.db" --json risk CancelAHORunBatch
t_eq "its verdict survived" "$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["servers"][0]["verdict"]; print(v["category"], v["risk"])' "$T_DIR/out")" "destructive critical"
t_eq "migrated to the current schema" "$(sqlite3 "$T_DIR/v1.db" "PRAGMA user_version")" 2
t_eq "every verdict kept, integrity ok" "$(sqlite3 "$T_DIR/v1.db" "SELECT count(*) FROM verdicts; PRAGMA integrity_check" | tr '\n' ' ')" "6 ok "
t_ok "re-importing its manifests" "$M" --db "$T_DIR/v1.db" import "$D/omics.json" "$D/docker-tools.json"
t_grep "changes nothing after the migration" "2 servers ok \(0 new, 2 unchanged\).*0 definitions classified" "$T_DIR/err"
t_done
