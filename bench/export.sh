#!/bin/sh
# Export benchmark: 43,000 generated servers x 20 tools, every format, one
# atomic file per server and format into a temporary directory (target:
# <= 30 s in total).  SERVERS / TOOLS / TMPDIR override the defaults.
set -eu
cd "$(dirname "$0")/.."
: "${SERVERS:=43000}"
: "${TOOLS:=20}"
make --no-print-directory build/rel/bench/bench_export >/dev/null
dir=$(mktemp -d "${TMPDIR:-/tmp}/mcprisk-bench-export.XXXXXX")
trap 'rm -rf "$dir"' EXIT
out=$(build/rel/bench/bench_export data/profiles/balanced.json "$dir" \
	"$SERVERS" "$TOOLS")
echo "export: $out"
secs=$(echo "$out" | sed 's/.*seconds //')
awk -v s="$secs" 'BEGIN { if (s > 30) { print "export: over the 30 s target"; exit 1 } }'
