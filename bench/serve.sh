#!/bin/sh
# Service benchmark: a generated catalog (SERVERS x TOOLS), mcprisk serve on
# a free loopback port, and wrk driving GET /v1/tools/{name} over real tool
# names for DURATION seconds -- once on a quiet catalog, once while an
# import writes.  Target: >= 20,000 requests/s, p99 <= 5 ms, no errors.
#   SERVERS TOOLS DURATION THREADS CONNS WRK_THREADS override the defaults.
set -eu
cd "$(dirname "$0")/.."
: "${SERVERS:=5000}"
: "${TOOLS:=20}"
: "${DURATION:=10}"
: "${THREADS:=2}"
: "${CONNS:=32}"
: "${WRK_THREADS:=2}"
command -v wrk >/dev/null || { echo "serve: wrk is not installed"; exit 1; }
make --no-print-directory mcprisk >/dev/null
dir=$(mktemp -d "${TMPDIR:-/tmp}/mcprisk-bench-serve.XXXXXX")
pid=
imp=
cleanup() {
	[ -n "$imp" ] && kill "$imp" 2>/dev/null && wait "$imp" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
db="$dir/catalog.db"

echo "serve: generating $SERVERS servers x $TOOLS tools"
python3 bench/gen_corpus.py "$dir/corpus" "$SERVERS" "$TOOLS"
# The second half is imported during the second run.
mkdir "$dir/later"
ls "$dir/corpus" | awk -v n="$SERVERS" 'NR > n / 2' |
	while read -r f; do mv "$dir/corpus/$f" "$dir/later/"; done
./mcprisk -q --db "$db" import "$dir/corpus"
python3 - "$dir/corpus" >"$dir/names" <<'PY'
import json, os, random, sys, urllib.parse
d = sys.argv[1]
names = []
for f in sorted(os.listdir(d)):
    names += [t["name"] for t in json.load(open(os.path.join(d, f)))["tools"]]
random.Random(1).shuffle(names)
for n in names[:20000]:
    print(urllib.parse.quote(n, safe=""))
PY

./mcprisk --db "$db" serve --listen 127.0.0.1:0 --threads "$THREADS" \
	2>"$dir/serve.err" &
pid=$!
port=
i=0
while [ $i -lt 100 ] && [ -z "$port" ]; do
	port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' \
		"$dir/serve.err")
	[ -n "$port" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$port" ] || { echo "serve: did not start"; cat "$dir/serve.err"; exit 1; }
i=0
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1
done
curl -s -o /dev/null -w "serve: one response is %{size_download} bytes\n" \
	"http://127.0.0.1:$port/v1/tools/$(head -n 1 "$dir/names")"

run() { # label
	NAMES="$dir/names" wrk -t "$WRK_THREADS" -c "$CONNS" -d "${DURATION}s" \
		--latency -s bench/serve.lua "http://127.0.0.1:$port" \
		>"$dir/wrk.out" 2>&1
	line=$(grep '^requests/s' "$dir/wrk.out")
	echo "serve: $1: $line" >&2
	[ -n "$line" ] || cat "$dir/wrk.out" >&2
	echo "$line"
}
quiet=$(run "GET /v1/tools/{name}, quiet catalog" )
./mcprisk -q --db "$db" import "$dir/later" &
imp=$!
busy=$(run "GET /v1/tools/{name}, import writing" )
if kill -0 "$imp" 2>/dev/null; then
	echo "serve: the import outlasted the run"
else
	echo "serve: the import ended during the run"
fi
wait "$imp"
imp=
kill -TERM "$pid"
wait "$pid" && rc=0 || rc=$?
pid=
echo "serve: exit status after SIGTERM $rc"
# The targets: >= 20,000 req/s with p99 <= 5 ms on the quiet catalog, and
# no error while a write runs (its latency is reported, not held).
fail=0
echo "$quiet" | awk '{ if ($2 < 20000 || $6 > 5 || $8 != 0) exit 1 }' || {
	echo "serve: quiet catalog below the target (>= 20000 req/s, p99 <= 5 ms, 0 errors)"
	fail=1
}
echo "$busy" | awk '{ if ($8 != 0) exit 1 }' || {
	echo "serve: errors while the import wrote"
	fail=1
}
[ $fail -eq 0 ] && echo "serve: targets met"
exit $fail
