#!/usr/bin/env bash
# Runs inside dbus-run-session: start an unlocked gnome-keyring, then pytest.
set -euo pipefail
if command -v gnome-keyring-daemon >/dev/null 2>&1; then
  eval "$(printf '' | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)" || true
  export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK 2>/dev/null || true
fi
exec .venv/bin/python -m pytest "$@"
