# Shared helpers for CLI tests: each script sources this, runs checks, and
# calls t_done, which prints the "# passed N failed M" line.
#   t_ok NAME CMD...          CMD must succeed
#   t_fail NAME CODE CMD...   CMD must exit with CODE
#   t_grep NAME PATTERN FILE  FILE must contain PATTERN (grep -E)
#   t_eq NAME GOT WANT        strings must be equal
set -u
: "${MCPRISK:?}"
: "${ROOT:?}"
T_PASS=0
T_FAIL=0
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mcprisk-test.XXXXXX")
trap 't_cleanup' EXIT
t_cleanup() {
	for f in ${T_CLEANUP:-}; do $f || true; done
	rm -rf "$T_DIR"
}
t_pass() { T_PASS=$((T_PASS + 1)); echo "ok   $1"; }
t_bad() { T_FAIL=$((T_FAIL + 1)); echo "FAIL $1"; shift; [ $# -gt 0 ] && echo "  $*"; return 0; }
t_ok() {
	n=$1; shift
	if "$@" >"$T_DIR/out" 2>"$T_DIR/err"; then t_pass "$n"; else
		t_bad "$n" "exit $?: $(head -c 400 "$T_DIR/err")"; fi
}
t_fail() {
	n=$1; want=$2; shift 2
	"$@" >"$T_DIR/out" 2>"$T_DIR/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then t_pass "$n"; else
		t_bad "$n" "exit $rc, expected $want: $(head -c 400 "$T_DIR/err")"; fi
}
t_grep() {
	if grep -Eq -- "$2" "$3"; then t_pass "$1"; else
		t_bad "$1" "'$2' not in $3: $(head -c 400 "$3")"; fi
}
t_nogrep() {
	if grep -Eq -- "$2" "$3"; then t_bad "$1" "'$2' unexpectedly in $3"; else
		t_pass "$1"; fi
}
t_eq() {
	if [ "$2" = "$3" ]; then t_pass "$1"; else
		t_bad "$1" "got '$2', expected '$3'"; fi
}
t_done() {
	echo "# passed $T_PASS failed $T_FAIL"
	[ "$T_FAIL" -eq 0 ]
}
