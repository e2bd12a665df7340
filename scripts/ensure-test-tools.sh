#!/usr/bin/env bash
# The tests drive real programs that Debian ships: Chromium (the dashboard's browser test) and
# Python's requests (a client the API must answer readably), Prometheus and node_exporter. `npm test` runs this first: it
# installs what is missing once where it can (root with apt-get), else says what to install.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
python3 -c 'import requests' >/dev/null 2>&1 || /usr/bin/python3 -c 'import requests' >/dev/null 2>&1 ||
  missing+=(python3-requests)
# Prometheus and its node exporter (test/prometheus: the Prometheus source and remote write).
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-node-exporter >/dev/null 2>&1 || missing+=(prometheus-node-exporter)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing what the tests drive: apt-get install ${missing[*]}"
  if apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; then exit 0; fi
  echo "Could not install ${missing[*]}; the tests that use them will fail until they are installed" >&2
else
  echo "The tests need: sudo apt-get install -y ${missing[*]}" >&2
fi
