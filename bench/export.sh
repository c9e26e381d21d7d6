#!/bin/sh
# Export benchmark: `mcprisk export --all --format all` over a generated,
# imported catalog of SERVERS x TOOLS (default 43,000 x 20): one atomic
# file per server and format (target: <= 30 s in total).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
: "${SERVERS:=43000}"
: "${TOOLS:=20}"
make --no-print-directory mcprisk >/dev/null
db=$(bench_catalog "$SERVERS" "$TOOLS")
dir=$(mktemp -d "${TMPDIR:-$(bench_outdir)}/mcprisk-bench-export.XXXXXX")
trap 'rm -rf "$dir"' EXIT
/usr/bin/time -f "%e %M" -o "$dir/time" ./mcprisk -q --db "$db" export --all \
	--format all --out "$dir/out"
read -r secs rss <"$dir/time"
files=$(ls "$dir/out" | wc -l)
# The peak RSS counts the pages of the catalog file mapped while it is
# read (page cache, shared), not only the heap.
echo "export: $SERVERS servers x 5 formats = $files files in $secs s" \
	"(peak RSS $((rss / 1024)) MiB, mapped catalog included)"
awk -v s="$secs" 'BEGIN { if (s > 30) { print "export: over the 30 s target"; exit 1 } }'
