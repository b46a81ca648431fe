#!/usr/bin/env bash
# Installs what nuage needs to build, run and test, from Debian's packages.
# Idempotent; run as root on Debian 12.
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config
  libboost1.81-dev libssl-dev libsqlite3-dev nlohmann-json3-dev libpugixml-dev libzip-dev libpcre2-dev nettle-dev zlib1g-dev
  libcli11-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  bubblewrap zip unzip
  # RDS DB instances run a real server: PostgreSQL for postgres /
  # aurora-postgresql, MariaDB for mysql / mariadb / aurora-mysql.
  postgresql mariadb-server mariadb-client
)
if [ "${1:-}" = "--test" ]; then
  # Test clients and tools: pytest (and xdist, to run the end-to-end files on both
  # cores), boto3, PyMySQL and both AWS CLIs (Debian's awscli is v2), clang +
  # libFuzzer for the fuzz targets.
  packages+=(python3 python3-pytest python3-pytest-xdist python3-boto3 python3-pymysql awscli clang libclang-rt-14-dev curl)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
