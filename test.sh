#!/usr/bin/env bash
# Builds everything and runs every test, on a fresh Debian machine with a JDK 17 and Maven.
# Installs what the tests need and the machine lacks (nothing beyond the JDK and Maven yet).
set -euo pipefail
cd "$(dirname "$0")"
exec mvn -B -ntp verify "$@"
