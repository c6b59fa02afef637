#!/usr/bin/env bash
# Set up (first run only) and run the whole test suite, plus ruff, mypy and the
# import contracts (lint-imports: the layers in pyproject.toml's [tool.importlinter]).
# Tests run inside a private D-Bus session with an unlocked gnome-keyring, so the
# keyring tests use the real Secret Service and never touch the user's own keyring.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check mixtral_desktop tests bench
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
exec dbus-run-session -- bash scripts/in-test-session.sh "$@"
