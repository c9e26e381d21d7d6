#!/bin/sh
# Quality floors over every labelled tool in tests/data/eval (tune and
# holdout): category accuracy >= 90%, destructive and financial recall
# >= 95%, poisoning recall >= 95%, no poisoning flag on a benign tool.
. "$ROOT/tests/cli/lib.sh"
cd "$ROOT" || exit 1
t_ok "eval floors hold" python3 tests/eval/eval.py --check \
	--mcprisk "$MCPRISK" --rules "$ROOT/data/rules"
if [ -s "$T_DIR/out" ]; then grep -E 'accuracy|recall|FLOOR' "$T_DIR/out" | tail -n 8; fi
t_done
