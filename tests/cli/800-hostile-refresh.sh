#!/bin/sh
# The hostile-server suite: one refresh (--jobs 8, a short --timeout) over
# good servers and dozens of hostile ones on 127.0.0.1 (HTTP fixture
# modes, stdio fixture modes, registry-learned loopback spellings).  The
# first refresh runs while every hostile server still behaves; then they
# turn bad.  Every bad server must end in its recorded status with a clear
# error, within its budget, keeping its last good tools; the good servers
# must not notice; peak RSS stays under a cap.  docs/hostile.md is the
# table of these cases.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/peers.sh"
M="$MCPRISK"
DB="$T_DIR/h.db"
C="$T_DIR/catalog.json"
STATE="$T_DIR/state"
TIMEOUT=4
# Peak RSS cap for the hostile refresh, in KiB (the sanitizer build's
# shadow memory gets more room).
RSS_CAP=262144
[ "${BUILD##*/}" = san ] && RSS_CAP=1048576
echo good >"$STATE"

start_http_fixture "$STATE"
U="http://127.0.0.1:$HP"
F="$FIXTURES/stdio_fixture"

# Registry-learned servers at loopback in every spelling: all must be
# blocked before any connection (the fixture log must not see them).
mkdir -p "$T_DIR/reg"
entry() { # name url
	printf '{"server":{"name":"%s","description":"d","version":"1.0.0",
  "remotes":[{"type":"streamable-http","url":"%s"}]},
  "_meta":{"io.modelcontextprotocol.registry/official":{"status":"active","updatedAt":"2026-11-01T00:00:00Z","isLatest":true}}}' "$1" "$2"
}
{
	printf '{"servers":['
	entry io.test/dot2 "http://127.0.0.2:$HP/learned-dot2/mcp"; printf ','
	entry io.test/decimal "http://2130706433:$HP/learned-decimal/mcp"; printf ','
	entry io.test/hex "http://0x7f.1:$HP/learned-hex/mcp"; printf ','
	entry io.test/mapped "http://[::ffff:127.0.0.1]:$HP/learned-mapped/mcp"
	printf '],"metadata":{"count":4}}\n'
} >"$T_DIR/reg/page1.json"
python3 "$ROOT/tests/fixtures/mock_registry.py" --data "$T_DIR/reg" \
	--port-file "$T_DIR/rport" --log "$T_DIR/reglog" --lifetime 600 &
