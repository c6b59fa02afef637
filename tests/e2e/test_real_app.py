"""The real `mixtral-desktop` process under Xvfb, against the fake Segmind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from mixtral_desktop.core.config.secrets import KeyStore
from tests.e2e.xvfb import Xvfb
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind
from tests.secret_service import PrivateSecretService
from tests.waiting import describe_process, wait_for

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"



@pytest.fixture
def display() -> Iterator[Xvfb]:
    if sys.platform != "linux":
        pytest.skip("the end-to-end test drives an X server (Linux only)")
    for tool in ("Xvfb", "xdotool"):
        assert shutil.which(tool), f"{tool} is missing: run scripts/setup.sh test"
    xvfb = Xvfb().start()
    yield xvfb
    xvfb.stop()


def xdotool(display: Xvfb, *args: str) -> str:
    result = subprocess.run(
        ["xdotool", *args], env=display.env(), capture_output=True, text=True, timeout=30
    )
    return result.stdout.strip() if result.returncode == 0 else ""


def changed_fraction(before: QImage, after: QImage) -> float:
    """The share of sampled pixels that differ between two screenshots."""
    step, changed, total = 4, 0, 0
    for y in range(0, min(before.height(), after.height()), step):
        for x in range(0, min(before.width(), after.width()), step):
            total += 1
            changed += before.pixel(x, y) != after.pixel(x, y)
    return changed / total


def user_dirs(tmp_path: Path) -> dict[str, str]:
    return {
        var: str(tmp_path / var.lower())
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
    }


def log_path(tmp_path: Path) -> Path:
    return tmp_path / "xdg_state_home" / "mixtral-desktop" / "log" / "mixtral-desktop.log"


@pytest.mark.parametrize("key_from", ["environment", "keyring"])
def test_launch_type_send_and_see_the_reply(
    display: Xvfb, fake_segmind: FakeSegmind, tmp_path: Path, key_from: str,
    secret_service: PrivateSecretService | None,
) -> None:
    binary = Path(sys.executable).with_name("mixtral-desktop")
    assert binary.exists(), "install the package first (scripts/setup.sh test)"
    fake_segmind.configure(mode="sse", chunk_size=12, chunk_delay=0.005)
    env = display.env() | fake_segmind.client_env() | user_dirs(tmp_path)
    if key_from == "keyring":
        if secret_service is None:
            pytest.skip("gnome-keyring and dbus are Linux-only")
        KeyStore({}).save(env.pop("SEGMIND_API_KEY"))
        env |= {"DBUS_SESSION_BUS_ADDRESS": secret_service.address}
    log_file = log_path(tmp_path)
    out = (tmp_path / "app-output.txt").open("wb")
    app = subprocess.Popen([str(binary)], env=env, stdout=out, stderr=subprocess.STDOUT)
    explain = partial(describe_process, app.pid, log_file, tmp_path / "app-output.txt")
    try:
        window = str(wait_for(
            lambda: still_running(app, explain)
            and xdotool(display, "search", "--onlyvisible", "--name", "Mixtral Desktop"),
            60, "the main window", explain,
        )).splitlines()[0]
        # Start-up asks for the credits; once that is answered the window is idle.
        wait_for(lambda: any(r.path.endswith("/get-user-credits") for r in fake_segmind.log),
                 30, "the credits request", explain)
        xdotool(display, "mousemove", "--window", window, "400", "300")
        xdotool(display, "windowfocus", "--sync", window)
        before = display_shot(display, tmp_path / "before.png")

        xdotool(display, "type", "--delay", "10", "Hello from the end-to-end test")
        xdotool(display, "key", "Return")

        request = wait_for(lambda: fake_segmind.chat_requests, 30, "the chat request")
        assert isinstance(request, list)
        assert request[0].messages == [
            {"role": "user", "content": "Hello from the end-to-end test"}
        ]
        assert request[0].api_key == FAKE_KEY
        wait_for(lambda: log_file.exists() and "reply 1 shown" in log_file.read_text(),
                 30, "the reply to be shown", explain)
        ARTIFACTS.mkdir(exist_ok=True)
        after_path = ARTIFACTS / "e2e_reply.png"
        after = display_shot(display, after_path)
        assert changed_fraction(before, after) > 0.01, "the reply did not change the window"
        log_text = log_file.read_text()
        assert FAKE_KEY not in log_text
        assert f"key source at start-up: {key_from}" in log_text
        # Never in the process's arguments either.
        assert FAKE_KEY.encode() not in Path(f"/proc/{app.pid}/cmdline").read_bytes()
        # Quit like a user (Ctrl+Q): the process ends cleanly.
        xdotool(display, "key", "ctrl+q")
        assert app.wait(20) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
        out.close()
    output = (tmp_path / "app-output.txt").read_text(errors="replace")
    assert "Traceback" not in output, output


def still_running(app: subprocess.Popen[bytes], explain: Callable[[], str]) -> bool:
    """True while ``app`` runs; fails at once, with its output, when it has exited."""
    code = app.poll()
    assert code is None, f"the app exited with {code} before its window showed\n{explain()}"
    return True


def display_shot(display: Xvfb, path: Path) -> QImage:
    display.screenshot(path)
    image = QImage(str(path))
    assert not image.isNull()
    return image


def test_python_dash_m_starts_the_app(fake_segmind: FakeSegmind, tmp_path: Path) -> None:
    """`python -m mixtral_desktop` starts (offscreen: no display needed) and asks for credits."""
    env = dict(os.environ) | fake_segmind.client_env() | user_dirs(tmp_path)
    env["QT_QPA_PLATFORM"] = "offscreen"
    app = subprocess.Popen(
        [sys.executable, "-m", "mixtral_desktop"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: any(r.path.endswith("/get-user-credits") for r in fake_segmind.log),
                 60, "the credits request")
        assert app.poll() is None
        assert "starting Mixtral Desktop" in log_path(tmp_path).read_text()
    finally:
        app.terminate()
        app.wait(20)
