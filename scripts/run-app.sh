#!/usr/bin/env bash
# Set up (first run only) and launch Mixtral Desktop.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh app
exec .venv/bin/mixtral-desktop "$@"
