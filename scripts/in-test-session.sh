#!/usr/bin/env bash
# Runs inside dbus-run-session: start a throwaway, unlocked gnome-keyring whose files live
# in a temporary folder (never the user's own keyring), then run pytest.
set -euo pipefail
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
if command -v gnome-keyring-daemon >/dev/null 2>&1; then
  # gnome-keyring only creates its "login" collection without a prompt when it is given a
  # non-empty password on stdin; this one protects nothing but the test keyring.
  eval "$(printf 'test-session-only' | XDG_DATA_HOME="$keyring_home" \
    gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
  export MIXTRAL_TEST_KEYRING=gnome-keyring
fi
# A hang (a deadlock no Python-level timeout can interrupt: every thread waiting for the
# GIL) ends the run after 25 minutes instead of the CI's 90: SIGABRT makes faulthandler
# print every thread's stack first.
timeout --signal=ABRT --kill-after=30 1500 .venv/bin/python -m pytest "$@" \
  && status=0 || status=$?
exit "$status"
