#!/usr/bin/env bash
# tools/demo.sh - sets heaptop up (tools/setup.sh) and opens the live view on
# the built-in demo workload (tests/demo/heaptop-demo).  Press q to quit.
# Without a terminal it runs the demo for 5 s and prints the final snapshot.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$src/build}
"$src/tools/setup.sh"
cd "$build"
if [ -t 1 ] && [ -t 0 ]; then
	exec ./heaptop --output /tmp/heaptop-demo.out -- ./tests/demo/heaptop-demo "${1:-120}"
fi
exec ./heaptop --snapshot --format text -- ./tests/demo/heaptop-demo 5
