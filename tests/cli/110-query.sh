#!/bin/sh
# servers, show, search: tables, --json, escaping of hostile text.
. "$ROOT/tests/cli/lib.sh"
M="$MCPRISK"
DB="$T_DIR/q.db"
"$M" -q --db "$DB" import "$ROOT/tests/data/manifests" || exit 1

t_ok "servers table" "$M" --db "$DB" servers
t_grep "table header" "^SERVER +STATUS +GRADE +TOOLS" "$T_DIR/out"
t_grep "omics row" "^aws-omics +ok +[A-F] +4" "$T_DIR/out"
t_ok "show a server" "$M" --db "$DB" show aws-omics
t_grep "show lists its tools" "CancelAHORunBatch" "$T_DIR/out"
t_ok "show --json" "$M" --db "$DB" --json show aws-omics
t_eq "show --json has four tools" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["tools"]))' "$T_DIR/out")" "4"
t_fail "show of an unknown server" 3 "$M" --db "$DB" show nope
t_grep "unknown server message" "no server 'nope'" "$T_DIR/err"
t_ok "search by camelCase words" "$M" --db "$DB" --json search cancel batch
t_eq "search finds CancelAHORunBatch" "$(python3 -c 'import json,sys; print([r["tool"] for r in json.load(open(sys.argv[1]))["results"]])' "$T_DIR/out")" "['CancelAHORunBatch']"
t_ok "search by description prefix" "$M" --db "$DB" --json search knowl
t_eq "prefix search ranks both" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$T_DIR/out")" "2"
t_ok "search text with FTS syntax is literal" "$M" --db "$DB" search 'NEAR("a" OR' '*'

# Remote strings never reach the terminal raw.
printf '{"tools":[{"name":"evil","description":"\\u001b[2J\\u001b]0;pwned\\u0007 hidden\\u200b"}]}' >"$T_DIR/evil.json"
"$M" -q --db "$DB" import "$T_DIR/evil.json"
t_ok "search shows a hostile description" "$M" --db "$DB" search hidden
t_nogrep "no raw escape byte in output" "$(printf '\033')" "$T_DIR/out"
t_grep "escape shown as text" '\\x1b\[2J' "$T_DIR/out"
t_grep "zero-width shown" '\\u200b' "$T_DIR/out"
t_done
