#!/bin/sh
# refresh --host-conns: many servers behind one host are all crawled with
# one connection to it at a time; the option is validated.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/peers.sh"
M="$MCPRISK"
DB="$T_DIR/h.db"
C="$T_DIR/catalog.json"

start_http_fixture

{
	echo '{"sources":['
	for n in 1 2 3 4 5; do
		echo " {\"type\":\"server\",\"name\":\"h$n\",\"url\":\"http://127.0.0.1:$HP/good/mcp\"},"
	done
	echo " {\"type\":\"server\",\"name\":\"h6\",\"url\":\"http://127.0.0.1:$HP/good/mcp\"}]}"
} >"$C"

t_fail "--host-conns 0 is a usage error" 2 "$M" --db "$DB" refresh --catalog "$C" --host-conns 0
t_grep "names the option" "host-conns" "$T_DIR/err"
t_fail "--host-conns x is a usage error" 2 "$M" --db "$DB" refresh --catalog "$C" --host-conns x
t_ok "six servers, six jobs, one connection per host" "$M" --db "$DB" refresh --catalog "$C" --jobs 6 --host-conns 1 --timeout 20
t_eq "all six ok" "$(sqlite3 "$DB" "SELECT count(*) FROM servers WHERE status = 'ok' AND tool_count > 0")" "6"
t_grep "summary counts six" "refresh: 6 servers ok" "$T_DIR/err"
t_done
