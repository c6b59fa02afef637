#!/usr/bin/env bash
# Sets up what Mixtral Desktop needs on Debian/Ubuntu: the system libraries Qt loads,
# and a virtual environment in .venv with the package installed (editable).
#   scripts/setup.sh app    runtime only
#   scripts/setup.sh test   runtime + the test tools (Xvfb, D-Bus, gnome-keyring, pytest...)
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-app}"

app_debs=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4
  libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0
  libxcb-xinerama0 libxcb-xkb1 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core
  fonts-noto-color-emoji)  # (replies with emoji, in colour)
test_debs=(xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools xdotool x11-utils
  binutils desktop-file-utils appstream libglib2.0-bin  # these four: tests/packaging
  libgtk-3-0)  # Qt's gtk3 platform theme: the dark desktop the theme tests follow

debs=("${app_debs[@]}")
[ "$what" = test ] && debs+=("${test_debs[@]}")

if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
else
  echo "Not a Debian/Ubuntu system: install Qt's runtime libraries yourself (see README)." >&2
fi

python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
extra=""
[ "$what" = test ] && extra="[test,packaging]"  # packaging: PyInstaller, for tests/packaging
stamp=".venv/.installed-$what-$(cat pyproject.toml scripts/setup.sh | sha1sum | cut -c1-12)"
if [ ! -e "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".$extra"
  touch "$stamp"
fi
