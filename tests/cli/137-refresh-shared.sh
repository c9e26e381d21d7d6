#!/bin/sh
# While a new catalog is built, the crawl classifies the servers it hands
# over itself whenever the writer falls behind (cli/ingest.c,
# WRITER_SHARE_AT).  Whichever thread classified a definition, its verdict
# must be the one the classifier gives it anywhere else: a farm of servers
# on 127.0.0.1 is crawled into a new catalog (with one job and with 64, so
# the threads share the work differently), and the verdicts are compared
# with the pending pass's, which classifies every definition again from
# the stored JSON on one thread once the verdicts are deleted.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/peers.sh"
M="$MCPRISK"
FARM="$ROOT/$BUILD/bench/mcp_farm"
case "$BUILD" in /*) FARM="$BUILD/bench/mcp_farm" ;; esac
N=1500

start_bg farm "$FARM" --servers $N --tools 20 --ports 2 --threads 1
i=0
while ! grep -q '^ports ' "$T_DIR/farm.log" 2>/dev/null && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
set -- $(sed -n 's/^ports //p' "$T_DIR/farm.log")
t_eq "the farm listens on two ports" "$#" 2
sh "$ROOT/bench/farm_catalog.sh" $N "$@" >"$T_DIR/catalog.json"

verdicts() {
	sqlite3 "$1" "SELECT d.hash, v.json FROM definitions d
		JOIN verdicts v ON v.def_id = d.id ORDER BY d.hash" | sha256sum
}
for jobs in 1 64; do
	t_ok "a cold crawl with $jobs job(s) builds the catalog" \
		"$M" -q --db "$T_DIR/j$jobs.db" refresh \
		--catalog "$T_DIR/catalog.json" --jobs $jobs
	t_eq "every server is in ($jobs job(s))" \
		"$(sqlite3 "$T_DIR/j$jobs.db" "SELECT count(*) FROM servers WHERE status = 'ok' AND tool_count = 20")" $N
	t_eq "every definition has one verdict ($jobs job(s))" \
		"$(sqlite3 "$T_DIR/j$jobs.db" "SELECT count(*) FROM definitions d WHERE (SELECT count(*) FROM verdicts v WHERE v.def_id = d.id) != 1")" 0
done
cp "$T_DIR/j64.db" "$T_DIR/again.db"
sqlite3 "$T_DIR/again.db" "DELETE FROM verdicts"
mkdir "$T_DIR/empty"
t_ok "the pending pass classifies every definition again" \
	"$M" -q --db "$T_DIR/again.db" import "$T_DIR/empty"
t_eq "and gives the same verdicts as the crawl with 64 jobs" \
	"$(verdicts "$T_DIR/again.db")" "$(verdicts "$T_DIR/j64.db")"
t_eq "and with one job" \
	"$(verdicts "$T_DIR/again.db")" "$(verdicts "$T_DIR/j1.db")"
t_done
