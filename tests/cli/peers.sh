# Helpers for crawler CLI tests that start servers (sourced after lib.sh).
#   free_port               print a free TCP port on 127.0.0.1
#   wait_port PORT          wait (bounded) until 127.0.0.1:PORT accepts
#   start_bg NAME CMD...    run CMD in the background, stopped at exit
#   start_http_fixture [STATE]  the HTTP fixture, stopped at exit; sets HP
#   json_q FILE EXPR        evaluate a Python expression over JSON `d`
NODE_BIN="$ROOT/tests/node_modules/.bin"
FIXTURES="$ROOT/$BUILD/fixtures"
case "$BUILD" in /*) FIXTURES="$BUILD/fixtures" ;; esac
T_PIDS=""
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
wait_port() {
	i=0
	while [ $i -lt 300 ]; do
		if python3 -c 'import socket, sys
s = socket.socket()
s.settimeout(0.2)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"; then
			return 0
		fi
		i=$((i + 1))
		sleep 0.1
	done
	return 1
}
stop_bg() {
	for p in $T_PIDS; do
		kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
	done
	for p in $T_PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null
	done
	T_PIDS=""
}
T_CLEANUP="${T_CLEANUP:-} stop_bg"
start_bg() {
	n=$1
	shift
	setsid "$@" >"$T_DIR/$n.log" 2>&1 &
	T_PIDS="$T_PIDS $!"
}
start_http_fixture() {
	start_bg fixture "$FIXTURES/http_fixture" "$T_DIR/hport" "$@"
	i=0
	while [ ! -s "$T_DIR/hport" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	HP=$(cat "$T_DIR/hport")
	wait_port "$HP" || t_bad "http fixture ready"
}
json_q() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}
need_peers() {
	if [ ! -x "$NODE_BIN/mcp-server-everything" ]; then
		echo "npm test peers missing: run 'make npm-deps'"
		t_bad "npm peers installed"
		t_done
		exit 1
	fi
}
