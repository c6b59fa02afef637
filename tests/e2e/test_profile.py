"""One app per profile, and a database that cannot be read is moved aside, never deleted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mixtral_desktop.core.storage.store import Store
from tests.e2e.test_real_app import log_path, user_dirs, wait_for
from tests.fakes.segmind_server import FakeSegmind

pytestmark = pytest.mark.e2e


def launch(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "mixtral_desktop"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def app_env(fake_segmind: FakeSegmind, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ) | fake_segmind.client_env() | user_dirs(tmp_path)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def credits_requests(server: FakeSegmind) -> int:
    return sum(r.path.endswith("/get-user-credits") for r in server.log)


def test_second_launch_focuses_the_first(
    app_env: dict[str, str], fake_segmind: FakeSegmind, tmp_path: Path
) -> None:
    first = launch(app_env)
    try:
        wait_for(lambda: credits_requests(fake_segmind) == 1, 60, "the first instance")
        second = launch(app_env)
        assert second.wait(30) == 0  # it hands over and leaves
        log = log_path(tmp_path)
        wait_for(lambda: "a second launch asked for this window" in log.read_text(), 30,
                 "the first window to be asked to come forward")
        assert "already running: focused the open window" in log.read_text()
        assert first.poll() is None
        assert credits_requests(fake_segmind) == 1  # the second never started a window
    finally:
        first.terminate()
        first.wait(20)


def test_two_launches_at_once_open_one_window(
    app_env: dict[str, str], fake_segmind: FakeSegmind, tmp_path: Path
) -> None:
    """Launched together, before either listens for a second launch: whichever takes
    the instance lock opens the window; the other waits for it to listen, hands over
    and leaves."""
    apps = [launch(app_env), launch(app_env)]
    try:
        left = wait_for(lambda: [a for a in apps if a.poll() is not None], 60,
                        "one of the two to hand over and leave")
        assert [a.returncode for a in left] == [0]
        log = log_path(tmp_path)
        wait_for(lambda: "a second launch asked for this window" in log.read_text(), 30,
                 "the window to be asked to come forward")
        assert "already running: focused the open window" in log.read_text()
        wait_for(lambda: credits_requests(fake_segmind) >= 1, 60, "the window to start")
        assert credits_requests(fake_segmind) == 1  # one window only
    finally:
        for app in apps:
            app.terminate()
            app.wait(20)


def test_unreadable_database_is_moved_aside_and_a_fresh_one_used(
    app_env: dict[str, str], fake_segmind: FakeSegmind, tmp_path: Path
) -> None:
    data = tmp_path / "xdg_data_home" / "mixtral-desktop"
    data.mkdir(parents=True)
    garbage = b"this is not a database, but somebody's history" * 100
    (data / "history.sqlite3").write_bytes(garbage)
    app = launch(app_env)
    try:
        wait_for(lambda: credits_requests(fake_segmind) == 1, 60, "the app to start")
        moved = wait_for(lambda: [p for p in data.iterdir() if ".corrupt" in p.name], 30,
                         "the old file to be moved aside")
        assert isinstance(moved, list) and moved[0].read_bytes() == garbage
    finally:
        app.terminate()
        app.wait(20)
    fresh = Store.open(data / "history.sqlite3")
    assert fresh.count_conversations() == 0
    fresh.close()
    assert "moved" in log_path(tmp_path).read_text().lower()
