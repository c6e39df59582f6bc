#!/usr/bin/env bash
# Builds the command-line jar and runs its demo: clone, push and fetch through an embedded Pomerium gateway.
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -ntp -q -DskipTests install
exec java -jar sample-app/target/jgit-pomerium.jar demo
