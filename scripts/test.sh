#!/usr/bin/env bash
# Runs killscope's whole test suite. Tests that touch Redis start their own
# redis-server processes on free loopback ports, so redis-server and
# redis-cli (for cluster creation) must be installed; the serve tests run the
# real prometheus and promtool. This script installs what is missing with apt
# when it runs as root, and otherwise says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
if ! command -v "${KILLSCOPE_REDIS_SERVER:-redis-server}" >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  missing+=(redis-server redis-tools)
fi
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  missing+=(prometheus)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${missing[*]} with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    # Debian's packages start a system redis on 6379 and a prometheus on
    # 9090; the tests use neither.
  else
    echo "test.sh: ${missing[*]} required (Debian/Ubuntu: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

export INSTA_UPDATE="${INSTA_UPDATE:-no}"
exec cargo test --locked --all-targets "$@"
