#!/bin/sh
# import into a catalog that does not exist yet: it is built privately and
# appears at its path only complete.  A killed build leaves no catalog, and
# the next import clears its leftovers.
. "$ROOT/tests/cli/lib.sh"
M="$MCPRISK"
C="$T_DIR/corpus"
python3 "$ROOT/bench/gen_corpus.py" "$C" 3000 20 >/dev/null
N=60000

# Start importing the corpus into a new catalog DB and stop it with signal
# SIG once its build file has grown (bounded: 10 s); grown= says whether
# it had.
stop_build() { # DB SIG
	"$M" -q --db "$1" import "$C" 2>/dev/null &
	pid=$!
	i=0
	grown=no
	while [ $i -lt 200 ]; do
		sz=$(stat -c %s "$1.build-$pid" 2>/dev/null || echo 0)
		[ "$sz" -gt 4000000 ] && grown=yes && break
		sleep 0.05
		i=$((i + 1))
	done
	kill -"$2" $pid 2>/dev/null
	wait $pid 2>/dev/null
}

stop_build "$T_DIR/k.db" KILL
t_eq "the build file grew before the kill" "$grown" yes
t_eq "a killed build leaves no catalog" "$([ -e "$T_DIR/k.db" ] && echo there || echo none)" none
t_ok "the next import builds it" "$M" --db "$T_DIR/k.db" import "$C"
t_eq "and clears the dead build's file" "$(ls "$T_DIR" | grep -c 'k\.db\.build-')" 0
t_eq "every tool is in" "$(sqlite3 "$T_DIR/k.db" 'SELECT count(*) FROM tools')" "$N"
t_eq "the catalog is whole" "$(sqlite3 "$T_DIR/k.db" 'PRAGMA integrity_check')" ok
t_eq "every row names rows that exist (built without foreign key checks)" \
	"$(sqlite3 "$T_DIR/k.db" 'PRAGMA foreign_key_check' | wc -l)" 0
t_eq "and in WAL mode" "$(sqlite3 "$T_DIR/k.db" 'PRAGMA journal_mode')" wal
t_eq "with the tool indexes it was built without, made at the end" \
	"$(sqlite3 "$T_DIR/k.db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'tools' AND sql IS NOT NULL ORDER BY name)")" \
	"tools_def tools_name"
t_eq "and a lookup by tool name uses one" \
	"$(sqlite3 "$T_DIR/k.db" "EXPLAIN QUERY PLAN SELECT server_id FROM tools WHERE name = 'x'" | grep -c 'USING.*INDEX tools_name')" 1
t_eq "its search index merges at SQLite's default again (16 while built)" \
	"$(sqlite3 "$T_DIR/k.db" "SELECT v FROM definitions_fts_config WHERE k = 'automerge'")" 4
t_eq "which is whole" \
	"$(sqlite3 "$T_DIR/k.db" "INSERT INTO definitions_fts(definitions_fts) VALUES ('integrity-check')" 2>&1)" ""
t_eq "and holds every definition" \
	"$(sqlite3 "$T_DIR/k.db" 'SELECT count(*) FROM definitions_fts_docsize')" \
	"$(sqlite3 "$T_DIR/k.db" 'SELECT count(*) FROM definitions')"
t_eq "every definition, shared by servers or not, has its verdict" \
	"$(sqlite3 "$T_DIR/k.db" 'SELECT count(*) FROM definitions d WHERE NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.def_id = d.id)')" 0
t_ok "an import into it now writes in place" "$M" --db "$T_DIR/k.db" import "$C"
t_grep "and finds nothing new" "3000 servers ok \(0 new, 3000 unchanged\)" "$T_DIR/err"

# Stopped by SIGINT or SIGTERM, a build removes its own file at once.
for sig in INT TERM; do
	stop_build "$T_DIR/s.db" $sig
	t_eq "SIG$sig: the build file grew first" "$grown" yes
	t_eq "SIG$sig: no catalog and no build file" \
		"$(ls "$T_DIR" | grep -c '^s\.db')" 0
done

# Whenever a reader finds the file, it holds every tool.
"$M" -q --db "$T_DIR/w.db" import "$C" 2>/dev/null &
pid=$!
seen=""
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 1200 ]; do
	if [ -e "$T_DIR/w.db" ]; then
		seen="$seen $(sqlite3 "$T_DIR/w.db" 'SELECT count(*) FROM tools' 2>&1)"
	fi
	sleep 0.05
	i=$((i + 1))
done
wait $pid
t_eq "the import succeeded" "$?" 0
seen="$seen $(sqlite3 "$T_DIR/w.db" 'SELECT count(*) FROM tools')"
t_eq "readers only ever saw the whole catalog" \
	"$(echo $seen | tr ' ' '\n' | sort -u)" "$N"

# Bad files do not stop the others: the good ones are published.
mkdir "$T_DIR/mixed"
cp "$C/server-000000.json" "$C/server-000001.json" "$T_DIR/mixed/"
printf '{"tools":[{"name":' >"$T_DIR/mixed/broken.json"
t_fail "a folder with a broken file" 3 "$M" --db "$T_DIR/p.db" import "$T_DIR/mixed"
t_grep "names the broken file" "broken.json" "$T_DIR/err"
t_eq "the good servers are published" "$(sqlite3 "$T_DIR/p.db" 'SELECT count(*) FROM servers')" 2

# A disk that fills up mid-build: a clear error, no catalog, no leftovers.
MNT="$T_DIR/mnt"
mkdir -p "$MNT"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=4m tmpfs "$MNT" 2>/dev/null; then
	umnt() { umount "$MNT" 2>/dev/null || true; }
	T_CLEANUP="umnt ${T_CLEANUP:-}"
	t_fail "disk full: the import fails" 3 "$M" --db "$MNT/f.db" import "$C"
	t_grep "disk full: says so" "full" "$T_DIR/err"
	t_grep "disk full: nothing was published" "nothing was published" "$T_DIR/err"
	t_eq "disk full: no catalog and no build file" "$(ls -A "$MNT" | wc -l)" 0
	t_ok "disk full: a small import still fits" "$M" --db "$MNT/f.db" import "$T_DIR/mixed/server-000000.json"
	umount "$MNT"
else
	echo "disk full: skipped (mounting a tmpfs needs root)"
fi

# A catalog folder that cannot be written: a clear error, nothing made.
# (root writes anywhere: it runs the check as nobody where it can.)
mkdir "$T_DIR/ro"
chmod 555 "$T_DIR/ro"
as_user() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
	as_user=""
	chmod 755 "$T_DIR"
	if su nobody -s /bin/sh -c '"$0" --version' -- "$M" >/dev/null 2>&1 &&
	    su nobody -s /bin/sh -c 'test -r "$0"' -- "$T_DIR/mixed/server-000000.json" 2>/dev/null; then
		as_user() { su nobody -s /bin/sh -c '"$0" "$@"' -- "$@"; }
		as_user=yes
	fi
else
	as_user=yes
fi
if [ -n "$as_user" ]; then
	t_fail "an unwritable folder" 3 as_user "$M" --db "$T_DIR/ro/c.db" import "$T_DIR/mixed/server-000000.json"
	t_grep "says why, naming the catalog" "cannot build a new catalog at '.*/ro/c.db'" "$T_DIR/err"
	t_eq "and makes nothing" "$(ls -A "$T_DIR/ro" | wc -l)" 0
else
	echo "unwritable folder: skipped (no unprivileged user to run as)"
fi
chmod 755 "$T_DIR/ro"
t_done
