#!/bin/sh
# A catalog of the servers of bench/mcp_farm, one per line, spread over its
# ports: bench/farm_catalog.sh N PORT... > catalog.json
set -eu
n=$1
shift
awk -v ports="$*" -v n="$n" 'BEGIN {
	np = split(ports, p, " ")
	print "{\"sources\": ["
	for (i = 0; i < n; i++)
		printf "  {\"type\":\"server\",\"name\":\"s%d\",\"url\":\"http://127.0.0.1:%s/s/%d/mcp\"}%s\n",
		       i, p[i % np + 1], i, i < n - 1 ? "," : ""
	print "]}"
}'
