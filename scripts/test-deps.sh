#!/bin/sh
# What the tests need beyond npm, from Debian packages, installed here so `npm test` on a fresh
# Debian machine and CI (.ci/run) both have them:
# - Perl's Net::SMPP (libnet-smpp-perl) for the third-party client test (test/third-party/);
# - Chromium (chromium, /usr/bin/chromium) for the web console's browser tests (test/console/),
#   driven by playwright-core; no Playwright browser is downloaded.
# One apt-get update, then whichever packages are missing. A machine where they cannot be
# installed gets a message, and the tests that need them fail rather than passing silently.
set -eu
MISSING=
if ! perl -MNet::SMPP -e1 2>/dev/null; then MISSING="$MISSING libnet-smpp-perl"; fi
if [ ! -x /usr/bin/chromium ]; then MISSING="$MISSING chromium"; fi
[ -n "$MISSING" ] || exit 0
if [ "$(id -u)" -eq 0 ]; then
  SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=sudo
else
  echo "test-deps: missing and cannot be installed without root: apt-get install$MISSING" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: missing and this machine has no apt-get: install$MISSING by hand" >&2
  exit 0
fi
echo "test-deps: installing$MISSING (Net::SMPP client test, console browser tests)" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086 # one word per package
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $MISSING >/dev/null
