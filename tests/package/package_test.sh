#!/usr/bin/env bash
# The Debian package as a user gets it: built by CPack from the build tree, then
#   contents: its files, control data and lintian's verdict; `cmake --install` to a prefix; the `till` inside, unpacked into a
#             temporary root (dpkg-deb -x), prints its version and loads a small file; the man
#             page renders without warnings; bash completion completes a subcommand;
#   install:  installed with dpkg into a throwaway copy of this machine (overlays over /etc,
#             /usr and /var in a private mount namespace, so nothing outlives the test): the
#             user till, the warehouse postinst creates, systemd-analyze verify on the installed
#             units, a reinstall (the upgrade path) that keeps the warehouse and applies each
#             migration once; the warehouse an old Till left (tests/data/upgrade/sqlite_v1.db,
#             schema version 1) upgraded by installing the package over it: `till doctor` fails
#             on its schema before and passes after, every row kept, each later migration
#             applied once and never again; a removal that keeps settings and warehouse, and a
#             purge.
# Usage: package_test.sh contents|install BUILD_DIR SOURCE_DIR
# Exits 77 (CTest's skip code) when `install` cannot make a throwaway root: not root, or no
# mount namespaces.
set -euo pipefail
part=$1
build=$(cd "$2" && pwd)
source=$(cd "$3" && pwd)
sample=$source/tests/data/samples/real_rows_30.csv
old_warehouse=$source/tests/data/upgrade/sqlite_v1.db
old_figures=$source/tests/data/upgrade/expected.txt

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

if [ "$part" = install ]; then
  if [ "$(id -u)" -ne 0 ] || ! unshare --mount true 2>/dev/null; then
    echo "skipped: installing needs root and mount namespaces for a throwaway root" >&2
    exit 77
  fi
fi

cpack --config "$build/CPackConfig.cmake" -B "$work/out" \
  -D CPACK_OUTPUT_FILE_PREFIX="$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log" >&2; fail "cpack could not build the package"; }
deb=$(ls "$work"/out/till_*.deb)

