#!/usr/bin/env bash
# Writes till's man page (gzip'd) from the command's own help: `till --help` and `till --version`
# through help2man, and one section per subcommand with its `till COMMAND --help`.
# Usage: till-man.sh TILL OUTPUT.1.gz
set -euo pipefail
till=$1
output=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The help of a till run in an empty folder with no settings: nothing of this machine's.
cd "$work"
export -n TILL_CONFIG TILL_WAREHOUSE
unset TILL_CONFIG TILL_WAREHOUSE

subcommands=$("$till" --help | awk '/^Subcommands:/ { inside = 1; next } /^[^ ]/ { inside = 0 }
  inside && /^  [^ ]/ { print $1 }')
{
  echo "[NAME]"
  echo "till \\- raw retail transaction files to a star-schema warehouse"
  echo "[COMMANDS]"
  for command in $subcommands; do
    echo ".SS \"till $command\""
    echo ".nf"
    "$till" "$command" --help | tail -n +2 | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' \
      -e "s|^Usage: [^ ]*till|Usage: till|"
    echo ".fi"
  done
  cat <<'SECTIONS'
[FILES]
.TP
.I till.toml
Settings in the working folder, or the file \fBTILL_CONFIG\fR names;
.I /etc/till/till.toml
for the services.
.TP
.I /etc/till/environment
Secrets and variables of the services (AWS, PostgreSQL, the dashboard token).
.TP
.I /var/lib/till
The services' working folder and SQLite warehouse.
[ENVIRONMENT]
\fBTILL_CONFIG\fR, \fBTILL_WAREHOUSE\fR, \fBTILL_SERVE_TOKEN\fR, \fBTILL_LOADER_PASSWORD\fR,
\fBTILL_READER_PASSWORD\fR, \fBTILL_S3_ADDRESSING\fR, the AWS variables and the libpq \fBPG*\fR
variables: see docs/configuration.md.
[SEE ALSO]
.BR systemctl (1),
.BR systemd-escape (1)
SECTIONS
} >include.h2m

help2man --no-info --no-discard-stderr --section=1 --include=include.h2m \
  --name="raw retail transaction files to a star-schema warehouse" "$till" >till.1
gzip -9n <till.1 >"$output.tmp"
mv "$output.tmp" "$output"
