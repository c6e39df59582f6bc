#!/usr/bin/env bash
# The public API baseline: api-baseline/<artifactId>.jar holds the API of each library whose API is frozen (its classes
# outside packages named internal), and the build (japicmp, at verify: mvn install, so .ci/run) fails when the API
# built differs from it in any way, additions included.
#   ./api-baseline.sh check    build those libraries and compare them with the baseline
#   ./api-baseline.sh update   after an intended API change: make the baseline from this work tree, then commit it
set -euo pipefail
cd "$(dirname "$0")"

modules=(jgit-pomerium-transport jgit-pomerium-spring-boot)
list=$(IFS=,; echo "${modules[*]}")
# Only what these modules need: no tests, no Javadoc, no SBOM.
quick=(-B -ntp -q -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip -Dcyclonedx.skip -Denforcer.skip)

case "${1:-}" in
  check)
    for module in "${modules[@]}"; do
      rm -f "$module/target/japicmp/api-baseline.diff"   # a module the build does not reach must not report an old diff
    done
    if ! mvn "${quick[@]}" -pl "$list" -am verify; then
      for module in "${modules[@]}"; do
        diff=$module/target/japicmp/api-baseline.diff
        if [ -f "$diff" ] && ! grep -qx 'No changes.' "$diff"; then
          echo "api-baseline.sh: the public API of $module differs from api-baseline/$module.jar:" >&2
          cat "$diff" >&2
          echo >&2
        fi
      done
      echo "api-baseline.sh: if that change is meant, run $0 update and commit api-baseline/" >&2
      exit 1
    fi
    echo "api-baseline.sh: the public API of ${modules[*]} is the baseline's"
    ;;
  update)
    mvn "${quick[@]}" -Djapicmp.skip -pl "$list" -am package
    timestamp=$(sed -n 's|.*<project.build.outputTimestamp>\(.*\)</project.build.outputTimestamp>.*|\1|p' pom.xml)
    mkdir -p api-baseline
    for module in "${modules[@]}"; do
      built=$(ls "$module"/target/"$module"-*.jar | grep -v -e '-sources\.jar$' -e '-javadoc\.jar$')
      work=$(mktemp -d)
      (cd "$work" && jar --extract --file "$OLDPWD/$built")
      # Byte for byte the same jar for the same API classes: sorted entries, one timestamp, no manifest naming the JDK.
      (cd "$work" && find . -name '*.class' -not -path '*/internal/*' | LC_ALL=C sort | sed 's|^\./||' > classes.txt \
        && jar --create --no-manifest --date="$timestamp" --file "$OLDPWD/api-baseline/$module.jar" @classes.txt)
      rm -rf "$work"
      echo "api-baseline.sh: api-baseline/$module.jar now holds the API of $built"
    done
    echo "api-baseline.sh: commit api-baseline/ with the change of API (and say so in CHANGELOG.md)"
    ;;
  *)
    echo "usage: $0 check|update" >&2
    exit 2
    ;;
esac
