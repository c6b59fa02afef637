"""The frozen Linux bundle, built once per run: what it holds, and that it starts as a user
starts it (offscreen, in an X session, and from its menu entry like a double click)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mixtral_desktop import APP_NAME, __version__
from mixtral_desktop.app import resources
from mixtral_desktop.core.config.secrets import KeyStore
from tests.e2e.xvfb import Xvfb
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind
from tests.packaging.conftest import Bundle
from tests.packaging.support import (
    app_log,
    desktop_entry_value,
    end_process,
    find_window,
    has_window_icon,
    log_text,
    packaging_module,
    quit_like_a_user,
    require_tool,
    user_dirs,
    wait_for,
    wm_class,
    xtool,
)
from tests.secret_service import PrivateSecretService

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]  # the first test waits for the build
config = packaging_module("bundle_config")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SIZE_BUDGET_MB = 200  # 170 MB today; the README states the size


def credits_requests(fake: FakeSegmind) -> list[str | None]:
    return [r.api_key for r in fake.log if r.path.endswith("/get-user-credits")]


def start(command: list[str], env: dict[str, str], output: Path) -> subprocess.Popen[bytes]:
    with output.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(app: subprocess.Popen[bytes]) -> None:
    if app.poll() is None:
        app.kill()
        app.wait(10)


def test_the_bundle_holds_what_the_app_uses_and_nothing_it_does_not(bundle: Bundle) -> None:
    internal = bundle.folder / "_internal"
    files = {path.relative_to(internal).as_posix() for path in internal.rglob("*")}
    # The package's own files, and the metadata its version and keyring's backends come from.
    assert "mixtral_desktop/assets/mixtral-desktop.desktop" in files
    assert "mixtral_desktop/assets/icons/hicolor/256x256/apps/mixtral-desktop.png" in files
    # The tokenizer the context meter counts with: the model, its notice and licence, and
    # sentencepiece's native module (without numpy, which it needs only for arrays).
    for name in ("mistral-v3.model", "NOTICE", "LICENSE"):
        assert f"mixtral_desktop/assets/tokenizer/{name}" in files
    assert any(f.startswith("sentencepiece/_sentencepiece") for f in files)
    assert not any(f.startswith(("numpy", "PIL/")) for f in files)
    # PDFium for PDF attachments (imported only when a PDF is read, so named in the spec).
    assert any(f.startswith("pypdfium2_raw/libpdfium") for f in files)
    # (an editable install's metadata may be the source tree's mixtral_desktop.egg-info)
    assert {f"mixtral_desktop-{__version__}.dist-info/METADATA",
            "mixtral_desktop.egg-info/PKG-INFO"} & files
    assert any(f.startswith("keyring-") and f.endswith("entry_points.txt") for f in files)
    plugins = {f.split("/", 3)[3] for f in files if f.startswith("PySide6/Qt/plugins/")}
    for needed in ("platforms/libqxcb.so", "platforms/libqwayland.so",
                   "platforms/libqoffscreen.so", "imageformats/libqsvg.so",
                   "platforminputcontexts/libcomposeplatforminputcontextplugin.so"):
        assert needed in plugins
    # Left out: Qt's translations, unused plugins, and the GTK stack the GTK theme pulls in.
    assert not any(f.startswith("PySide6/Qt/translations") for f in files)
    for unused in ("platformthemes/libqgtk3.so", "platforms/libqeglfs.so",
                   "imageformats/libqjpeg.so", "tls", "egldeviceintegrations"):
        assert not any(p.startswith(unused) for p in plugins), unused
    assert not any(f.startswith(("libgtk-3", "libgdk-3", "keyrings")) for f in files)
    size_mb = sum(p.stat().st_size for p in internal.rglob("*")
                  if p.is_file() and not p.is_symlink()) / 1e6
    print(f"bundle: {size_mb:.0f} MB, built in {bundle.build_seconds:.0f} s")
    assert size_mb < SIZE_BUDGET_MB, f"the bundle grew to {size_mb:.0f} MB"


def test_frozen_app_starts_offscreen_with_no_stdout_or_stderr(
    bundle: Bundle, fake_segmind: FakeSegmind, tmp_path: Path
) -> None:
    """As a windowed Windows build runs: sys.stdout and sys.stderr are None."""
    env = dict(os.environ) | fake_segmind.client_env() | user_dirs(tmp_path)
    env["QT_QPA_PLATFORM"] = "offscreen"
    closed = ["sh", "-c", 'exec "$0" "$@" >&- 2>&-', str(bundle.executable)]
    app = subprocess.Popen(closed, env=env, stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: credits_requests(fake_segmind), 60, "the credits request")
        assert credits_requests(fake_segmind)[0] == FAKE_KEY
        wait_for(lambda: "key source at start-up" in log_text(env), 30, "the key to be read")
        assert app.poll() is None
    finally:
        app.terminate()
        app.wait(20)
    log = log_text(env)
    assert app_log(env).is_file(), "the log is in the user log folder"
    assert f"starting {APP_NAME} {__version__}" in log  # the version comes from the metadata
    assert "key source at start-up: environment" in log
    assert "Traceback" not in log and "uncaught" not in log, log


def test_frozen_app_window_under_x11_with_the_key_from_the_keyring(
    bundle: Bundle, display: Xvfb, fake_segmind: FakeSegmind, tmp_path: Path,
    secret_service: PrivateSecretService | None,
) -> None:
    assert secret_service is not None, (
        "no Secret Service: install gnome-keyring and dbus (scripts/setup.sh test does)"
    )
    KeyStore({}).save(FAKE_KEY)
    env = display.env() | fake_segmind.client_env() | user_dirs(tmp_path)
    del env["SEGMIND_API_KEY"]
    env["DBUS_SESSION_BUS_ADDRESS"] = secret_service.address
    output = tmp_path / "app-output.txt"
    app = start([str(bundle.executable)], env, output)
    try:
        window = find_window(display)
        wait_for(lambda: credits_requests(fake_segmind), 30, "the credits request")
        assert credits_requests(fake_segmind)[0] == FAKE_KEY, "the key came from the keyring"
        wait_for(lambda: "key source at start-up" in log_text(env), 30, "the key to be read")
        assert "key source at start-up: keyring" in log_text(env)
        assert wm_class(display, window) == ("mixtral-desktop", APP_NAME)
        assert has_window_icon(display, window)
        ARTIFACTS.mkdir(exist_ok=True)
        display.screenshot(ARTIFACTS / "frozen_app.png")
        quit_like_a_user(display, window)
        assert app.wait(20) == 0
    finally:
        stop(app)
    log = log_text(env)
    assert FAKE_KEY not in log
    assert "Traceback" not in log and "Traceback" not in output.read_text(errors="replace")


@pytest.mark.parametrize("installed_by", ["bundle", "pip"])
def test_menu_entry_starts_the_app_like_a_double_click(
    installed_by: str, request: pytest.FixtureRequest, display: Xvfb,
    fake_segmind: FakeSegmind, tmp_path: Path,
) -> None:
    """Install the menu entry with the program's own command, then launch the .desktop file
    as a file manager or menu does (`gio launch`), in a desktop-like environment."""
    gio = require_tool("gio", "libglib2.0-bin")
    if installed_by == "bundle":
        program = request.getfixturevalue("bundle").executable
    else:
        program = Path(sys.executable).with_name("mixtral-desktop")
        assert program.is_file(), "install the package first (scripts/setup.sh test)"
    env = display.env() | fake_segmind.client_env() | user_dirs(tmp_path)
    env["XDG_DATA_DIRS"] = "/usr/local/share:/usr/share"
    env.pop("QT_QPA_PLATFORM")  # a desktop session does not set it; Qt picks xcb on X11
    data_home = Path(env["XDG_DATA_HOME"])

    install = subprocess.run([str(program), "--install-desktop-entry"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert install.returncode == 0, install.stderr
    entry = data_home / "applications" / f"{resources.DESKTOP_FILE_ID}.desktop"
    icon = data_home / "icons" / "hicolor" / "48x48" / "apps" / f"{resources.ICON_NAME}.png"
    assert entry.is_file() and icon.is_file()
    text = entry.read_text(encoding="utf-8")
    assert desktop_entry_value(text, "Exec") == str(program)
    validator = require_tool("desktop-file-validate", "desktop-file-utils")
    assert subprocess.run([validator, str(entry)], timeout=60).returncode == 0

    output = tmp_path / "launched-output.txt"
    with output.open("wb") as out:  # a file, not a pipe: the app inherits it and lives on
        launched = subprocess.run([gio, "launch", str(entry)], env=env, stdout=out,
                                  stderr=subprocess.STDOUT, timeout=60)
    assert launched.returncode == 0, output.read_text(errors="replace")
    window = find_window(display)
    pid = int(wait_for(lambda: xtool(display, "xdotool", "getwindowpid", window), 10, "the pid"))
    try:
        wait_for(lambda: credits_requests(fake_segmind), 30, "the credits request")
        # The desktop matches the window to its menu entry by WM_CLASS (X11) or by the
        # desktop file name (Wayland's app id, from QGuiApplication.setDesktopFileName).
        assert wm_class(display, window)[1] == desktop_entry_value(text, "StartupWMClass")
        assert has_window_icon(display, window)
        quit_like_a_user(display, window)
    finally:
        end_process(pid)

    uninstall = subprocess.run([str(program), "--uninstall-desktop-entry"], env=env,
                               capture_output=True, text=True, timeout=60)
    assert uninstall.returncode == 0, uninstall.stderr
    assert not entry.exists() and not icon.exists()
    assert "Traceback" not in log_text(env)
    assert "Traceback" not in output.read_text(errors="replace")
