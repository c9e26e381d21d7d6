#!/bin/sh
# Every export format, written for servers and tools with hostile names,
# parsed back with real parsers (json, PyYAML, tomllib): each tool's action
# must survive, file names must be safe, and runs must be byte-identical.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/$BUILD/fixtures/export_sample"
case "$BUILD" in /*) FIX="$BUILD/fixtures/export_sample" ;; esac

cat >"$T_DIR/check.py" <<'PY'
import json, os, re, sys, tomllib
import yaml

d = sys.argv[1]
index = json.load(open(os.path.join(d, "index.json"), encoding="utf-8"))
errors = []

def err(server, fmt, msg):
    errors.append("%r %s: %s" % (server, fmt, msg))

def claude_name(s):
    return re.sub(r"[^A-Za-z0-9_-]", "_", s)

def load_yaml(path):
    with open(path, "rb") as f:
        return yaml.safe_load(f)

for srv in index:
    name, alias, tools = srv["server"], srv["alias"], srv["tools"]
    files = srv["files"]
    for fmt, fname in files.items():
        if "/" in fname or fname.startswith(".") or len(fname.encode()) > 255:
            err(name, fmt, "unsafe file name %r" % fname)
        if not os.path.isfile(os.path.join(d, fname)):
            err(name, fmt, "missing file %r" % fname)
    if len(set(files.values())) != 5:
        err(name, "-", "file names not distinct")
    by = {t["name"]: t for t in tools}
    if len(by) != len(tools):
        err(name, "-", "duplicate tool in decided list")

    # policylayer
    pl = json.load(open(os.path.join(d, files["policylayer"]), encoding="utf-8"))
    if pl.get("version") != "1" or pl.get("default") != "deny":
        err(name, "policylayer", "version/default wrong")
    hidden = set(pl.get("hide", []))
    ptools = pl.get("tools", {})
    for t in tools:
        n, a = t["name"], t["action"]
        if a == "hide":
            if n not in hidden or n in ptools:
                err(name, "policylayer", "%r not hidden" % n)
            continue
        if n in hidden or n not in ptools:
            err(name, "policylayer", "%r missing from tools" % n)
            continue
        e = ptools[n]
        if a == "allow" and e != {}:
            err(name, "policylayer", "%r not {}" % n)
        if a == "rate_limit":
            lim = e.get("limits", [{}])[0]
            want_w = "hour" if t["window"] == "day" else t["window"]
            want_m = -(-t["max"] // 24) if t["window"] == "day" else t["max"]
            if lim != {"counter": n + "_per_" + want_w, "window": want_w,
                       "max": want_m, "scope": "grant"}:
                err(name, "policylayer", "%r limit %r" % (n, lim))
        if a in ("require_approval", "deny"):
            if e != {"deny_if": [{"conditions": [], "on_deny": t["reason"]}]}:
                err(name, "policylayer", "%r deny_if %r" % (n, e))
    if len(hidden) + len(ptools) != len(tools):
        err(name, "policylayer", "extra entries")

    # intercept
    ic = load_yaml(os.path.join(d, files["intercept"]))
    if ic.get("version") != "1" or ic.get("default") != "deny":
        err(name, "intercept", "version/default wrong")
    if name not in ic.get("description", ""):
        err(name, "intercept", "description lost the server name")
    ihide = ic.get("hide") or []
    itools = ic.get("tools") or {}
    for t in tools:
        n, a = t["name"], t["action"]
        if a == "hide":
            if n not in ihide or n in itools:
                err(name, "intercept", "%r not hidden" % n)
            continue
        rules = itools.get(n)
        if rules is None:
            err(name, "intercept", "%r missing" % n)
            continue
        rules = rules.get("rules")
        if a == "allow" and rules != []:
            err(name, "intercept", "%r rules %r" % (n, rules))
        if a == "rate_limit" and rules != [{"name": t["rule"],
                "rate_limit": "%d/%s" % (t["max"], t["window"]),
                "on_deny": t["reason"]}]:
            err(name, "intercept", "%r rules %r" % (n, rules))
        if a in ("deny", "require_approval") and rules != [{"name": t["rule"],
                "action": "deny", "on_deny": t["reason"]}]:
            err(name, "intercept", "%r rules %r" % (n, rules))
    if len(ihide) + len(itools) != len(tools):
        err(name, "intercept", "extra entries")

    # claude: rules are sanitised, so check membership of each tool's rule
    cl = json.load(open(os.path.join(d, files["claude"]), encoding="utf-8"))
    perm = cl["permissions"]
    want = {"allow": "allow", "rate_limit": "allow", "require_approval": "ask",
            "deny": "deny", "hide": "deny"}
    for t in tools:
        rule = "mcp__%s__%s" % (claude_name(alias), claude_name(t["name"]))
        if rule not in perm.get(want[t["action"]], []):
            err(name, "claude", "%r not in %s" % (rule, want[t["action"]]))
    for lst in perm.values():
        for r in lst:
            if not re.fullmatch(r"mcp__[A-Za-z0-9_-]+__[A-Za-z0-9_-]*", r):
                err(name, "claude", "bad rule %r" % r)
    if sum(len(v) for v in perm.values()) != len(tools):
        err(name, "claude", "rule count")

    # codex
    with open(os.path.join(d, files["codex"]), "rb") as f:
        cx = tomllib.load(f)
    s = cx["mcp_servers"][alias]
    en, dis = s["enabled_tools"], s["disabled_tools"]
    ctools = s.get("tools", {})
    for t in tools:
        n, a = t["name"], t["action"]
        if a in ("deny", "hide"):
            if n not in dis or n in en or n in ctools:
                err(name, "codex", "%r not disabled" % n)
            continue
        if n not in en or n in dis:
            err(name, "codex", "%r not enabled" % n)
        mode = ctools.get(n, {}).get("approval_mode")
        if mode != ("prompt" if a == "require_approval" else "auto"):
            err(name, "codex", "%r approval_mode %r" % (n, mode))
    if len(en) + len(dis) != len(tools) or len(ctools) != len(en):
        err(name, "codex", "extra entries")

    # docker: exactly the allowed and rate-limited tools, in order
    dk = load_yaml(os.path.join(d, files["docker"]))
    allowed = [t["name"] for t in tools if t["action"] in ("allow", "rate_limit")]
    if list(dk.keys()) != [alias] or (dk[alias] or []) != allowed:
        err(name, "docker", "allowlist %r != %r" % (dk, allowed))

    # notes: what each lossy format could not say
    kinds = {t["action"] for t in tools}
    if "rate_limit" in kinds and not any("rate limit" in n[1] for n in srv["notes"]["claude"]):
        err(name, "claude", "no note about rate limits")
    if "require_approval" in kinds and not any("approval" in n[1] for n in srv["notes"]["docker"]):
        err(name, "docker", "no note about approval")

for e in errors[:40]:
    print(e)
print("%d servers, %d problems" % (len(index), len(errors)))
sys.exit(1 if errors else 0)
PY

for prof in balanced strict permissive; do
	t_ok "$prof: fixture writes every format" \
		"$FIX" "$ROOT/data/profiles/$prof.json" "$T_DIR/$prof-a"
	t_ok "$prof: same input, byte-identical files" \
		sh -c '"$1" "$2" "$3" && diff -r "$3" "$4"' _ "$FIX" \
		"$ROOT/data/profiles/$prof.json" "$T_DIR/$prof-b" "$T_DIR/$prof-a"
	if python3 "$T_DIR/check.py" "$T_DIR/$prof-a" >"$T_DIR/check.out" 2>&1; then
		t_pass "$prof: every action survives json/yaml/toml parsing"
	else
		t_bad "$prof: every action survives json/yaml/toml parsing" \
			"$(head -c 2000 "$T_DIR/check.out")"
	fi
done
# The seed case from PolicyLayer's catalog is covered byte for byte in
# tests/unit/test_export.c; here: no stray temp files after atomic writes.
n=$(find "$T_DIR/balanced-a" -name '*.tmp.*' | wc -l)
t_eq "no temp files left" "$n" 0
t_done
