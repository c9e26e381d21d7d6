#!/bin/sh
# mcprisk serve keeps answering while an import, then a refresh, writes the
# catalog (WAL): a loop of requests during each write sees no failure, and
# afterwards the service sees the new servers without a restart.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/serve_lib.sh"
. "$ROOT/tests/cli/peers.sh"
M="$MCPRISK"
DB="$T_DIR/w.db"
"$M" -q --db "$DB" import "$ROOT/tests/data/manifests" || exit 1
python3 "$ROOT/bench/gen_corpus.py" "$T_DIR/corpus" 400 12 >/dev/null || exit 1
t_ok "serve starts" serve_start "$DB" --threads 2

# Requests in a loop while process $1 runs (at most 3000 rounds); the
# answers counted in ok and bad.
hammer() {
	ok=0
	bad=0
	n=0
	while kill -0 "$1" 2>/dev/null && [ $n -lt 3000 ]; do
		for p in /v1/tools/CancelAHORunBatch /v1/servers/aws-omics \
			 '/v1/servers?limit=50' '/v1/search?q=get' /healthz; do
			st=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$p")
			if [ "$st" = 200 ]; then ok=$((ok + 1)); else
				bad=$((bad + 1)); echo "  $p -> $st"; fi
		done
		n=$((n + 1))
	done
}

"$M" -q --db "$DB" import "$T_DIR/corpus" >"$T_DIR/import.out" 2>&1 &
IMP=$!
hammer $IMP
wait $IMP
t_eq "import succeeded" "$?" 0
t_eq "no failed request during the import" "$bad" 0
echo "  $ok requests answered during the import"
[ "$ok" -gt 0 ] && t_pass "requests flowed during the import" ||
	t_bad "requests flowed during the import" "none answered"
t_eq "new servers visible" "$(req GET /metrics)" 200
t_grep "all 404 servers counted" '^mcprisk_catalog_objects\{kind="servers"\} 404$' "$T_DIR/body"

# A refresh crawling 1,000 servers of the HTTP fixture: its writer thread
# stores them while the service answers.
start_http_fixture
python3 -c 'import json, sys
print(json.dumps({"sources": [{"type": "server", "name": "fx-%d" % i,
  "url": "http://127.0.0.1:%s/pages/mcp" % sys.argv[1]} for i in range(1000)]}))' \
	"$HP" >"$T_DIR/catalog.json"
"$M" -q --db "$DB" refresh --catalog "$T_DIR/catalog.json" --jobs 8 \
	--host-conns 8 >"$T_DIR/refresh.out" 2>&1 &
REF=$!
hammer $REF
wait $REF
t_eq "refresh succeeded" "$?" 0
t_eq "no failed request during the refresh" "$bad" 0
echo "  $ok requests answered during the refresh"
[ "$ok" -gt 0 ] && t_pass "requests flowed during the refresh" ||
	t_bad "requests flowed during the refresh" "none answered"
t_eq "refreshed servers visible" "$(req GET /metrics)" 200
t_grep "all 1404 servers counted" '^mcprisk_catalog_objects\{kind="servers"\} 1404$' "$T_DIR/body"
t_eq "a refreshed server" "$(req GET /v1/servers/fx-999)" 200
serve_stop
t_eq "SIGTERM exits 0" "$S_RC" 0
t_done
