#!/usr/bin/env bash
# The demo: generate the 302,010-row raw file, load it into till.db, print the report.
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
