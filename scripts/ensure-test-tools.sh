#!/usr/bin/env bash
# The tests drive real programs that Debian ships: Chromium (the dashboard's browser test),
# Python's requests (a client the API must answer readably), Ansible (the ansible driver:
# ansible-core's ansible-playbook, and the `ansible` package's collections for the json callback
# and examples/ansible's arista.eos), net-snmp's agent and tools (snmpd polled by the SNMP
# telemetry tests, snmpset to tune it), Prometheus and its node exporter (test/prometheus: the
# Prometheus source and remote write). `npm test` runs this first: it
# installs what is missing once where it can (root with apt-get), else says what to install.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
python3 -c 'import requests' >/dev/null 2>&1 || /usr/bin/python3 -c 'import requests' >/dev/null 2>&1 ||
  missing+=(python3-requests)
{ command -v ansible-playbook >/dev/null 2>&1 &&
  [ -d /usr/lib/python3/dist-packages/ansible_collections/ansible/posix ] &&
  [ -d /usr/lib/python3/dist-packages/ansible_collections/arista/eos ]; } ||
  missing+=(ansible-core ansible)
[ -x /usr/sbin/snmpd ] || command -v snmpd >/dev/null 2>&1 || missing+=(snmpd)
command -v snmpset >/dev/null 2>&1 || missing+=(snmp)
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
