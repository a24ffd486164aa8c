#!/usr/bin/env bash
# The test command: makes sure what the tests run against is there — the
# bubblewrap sandbox, Temporal's CLI, chromium and PostgreSQL at
# 127.0.0.1:5432 — then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

if ! command -v bwrap >/dev/null; then
  echo "installing bubblewrap (the sandbox for student code)"
  if [ "$(id -u)" = 0 ]; then
    (apt-get install -y bubblewrap >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y bubblewrap >/dev/null; })
  else
    sudo apt-get install -y bubblewrap
  fi
fi

# Temporal's own CLI, which the tests drive with an admin token, and a
# real browser for the Web UI's login (Debian's chromium).
if ! command -v temporal >/dev/null && [ ! -x "$(go env GOPATH)/bin/temporal" ]; then
  echo "installing Temporal's CLI v1.5.1"
  (cd /tmp && GOFLAGS= go install github.com/temporalio/cli/cmd/temporal@v1.5.1)
fi
if ! command -v chromium >/dev/null; then
  echo "installing chromium (the Web UI's browser test)"
  if [ "$(id -u)" = 0 ]; then
    (apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; })
  else
    sudo apt-get install -y chromium
  fi
fi

if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if command -v psql >/dev/null && ! psql -h 127.0.0.1 -U postgres -tAc "select 1" test >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -c "create database test" >/dev/null
fi

# The end-to-end package runs long on a small machine: more than go test's 10 minutes.
go test -timeout 25m "$@" ./...
