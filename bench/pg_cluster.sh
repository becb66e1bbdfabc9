# Sourced by the PostgreSQL benchmarks: a throwaway cluster, initdb in a temporary folder,
# listening on 127.0.0.1 only, scram-sha-256 for the superuser, initdb's default settings
# otherwise. start_pg_cluster sets bindir, psql, work (the temporary folder, which the caller
# may use too), port, password (also exported as PGPASSWORD) and postmaster (the server's pid);
# stop_pg_cluster stops it and removes the folder. admin SQL [DB] runs SQL as the superuser.

bindir=${TILL_PG_BINDIR:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}
# psql from bindir, not Debian's /usr/bin/psql, a Perl wrapper that would add its start-up time
# to the peer's.
psql=$bindir/psql

# PostgreSQL refuses to run as root; then the server runs as the postgres user.
as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

admin() { "$psql" -X -q -A -t -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$port user=postgres dbname=${2:-postgres}" -c "$1"; }

start_pg_cluster() {
  local tool
  for tool in initdb pg_ctl psql; do
    [ -x "$bindir/$tool" ] || { echo "$bindir/$tool is missing: scripts/install-deps.sh" >&2; exit 2; }
  done
  work=$(mktemp -d)
  data=$work/data
  [ "$(id -u)" -eq 0 ] && chown postgres: "$work"
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  export PGPASSWORD=$password
  printf '%s\n' "$password" >"$work/pwfile"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$work/pwfile"
  as_server "$bindir/initdb" -D "$data" -U postgres --pwfile="$work/pwfile" -E UTF8 \
    --locale=C.UTF-8 --auth-local=scram-sha-256 --auth-host=scram-sha-256 --no-instructions \
    >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
  rm -f "$work/pwfile"
  port=$(start_pg_server "$data" "$work/server.log")
  postmaster=$(head -1 "$data/postmaster.pid")
}

# Starts the server of data folder $1 (log $2) on 127.0.0.1, on a port nothing listens on, its
# socket in $work; prints the port. pg_ctl fails if another process takes the port first, so it
# tries a few.
start_pg_server() {
  local attempt port
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    as_server "$bindir/pg_ctl" -D "$1" -l "$2" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$work" \
      start >/dev/null && { echo "$port"; return 0; }
  done
  cat "$2" >&2
  exit 1
}

stop_pg_cluster() {
  [ -n "${data:-}" ] && [ -f "$data/postmaster.pid" ] &&
    as_server "$bindir/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1
  [ -n "${work:-}" ] && rm -rf "$work"
}
