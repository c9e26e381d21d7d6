# Helpers for the serve tests (sourced after lib.sh; not a test itself).
#   serve_start DB [ARGS...]  start mcprisk serve on a free 127.0.0.1 port
#                             and wait for /healthz; sets BASE and S_PID
#   serve_stop                SIGTERM, wait, exit code in S_RC
#   req METHOD PATH [CURL ARGS...]  body to $T_DIR/body, prints the status
S_PID=
S_RC=
serve_start() {
	s_db=$1; shift
	# Truncate here, not in the child: the loop below must never read an
	# earlier server's port.
	: >"$T_DIR/serve.err"
	"$MCPRISK" --db "$s_db" serve --listen "${S_LISTEN:-127.0.0.1:0}" "$@" \
		2>"$T_DIR/serve.err" &
	S_PID=$!
	s_port=
	s_i=0
	while [ $s_i -lt 300 ] && [ -z "$s_port" ]; do
		s_port=$(sed -n 's|^listening on http://.*:\([0-9][0-9]*\)$|\1|p' \
			"$T_DIR/serve.err")
		[ -n "$s_port" ] && break
		kill -0 "$S_PID" 2>/dev/null || return 1
		sleep 0.1
		s_i=$((s_i + 1))
	done
	[ -n "$s_port" ] || return 1
	BASE="http://${S_HOST:-127.0.0.1}:$s_port"
	s_i=0
	while [ $s_i -lt 300 ]; do
		curl -sf "$BASE/healthz" >/dev/null 2>&1 && return 0
		sleep 0.1
		s_i=$((s_i + 1))
	done
	return 1
}
serve_stop() {
	if [ -n "$S_PID" ]; then
		kill -TERM "$S_PID" 2>/dev/null
		wait "$S_PID"
		S_RC=$?
		S_PID=
	fi
}
T_CLEANUP="serve_stop ${T_CLEANUP:-}"
req() {
	r_m=$1; r_p=$2; shift 2
	curl -s -X "$r_m" -o "$T_DIR/body" -D "$T_DIR/headers" \
		-w '%{http_code}' "$@" "$BASE$r_p"
}
# is_json_error FILE: {"error": "..."} and nothing else
is_json_error() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if list(d)==["error"] and isinstance(d["error"],str) and d["error"] else 1)' "$1"
}
