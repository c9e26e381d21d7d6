#!/bin/sh
# Valgrind over a representative subset of the CLI: import, classify,
# export, fetch over stdio and a refresh of a small catalog (stdio and HTTP
# fixtures, saved manifests).  Each run must have no memory error and no
# definite leak, must close every descriptor it opened, and must leave no
# process behind in its session (children included).  Skipped in the
# sanitizer build: valgrind cannot run an ASan binary.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/peers.sh"
if ! command -v valgrind >/dev/null 2>&1 || [ "${BUILD##*/}" = san ]; then
	echo "valgrind pass skipped (no valgrind, or the sanitizer build)"
	t_pass "valgrind pass skipped"
	t_done
	exit 0
fi
M="$MCPRISK"
DB="$T_DIR/v.db"
F="$FIXTURES/stdio_fixture"

start_http_fixture
cat >"$T_DIR/catalog.json" <<EOT
{"sources":[
 {"type":"server","name":"stdio-good","command":"$F","args":["good"]},
 {"type":"server","name":"stdio-forks","command":"$F","args":["forks","$T_DIR/kid"]},
 {"type":"server","name":"stdio-silent","command":"$F","args":["silent"]},
 {"type":"server","name":"http-pages","url":"http://127.0.0.1:$HP/pages/mcp"},
 {"type":"server","name":"http-gzip","url":"http://127.0.0.1:$HP/gzip/mcp"},
 {"type":"manifests","path":"$ROOT/tests/data/manifests"}]}
EOT

# vg NAME CMD...: run CMD under valgrind in its own session.
vg() {
	name=$1
	shift
	log="$T_DIR/vg-$name"
	setsid valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --track-fds=yes --error-exitcode=99 \
		--suppressions="$ROOT/tests/valgrind.supp" \
		--child-silent-after-fork=yes --trace-children=no \
		--log-file="$log" "$M" --db "$DB" "$@" >"$T_DIR/out" 2>"$T_DIR/err" &
	sid=$!
	wait "$sid"
	rc=$?
	if [ $rc -eq 99 ]; then
		t_bad "$name: no memory error or definite leak" "$(head -c 1500 "$log")"
	else
		t_pass "$name: no memory error or definite leak (exit $rc)"
	fi
	# Descriptors it opened itself come with a stack, inherited ones say
	# "<inherited from parent>".
	opened=$(awk '/Open (file descriptor|AF_)/ { getline n; if (n !~ /inherited/) c++ } END { print c + 0 }' "$log")
	t_eq "$name: no descriptor left open" "$opened" 0
	i=0
	while [ $i -lt 30 ] && [ -n "$(ps -eo sid=,pid= | awk -v s="$sid" '$1 == s')" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	left=$(ps -eo sid=,pid=,args= | awk -v s="$sid" '$1 == s')
	t_eq "$name: no process left in its session" "$left" ""
}

vg import import "$ROOT/tests/data/manifests"
vg classify classify "$ROOT/tests/data/manifests/omics.json"
vg export export --format claude
vg fetch-stdio fetch -- "$F" good
vg fetch-http fetch "http://127.0.0.1:$HP/pages/mcp"
vg refresh refresh --catalog "$T_DIR/catalog.json" --jobs 4 --timeout 8
t_eq "refresh stored the good servers" "$(sqlite3 "$DB" "SELECT group_concat(name || ':' || status, ' ') FROM (SELECT name, status FROM servers WHERE name IN ('stdio-good', 'http-pages', 'http-gzip', 'stdio-silent') ORDER BY name)")" \
	"http-gzip:too_large http-pages:ok stdio-good:ok stdio-silent:timeout"
t_done
