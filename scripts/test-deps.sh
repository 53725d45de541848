#!/bin/sh
# What the tests need beyond npm: Perl's Net::SMPP (Debian libnet-smpp-perl) for the third-party
# client test (test/third-party/net-smpp.test.ts). Installed here, so `npm test` on a fresh
# Debian machine and CI (.ci/run) both have it; a machine where it cannot be installed gets a
# message, and that test fails rather than passing silently.
set -eu
if perl -MNet::SMPP -e1 2>/dev/null; then exit 0; fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=sudo
else
  echo "test-deps: Net::SMPP is missing and cannot be installed without root: apt-get install libnet-smpp-perl" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: Net::SMPP is missing and this machine has no apt-get: install libnet-smpp-perl by hand" >&2
  exit 0
fi
echo "test-deps: installing libnet-smpp-perl (for the Net::SMPP client test)" >&2
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libnet-smpp-perl >/dev/null
