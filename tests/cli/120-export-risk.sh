#!/bin/sh
# export, risk and changes over an imported catalog; the seed case.
. "$ROOT/tests/cli/lib.sh"
M="$MCPRISK"
DB="$T_DIR/e.db"
"$M" -q --db "$DB" import "$ROOT/tests/data/manifests" || exit 1

# The seed case: a server carrying only CancelAHORunBatch, no description.
printf '{"tools":[{"name":"CancelAHORunBatch","description":"","inputSchema":{"type":"object"}}]}' >"$T_DIR/seed.json"
"$M" -q --db "$DB" import --server seed "$T_DIR/seed.json"
t_ok "export the seed server" "$M" --db "$DB" export seed
t_eq "seed policy is PolicyLayer's recommendation" "$(cat "$T_DIR/out")" '{"version":"1","default":"deny","hide":["CancelAHORunBatch"]}'
t_ok "risk of the seed tool" "$M" --db "$DB" --json risk CancelAHORunBatch --server seed
t_eq "seed verdict" "$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["servers"][0]["verdict"]; print(v["category"], v["risk"], v["confidence"] < 1)' "$T_DIR/out")" "destructive critical True"
t_ok "risk lists every server with the tool" "$M" --db "$DB" --json risk CancelAHORunBatch
t_eq "two servers carry it" "$(python3 -c 'import json,sys; print(sorted(s["server"] for s in json.load(open(sys.argv[1]))["servers"]))' "$T_DIR/out")" "['aws-omics', 'seed']"
t_eq "same definition, same verdict on both" "$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["servers"]; print(json.dumps(s[0]["verdict"], sort_keys=True) == json.dumps(s[1]["verdict"], sort_keys=True))' "$T_DIR/out")" "True"
t_fail "risk of an unknown tool" 3 "$M" --db "$DB" risk NoSuchTool

# Every format, parsed back; the tool's action survives.
t_ok "export aws-omics in every format" "$M" --db "$DB" export aws-omics --format all --out "$T_DIR/x"
t_grep "notes on stderr say what a format lost" "note: claude: no rate limits" "$T_DIR/err"
t_eq "five files" "$(ls "$T_DIR/x" | wc -l | tr -d ' ')" "5"
t_eq "policylayer parses and hides the destructive tool" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["default"], d["hide"], sorted(d["tools"]))' "$T_DIR/x/aws-omics.policy.json")" \
	"deny ['CancelAHORunBatch'] ['ListRuns', 'StartRun', 'TagResource']"
t_eq "claude denies, asks and allows" "$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["permissions"]; print(p["deny"], p["ask"], p["allow"])' "$T_DIR/x/aws-omics.claude.json")" \
	"['mcp__aws-omics__CancelAHORunBatch'] ['mcp__aws-omics__StartRun'] ['mcp__aws-omics__ListRuns', 'mcp__aws-omics__TagResource']"
t_eq "codex parses as TOML" "$(python3 -c 'import tomllib,sys; d=tomllib.load(open(sys.argv[1],"rb"))["mcp_servers"]["aws-omics"]; print(d["disabled_tools"])' "$T_DIR/x/aws-omics.codex.toml")" "['CancelAHORunBatch']"
t_eq "docker allowlist parses as YAML" "$(python3 -c 'import yaml,sys; print(yaml.safe_load(open(sys.argv[1])))' "$T_DIR/x/aws-omics.docker.yaml")" "{'aws-omics': ['ListRuns', 'TagResource']}"
t_ok "--alias renames the server for clients" "$M" --db "$DB" export aws-omics --format claude --alias omics
t_grep "alias used" "mcp__omics__ListRuns" "$T_DIR/out"

t_ok "export --all" "$M" --db "$DB" export --all --format policylayer,claude --out "$T_DIR/all"
t_eq "one file per server and format" "$(ls "$T_DIR/all" | wc -l | tr -d ' ')" "10"
cp -r "$T_DIR/all" "$T_DIR/all1"
"$M" -q --db "$DB" export --all --format policylayer,claude --out "$T_DIR/all"
t_ok "exports are byte-identical run to run" diff -r "$T_DIR/all" "$T_DIR/all1"
t_fail "--all without --out" 2 "$M" --db "$DB" export --all
t_fail "unknown format" 2 "$M" --db "$DB" export aws-omics --format xml
t_fail "unknown profile" 2 "$M" --db "$DB" export aws-omics --profile nope
t_fail "unknown server" 3 "$M" --db "$DB" export nope
t_ok "strict profile" "$M" --db "$DB" export aws-omics --profile strict

# Drift: a read tool that becomes destructive is news.
sed 's/Lists workflow runs./Deletes all workflow runs permanently./' "$ROOT/tests/data/manifests/omics.json" >"$T_DIR/omics.json"
"$M" -q --db "$DB" import "$T_DIR/omics.json"
t_ok "changes --json" "$M" --db "$DB" --json changes
t_eq "drift read -> destructive recorded" "$(python3 -c 'import json,sys; c=[x for x in json.load(open(sys.argv[1]))["changes"] if x["kind"]=="changed"]; print(c[0]["tool"], c[0]["old_category"], c[0]["new_category"], c[0]["fields"][0]["field"])' "$T_DIR/out")" \
	"ListRuns read destructive description"
t_ok "changes table" "$M" --db "$DB" changes --since 1d
t_grep "table shows the risk delta" "read/low -> destructive/critical" "$T_DIR/out"
t_fail "bad --since" 2 "$M" --db "$DB" changes --since yesterday
t_ok "--since an RFC 3339 time before the import" "$M" --db "$DB" --json changes --since 2020-01-01T00:00:00Z
t_eq "sees the change" "$(python3 -c 'import json,sys; print(sum(x["kind"]=="changed" for x in json.load(open(sys.argv[1]))["changes"]))' "$T_DIR/out")" 1
t_ok "--since a date after it" "$M" --db "$DB" --json changes --since 2099-01-01
t_eq "sees nothing" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["changes"]))' "$T_DIR/out")" 0
t_fail "impossible date" 2 "$M" --db "$DB" changes --since 2026-02-30
t_ok "servers shows grades" "$M" --db "$DB" --json servers
t_eq "grades present" "$(python3 -c 'import json,sys; print(sorted((s["name"], s["grade"]) for s in json.load(open(sys.argv[1]))["servers"])[0])' "$T_DIR/out")" "('aws-omics', 'E')"
t_done
