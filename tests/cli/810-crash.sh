#!/bin/sh
# Crash safety.  A catalog of good servers whose tool lists change with a
# version number is refreshed again and again while the test kills
# `mcprisk refresh` with SIGKILL at random moments.  After each kill the
# database passes PRAGMA integrity_check, every server holds exactly its
# previous or its new tool set (never a mix), and a following refresh
# completes.  A refresh stopped by SIGTERM or SIGINT leaves no server
# running, not even one that ignores SIGTERM and never answers.  Then a
# full disk (a small tmpfs, when mount is allowed), a
# read-only database and a database locked by another process give clear
# errors and lose nothing.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/peers.sh"
M="$MCPRISK"
DB="$T_DIR/c.db"
C="$T_DIR/catalog.json"
STATE="$T_DIR/version"
F="$FIXTURES/stdio_fixture"
KILLS=${CRASH_KILLS:-20}
NSTDIO=16
NHTTP=8
echo 0 >"$STATE"

start_http_fixture "$STATE"

{
	printf '{"sources":[\n'
	i=0
	while [ $i -lt $NSTDIO ]; do
		printf ' {"type":"server","name":"s%d","command":"%s","args":["versioned"],"env":{"FIXTURE_STATE":"%s"}},\n' $i "$F" "$STATE"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt $NHTTP ]; do
		printf ' {"type":"server","name":"h%d","url":"http://127.0.0.1:%s/versioned/%d"},\n' $i "$HP" $i
		i=$((i + 1))
	done
	printf ' {"type":"manifests","path":"%s/tests/data/manifests"}]}\n' "$ROOT"
} >"$C"
NSERVERS=$((NSTDIO + NHTTP))

# The tool names of version V, as the fixtures serve them.
toolset() {
	k=0
	out=""
	while [ $k -lt $((3 + $1 % 3)) ]; do
		out="$out${out:+,}t${k}_v$1"
		k=$((k + 1))
	done
	echo "$out"
}
# Every crawled server's current tool names, one "name|t0_v1,t1_v1..." a line.
current() {
	sqlite3 "$DB" "SELECT s.name || '|' || coalesce((SELECT group_concat(n, ',') FROM (SELECT t.name AS n FROM tools t WHERE t.server_id = s.id AND t.removed_at IS NULL ORDER BY t.name)), '') FROM servers s WHERE s.name GLOB '[sh][0-9]*' ORDER BY s.name"
}
# Each server holds version $1 or $2 in full (never a mix); prints the
# offenders, empty when all is well.
check_versions() {
	a=$(toolset "$1")
	b=$(toolset "$2")
	current | while IFS='|' read -r name tools; do
		[ "$tools" = "$a" ] || [ "$tools" = "$b" ] || echo "$name=$tools"
	done
}

t_ok "first refresh" "$M" --db "$DB" refresh --catalog "$C" --jobs 4 --timeout 10
t_eq "all servers at version 0" "$(check_versions 0 0)" ""
t_eq "all $NSERVERS servers recorded" "$(current | wc -l)" "$NSERVERS"
# How long a refresh takes, to aim the kills inside one.
t0=$(date +%s%N)
"$M" --db "$DB" refresh --catalog "$C" --jobs 4 --timeout 10 >/dev/null 2>&1
span_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "a refresh takes ${span_ms} ms"

