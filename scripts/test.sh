#!/usr/bin/env bash
# Runs killscope's whole test suite. Tests that touch Redis start their own
# redis-server processes on free loopback ports, so redis-server and
# redis-cli (for cluster creation) must be installed; this script installs
# them with apt when it runs as root, and otherwise says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

need_redis() {
  ! command -v "${KILLSCOPE_REDIS_SERVER:-redis-server}" >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1
}

if need_redis; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing redis-server and redis-tools with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
    # Debian's package starts a system redis on 6379; the tests never use it.
  else
    echo "test.sh: redis-server and redis-cli are required (Debian/Ubuntu: sudo apt-get install redis-server redis-tools)" >&2
    exit 1
  fi
fi

export INSTA_UPDATE="${INSTA_UPDATE:-no}"
exec cargo test --locked --all-targets "$@"
