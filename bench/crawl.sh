#!/bin/sh
# The crawl benchmark: a farm of Streamable HTTP MCP servers on 127.0.0.1
# (bench/mcp_farm.c), crawled by `mcprisk refresh` twice (a cold run, then
# a run with nothing changed, which must write no tools, definitions,
# verdicts or changes) and by a peer on the official TypeScript SDK
# (bench/peer_ts/crawl.mjs) at the same concurrency.  Each is timed with
# /usr/bin/time -v; the report gives servers/s, tools/s, CPU seconds,
# peak RSS and the mcprisk/SDK ratio.
#
# Knobs (environment): CRAWL_SERVERS (10000), CRAWL_TOOLS (20),
# CRAWL_JOBS (64), CRAWL_HOST_CONNS (jobs: one connection per job),
# CRAWL_PORTS (4), CRAWL_FARM_THREADS (2), CRAWL_KEEP=1 keeps the work
# directory.  Exits non-zero if a crawl fails or the second run writes.
set -eu
cd "$(dirname "$0")/.."

servers=${CRAWL_SERVERS:-10000}
tools=${CRAWL_TOOLS:-20}
jobs=${CRAWL_JOBS:-64}
host_conns=${CRAWL_HOST_CONNS:-$jobs}
ports=${CRAWL_PORTS:-4}
threads=${CRAWL_FARM_THREADS:-2}
mcprisk=build/rel/mcprisk
farm=build/rel/bench/mcp_farm

make --no-print-directory all "$farm" >/dev/null
sh tests/npm-deps.sh

dir=$(mktemp -d "${TMPDIR:-/tmp}/mcprisk-crawlbench.XXXXXX")
farm_pid=
cleanup() {
	if [ -n "$farm_pid" ]; then
		kill "$farm_pid" 2>/dev/null || true
		wait "$farm_pid" 2>/dev/null || true
	fi
	if [ "${CRAWL_KEEP:-0}" = 1 ]; then
		echo "crawl: kept $dir" >&2
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$farm" --servers "$servers" --tools "$tools" --ports "$ports" \
	--threads "$threads" >"$dir/ports" 2>"$dir/farm.err" &
farm_pid=$!
i=0
until grep -q '^ports ' "$dir/ports" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 100 ] || ! kill -0 "$farm_pid" 2>/dev/null; then
		echo "crawl: the farm did not start" >&2
		cat "$dir/farm.err" >&2
		exit 1
	fi
	sleep 0.1
done
set -- $(sed 's/^ports //' "$dir/ports")
port1=$1
echo "farm: $servers servers x $tools tools on 127.0.0.1 ports $*" \
     "($threads threads)"

sh bench/farm_catalog.sh "$servers" "$@" >"$dir/catalog.json"

stats() {
	curl -s --noproxy '*' "http://127.0.0.1:$port1/stats"
}

# Request counts a run made: the farm's counters after minus before.
delta() {
	python3 -c 'import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(" ".join("%s=%d" % (k, b[k] - a[k]) for k in b))' "$1" "$2"
}

# Row counts and a digest of what a refresh may not rewrite.
db_state() {
	sqlite3 "$1" "select 'tools', count(*) from tools;
		select 'definitions', count(*), max(id) from definitions;
		select 'verdicts', count(*) from verdicts;
		select 'changes', count(*), max(id) from changes;" | tr '\n' ' '
	sqlite3 "$1" ".dump tools definitions changes verdicts" | sha256sum |
		cut -c1-16
}

# time_field FILE: wall seconds, CPU seconds, peak RSS in KiB.
time_fields() {
	awk -F': ' '
	/Elapsed \(wall clock\)/ {
		n = split($2, t, ":"); w = 0
		for (i = 1; i <= n; i++) w = w * 60 + t[i]
	}
	/User time/ { u = $2 }
	/System time/ { s = $2 }
	/Maximum resident set size/ { r = $2 }
	END { printf "%.2f %.2f %d\n", w, u + s, r }' "$1"
}

refresh() {
	/usr/bin/time -v -o "$dir/$1.time" "$mcprisk" --db "$dir/bench.db" \
		refresh --catalog "$dir/catalog.json" --jobs "$jobs" \
		--host-conns "$host_conns" 2>"$dir/$1.err" || {
		echo "crawl: mcprisk refresh failed ($1):" >&2
		tail -5 "$dir/$1.err" >&2
		exit 1
	}
	grep '^refresh:' "$dir/$1.err" | sed 's/^/  /'
}

