#!/bin/sh
# Build and run the classifier benchmark; prints tools/s on one core and
# the worst time on a 64 KiB adversarial description.
set -eu
cd "$(dirname "$0")/.."
make --no-print-directory build/rel/bench/bench_classify >/dev/null
exec taskset -c 0 build/rel/bench/bench_classify data/rules "${1:-1000000}" 2>/dev/null ||
	exec build/rel/bench/bench_classify data/rules "${1:-1000000}"