MOCK=$!
stop_mock() { kill "$MOCK" 2>/dev/null; wait "$MOCK" 2>/dev/null; }
T_CLEANUP="$T_CLEANUP stop_mock"
i=0
while [ ! -s "$T_DIR/rport" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
RP=$(cat "$T_DIR/rport")

# name | kind (http mode or stdio mode) | status | error pattern
CASES="$T_DIR/cases"
cat >"$CASES" <<'EOT'
h-truncated|http truncated|protocol_error|transfer closed
h-shortlen|http shortlen|protocol_error|
h-deep|http deep|protocol_error|
h-dupdesc|http dupdesc|protocol_error|duplicate
h-bignum|http bignum|protocol_error|
h-nul|http nul|protocol_error|
h-rawff|http rawff|protocol_error|
h-surrogate|http surrogate|protocol_error|
h-manytools|http manytools|too_large|
h-bigdesc|http bigdesc|protocol_error|
h-badnames|http badnames|protocol_error|
h-dupnames|http dupnames|protocol_error|
h-wrongid|http wrongid|protocol_error|
h-error|http error|init_error|-32603 fixture refuses
h-endless|http endless|too_large/timeout|
h-loop|http loop|protocol_error|cursor repeated
h-keepalive|http keepalive|timeout|
h-ssenoise|http ssenoise|timeout|
h-drip|http drip|timeout|
h-endlessbody|http endlessbody|too_large|exceeds
h-chunked|http chunked|too_large|exceeds
h-gzip|http gzip|too_large|exceeds
h-redirloop|http redirloop|http_error|redirects
h-fileredir|http fileredir|http_error|file
h-gopher|http gopher|http_error|gopher
h-busy|http busy|http_error|503
h-throttle|http throttle|http_error|429
h-oversize|http oversize|too_large|
h-auth|http auth|auth_required|401
h-nothere|http nothere|transport_unsupported|404
h-toonew|http toonew|protocol_too_new|
h-html|http html|protocol_error|
h-hangup|http hangup|protocol_error|
h-notools|http notools|protocol_error|tools: expected array, got nothing
s-silent|stdio silent|timeout|no initialize response
s-forks|stdio forks|ok|
s-midexit|stdio midexit|protocol_error|exit status 7
s-endlessline|stdio endlessline|too_large|stdout line exceeds
s-banner|stdio banner|ok|
s-flood|stdio flood|ok|
s-huge|stdio huge|ok|
EOT
write_catalog() {
	{
		printf '{"sources":[\n'
		printf ' {"type":"server","name":"good-pages","url":"%s/pages/mcp"},\n' "$U"
		printf ' {"type":"server","name":"good-sse","url":"%s/sse/mcp"},\n' "$U"
		printf ' {"type":"server","name":"good-retry","url":"%s/retry/mcp"},\n' "$U"
		printf ' {"type":"server","name":"good-stdio","command":"%s","args":["good"]},\n' "$F"
		while IFS='|' read -r name kind st pat; do
			set -- $kind
			if [ "$1" = http ]; then
				printf ' {"type":"server","name":"%s","url":"%s/%s/mcp"},\n' "$name" "$U" "$2"
			else
				printf ' {"type":"server","name":"%s","command":"%s","args":["%s","%s"],"env":{"FIXTURE_STATE":"%s"}},\n' \
					"$name" "$F" "$2" "$T_DIR/kid-$name" "$STATE"
			fi
		done <"$CASES"
		printf ' {"type":"server","name":"x-unreachable","url":"http://127.0.0.1:%s/mcp"},\n' "$(free_port)"
		printf ' {"type":"server","name":"x-missing","command":"/nonexistent/mcp-server"},\n'
		printf ' {"type":"registry","url":"http://127.0.0.1:%s"}]}\n' "$RP"
	} >"$C"
}
write_catalog
status() { sqlite3 "$DB" "SELECT status || ' ' || tool_count FROM servers WHERE name = '$1'"; }
# Status and tool count, and the error when not ok (so a failure says why).
status_why() { sqlite3 "$DB" "SELECT status || ' ' || tool_count || CASE WHEN status = 'ok' THEN '' ELSE ' (' || coalesce(error, '') || ')' END FROM servers WHERE name = '$1'"; }
names() { sqlite3 "$DB" "SELECT group_concat(t.name, ',') FROM (SELECT t.name FROM tools t JOIN servers s ON s.id = t.server_id WHERE s.name = '$1' AND t.removed_at IS NULL ORDER BY t.name) t"; }

# 1. Everyone behaves: every server gets its last good tools.
t_ok "first refresh, all servers good" "$M" --db "$DB" refresh --catalog "$C" --jobs 8 --timeout "$TIMEOUT"
bad_first=$(sqlite3 "$DB" "SELECT count(*) FROM servers WHERE name LIKE 'h-%' AND status = 'ok' AND tool_count = 2")
t_eq "all $(grep -c '^h-' "$CASES") HTTP servers good first" "$bad_first" "$(grep -c '^h-' "$CASES")"
t_eq "stdio servers good first" "$(sqlite3 "$DB" "SELECT count(*) FROM servers WHERE name LIKE 's-%' AND status = 'ok' AND tool_count = 2")" "$(grep -c '^s-' "$CASES")"
sqlite3 "$DB" "SELECT s.name, t.name, t.def_id FROM tools t JOIN servers s ON s.id = t.server_id WHERE t.removed_at IS NULL ORDER BY 1, 2" >"$T_DIR/tools-before"

# 2. They turn bad: one refresh, measured.
echo bad >"$STATE"
: >"$T_DIR/fixture.log.mark"
start=$(date +%s)
/usr/bin/time -v "$M" --db "$DB" refresh --catalog "$C" --jobs 8 --timeout "$TIMEOUT" \
	>"$T_DIR/out2" 2>"$T_DIR/err2"
rc=$?
took=$(( $(date +%s) - start ))
t_eq "hostile refresh exits 0 (server failures are not run errors)" "$rc" 0
rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$T_DIR/err2")
echo "peak RSS ${rss} KiB, ${took} s"
mkdir -p "${TEST_OUT:-$T_DIR}"
echo "hostile refresh: peak RSS ${rss} KiB, ${took} s, $(wc -l <"$CASES") cases" >"${TEST_OUT:-$T_DIR}/hostile-rss.txt"
cp "$T_DIR/err2" "${TEST_OUT:-$T_DIR}/hostile-stderr.txt"
t_eq "peak RSS under ${RSS_CAP} KiB (got $rss)" "$([ "${rss:-999999999}" -le $RSS_CAP ] && echo yes)" yes
# Slow servers run in parallel: about 3 rounds of budgets at most.
t_eq "whole refresh within its budget (${took} s)" "$([ "$took" -le $((TIMEOUT * 8 + 20)) ] && echo yes)" yes

while IFS='|' read -r name kind st pat; do
	got=$(status "$name")
	if [ "$st" = ok ]; then
		t_eq "$name: survived, status ok" "${got%% *}" ok
	else
		# st may list alternatives ("a/b") where timing decides.
		case "/$st/" in
		*"/${got% *}/"*) t_eq "$name: status $st, keeps its 2 tools" "${got#* }" 2 ;;
		*) t_bad "$name: status $st, keeps its 2 tools" "got '$got'" ;;
		esac

		t_grep "$name: clear error" "mcprisk: $name: ($(echo "$st" | tr / '|')): .*$pat" "$T_DIR/err2"
		err=$(sqlite3 "$DB" "SELECT error FROM servers WHERE name = '$name'")
		t_eq "$name: error recorded" "$([ -n "$err" ] && echo yes)" yes
	fi
	ms=$(sqlite3 "$DB" "SELECT json_extract(extra, '\$.elapsed_ms') FROM servers WHERE name = '$name'")
	if [ -n "$ms" ] && [ "$ms" -gt $((TIMEOUT * 1000 + 3000)) ]; then
		t_bad "$name: within its budget" "took $ms ms"
	fi
