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

mvn -B -ntp verify "$@"

# Suite-wide: no token may appear in any test's captured output (every module; our code logs at debug level in
# tests). The transport tests also check this per class, with the exact tokens they used.
leaks=$(grep -rElI 'jwt-[0-9]+-[A-Za-z0-9_-]{16}|Authorization: (Pomerium|Bearer) |service-account-jwt|pomerium_jwt=[^<&[:space:]]' \
  --include='*-output.txt' --include='*.xml' ./*/target/surefire-reports 2>/dev/null || true)
if [ -n "$leaks" ]; then
  echo "test.sh: a token appears in the captured test output of: $leaks" >&2
  exit 1
fi
echo "test.sh: no token in the captured output of any test"
