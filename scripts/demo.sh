#!/usr/bin/env bash
# The demo: generate the 302,010-row raw file, load it into till.db, print the report, then serve
# the dashboard on it until Ctrl-C (DEMO_SERVE=0 stops after the report; TILL_PORT picks the
# port, 8080 by default).
set -euo pipefail
cd "$(dirname "$0")/.."
till=build/release/src/cli/till
mkdir -p demo
if [ ! -s demo/retail_302010.csv ]; then
  echo "Generating demo/retail_302010.csv (302,010 rows)..."
  "$till" generate --rows 302010 --seed 42 --output demo/retail_302010.csv
fi
"$till" ingest demo/retail_302010.csv --warehouse till.db --trigger demo
echo
"$till" report --warehouse till.db
[ "${DEMO_SERVE:-1}" = 0 ] && exit 0
echo
exec "$till" serve --warehouse till.db --port "${TILL_PORT:-8080}"
