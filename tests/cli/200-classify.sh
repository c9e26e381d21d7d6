#!/bin/sh
# mcprisk classify and rules check: exit codes, stdin, manifest shapes,
# --fail-on levels, bad input, and rule-set errors.
. "$ROOT/tests/cli/lib.sh"
G="$ROOT/tests/golden/classify"
R="--rules $ROOT/data/rules"

t_ok "classify a file" "$MCPRISK" $R classify "$G/mixed.json"
t_grep "table names the seed category" 'delete_file +destructive +critical' "$T_DIR/out"
t_ok "classify stdin" sh -c "\"$MCPRISK\" $R --json classify - < \"$G/seed.json\""
t_grep "stdin json" '"category": "destructive"' "$T_DIR/out"
t_ok "classify bare list" "$MCPRISK" $R --json classify "$G/poisoned.json"
t_grep "poisoning flagged" '"poisoning"' "$T_DIR/out"

t_fail "fail-on critical with a critical tool" 1 "$MCPRISK" $R classify --fail-on critical "$G/mixed.json"
t_fail "fail-on critical on a benign manifest" 0 "$MCPRISK" $R classify --fail-on critical "$G/benign.json"
t_fail "fail-on medium on a benign manifest" 1 "$MCPRISK" $R classify --fail-on medium "$G/benign.json"
t_fail "fail-on high on a benign manifest" 0 "$MCPRISK" $R classify "$G/benign.json" --fail-on high
t_fail "bad --fail-on level" 2 "$MCPRISK" $R classify --fail-on severe "$G/benign.json"
t_grep "bad level named" "unknown level 'severe'" "$T_DIR/err"
t_fail "two files is usage" 2 "$MCPRISK" $R classify "$G/benign.json" "$G/seed.json"
t_fail "unknown option is usage" 2 "$MCPRISK" $R classify --frob "$G/benign.json"
t_fail "missing file" 3 "$MCPRISK" $R classify "$T_DIR/nope.json"
printf '{"tools":[{"name":1}]}' >"$T_DIR/bad.json"
t_fail "invalid manifest" 3 "$MCPRISK" $R classify "$T_DIR/bad.json"
t_grep "invalid manifest names the path" 'tools\[0\]\.name' "$T_DIR/err"
printf 'not json' >"$T_DIR/bad2.json"
t_fail "not json" 3 "$MCPRISK" $R classify "$T_DIR/bad2.json"

# Remote strings are escaped in the table.
printf '{"tools":[{"name":"x\\u001b[31my","description":"d"}]}' >"$T_DIR/esc.json"
t_ok "escape in table" "$MCPRISK" $R classify "$T_DIR/esc.json"
t_grep "escape shown" 'x\\x1b\[31my' "$T_DIR/out"
if grep -q "$(printf '\033')" "$T_DIR/out"; then t_bad "no raw ESC in table"; else t_pass "no raw ESC in table"; fi

t_ok "rules check bundled" "$MCPRISK" $R rules check
t_grep "rules check summary" 'rule set 2026\.11\.2 is valid: [0-9]+ rules' "$T_DIR/out"
t_ok "rules check json" "$MCPRISK" --json rules check "$ROOT/data/rules"
t_grep "rules check json version" '"version": "2026.11.2"' "$T_DIR/out"
mkdir "$T_DIR/r"
cp "$ROOT"/data/rules/*.json "$T_DIR/r/"
sed 's/"id": "verb.cancel"/"id": "verb.read"/' "$ROOT/data/rules/10-verbs.json" >"$T_DIR/r/10-verbs.json"
t_fail "duplicate rule id" 3 "$MCPRISK" rules check "$T_DIR/r"
t_grep "duplicate named" "rule 'verb.read': duplicate id" "$T_DIR/err"
cp "$ROOT/data/rules/10-verbs.json" "$T_DIR/r/10-verbs.json"
sed 's/"pattern": "<!--"/"pattern": "<!--(x"/' "$ROOT/data/rules/50-poisoning.json" >"$T_DIR/r/50-poisoning.json"
t_fail "bad pattern" 3 "$MCPRISK" rules check "$T_DIR/r"
t_grep "bad pattern named with offset" "50-poisoning.json: rule 'poison.html_comment': missing closing parenthesis at offset 6" "$T_DIR/err"
t_fail "classify with a broken rule set" 3 "$MCPRISK" --rules "$T_DIR/r" classify "$G/seed.json"
t_fail "rules without a subcommand" 2 "$MCPRISK" rules
t_done
