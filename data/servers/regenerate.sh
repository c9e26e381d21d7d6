#!/bin/sh
# Regenerate the bundled snapshot: install the pinned servers listed in
# servers.json (package.json + package-lock.json pin them) and let mcprisk's
# own crawler fetch each one's tool manifest into ../snapshot/<name>.json.
#
# Usage: MCPRISK=/path/to/mcprisk data/servers/regenerate.sh [NAME...]
# Needs node, npm and python3. Only the npm registry is contacted, by npm ci;
# the servers are started with dummy credentials and only asked tools/list.
# Install scripts are not run: no server here needs them to list its tools.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
snap=$(cd "$here/../snapshot" && pwd)
: "${MCPRISK:?set MCPRISK to the mcprisk binary}"
case $MCPRISK in /*) ;; *) MCPRISK=$(pwd)/$MCPRISK ;; esac

cd "$here"
PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund >&2

# One line per server: its name, then the fetch arguments, shell-quoted.
list=$(python3 - "$@" <<'PY'
import json, shlex, sys
only = set(sys.argv[1:])
for s in json.load(open("servers.json")):
    if only and s["name"] not in only:
        continue
    argv = [s["name"], "--name", s["name"]]
    for k, v in sorted(s.get("env", {}).items()):
        argv += ["--env", k + "=" + v]
    argv += ["--", "node_modules/.bin/" + s["bin"]] + s.get("args", [])
    print(" ".join(shlex.quote(a) for a in argv))
PY
)

failed=0
printf '%s\n' "$list" | while IFS= read -r line; do
	[ -n "$line" ] || continue
	eval "set -- $line"
	name=$1
	shift
	if "$MCPRISK" fetch "$@" >"$snap/$name.json.tmp"; then
		mv "$snap/$name.json.tmp" "$snap/$name.json"
		echo "ok      $name" >&2
	else
		rm -f "$snap/$name.json.tmp"
		echo "FAILED  $name (kept the previous $name.json)" >&2
		failed=$((failed + 1))
	fi
	# The loop runs in a subshell: report through the exit status.
	[ "$failed" -eq 0 ] || echo "$failed" >"$here/.regenerate-failed"
done

if [ -f "$here/.regenerate-failed" ]; then
	n=$(cat "$here/.regenerate-failed")
	rm -f "$here/.regenerate-failed"
	echo "$n server(s) failed" >&2
	exit 1
fi
