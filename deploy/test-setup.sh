#!/usr/bin/env bash
# First half of the test command (`bash deploy/test-setup.sh && mvn -B verify`): installs what the suite needs beyond
# Java 17 and Maven (Debian's chromium for the HTML report test, curl and python3 for the local cluster script). No
# test installs anything itself. Where a package is missing and cannot be installed (no root, no package mirror), it
# stops at once and says which.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fail() { echo "deploy/test-setup.sh: $*" >&2; exit 1; }

command -v java > /dev/null || fail "java is missing: install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless)"
command -v mvn > /dev/null || fail "mvn is missing: install Maven 3.8+ (e.g. apt-get install maven)"

missing=()
command -v curl > /dev/null || missing+=(curl)
command -v python3 > /dev/null || missing+=(python3)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
if ((${#missing[@]})); then
  as_root=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo > /dev/null && sudo -n true 2> /dev/null \
      || fail "missing ${missing[*]}; installing needs root: run 'apt-get install ${missing[*]}' as root, then this again"
    as_root=(sudo -n)
  fi
  command -v apt-get > /dev/null \
    || fail "missing ${missing[*]} and no apt-get here: install them with this system's package manager"
  echo "Installing ${missing[*]} (apt-get)..." >&2
  log="$(mktemp)"
  if ! { "${as_root[@]}" apt-get update -qq \
         && DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing[@]}"; } > "$log" 2>&1; then
    tail -20 "$log" >&2
    fail "could not install ${missing[*]} with apt-get (output above)"
  fi
  command -v curl > /dev/null || fail "curl still missing after apt-get install"
  command -v python3 > /dev/null || fail "python3 still missing after apt-get install"
  [[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium still missing after apt-get install chromium"
fi

