#!/bin/sh
# mcprisk rules diff OLD NEW: the verdicts a rule change flips over the
# catalog, grouped by old and new verdict, in text and JSON; usage and
# rule-set errors.
. "$ROOT/tests/cli/lib.sh"
DB="$T_DIR/c.db"
mkdir -p "$T_DIR/m" "$T_DIR/new"
cat >"$T_DIR/m/alpha.json" <<'J'
{"tools":[
 {"name":"purge_cache","description":"Purges the cache.","inputSchema":{"type":"object"}},
 {"name":"list_items","description":"Lists items.","inputSchema":{"type":"object"}},
 {"name":"purge_queue","description":"Purges every message in a queue.","inputSchema":{"type":"object"}}]}
J
cat >"$T_DIR/m/beta.json" <<'J'
{"tools":[
 {"name":"purge_cache","description":"Purges the cache.","inputSchema":{"type":"object"}}]}
J
t_ok "import two servers" "$MCPRISK" --db "$DB" import "$T_DIR/m"

# The new rule set reads "purge" as a plain write.
cp "$ROOT"/data/rules/*.json "$T_DIR/new/"
python3 - "$T_DIR/new/10-verbs.json" <<'P'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["rules"]:
    if r["id"] == "verb.destructive":
        r["words"].remove("purge")
    if r["id"] == "verb.write":
        r["words"].append("purge")
json.dump(d, open(sys.argv[1], "w"))
P

t_ok "same rules flip nothing" "$MCPRISK" --db "$DB" rules diff "$ROOT/data/rules" "$ROOT/data/rules"
t_grep "zero flips" ': 0 of 3 definitions \(4 tools\) flip' "$T_DIR/out"
t_ok "diff text" "$MCPRISK" --db "$DB" rules diff "$ROOT/data/rules" "$T_DIR/new"
t_grep "summary counts definitions and tools" ': 2 of 3 definitions \(4 tools\) flip' "$T_DIR/out"
t_grep "group names both verdicts and every user" \
	'^destructive -> write \(risk critical -> [a-z]+\): 2 definitions \(alpha/purge_cache, alpha/purge_queue, beta/purge_cache\)$' "$T_DIR/out"
t_nogrep "unchanged tools are not listed" 'list_items' "$T_DIR/out"
t_ok "diff json" "$MCPRISK" --db "$DB" --json rules diff "$ROOT/data/rules" "$T_DIR/new"
t_eq "json groups" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["definitions"], d["tools"], d["flipped"],
      [(g["from"]["category"], g["to"]["category"], g["definitions"], g["tools"]) for g in d["flips"]])' "$T_DIR/out")" \
	"3 4 2 [('destructive', 'write', 2, ['alpha/purge_cache', 'alpha/purge_queue', 'beta/purge_cache'])]"
t_ok "reverse diff" "$MCPRISK" --db "$DB" rules diff "$T_DIR/new" "$ROOT/data/rules"
t_grep "reverse direction" '^write -> destructive' "$T_DIR/out"
t_ok "byte-identical runs" sh -c "\"$MCPRISK\" --db \"$DB\" --json rules diff \"$ROOT/data/rules\" \"$T_DIR/new\" > \"$T_DIR/a\" && \"$MCPRISK\" --db \"$DB\" --json rules diff \"$ROOT/data/rules\" \"$T_DIR/new\" > \"$T_DIR/b\" && cmp \"$T_DIR/a\" \"$T_DIR/b\""

t_fail "one rule set is usage" 2 "$MCPRISK" --db "$DB" rules diff "$ROOT/data/rules"
t_fail "bad new rule set" 3 "$MCPRISK" --db "$DB" rules diff "$ROOT/data/rules" "$T_DIR/nope"
t_grep "bad rule set named" "nope" "$T_DIR/err"
t_fail "unknown rules subcommand" 2 "$MCPRISK" rules frob
t_done
