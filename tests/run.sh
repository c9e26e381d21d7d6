#!/bin/sh
# Run every test layer and end with "N passed, N failed".
#   MCPRISK   the binary under test (build/<variant>/mcprisk)
#   BUILD     the build directory holding the unit-test binaries
#   ONLY      unit | cli to run one layer
#   TESTS     a glob of CLI scripts to run, e.g. '5[0-9][0-9]*' (default all)
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
: "${MCPRISK:=$ROOT/build/rel/mcprisk}"
: "${BUILD:=build/rel}"
case "$MCPRISK" in /*) ;; *) MCPRISK="$ROOT/$MCPRISK" ;; esac
export MCPRISK ROOT BUILD
OUT="$ROOT/tests/out/$(basename "$BUILD")"
rm -rf "$OUT"
mkdir -p "$OUT"
export TEST_OUT="$OUT"
passed=0
failed=0
failed_names=""

tally() { # name logfile rc
	line=$(grep '^# passed' "$2" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $1 (no summary line, exit $3)"
		failed=$((failed + 1))
		failed_names="$failed_names $1"
		return
	fi
	p=$(echo "$line" | awk '{print $3}')
	f=$(echo "$line" | awk '{print $5}')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ] || [ "$3" -ne 0 ]; then
		[ "$f" -eq 0 ] && failed=$((failed + 1))
		failed_names="$failed_names $1"
		grep -E '^(FAIL|  )' "$2" | head -n 40
	fi
	echo "$1: $p passed, $f failed"
}

if [ "${ONLY:-unit}" = unit ] || [ -z "${ONLY:-}" ]; then
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		case "$t" in *.d) continue ;; esac
		name="unit/$(basename "$t")"
		"$t" >"$OUT/$(basename "$t").log" 2>&1
		rc=$?
		tally "$name" "$OUT/$(basename "$t").log" "$rc"
	done
fi
if [ "${ONLY:-cli}" = cli ] || [ -z "${ONLY:-}" ]; then
	for t in tests/cli/${TESTS:-[0-9]*}.sh; do
		[ -f "$t" ] || continue
		name="cli/$(basename "$t" .sh)"
		log="$OUT/$(basename "$t" .sh).log"
		timeout 900 sh "$t" >"$log" 2>&1
		rc=$?
		tally "$name" "$log" "$rc"
	done
fi
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
