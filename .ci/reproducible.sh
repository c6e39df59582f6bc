#!/usr/bin/env bash
# Reproducible builds: builds the published artifacts again, from a copy of this work tree at another path, and
# compares each with the one this work tree's build left in target/ (test.sh runs this after its mvn install; by hand,
# run mvn package first). Every file must be equal byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."

modules=(jgit-pomerium-transport jgit-pomerium-testkit jgit-pomerium-spring-boot jgit-pomerium-agent sample-app)
version=$(sed -n '0,/<version>/s|.*<version>\(.*\)</version>.*|\1|p' pom.xml)
artifacts=()
for library in jgit-pomerium-transport jgit-pomerium-testkit jgit-pomerium-spring-boot; do
  artifacts+=("$library/target/$library-$version.jar" "$library/target/$library-$version-sources.jar"
    "$library/target/$library-$version-javadoc.jar" "$library/target/$library-cyclonedx.json")
done
artifacts+=(jgit-pomerium-agent/target/jgit-pomerium-agent.jar jgit-pomerium-agent/target/jgit-pomerium-agent-sources.jar
  jgit-pomerium-agent/target/jgit-pomerium-agent-javadoc.jar jgit-pomerium-agent/target/jgit-pomerium-agent-cyclonedx.json
  sample-app/target/jgit-pomerium.jar sample-app/target/jgit-pomerium-sample.jar sample-app/target/sample-app-cyclonedx.json)
for artifact in "${artifacts[@]}"; do
  [ -f "$artifact" ] || { echo "reproducible.sh: $artifact is missing: build first (mvn package)" >&2; exit 1; }
done

# Jars made by Maven's archiver record each file's Unix mode, which the umask sets: like Reproducible Central, these
# builds are reproducible under umask 022 (test.sh sets it). The time zone, locale, default charset and path do not
# matter: the second build runs with others than the first (LANG=C makes the JVM's default charset ASCII).
if [ "$(umask)" != 0022 ]; then
  echo "reproducible.sh: the umask is $(umask): build (and run this) under umask 022, as test.sh does" >&2
  exit 1
fi

copy=$(mktemp -d /tmp/jgit-pomerium-reproducible.XXXXXX)
trap 'rm -rf "$copy"' EXIT
# The sources as they are in this work tree (tracked files and new ones not ignored), without any target/.
git ls-files -z --cached --others --exclude-standard | tar --null -T - --ignore-failed-read -cf - 2>/dev/null \
  | tar -xf - -C "$copy"
list=$(IFS=,; echo "${modules[*]}")
(cd "$copy" && TZ=Pacific/Chatham LC_ALL=C LANG=C \
  MAVEN_OPTS="${MAVEN_OPTS:-} -Duser.language=tr -Duser.country=TR -Duser.timezone=Pacific/Chatham" \
  mvn -B -ntp -q -DskipTests -Denforcer.skip -Djapicmp.skip -Dcheckstyle.skip -pl "$list" -am package)

differ=()
for artifact in "${artifacts[@]}"; do
  cmp -s "$artifact" "$copy/$artifact" || differ+=("$artifact")
done
if [ ${#differ[@]} -gt 0 ]; then
  echo "reproducible.sh: built twice, these differ: ${differ[*]}" >&2
  for artifact in "${differ[@]}"; do
    case "$artifact" in
      *.jar) diff <(zipinfo "$artifact" | sed 1,2d) <(zipinfo "$copy/$artifact" | sed 1,2d) | head -20 >&2 || true ;;
      *) diff "$artifact" "$copy/$artifact" | head -20 >&2 || true ;;
    esac
  done
  exit 1
fi
echo "reproducible.sh: ${#artifacts[@]} published files built twice are equal byte for byte"
