#!/usr/bin/env bash
# Builds everything and runs every test, on a fresh Debian machine with a JDK 17 and Maven.
# Installs what the tests need and the machine lacks: Debian's chromium (the real-browser sign-in test), socat (a
# generic ProxyCommand), openssl (PKCS#12 files for the client-certificate tests, squid's password file), and
# openssh-server, openssh-client, git and a system user pomerium-git whose shell is git-shell (the real-OpenSSH tests,
# which start their own sshd on 127.0.0.1), and squid, microsocks and libnss-wrapper (the forward-proxy tests,
# which start their own squid and SOCKS5 server on 127.0.0.1; nss_wrapper gives the SOCKS5 server a hosts file of its
# own). Nothing else system-wide is configured or started.
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
{ command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1; } || missing+=(openssh-client)
{ command -v git >/dev/null 2>&1 && [ -x /usr/bin/git-shell ]; } || missing+=(git)
command -v socat >/dev/null 2>&1 || missing+=(socat)
{ [ -x /usr/sbin/squid ] && [ -x /usr/lib/squid/basic_ncsa_auth ]; } || missing+=(squid)
command -v microsocks >/dev/null 2>&1 || missing+=(microsocks)
compgen -G '/usr/lib/*/libnss_wrapper.so' >/dev/null || missing+=(libnss-wrapper)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]} for the tests" >&2
  $sudo apt-get update -qq
  # Keep the packages from starting a system-wide sshd on port 22 or squid on 3128 (the tests run their own): a
  # policy-rc.d that forbids starting services, only for this install and only if the machine has none.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
  fi
  status=0
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null </dev/null || status=$?
  if [ -n "$policy" ]; then $sudo rm -f "$policy"; fi
  if [ "$status" -ne 0 ]; then
    echo "test.sh: apt-get install ${missing[*]} failed ($status)" >&2
    exit "$status"
  fi
fi
# The OpenSSH tests log in as pomerium-git with a key. Its password is '*', which no password matches, rather than
# useradd's '!': the tests' sshd runs without PAM (UsePAM no), and then OpenSSH refuses a '!'-locked account even
# for key logins.
if ! id pomerium-git >/dev/null 2>&1; then
  echo "test.sh: creating the system user pomerium-git (login shell git-shell) for the OpenSSH tests" >&2
  $sudo useradd --system --create-home --shell /usr/bin/git-shell --password '*' pomerium-git
elif $sudo getent shadow pomerium-git | cut -d: -f2 | grep -q '^!'; then
  echo "test.sh: pomerium-git is locked ('!'); setting its password to '*' so that key logins work without PAM" >&2
  $sudo usermod --password '*' pomerium-git
fi
$sudo mkdir -p /run/sshd   # sshd's privilege separation directory

# install, not verify: the examples (jgit-pomerium-examples-tests, last in the reactor) are built by the real mvn
# as users build them, taking this build's artifacts from the local repository.
# The build also fails when the public API differs from api-baseline/ (japicmp at verify): then say what changed.
# The published jars record file modes, which the umask sets; they are reproducible under 022 (.ci/reproducible.sh).
umask 022
rm -f ./*/target/japicmp/api-baseline.diff   # a module the build does not reach must not report an old diff
if ! mvn -B -ntp install "$@"; then
  for diff in ./*/target/japicmp/api-baseline.diff; do
    if [ -f "$diff" ] && ! grep -qx 'No changes.' "$diff"; then
      echo "test.sh: the public API differs from api-baseline/ ($diff); if that is meant, run ./api-baseline.sh update" \
        "and commit api-baseline/:" >&2
      cat "$diff" >&2
      echo >&2
    fi
  done
  exit 1
fi

# The shaded jar as users run it (the tests above call Main in-process): it starts, and its demo works.
jar=sample-app/target/jgit-pomerium.jar
java -jar "$jar" --help >/dev/null
# The Java agent with no configuration: routes nothing and prints nothing (AgentJarIT tests it with real hosts).
agent=jgit-pomerium-agent/target/jgit-pomerium-agent.jar
agent_stderr=$(java -javaagent:"$agent" -jar "$jar" --version 2>&1 >/dev/null)
[ -z "$agent_stderr" ] || { echo "test.sh: -javaagent:$agent printed: $agent_stderr" >&2; exit 1; }
java -jar "$jar" demo </dev/null | tail -n 1 | grep -qx "Demo OK: clone, push and fetch went through the Pomerium tunnel." \
  || { echo "test.sh: java -jar $jar demo did not end with Demo OK" >&2; exit 1; }
echo "test.sh: java -jar $jar --help and demo work, and -javaagent:$agent is silent"
# The launcher beside the jar, which the README's ProxyCommand recipe runs (LauncherIT tests it with git and OpenSSH).
[ "$(sample-app/target/jgit-pomerium --version)" = "$(java -jar "$jar" --version)" ] \
  || { echo "test.sh: sample-app/target/jgit-pomerium --version differs from java -jar $jar --version" >&2; exit 1; }

# The benchmark harness still builds and runs (a few seconds of a tiny repository; the figures are not checked here).
./bench.sh --quick >/dev/null
echo "test.sh: ./bench.sh --quick works"

# Suite-wide: no token may appear in any test's captured output (every module; our code logs at debug level in
# tests). The transport tests also check this per class, with the exact tokens they used.
# A signed JWT (header.payload.signature, as the CI identity stand-ins mint) is a token too.
leaks=$(grep -rElI 'eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}|jwt-[0-9]+-[A-Za-z0-9_-]{16}|Authorization: (Pomerium|Bearer) |service-account-jwt|pomerium_jwt=[^<&[:space:]]' \
  --include='*-output.txt' --include='*.xml' ./*/target/surefire-reports* ./*/target/failsafe-reports 2>/dev/null || true)
if [ -n "$leaks" ]; then
  echo "test.sh: a token appears in the captured test output of: $leaks" >&2
  exit 1
fi
echo "test.sh: no token in the captured output of any test"

# The published jars, their sources, javadoc and SBOMs, built again from a copy of the sources: equal byte for byte.
.ci/reproducible.sh
