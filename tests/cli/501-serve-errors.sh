#!/bin/sh
# mcprisk serve against bad requests: every one gets a JSON error with the
# right status (never HTML or a dropped connection), and the server lives on.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/serve_lib.sh"
M="$MCPRISK"
DB="$T_DIR/e.db"
"$M" -q --db "$DB" import "$ROOT/tests/data/manifests" || exit 1
t_ok "serve starts" serve_start "$DB"

# expect NAME STATUS METHOD PATH [CURL ARGS...]: status and a JSON error
expect() {
	e_n=$1; e_s=$2; shift 2
	e_got=$(req "$@")
	if [ "$e_got" = "$e_s" ] && is_json_error "$T_DIR/body" &&
	   grep -qi '^Content-Type: application/json' "$T_DIR/headers"; then
		t_pass "$e_n"
	else
		t_bad "$e_n" "status $e_got (want $e_s): $(head -c 300 "$T_DIR/body")"
	fi
}

expect "unknown route" 404 GET /nope
expect "unknown v1 route" 404 GET /v1/nope
expect "root" 404 GET /
expect "POST on a GET route" 405 POST /v1/servers
t_grep "405 names the methods" '^Allow: GET, HEAD' "$T_DIR/headers"
expect "GET on classify" 405 GET /v1/classify
t_grep "classify allows POST" '^Allow: POST' "$T_DIR/headers"
expect "DELETE a tool" 405 DELETE /v1/tools/x
expect "PUT a server" 405 PUT /v1/servers/aws-omics -d '{}'
expect "OPTIONS" 405 OPTIONS /healthz

# Bodies.
expect "malformed JSON" 400 POST /v1/classify --data-binary '{"tools":[{"name":'
expect "empty body" 400 POST /v1/classify --data-binary ''
printf '{"tools":[{"name":"a\377b","description":"x"}]}' >"$T_DIR/badutf8.json"
expect "invalid UTF-8 body" 400 POST /v1/classify --data-binary @"$T_DIR/badutf8.json"
expect "not a manifest" 400 POST /v1/classify --data-binary '{"nothing":1}'
expect "JSON scalar" 400 POST /v1/classify --data-binary '42'
head -c $((8 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$T_DIR/big"
expect "body over 8 MiB" 413 POST /v1/classify --data-binary @"$T_DIR/big"
expect "chunked body over 8 MiB" 413 POST /v1/classify -H 'Transfer-Encoding: chunked' --data-binary @"$T_DIR/big"
expect "absurd Content-Length" 413 POST /v1/classify -H 'Content-Length: 9999999999' --data-binary 'x'
{ printf '{"tools":['; i=0; while [ $i -lt 2000 ]; do printf '{"name":"t%d","description":"Get things."},' $i; i=$((i+1)); done; printf '{"name":"last"}]}'; } >"$T_DIR/many.json"
t_eq "a large body under the cap works" "$(req POST /v1/classify --data-binary @"$T_DIR/many.json")" 200

# Query values.
for v in -1 0 501 99999999999 abc '' 1e3 0x10 '%2B5' ' 5'; do
	expect "servers limit='$v'" 400 GET "/v1/servers?limit=$(printf %s "$v" | sed 's/ /%20/g')"
done
expect "search limit=-1" 400 GET '/v1/search?q=x&limit=-1'
expect "search limit huge" 400 GET '/v1/search?q=x&limit=99999999999999999999999'
expect "search without q" 400 GET /v1/search
expect "search with blank q" 400 GET '/v1/search?q=+++'
expect "search q too long" 400 GET "/v1/search?q=$(head -c 600 /dev/zero | tr '\0' a)"
expect "search q with %00" 400 GET '/v1/search?q=a%00b'
expect "bad cursor" 400 GET '/v1/servers?cursor=!!!'
expect "cursor with NUL" 400 GET '/v1/servers?cursor=AA'
expect "changes since garbage" 400 GET '/v1/changes?since=yesterday'
expect "changes since bad date" 400 GET '/v1/changes?since=2026-02-30T00:00:00Z'
expect "changes since negative" 400 GET '/v1/changes?since=-5'
expect "changes limit 0" 400 GET '/v1/changes?limit=0'
expect "policy format unknown" 400 GET '/v1/servers/aws-omics/policy?format=pdf'
expect "policy profile path" 400 GET '/v1/servers/aws-omics/policy?profile=..%2F..%2Fetc%2Fpasswd'
expect "policy profile unknown" 400 GET '/v1/servers/aws-omics/policy?profile=nosuch'
expect "policy alias too long" 400 GET "/v1/servers/aws-omics/policy?alias=$(head -c 100 /dev/zero | tr '\0' a)"

# Names in paths.
expect "NUL in a server name" 400 GET /v1/servers/aws%00-omics
expect "NUL in a tool name" 400 GET /v1/tools/a%00
expect "bad escape" 400 GET /v1/servers/aws%zz
expect "cut escape" 400 GET /v1/servers/aws%4
expect "invalid UTF-8 name" 400 GET /v1/servers/%ff%fe
expect "overlong UTF-8 name" 400 GET /v1/tools/%c0%af
expect "empty server name" 400 GET /v1/servers/
expect "empty tool name" 400 GET /v1/tools/
expect "policy of an empty name" 404 GET /v1/servers//policy
expect "dot segments are names" 404 GET /v1/servers/..%2F..%2Fetc
expect "URL over 4 KiB" 414 GET "/v1/tools/$(head -c 5000 /dev/zero | tr '\0' a)"
expect "query over 4 KiB" 414 GET "/v1/search?q=$(head -c 5000 /dev/zero | tr '\0' a)"

# Still alive and counting.
t_eq "alive after all that" "$(req GET /healthz)" 200
t_eq "metrics" "$(req GET /metrics)" 200
t_grep "413 counted" '^mcprisk_http_requests_total\{route="classify",status="413"\} 3$' "$T_DIR/body"
t_grep "414 counted" '^mcprisk_http_requests_total\{route="none",status="414"\} 2$' "$T_DIR/body"
serve_stop
t_eq "SIGTERM exits 0" "$S_RC" 0
t_done
