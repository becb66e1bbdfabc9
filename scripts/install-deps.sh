#!/usr/bin/env bash
# Installs the Debian 12 packages Till needs to build and test, when any is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libsqlite3-dev sqlite3 libssl-dev libxxhash-dev
  libpq-dev postgresql-15 postgresql-client-15
  nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libfmt-dev libabsl-dev
  libcurl4-openssl-dev libpugixml-dev prometheus-cpp-dev prometheus
  libgtest-dev libgmock-dev libbenchmark-dev
  time
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
