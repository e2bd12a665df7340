#!/usr/bin/env bash
# The dashboard's end-to-end test drives Debian's Chromium (/usr/bin/chromium). `npm test` runs
# this first: it installs Chromium once where it can (root with apt-get), else says what to do.
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Chromium for the dashboard's browser test (apt-get install chromium)"
  if apt-get update -qq && apt-get install -y -qq chromium >/dev/null; then exit 0; fi
  echo "Could not install Chromium; the dashboard test will fail until it is installed" >&2
else
  echo "The dashboard test needs Chromium: sudo apt-get install -y chromium" >&2
fi
