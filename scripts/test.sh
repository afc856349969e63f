#!/usr/bin/env bash
# Runs the whole test suite (called by `make test`, which `.ci/run` calls).
# Installs Debian's chromium and Chinese fonts for the browser tests when they are missing, and
# points the ledger tests at the local PostgreSQL when one answers.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium and fonts-wqy-microhei for the browser tests" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) \
      || echo "could not install chromium; browser tests will be skipped" >&2
  fi
fi

if [ -z "${JOBBUS_TEST_POSTGRES_URL:-}" ]; then
  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
    export JOBBUS_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:5432/test"
  fi
fi

exec "$PY" -m pytest -n 2 "$@"
