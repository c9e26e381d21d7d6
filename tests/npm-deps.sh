#!/bin/sh
# Install the pinned npm test peers (tests/package-lock.json) once.
set -eu
cd "$(dirname "$0")"
[ -f package-lock.json ] || exit 0
if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
	exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >&2
