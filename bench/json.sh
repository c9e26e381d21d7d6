#!/bin/sh
# Build and run the JSON reading benchmark (single-threaded): jansson's
# json_loadb against jparse on generated tools/list responses of 20, 60
# and 200 tools, MB/s of CPU time and the ratio.
# Usage: bench/json.sh [NTOOLS [MBYTES]]
set -eu
cd "$(dirname "$0")/.."
make --no-print-directory build/rel/bench/bench_json >/dev/null
exec build/rel/bench/bench_json "${1:-0}" "${2:-200}"
