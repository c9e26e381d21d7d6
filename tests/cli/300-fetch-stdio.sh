#!/bin/sh
# mcprisk fetch over stdio: real npm servers and the stdio fixture.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/peers.sh"
need_peers
OUT=$T_DIR/m.json

t_ok "everything over stdio" sh -c "'$MCPRISK' fetch --name everything -- '$NODE_BIN/mcp-server-everything' >'$OUT'"
t_eq "everything: name is the target name" "$(json_q "$OUT" 'd["server"]["name"]')" everything
t_eq "everything: transport" "$(json_q "$OUT" 'd["server"]["transport"]')" stdio
t_eq "everything: protocol version" "$(json_q "$OUT" 'd["server"]["protocolVersion"]')" 2025-11-25
t_eq "everything: 13 tools" "$(json_q "$OUT" 'len(d["tools"])')" 13
t_eq "everything: serverInfo kept" "$(json_q "$OUT" 'd["server"]["serverInfo"]["name"]')" mcp-servers/everything
t_grep "everything: instructions recorded" '"instructions": "# Everything' "$OUT"
"$MCPRISK" fetch --name everything -- "$NODE_BIN/mcp-server-everything" >"$T_DIR/m2.json" 2>/dev/null
t_ok "everything: output is deterministic" cmp "$OUT" "$T_DIR/m2.json"

t_ok "memory over stdio" sh -c "'$MCPRISK' fetch -- '$NODE_BIN/mcp-server-memory' >'$OUT'"
t_eq "memory: default name" "$(json_q "$OUT" 'd["server"]["name"]')" mcp-server-memory
t_grep "memory: has create_entities" '"name": "create_entities"' "$OUT"

mkdir -p "$T_DIR/root"
t_ok "filesystem over stdio" sh -c "'$MCPRISK' fetch -- '$NODE_BIN/mcp-server-filesystem' '$T_DIR/root' >'$OUT'"
t_grep "filesystem: has read_text_file" '"name": "(read_text_file|read_file)"' "$OUT"

F=$FIXTURES/stdio_fixture
t_ok "fixture: pages followed" sh -c "'$MCPRISK' fetch --name fx -- '$F' good >'$OUT'"
t_eq "fixture: both pages" "$(json_q "$OUT" '[t["name"] for t in d["tools"]]')" "['read_file', 'second_page_tool']"
t_eq "fixture: only 0-2 inherited, no secret" "$(json_q "$OUT" 'd["server"]["version"]')" "fds:3 env:-"
FIXTURE_SECRET=leaked "$MCPRISK" fetch --env FIXTURE_SECRET=given -- "$F" good >"$OUT" 2>/dev/null
t_eq "fixture: --env passed, parent env not" "$(json_q "$OUT" 'd["server"]["version"]')" "fds:3 env:given"
t_ok "fixture: banners skipped" sh -c "'$MCPRISK' fetch -- '$F' banner >'$OUT'"
t_ok "fixture: 3 MB line" sh -c "'$MCPRISK' fetch -- '$F' huge >'$OUT'"
t_eq "fixture: 3 MB line has 10 tools" "$(json_q "$OUT" 'len(d["tools"])')" 10
t_ok "fixture: stdout/stderr flood" sh -c "'$MCPRISK' fetch -- '$F' flood >'$OUT'"

t_fail "fixture: exits mid-message" 3 "$MCPRISK" fetch -- "$F" midexit
t_grep "mid-message: protocol_error with exit status" "protocol_error: server closed stdout .*exit status 7" "$T_DIR/err"
t_fail "fixture: endless line" 3 "$MCPRISK" fetch -- "$F" endlessline
t_grep "endless line: too_large" "too_large: stdout line exceeds" "$T_DIR/err"
start=$(date +%s)
t_fail "fixture: silent, ignores TERM" 3 "$MCPRISK" fetch --timeout 2 -- "$F" silent
t_grep "silent: timeout" "timeout: no initialize response within 2 s" "$T_DIR/err"
t_eq "silent: torn down within budget + grace" "$(( $(date +%s) - start <= 6 ))" 1
t_fail "missing program" 3 "$MCPRISK" fetch -- "$T_DIR/no-such-program"
t_grep "missing program: spawn_failed" "spawn_failed: cannot run .*No such file" "$T_DIR/err"

# A child that forks and ignores EOF and SIGTERM: the whole group dies.
t_ok "fixture: forks children" sh -c "'$MCPRISK' fetch -- '$F' forks '$T_DIR/kid' >'$OUT'"
kid=$(cat "$T_DIR/kid")
i=0
while [ -r "/proc/$kid/stat" ] && [ "$(cut -d' ' -f3 "/proc/$kid/stat")" != Z ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ -r "/proc/$kid/stat" ] && [ "$(cut -d' ' -f3 "/proc/$kid/stat")" != Z ]; then
	t_bad "grandchild killed" "pid $kid still running"
	kill -KILL "$kid" 2>/dev/null
else
	t_pass "grandchild killed"
fi

# Valgrind cannot run an ASan binary; the sanitizer build checks itself.
if command -v valgrind >/dev/null 2>&1 && [ "${BUILD##*/}" != san ]; then
	valgrind --track-fds=yes --leak-check=full --errors-for-leak-kinds=definite \
		--log-file="$T_DIR/vg" "$MCPRISK" fetch -- "$F" good >/dev/null 2>&1
	# Descriptors the process opened itself are followed by a stack trace,
	# inherited ones by "<inherited from parent>".
	opened=$(awk '/Open (file descriptor|AF_)/ { getline n; if (n !~ /inherited/) c++ } END { print c + 0 }' "$T_DIR/vg")
	t_eq "no descriptor leaked (valgrind)" "$opened" 0
	t_grep "no memory error or definite leak (valgrind)" "ERROR SUMMARY: 0 errors" "$T_DIR/vg"
fi
t_done
