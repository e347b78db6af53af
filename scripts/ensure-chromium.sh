#!/usr/bin/env bash
# Chromium for the browser tests (tests/browser): Debian's `chromium` package at /usr/bin/chromium.
# Playwright drives it; Playwright's own browser download is not used (it needs hosts we cannot reach).
#
# Idempotent: does nothing when Chromium is there. As root (CI) it installs it with apt-get;
# otherwise it says how to install it and exits 0, and the browser tests skip with that reason.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-chromium: $CHROMIUM is missing; install it with 'sudo apt-get install chromium'" \
        "(Debian/Ubuntu) to run tests/browser, which are skipped until then."
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available: install Chromium at $CHROMIUM." >&2
    exit 1
fi

echo "ensure-chromium: installing Debian's chromium for the browser tests (apt-get, can take a few minutes)..."
log=$(mktemp -t ensure-chromium.XXXXXX.log)
started=$SECONDS
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >"$log" 2>&1; then
    echo "ensure-chromium: apt-get failed; its last lines ($log):" >&2
    tail -n 30 "$log" >&2
    exit 1
fi
if [ ! -x "$CHROMIUM" ]; then
    echo "ensure-chromium: apt-get succeeded but $CHROMIUM is still missing ($log)." >&2
    exit 1
fi
rm -f "$log"
echo "ensure-chromium: chromium installed in $((SECONDS - started)) s."
