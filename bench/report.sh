#!/bin/sh
# Report benchmark: generate SERVERS x TOOLS servers (default 43,000 x 20),
# import them, then time `mcprisk report --html` writing every server and
# tool page (target: <= 60 s).  TMPDIR picks the disk; KEEP=1 keeps the
# work directory (removing ~700,000 pages takes a while).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
: "${SERVERS:=43000}"
: "${TOOLS:=20}"
make --no-print-directory mcprisk >/dev/null
dir=$(mktemp -d "${TMPDIR:-$(bench_outdir)}/mcprisk-bench-report.XXXXXX")
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$dir"' EXIT; fi
db=$(bench_catalog "$SERVERS" "$TOOLS")
./mcprisk --db "$db" report --html "$dir/site" 2>"$dir/report.log"
out=$(cat "$dir/report.log")
echo "report: $out"
secs=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s$/\1/p')
awk -v s="$secs" 'BEGIN { if (s > 60) { print "report: over the 60 s target"; exit 1 } }'
