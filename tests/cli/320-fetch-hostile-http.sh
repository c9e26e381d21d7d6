#!/bin/sh
# mcprisk fetch against the HTTP fixture: every mode ends in a recorded
# status and a clear error, within its time budget.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/peers.sh"
OUT=$T_DIR/m.json

start_bg fixture "$FIXTURES/http_fixture" "$T_DIR/port"
i=0
while [ ! -s "$T_DIR/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
P=$(cat "$T_DIR/port")
wait_port "$P" || t_bad "fixture ready"
U="http://127.0.0.1:$P"

t_ok "ok: JSON replies" sh -c "'$MCPRISK' fetch $U/ok/mcp >'$OUT'"
t_eq "ok: 2 tools" "$(json_q "$OUT" 'len(d["tools"])')" 2
t_grep "ok: DELETE with the session id" "DELETE /ok/mcp session=s1" "$T_DIR/fixture.log"
t_grep "ok: protocol-version header after init" "POST /ok/mcp session=s1 body=.*tools/list" "$T_DIR/fixture.log"
t_ok "sse: SSE reply held open" sh -c "'$MCPRISK' fetch --timeout 10 $U/sse/mcp >'$OUT'"
t_ok "pages: three pages" sh -c "'$MCPRISK' fetch $U/pages/mcp >'$OUT'"
t_eq "pages: in order" "$(json_q "$OUT" '[t["name"] for t in d["tools"]]')" "['first', 'second', 'third']"
t_ok "retry: 429 with Retry-After honoured" sh -c "'$MCPRISK' fetch --timeout 10 $U/retry/mcp >'$OUT'"
t_ok "lost: 404 on the session, re-initialized once" sh -c "'$MCPRISK' fetch $U/lost/mcp >'$OUT'"
t_grep "lost: new session used" "POST /lost/mcp session=s2 body=.*tools/list" "$T_DIR/fixture.log"

check() { # name status pattern args...
	n=$1 st=$2 pat=$3
	shift 3
	t_fail "$n: exit 3" 3 "$MCPRISK" fetch "$@"
	t_grep "$n: $st" "$st: .*$pat" "$T_DIR/err"
}
check wrongid protocol_error "without the initialize response" "$U/wrongid/mcp"
check error init_error "-32603 fixture refuses" "$U/error/mcp"
check endless too_large "1000 tools/list pages" "$U/endless/mcp"
check loop protocol_error "cursor repeated" "$U/loop/mcp"
check busy http_error "503.*does not fit" "$U/busy/mcp"
check auth auth_required "HTTP 401.*resource_metadata=http://127.0.0.1:$P/.well-known" "$U/auth/mcp"
check fileredir http_error "file" "$U/fileredir/mcp"
check redirloop http_error "redirects" "$U/redirloop/mcp"
check oversize too_large "" "$U/oversize/mcp"
check endlessbody too_large "exceeds 67108864" "$U/endlessbody/mcp"
check gzip too_large "exceeds 67108864" "$U/gzip/mcp"
check toonew protocol_too_new "refuses protocol" "$U/toonew/mcp"
check nothere transport_unsupported "POST: HTTP 404.*GET: HTTP 405" "$U/nothere/mcp"
start=$(date +%s)
check drip timeout "" --timeout 2 "$U/drip/mcp"
check keepalive timeout "" --timeout 2 "$U/keepalive/mcp"
t_eq "drip + keepalive within their budgets" "$(( $(date +%s) - start <= 7 ))" 1
# A truncated reply is retried; when the retry hangs until the budget is
# spent, the error is still the truncation, not a bare timeout.
check flaky protocol_error "transfer closed.*retried 1 time before the time budget ran out" --timeout 3 "$U/flaky/mcp"
check unreachable unreachable "" "http://127.0.0.1:$(free_port)/mcp"
check scheme transport_unsupported "not an http" "file:///etc/passwd"
t_done
