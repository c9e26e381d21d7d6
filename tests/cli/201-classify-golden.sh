#!/bin/sh
# Golden files: tests/golden/classify/<case>.json is a manifest, and
# <case>.expected is exactly what `mcprisk --json classify` must print.
. "$ROOT/tests/cli/lib.sh"
for in in "$ROOT"/tests/golden/classify/*.json; do
	case=$(basename "$in" .json)
	exp="${in%.json}.expected"
	"$MCPRISK" --rules "$ROOT/data/rules" --json classify "$in" \
		>"$T_DIR/$case.out" 2>"$T_DIR/$case.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		t_bad "golden $case" "exit $rc: $(head -c 300 "$T_DIR/$case.err")"
	elif cmp -s "$T_DIR/$case.out" "$exp"; then
		t_pass "golden $case"
	else
		t_bad "golden $case" "$(diff "$exp" "$T_DIR/$case.out" | head -n 20)"
	fi
done
t_done
