#!/bin/sh
# Build and run the classifier benchmark (single-threaded): prints tools/s
# over a generated corpus (default 1,000,000 tools) and the worst time on
# a 64 KiB adversarial description.  Usage: bench/classify.sh [NTOOLS]
set -eu
cd "$(dirname "$0")/.."
make --no-print-directory build/rel/bench/bench_classify >/dev/null
exec build/rel/bench/bench_classify data/rules "${1:-1000000}"
