#!/usr/bin/env bash
# Installs Debian's chromium for the exchange-service browser test
# (examples/exchange-service/blackbox/browser_test.go). Idempotent: a quick
# no-op when /usr/bin/chromium is already there. Uses sudo only when not root.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-chromium: apt-get not found; install chromium yourself (the browser test expects /usr/bin/chromium)" >&2
	exit 1
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "install-chromium: not root and sudo not found" >&2
		exit 1
	fi
	SUDO="sudo -n"
fi

export DEBIAN_FRONTEND=noninteractive
# An update first: a fresh image may carry no package lists, or stale ones
# that name a version the mirror no longer has.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null

if [ ! -x /usr/bin/chromium ]; then
	echo "install-chromium: chromium installed but /usr/bin/chromium is missing" >&2
	exit 1
fi
/usr/bin/chromium --version
