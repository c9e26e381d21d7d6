#!/bin/sh
# Quality floors over every labelled tool in tests/data/eval (tune and
# holdout): category accuracy >= 90%, destructive and financial recall
# >= 95%, poisoning recall >= 95%, no poisoning flag on a benign tool.
. "$ROOT/tests/cli/lib.sh"
cd "$ROOT" || exit 1
t_ok "eval floors hold" python3 tests/eval/eval.py --check \
	--mcprisk "$MCPRISK" --rules "$ROOT/data/rules"
# Tune and holdout reported apart; the floors hold over both together.
if [ -s "$T_DIR/out" ]; then
	grep -E '^== |category accuracy|poisoning recall|^(destructive|financial) +[0-9n]|FLOOR' "$T_DIR/out"
fi
t_done
