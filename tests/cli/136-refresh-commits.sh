#!/bin/sh
# The first refresh builds a new catalog privately: whenever a reader finds
# the file, the run is finished and every server is in.  Later refreshes
# commit finished servers while slow ones are still crawled: a crash then
# loses at most about a second of finished work.  Fast HTTP servers and a
# stdio server that never answers are crawled together; the first write
# commits at once, the later fast ones wait in the open batch, and must
# still be readable from the database while the refresh waits for the slow
# server.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/peers.sh"
M="$MCPRISK"
DB="$T_DIR/c.db"
C="$T_DIR/catalog.json"

start_http_fixture

cat >"$C" <<JSON
{"sources":[
 {"type":"server","name":"fast1","url":"http://127.0.0.1:$HP/pages/mcp"},
 {"type":"server","name":"fast2","url":"http://127.0.0.1:$HP/good/mcp"},
 {"type":"server","name":"fast3","url":"http://127.0.0.1:$HP/pages/mcp"},
 {"type":"server","name":"slow","command":"$FIXTURES/stdio_fixture","args":["silent"]}]}
JSON

"$M" -q --db "$DB" refresh --catalog "$C" --jobs 4 --timeout 6 \
	>"$T_DIR/refresh.out" 2>&1 &
REF=$!
# Bounded: 50 looks, 0.1 s apart.
looks=""
n=0
while [ $n -lt 50 ] && kill -0 $REF 2>/dev/null; do
	if [ -e "$DB" ]; then
		looks="$looks $(sqlite3 "file:$DB?mode=ro" "SELECT (SELECT count(*) FROM runs WHERE finished IS NOT NULL) || '/' || (SELECT count(*) FROM servers)" 2>&1)"
	fi
	sleep 0.1
	n=$((n + 1))
done
wait $REF
t_eq "the first refresh exits 0" "$?" 0
looks="$looks $(sqlite3 "$DB" "SELECT (SELECT count(*) FROM runs WHERE finished IS NOT NULL) || '/' || (SELECT count(*) FROM servers)")"
t_eq "a new catalog is only ever seen finished and whole" \
	"$(echo $looks | tr ' ' '\n' | sort -u)" "1/4"
t_eq "no build file is left" "$(ls "$T_DIR" | grep -c 'c\.db\.build-')" 0
# fast1 and fast3 share their tools: each definition gets one verdict.
t_eq "every definition of the new catalog has one verdict" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM definitions d WHERE (SELECT count(*) FROM verdicts v WHERE v.def_id = d.id) != 1")" 0
t_eq "every row names rows that exist" \
	"$(sqlite3 "$DB" 'PRAGMA foreign_key_check' | wc -l)" 0
# Every write of the next run is stamped later than the first run ended.
F=$(sqlite3 "$DB" "SELECT max(finished) FROM runs")
sleep 1.1

"$M" -q --db "$DB" refresh --catalog "$C" --jobs 4 --timeout 6 \
	>"$T_DIR/refresh.out" 2>&1 &
REF=$!
# Bounded: 50 looks, 0.1 s apart, each while the refresh still runs.
seen=no
n=0
while [ $n -lt 50 ] && kill -0 $REF 2>/dev/null; do
	st=$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM servers WHERE name LIKE 'fast%' AND status = 'ok' AND last_success > $F" 2>/dev/null)
	if [ "$st" = 3 ] && kill -0 $REF 2>/dev/null; then
		seen=yes
		break
	fi
	sleep 0.1
	n=$((n + 1))
done
t_eq "the fast servers are committed while the slow one is crawled" "$seen" yes
wait $REF
t_eq "refresh exits 0" "$?" 0
t_eq "the slow server timed out" "$(sqlite3 "$DB" "SELECT status FROM servers WHERE name = 'slow'")" timeout
t_eq "the fast servers keep their tools" "$(sqlite3 "$DB" "SELECT count(*) FROM servers WHERE name LIKE 'fast%' AND tool_count > 0")" 3
t_done
