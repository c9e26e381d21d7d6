#!/bin/sh
# mcprisk fetch over Streamable HTTP and legacy SSE against real npm peers.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/peers.sh"
need_peers
OUT=$T_DIR/m.json

P1=$(free_port)
P2=$(free_port)
P3=$(free_port)
P4=$(free_port)
# server-everything binds every interface; the client uses 127.0.0.1.
PORT=$P1 start_bg se-http "$NODE_BIN/mcp-server-everything" streamableHttp
PORT=$P2 start_bg se-sse "$NODE_BIN/mcp-server-everything" sse
start_bg proxy "$NODE_BIN/mcp-proxy" --host 127.0.0.1 --port "$P3" -- "$NODE_BIN/mcp-server-everything"
start_bg proxy-key "$NODE_BIN/mcp-proxy" --host 127.0.0.1 --port "$P4" --apiKey sekrit -- "$NODE_BIN/mcp-server-everything"
for p in $P1 $P2 $P3 $P4; do
	wait_port "$p" || t_bad "port $p ready"
done

t_ok "everything streamableHttp" sh -c "'$MCPRISK' fetch --name ev http://127.0.0.1:$P1/mcp >'$OUT'"
t_eq "streamable: transport" "$(json_q "$OUT" 'd["server"]["transport"]')" streamable-http
t_eq "streamable: 13 tools" "$(json_q "$OUT" 'len(d["tools"])')" 13
t_grep "streamable: session ended with DELETE" "termination request" "$T_DIR/se-http.log"

t_ok "everything sse (auto-detected)" sh -c "'$MCPRISK' fetch --name ev http://127.0.0.1:$P2/sse >'$OUT'"
t_eq "sse: transport" "$(json_q "$OUT" 'd["server"]["transport"]')" sse
t_eq "sse: 13 tools" "$(json_q "$OUT" 'len(d["tools"])')" 13
t_ok "everything sse (forced)" sh -c "'$MCPRISK' fetch --transport sse http://127.0.0.1:$P2/sse >'$OUT'"
t_fail "sse URL forced streamable" 3 "$MCPRISK" fetch --transport streamable "http://127.0.0.1:$P2/sse"
t_grep "forced streamable on sse: http_error 404" "http_error: HTTP 404" "$T_DIR/err"

t_ok "mcp-proxy /mcp" sh -c "'$MCPRISK' fetch http://127.0.0.1:$P3/mcp >'$OUT'"
t_eq "mcp-proxy /mcp: 13 tools" "$(json_q "$OUT" 'len(d["tools"])')" 13
t_ok "mcp-proxy /sse" sh -c "'$MCPRISK' fetch http://127.0.0.1:$P3/sse >'$OUT'"
t_eq "mcp-proxy /sse: transport" "$(json_q "$OUT" 'd["server"]["transport"]')" sse

t_fail "mcp-proxy --apiKey without key" 3 "$MCPRISK" fetch "http://127.0.0.1:$P4/mcp"
t_grep "apiKey: auth_required" "auth_required: HTTP 401" "$T_DIR/err"
t_ok "mcp-proxy --apiKey with --header" sh -c "'$MCPRISK' fetch --header 'X-API-Key: sekrit' http://127.0.0.1:$P4/mcp >'$OUT'"
t_eq "apiKey: 13 tools" "$(json_q "$OUT" 'len(d["tools"])')" 13

# Registry-learned targets must not reach loopback in any spelling.
for u in "http://127.0.0.1:$P1/mcp" "http://127.0.0.2:$P1/mcp" \
	"http://2130706433:$P1/mcp" "http://0x7f.1:$P1/mcp" \
	"http://[::ffff:127.0.0.1]:$P1/mcp" "http://localhost:$P1/mcp"; do
	t_fail "public-only blocks $u" 3 "$MCPRISK" fetch --public-only "$u"
	t_grep "blocked: $u" "blocked: .*not a public address" "$T_DIR/err"
done
t_ok "--allow-private lifts the policy" sh -c "'$MCPRISK' fetch --public-only --allow-private http://127.0.0.1:$P1/mcp >'$OUT'"
t_done