landed=0
tries=0
bad=""
v=0
# The span is measured again by every completing refresh below, so the
# kills stay aimed inside one however fast or loaded the machine is.
while [ $landed -lt "$KILLS" ] && [ $tries -lt $((KILLS * 5)) ]; do
	tries=$((tries + 1))
	prev=$v
	v=$((v + 1))
	echo "$v" >"$STATE"
	delay=$(awk -v s="$tries$$" -v span="$span_ms" 'BEGIN { srand(s); printf "%.3f", rand() * span / 1000 }')
	"$M" --db "$DB" refresh --catalog "$C" --jobs 4 --timeout 10 >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	if kill -KILL "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null
		rc=$?
		[ $rc -eq 137 ] && landed=$((landed + 1))
	else
		wait "$pid" 2>/dev/null
	fi
	ic=$(sqlite3 "$DB" "PRAGMA integrity_check" 2>&1)
	[ "$ic" = ok ] || bad="$bad kill $tries: integrity '$ic';"
	mix=$(check_versions "$prev" "$v")
	[ -z "$mix" ] || bad="$bad kill $tries (after ${delay}s): mixed or foreign tool sets: $mix;"
	# The next refresh completes and brings everything to version v.
	t0=$(date +%s%N)
	if ! "$M" --db "$DB" refresh --catalog "$C" --jobs 4 --timeout 10 >"$T_DIR/o" 2>"$T_DIR/e"; then
		bad="$bad refresh after kill $tries failed: $(head -c 200 "$T_DIR/e");"
	fi
	span_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	mix=$(check_versions "$v" "$v")
	[ -z "$mix" ] || bad="$bad refresh after kill $tries: not at version $v: $mix;"
	# The fixtures' stdio children died with their parent.
	# (They read stdin and exit at EOF.)
done
echo "kills landed: $landed of $tries (last refresh span ${span_ms} ms)"
mkdir -p "${TEST_OUT:-$T_DIR}"
echo "crash: $landed SIGKILLs landed in $tries tries" >"${TEST_OUT:-$T_DIR}/crash-kills.txt"
t_eq "at least $KILLS SIGKILLs landed during a refresh" "$([ $landed -ge "$KILLS" ] && echo yes)" yes
t_eq "after every kill: integrity ok, old or new tool set, next refresh ok" "$bad" ""
t_eq "saved manifests intact" "$(sqlite3 "$DB" "SELECT status || ' ' || tool_count FROM servers WHERE name = 'aws-omics'")" "ok 4"
i=0
while [ $i -lt 20 ] && ps -eo args | grep -F "$F versioned" | grep -qv grep; do sleep 0.1; i=$((i + 1)); done
t_eq "no stdio server outlives a killed refresh" "$(ps -eo args | grep -F "$F versioned" | grep -v grep | wc -l)" 0

snapshot() { current | md5sum | cut -d' ' -f1; }

# A database locked by another process: a clear error after the busy
# timeout, nothing lost.
before=$(snapshot)
v=$((v + 1))
echo "$v" >"$STATE"
mkfifo "$T_DIR/lockin"
sqlite3 "$DB" <"$T_DIR/lockin" >"$T_DIR/lock.out" 2>&1 &
LOCKER=$!
exec 7>"$T_DIR/lockin"
echo "BEGIN EXCLUSIVE; SELECT 'locked';" >&7
i=0
while ! grep -q locked "$T_DIR/lock.out" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
lt0=$(date +%s)
t_fail "locked database: refresh fails" 3 "$M" --db "$DB" refresh --catalog "$C" --jobs 4 --timeout 10
t_eq "locked database: fails once, after the busy timeout, before crawling" "$([ $(( $(date +%s) - lt0 )) -le 20 ] && echo yes)" yes
t_grep "locked database: clear error" "locked|busy" "$T_DIR/err"
echo "ROLLBACK;" >&7
exec 7>&-
wait "$LOCKER"
t_eq "locked database: nothing lost" "$(snapshot)" "$before"
t_eq "locked database: integrity ok" "$(sqlite3 "$DB" "PRAGMA integrity_check")" ok

