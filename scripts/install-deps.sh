#!/usr/bin/env bash
# Installs the Debian 12 packages Till needs to build and test, when any is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libsqlite3-dev sqlite3 libssl-dev libxxhash-dev
  libpq-dev postgresql-15 postgresql-client-15
  nlohmann-json3-dev libsimdjson-dev libcli11-dev libtomlplusplus-dev libfmt-dev libabsl-dev
  libcurl4-openssl-dev libpugixml-dev prometheus-cpp-dev prometheus
  libcpp-httplib-dev libboost-dev libbrotli-dev zlib1g-dev
  libnlopt-dev libnlopt-cxx-dev libeigen3-dev r-cran-forecast
  libgtest-dev libgmock-dev libbenchmark-dev
  time nodejs npm chromium wrk jq bc
  clang-format clang libclang-rt-14-dev
  python3-sklearn python3-scipy
  help2man man-db lintian systemd
)

missing=()
for package in "${packages[@]}"; do
  # Node.js may come from elsewhere than Debian (the image has its own); any node and npm do.
  if [ "$package" = nodejs ] || [ "$package" = npm ]; then
    command -v "${package%js}" >/dev/null && continue
  fi
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The dashboard's npm packages (ECharts; playwright-core and axe-core for the browser tests), exactly as
# web/package-lock.json pins them; again only when the lock file changed since.
web="$(dirname "$0")/../web"
stamp="$web/node_modules/.till-lock"
if ! cmp -s "$web/package-lock.json" "$stamp" 2>/dev/null; then
  echo "Installing the dashboard's npm packages"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$web/package-lock.json" "$stamp"
fi
