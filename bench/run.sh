#!/bin/sh
# make bench: every benchmark, one after the other.  Each prints its own
# figures; machines are shared and noisy, so compare ratios measured in the
# same invocation rather than absolute numbers across runs.
set -u
cd "$(dirname "$0")/.."
for b in import classify json export crawl serve report; do
	[ -f "bench/$b.sh" ] || continue
	echo "== $b"
	sh "bench/$b.sh" || echo "bench $b failed (exit $?)"
done
