#!/bin/sh
# Replay every fuzz corpus (tests/fuzz/corpus/<target>) through its target
# built with the test build's compiler and sanitizers: each seed and each
# crash input ever found must run clean.
. "$ROOT/tests/cli/lib.sh"
FZ="$ROOT/$BUILD/fuzz"
case "$BUILD" in /*) FZ="$BUILD/fuzz" ;; esac
cd "$ROOT" || exit 1
ntargets=0
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	t=${t#fuzz_}
	ntargets=$((ntargets + 1))
	if [ ! -x "$FZ/fuzz_$t" ]; then
		t_bad "$t: target built" "$FZ/fuzz_$t missing"
		continue
	fi
	t_ok "$t: corpus replays clean" "$FZ/fuzz_$t" "tests/fuzz/corpus/$t"
	t_grep "$t: corpus is not empty" "replayed [1-9][0-9]* inputs" "$T_DIR/out"
done
t_eq "every parser has a target" "$([ $ntargets -ge 9 ] && echo yes)" yes
t_done
