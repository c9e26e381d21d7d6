#!/bin/sh
# make fuzz: run each libFuzzer target for $FUZZ_SECONDS on its corpus.
# New interesting inputs go to build/fuzz/corpus/<target> (the seed corpus
# in tests/fuzz/corpus stays small); crashes are written to
# build/fuzz/crash-* and stop the run.  FUZZ_ONLY=name runs one target.
set -eu
cd "$(dirname "$0")/../.."
BIN=$1
: "${FUZZ_SECONDS:=60}"
status=0
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	t=${t#fuzz_}
	[ -n "${FUZZ_ONLY:-}" ] && [ "$FUZZ_ONLY" != "$t" ] && continue
	work="build/fuzz/corpus/$t"
	mkdir -p "$work" tests/fuzz/corpus/"$t"
	echo "fuzz $t: $FUZZ_SECONDS s"
	if ! "$BIN/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -max_len=65536 \
		-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="build/fuzz/crash-$t-" \
		"$work" "tests/fuzz/corpus/$t" 2>"build/fuzz/$t.log"; then
		tail -n 40 "build/fuzz/$t.log"
		status=1
	fi
	grep -E '^stat::number_of_executed_units' "build/fuzz/$t.log" |
		sed "s/^/  $t /"
done
exit $status
