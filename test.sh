#!/usr/bin/env bash
# Builds everything and runs every test, on a fresh Debian machine with a JDK 17 and Maven.
# Installs what the tests need and the machine lacks: Debian's chromium (the real-browser sign-in test).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v chromium >/dev/null 2>&1; then
  echo "test.sh: installing chromium for the real-browser sign-in test" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

exec mvn -B -ntp verify "$@"