fail=0
cmd="$mcprisk --db DB refresh --catalog CATALOG --jobs $jobs --host-conns $host_conns"
echo "mcprisk: $cmd"
s0=$(stats)
refresh cold
s1=$(stats)
echo "  requests: $(delta "$s0" "$s1")"
state1=$(db_state "$dir/bench.db")
size1=$(stat -c %s "$dir/bench.db")
refresh again
s2=$(stats)
echo "  requests (second run): $(delta "$s1" "$s2")"
state2=$(db_state "$dir/bench.db")
size2=$(stat -c %s "$dir/bench.db")
echo "  after the cold run:   $state1; db $size1 bytes"
echo "  after the second run: $state2; db $size2 bytes"
if [ "$state1" = "$state2" ]; then
	echo "  second run with nothing changed: no tool, definition," \
	     "verdict or change written"
else
	echo "crawl: FAIL: the second run changed the catalog" >&2
	fail=1
fi
ok=$(sqlite3 "$dir/bench.db" "select count(*) from servers where status = 'ok' and tool_count = $tools")
if [ "$ok" != "$servers" ]; then
	echo "crawl: FAIL: $ok of $servers servers ok with $tools tools" >&2
	fail=1
fi

echo "peer: node bench/peer_ts/crawl.mjs CATALOG $jobs" \
     "(@modelcontextprotocol/sdk $(node -p "require('./tests/node_modules/@modelcontextprotocol/sdk/package.json').version"); stores nothing)"
/usr/bin/time -v -o "$dir/peer.time" node bench/peer_ts/crawl.mjs \
	"$dir/catalog.json" "$jobs" >"$dir/peer.out" 2>"$dir/peer.err" || {
	echo "crawl: the SDK peer failed:" >&2
	tail -5 "$dir/peer.err" >&2
	exit 1
}
s3=$(stats)
echo "  $(cat "$dir/peer.out")"
echo "  requests: $(delta "$s2" "$s3")"
peer_ok=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ok"])' "$dir/peer.out")
if [ "$peer_ok" != "$servers" ]; then
	echo "crawl: FAIL: the SDK peer crawled $peer_ok of $servers servers" >&2
	fail=1
fi

echo
printf '%-26s %9s %10s %10s %8s %10s\n' run wall_s servers/s tools/s cpu_s \
       peak_MiB
line() {
	set -- "$1" $(time_fields "$2")
	awk -v name="$1" -v w="$2" -v c="$3" -v r="$4" -v n="$servers" \
	    -v t="$tools" 'BEGIN {
		printf "%-26s %9.2f %10.0f %10.0f %8.2f %10.1f\n",
		       name, w, n / w, n * t / w, c, r / 1024 }'
}
line "mcprisk refresh (cold)" "$dir/cold.time"
line "mcprisk refresh (again)" "$dir/again.time"
line "TypeScript SDK peer" "$dir/peer.time"
set -- $(time_fields "$dir/cold.time") $(time_fields "$dir/again.time") \
	$(time_fields "$dir/peer.time")
awk -v cw="$1" -v cc="$2" -v aw="$4" -v ac="$5" -v pw="$7" -v pc="$8" \
    'BEGIN {
	printf "mcprisk/SDK servers/s: cold %.1fx, again %.1fx;", pw / cw, pw / aw
	printf " CPU: SDK uses %.1fx (cold) and %.1fx (again) the CPU seconds\n",
	       pc / cc, pc / ac
}'
# The issue's targets: >= 1,000 servers/s, >= 5x the SDK, <= 512 MiB.
awk -v n="$servers" -v cw="$1" -v cr="$3" -v aw="$4" -v ar="$6" -v pw="$7" \
    'function verdict(name, w, r) {
	printf "targets (%s): %s servers/s >= 1000, %s %.1fx >= 5x the SDK, %s peak %.0f MiB <= 512\n",
	       name, (n / w >= 1000 ? "met" : "MISSED"),
	       (pw / w >= 5 ? "met" : "MISSED"), pw / w,
	       (r / 1024 <= 512 ? "met" : "MISSED"), r / 1024
    }
    BEGIN { verdict("cold", cw, cr); verdict("again", aw, ar) }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
exit "$fail"