# Read-only and full file systems need a tmpfs of our own.
MNT="$T_DIR/mnt"
mkdir -p "$MNT"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=4m tmpfs "$MNT" 2>/dev/null; then
	umnt() { umount "$MNT" 2>/dev/null || true; }
	T_CLEANUP="umnt $T_CLEANUP"
	echo 0 >"$STATE"
	t_ok "tmpfs: first refresh" "$M" --db "$MNT/t.db" refresh --catalog "$C" --jobs 4 --timeout 10
	DB="$MNT/t.db"
	before=$(snapshot)
	echo 1 >"$STATE"
	# Disk full with no room even for the WAL index: refused at open.
	dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null
	t_fail "disk full at open: refresh fails" 3 "$M" --db "$DB" refresh --catalog "$C" --jobs 4 --timeout 10
	t_grep "disk full at open: clear error" "database .*t.db.*disk I/O error" "$T_DIR/err"
	rm -f "$MNT/filler"
	t_eq "disk full at open: nothing lost" "$(snapshot)" "$before"
	# Disk full mid-write: 160 KiB left (five of the 32 KiB pages a new
	# catalog has), room to record the run but less than the new
	# versions need.
	dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null
	truncate -s -160k "$MNT/filler"
	t_fail "disk full mid-write: refresh fails" 3 "$M" --db "$DB" refresh --catalog "$C" --jobs 4 --timeout 10
	t_grep "disk full mid-write: clear error (SQLITE_FULL)" "(server '[sh][0-9]+'|cannot save the last [0-9]+ servers?): .*database or disk is full" "$T_DIR/err"
	rm -f "$MNT/filler"
	t_eq "disk full mid-write: every server at its old or new version" "$(check_versions 0 1)" ""
	t_eq "disk full: integrity ok" "$(sqlite3 "$DB" "PRAGMA integrity_check")" ok
	before=$(snapshot)
	# Read-only: the file system itself (root ignores file modes).
	mount -o remount,ro "$MNT"
	t_fail "read-only database: refresh fails" 3 "$M" --db "$DB" refresh --catalog "$C" --jobs 4 --timeout 10
	t_grep "read-only database: clear error" "read-only|readonly|Read-only|unable to open|cannot open" "$T_DIR/err"
	mount -o remount,rw "$MNT"
	t_eq "read-only database: nothing lost" "$(snapshot)" "$before"
	t_ok "after disk full and read-only: refresh completes" "$M" --db "$DB" refresh --catalog "$C" --jobs 4 --timeout 10
	t_eq "after disk full and read-only: new versions stored" "$(check_versions 1 1)" ""
	umount "$MNT"
else
	# Without root, file modes make the database read-only.
	DB2="$T_DIR/ro.db"
	cp "$T_DIR/c.db" "$DB2"
	chmod 0444 "$DB2"
	chmod 0555 "$T_DIR"
	t_fail "read-only database: refresh fails" 3 "$M" --db "$DB2" refresh --catalog "$C"
	t_grep "read-only database: clear error" "read-only|readonly|unable to open|cannot open" "$T_DIR/err"
	chmod 0755 "$T_DIR"
	echo "disk full: skipped (mounting a tmpfs needs root)"
fi
# A stopped refresh takes its servers with it: SIGTERM and SIGINT while it
# waits on a server that ignores SIGTERM, never answers and forks a child.
for pair in TERM:15 INT:2; do
	sig=${pair%:*}
	num=${pair#*:}
	kidf="$T_DIR/kid-stop-$sig"
	printf '{"sources":[{"type":"server","name":"stuck","command":"%s","args":["forks","%s"],"env":{"FIXTURE_STATE":"%s"}}]}\n' \
		"$F" "$kidf" "$T_DIR/stop-state" >"$T_DIR/stop.json"
	echo bad >"$T_DIR/stop-state"
	rm -f "$kidf"
	"$M" --db "$T_DIR/stop.db" refresh --catalog "$T_DIR/stop.json" --timeout 30 >/dev/null 2>&1 &
	rpid=$!
	i=0
	while [ ! -s "$kidf" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	kid=$(cat "$kidf" 2>/dev/null)
	kill -s "$sig" "$rpid"
	wait "$rpid"
	rc=$?
	t_eq "SIG$sig stops the refresh, by the signal" "$rc" "$((128 + num))"
	i=0
	while ps -eo args | grep -F "$F forks $kidf" | grep -qv grep && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
	t_eq "SIG$sig: the server that ignores SIGTERM is gone" "$(ps -eo args | grep -F "$F forks $kidf" | grep -v grep | wc -l)" 0
	gone=yes
	if [ -n "$kid" ] && [ -r "/proc/$kid/stat" ] && [ "$(cut -d' ' -f3 "/proc/$kid/stat")" != Z ]; then
		gone="pid $kid still running"
		kill -KILL "$kid" 2>/dev/null
	fi
	t_eq "SIG$sig: and so is its child" "$gone" yes
	pkill -KILL -f "$F forks $kidf" 2>/dev/null
done
t_done