if [ "$part" = contents ]; then
  dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$work/files"
  for file in /usr/bin/till /usr/share/man/man1/till.1.gz /usr/share/bash-completion/completions/till \
    /usr/lib/systemd/system/till-watch@.service /usr/lib/systemd/system/till-serve.service \
    /usr/lib/systemd/system/till-stream.service /etc/till/till.toml /etc/till/environment /usr/share/doc/till/copyright; do
    grep -qx "$file" "$work/files" || fail "the package has no $file"
  done
  dpkg-deb -I "$deb" conffiles >"$work/conffiles"
  grep -qx /etc/till/till.toml "$work/conffiles" || fail "till.toml is not a conffile"
  [[ $(dpkg-deb -f "$deb" Depends) == *adduser* ]] || fail "the package does not depend on adduser"
  dpkg-deb -c "$deb" >"$work/listing"
  grep -q '^-rw------- root/root .* ./etc/till/environment$' "$work/listing" ||
    fail "/etc/till/environment is not root's alone"

  # cmake --install to a prefix of one's own: the same files under it.
  cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "cmake --install"; }
  for file in bin/till share/man/man1/till.1.gz share/bash-completion/completions/till \
    lib/systemd/system/till-serve.service etc/till/till.toml; do
    [ -f "$work/prefix/$file" ] || fail "cmake --install put no $file under the prefix"
  done
  "$work/prefix/bin/till" --version >/dev/null || fail "the installed till does not run"

  root=$work/root
  dpkg-deb -x "$deb" "$root"
  till=$root/usr/bin/till
  version=$("$till" --version)
  echo "$version"
  echo "$version" | head -n 1 | grep -Eq '^till [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]{12}|unknown\)' ||
    fail "till --version's first line: $version"
  echo "$version" | grep -Eq 'SQLite [0-9.]+ and libpq [0-9.]+' || fail "no library versions: $version"
  (cd "$work" && "$till" ingest "$sample" --warehouse ingest.db --json) >"$work/ingest.json" ||
    fail "the packaged till could not load $sample"
  grep -q '"rows_loaded":30' "$work/ingest.json" || fail "not 30 rows loaded: $(cat "$work/ingest.json")"

  MANWIDTH=100 man --warnings -l "$root/usr/share/man/man1/till.1.gz" >"$work/man.txt" 2>"$work/man.err"
  [ ! -s "$work/man.err" ] || fail "the man page renders with warnings: $(cat "$work/man.err")"
  for heading in NAME SYNOPSIS OPTIONS COMMANDS FILES ENVIRONMENT; do
    grep -q "^$heading" "$work/man.txt" || fail "the man page has no $heading section"
  done
  for command in $("$till" --help | awk '/^Subcommands:/ { i = 1; next } /^[^ ]/ { i = 0 } i && /^  [^ ]/ { print $1 }'); do
    grep -q "^   till $command\$" "$work/man.txt" || fail "the man page does not describe till $command"
  done
  grep -q -- '--metrics-port' "$work/man.txt" || fail "the man page lacks the subcommands' options"

  completed=$(PATH="$root/usr/bin:$PATH" bash -c '
    . "$1"; COMP_WORDS=(till --log-level info wat); COMP_CWORD=3; _till; echo "${COMPREPLY[*]}"
    COMP_WORDS=(till watch --metrics-p); COMP_CWORD=2; _till; echo "${COMPREPLY[*]}"' \
    _ "$root/usr/share/bash-completion/completions/till")
  [ "$completed" = $'watch\n--metrics-port' ] || fail "bash completion gave: $completed"

  if command -v lintian >/dev/null; then
    lintian --fail-on error,warning "$deb" >"$work/lintian.txt" 2>&1 ||
      fail "lintian: $(cat "$work/lintian.txt")"
  else
    echo "lintian is not installed: the package was not checked by it"
  fi
  echo "contents: ok"
  exit 0
fi

# install: everything below runs in a private mount namespace where /etc, /usr and /var are
# overlays whose changes land in $work and vanish with it.
export deb sample work old_warehouse old_figures
unshare --mount --propagation private bash -euo pipefail -c '
  fail() { echo "FAIL: $*" >&2; exit 1; }
  for dir in etc usr var; do
    mkdir -p "$work/overlay/$dir/upper" "$work/overlay/$dir/work"
    mount -t overlay "overlay-$dir" \
      -o "lowerdir=/$dir,upperdir=$work/overlay/$dir/upper,workdir=$work/overlay/$dir/work" "/$dir"
  done
  # The real machine must not have till installed, or the test would upgrade it.
  if dpkg-query -W -f="\${Status}" till 2>/dev/null | grep -q "install ok installed"; then
    dpkg -P till >/dev/null
  fi
  userdel till 2>/dev/null || true

  dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i"; }
  getent passwd till | grep -q ":/var/lib/till:" || fail "no system user till"
  [ "$(stat -c %U:%a /var/lib/till)" = till:750 ] || fail "/var/lib/till: $(stat -c %U:%a /var/lib/till)"
  [ "$(stat -c %a /etc/till/environment)" = 600 ] || fail "/etc/till/environment is not 0600"
  [ -f /var/lib/till/till.db ] || fail "postinst did not create the warehouse: $(cat "$work/dpkg.log")"
  [ "$(stat -c %U /var/lib/till/till.db)" = till ] || fail "the warehouse does not belong to till"
  /usr/bin/till --version >/dev/null || fail "till --version"
  for unit in till-watch@.service till-serve.service till-stream.service; do
    for setting in ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes User=till \
      StateDirectory=till Restart=on-failure KillSignal=SIGTERM; do
      grep -qx "$setting" "/usr/lib/systemd/system/$unit" || fail "$unit lacks $setting"
    done
  done

  if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify --man=no till-serve.service till-stream.service \
      till-watch@srv-landing.service \
      >"$work/verify.txt" 2>&1 || fail "systemd-analyze verify: $(cat "$work/verify.txt")"
    [ ! -s "$work/verify.txt" ] || fail "systemd-analyze verify: $(cat "$work/verify.txt")"
  else
    echo "systemd-analyze is not installed: the units were not verified"
  fi

  # A load as the services make it, then the upgrade path: dpkg -i of the package again.
  cd /var/lib/till
  TILL_CONFIG=/etc/till/till.toml runuser -u till -- /usr/bin/till ingest "$sample" >/dev/null ||
    fail "till ingest as user till"
  # An edit the upgrade must keep: a key of the [alerts] table, which ends the file.
  echo "freshness_seconds = 120" >>/etc/till/till.toml
  schema_before=$(sqlite3 /var/lib/till/till.db "SELECT version, applied_at FROM till_schema ORDER BY 1")
  [ -n "$schema_before" ] || fail "no schema version recorded"
  dpkg -i "$deb" >"$work/dpkg2.log" 2>&1 || { cat "$work/dpkg2.log" >&2; fail "dpkg -i again"; }
  [ "$(sqlite3 /var/lib/till/till.db "SELECT count(*) FROM fact_sales")" = 30 ] ||
    fail "the upgrade lost the warehouse"
  schema_after=$(sqlite3 /var/lib/till/till.db "SELECT version, applied_at FROM till_schema ORDER BY 1")
  [ "$schema_before" = "$schema_after" ] || fail "migrations ran again: $schema_before / $schema_after"
  grep -q "^freshness_seconds = 120" /etc/till/till.toml || fail "the upgrade replaced the edited till.toml"

  # The upgrade from an old Till: its warehouse (schema version 1) in place of this one, as the
  # user till would hold it, then the package installed over it.
  doctor() {
    runuser -u till -- env TILL_CONFIG=/etc/till/till.toml /usr/bin/till doctor --json \
      >"$work/doctor.json" 2>&1
  }
  rm -f /var/lib/till/till.db*
  install -o till -g till -m 0640 "$old_warehouse" /var/lib/till/till.db
  figures() {
    sqlite3 /var/lib/till/till.db "SELECT count(*) FROM fact_sales;
      SELECT count(*) FROM etl_file WHERE status = '\''loaded'\'';
      SELECT count(*) FROM etl_reject WHERE row_rejected = 1;
      SELECT printf('\''%.2f'\'', round(sum(total_amount), 2)) FROM fact_sales;
      SELECT sum(quantity) FROM fact_sales"
  }
  expected=$(awk '\''$1 ~ /^(facts|files_loaded|rejects|revenue|units)$/ { print $2 }'\'' "$old_figures")
  [ "$(figures)" = "$expected" ] || fail "the old warehouse is not as expected.txt: $(figures)"
  [ "$(sqlite3 /var/lib/till/till.db "SELECT group_concat(version) FROM till_schema")" = 1 ] ||
    fail "the old warehouse is not at schema version 1"
  if doctor; then fail "till doctor passed on the old schema: $(cat "$work/doctor.json")"; fi
  grep -q "\"detail\":\"schema version 1; this till" "$work/doctor.json" ||
    fail "till doctor did not name the old schema: $(cat "$work/doctor.json")"
  dpkg -i "$deb" >"$work/dpkg3.log" 2>&1 || { cat "$work/dpkg3.log" >&2; fail "dpkg -i over the old warehouse"; }
  newest=$(sqlite3 /var/lib/till/till.db "SELECT max(version) FROM till_schema")
  [ "$(sqlite3 /var/lib/till/till.db "SELECT count(*), count(DISTINCT version), min(version) FROM till_schema")" = \
    "$newest|$newest|1" ] || fail "migrations not applied once each: $(sqlite3 /var/lib/till/till.db "SELECT * FROM till_schema")"
  [ "$newest" -gt 1 ] || fail "postinst did not migrate the old warehouse: $(cat "$work/dpkg3.log")"
  [ "$(figures)" = "$expected" ] || fail "the upgrade changed the rows: $(figures)"
  [ "$(stat -c %U /var/lib/till/till.db)" = till ] || fail "the upgraded warehouse no longer belongs to till"
  doctor || fail "till doctor after the upgrade: $(cat "$work/doctor.json")"
  grep -q "\"detail\":\"version $newest, this till'\''s\"" "$work/doctor.json" ||
    fail "till doctor does not see schema version $newest: $(cat "$work/doctor.json")"
  migrated=$(sqlite3 /var/lib/till/till.db "SELECT version, applied_at FROM till_schema ORDER BY 1")
  dpkg -i "$deb" >"$work/dpkg4.log" 2>&1 || { cat "$work/dpkg4.log" >&2; fail "dpkg -i again"; }
  [ "$(sqlite3 /var/lib/till/till.db "SELECT version, applied_at FROM till_schema ORDER BY 1")" = "$migrated" ] ||
    fail "a second upgrade applied migrations again"

  dpkg -r till >/dev/null 2>&1 || fail "dpkg -r"
  [ ! -e /usr/bin/till ] || fail "dpkg -r left /usr/bin/till"
  [ -f /etc/till/till.toml ] && [ -f /var/lib/till/till.db ] || fail "dpkg -r removed settings or data"
  dpkg -P till >/dev/null 2>&1 || fail "dpkg -P"
  [ ! -e /etc/till ] && [ ! -e /var/lib/till ] || fail "dpkg -P left /etc/till or /var/lib/till"
  echo "install: ok"
'
