#!/usr/bin/env bash
# Benchmarks git over direct SSH against git through the Pomerium tunnel (docs/benchmarks.md).
#   ./bench.sh                 full run: about 4 minutes, plus about 20 s once to generate the repository
#   ./bench.sh --quick         smoke run, well under a minute
#   ./bench.sh --write-docs    full run, then docs/benchmarks.md and docs/benchmarks.png are updated
# Builds the modules it needs in the reactor, the command line's jgit-pomerium.jar and its launcher among them
# (nothing is installed into ~/.m2), then runs the harness,
# which starts the SSH server and the gateway in a JVM of their own.
set -euo pipefail
cd "$(dirname "$0")"

module=jgit-pomerium-benchmarks
# Not the release artifacts (Javadoc, sources, SBOM): only the classes the harness runs.
mvn -B -ntp -q -pl "$module",sample-app -am package -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip -Dcyclonedx.skip

exec java -Djava.awt.headless=true \
  -cp "$module/target/classes:$(cat "$module/target/bench.classpath")" \
  dev.jgitpomerium.bench.Bench --work-dir "$module/target" --cli-jar sample-app/target/jgit-pomerium.jar "$@"
