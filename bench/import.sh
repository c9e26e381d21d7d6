#!/bin/sh
# Import benchmark: a generated catalog of SERVERS x TOOLS manifests
# (default 50,000 x 20 = 1,000,000 tools), imported fresh, then again
# unchanged.  Prints tools/s for both, their ratio and peak RSS.
#   usage: bench/import.sh [SERVERS] [TOOLS]     (env BENCH_DIR: scratch dir)
set -eu
cd "$(dirname "$0")/.."
S=${1:-50000}
T=${2:-20}
D=${BENCH_DIR:-bench/out}/import-$S-$T
mkdir -p "$D"
if [ ! -f "$D/corpus.done" ]; then
	echo "generating $S servers x $T tools in $D/corpus ..." >&2
	rm -rf "$D/corpus"
	python3 bench/gen_corpus.py "$D/corpus" "$S" "$T"
	touch "$D/corpus.done"
fi
rm -f "$D/b.db" "$D/b.db-wal" "$D/b.db-shm"
# Dirty pages left by earlier work (a corpus just generated) would be
# written back during the timed run.
sync
run() { # label
	/usr/bin/time -f "%e %M" -o "$D/time" ./mcprisk -q --db "$D/b.db" import "$D/corpus"
	read -r secs rss <"$D/time"
	echo "$1 $secs $rss"
}
fresh=$(run fresh)
again=$(run again)
python3 - "$S" "$T" "$fresh" "$again" <<'PY'
import sys
s, t = int(sys.argv[1]), int(sys.argv[2])
tools = s * t
f = sys.argv[3].split(); a = sys.argv[4].split()
fs, frss = float(f[1]), int(f[2]); as_, arss = float(a[1]), int(a[2])
print("import: %d servers x %d tools = %d tools" % (s, t, tools))
print("  fresh    %7.2f s  %9.0f tools/s  peak RSS %4.0f MiB" % (fs, tools / fs, frss / 1024))
print("  unchanged %6.2f s  %9.0f tools/s  peak RSS %4.0f MiB" % (as_, tools / as_, arss / 1024))
print("  unchanged re-import is %.1fx faster than fresh" % (fs / as_))
PY
ls -la "$D/b.db" | awk '{printf "  database %.0f MiB\n", $5 / 1048576}'