done <"$CASES"
sqlite3 "$DB" "SELECT s.name, t.name, t.def_id FROM tools t JOIN servers s ON s.id = t.server_id WHERE t.removed_at IS NULL AND s.name NOT IN ('s-banner','s-flood','s-huge','s-forks') ORDER BY 1, 2" >"$T_DIR/tools-after"
grep -v -E '^(s-banner|s-flood|s-huge|s-forks)\|' "$T_DIR/tools-before" >"$T_DIR/tools-before2"
t_ok "failed servers keep their last good tools, definition for definition" cmp "$T_DIR/tools-before2" "$T_DIR/tools-after"

t_eq "good-pages undisturbed" "$(status_why good-pages) $(names good-pages)" "ok 3 first,second,third"
t_eq "good-sse undisturbed" "$(status_why good-sse)" "ok 2"
t_eq "good-retry: 429 with Retry-After, then ok" "$(status_why good-retry)" "ok 2"
t_eq "good-stdio undisturbed" "$(status_why good-stdio) $(names good-stdio)" "ok 2 read_file,second_page_tool"
t_eq "unreachable recorded" "$(status x-unreachable)" "unreachable 0"
t_eq "missing command recorded" "$(status x-missing)" "spawn_failed 0"
for n in dot2 decimal hex mapped; do
	t_eq "registry-learned loopback ($n) blocked" "$(status io.test/$n)" "blocked 0"
	t_nogrep "registry-learned loopback ($n): no request reached the fixture" "learned-$n" "$T_DIR/fixture.log"
done

# The forking server's grandchild is gone; no fixture process outlives the run.
for name in s-forks; do
	kid=$(cat "$T_DIR/kid-$name" 2>/dev/null)
	i=0
	while [ -n "$kid" ] && [ -r "/proc/$kid/stat" ] && [ "$(cut -d' ' -f3 "/proc/$kid/stat")" != Z ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	if [ -n "$kid" ] && [ -r "/proc/$kid/stat" ] && [ "$(cut -d' ' -f3 "/proc/$kid/stat")" != Z ]; then
		t_bad "$name: grandchild killed" "pid $kid still running"
		kill -KILL "$kid" 2>/dev/null
	else
		t_pass "$name: grandchild killed"
	fi
done
left=$(ps -eo pid,args | grep -F "$F" | grep -v grep | wc -l)
t_eq "no stdio fixture left running" "$left" 0
t_ok "integrity after the hostile refresh" sqlite3 "$DB" "PRAGMA integrity_check"
t_grep "integrity ok" "^ok$" "$T_DIR/out"
t_done
