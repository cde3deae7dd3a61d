#!/bin/sh
# Installs what `cargo test` needs beyond Rust: SAP's official JavaScript SDK (npm) and Python
# SDK (a virtualenv) for the conformance suites, the OpenAI and Anthropic Python SDKs (same
# virtualenv) and Claude Code, Codex and the Kilo CLI with its SAP AI Core provider (npm,
# tests/clients) for the `sapcode serve` and `sapcode simulate` client tests. Safe to run again: each step is skipped when
# what it installs is already there and up to date. `cargo test` itself never installs
# anything (a missing SDK fails the suites with a line saying to run this script).
set -eu
cd "$(dirname "$0")/conformance"

need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "tests/setup.sh: $1 is not on PATH: $2" >&2
    exit 1
  }
}
need node "install Node.js 20 or newer"
need npm "install npm (it comes with Node.js)"
need python3 "install Python 3 with venv (Debian/Ubuntu: python3-venv)"
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "tests/setup.sh: Node.js $(node --version) is too old: install Node.js 20 or newer" >&2
  exit 1
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# Claude Code, Codex, the Kilo CLI (@kilocode/cli-linux-x64) and the provider Kilo would otherwise
# fetch at run time (@jerome-benoit/sap-ai-provider-v2), pinned in tests/clients/package-lock.json
# (tests/serve_clients.rs, tests/sim_clients.rs).
if [ ! -f ../clients/node_modules/.package-lock.json ] || [ ../clients/package-lock.json -nt ../clients/node_modules/.package-lock.json ]; then
  (cd ../clients && npm ci --no-audit --no-fund --loglevel=error)
fi

venv=python/.venv
stamp=$venv/.requirements-installed
if [ ! -x $venv/bin/python ]; then
  python3 -m venv $venv || {
    echo "tests/setup.sh: python3 cannot create a virtualenv: install python3-venv (Debian/Ubuntu)" >&2
    exit 1
  }
fi
if [ ! -f $stamp ] || [ python/requirements.txt -nt $stamp ]; then
  $venv/bin/pip install -q --disable-pip-version-check -r python/requirements.txt
  touch $stamp
fi
