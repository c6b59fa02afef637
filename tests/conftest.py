"""Shared fixtures."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mixtral_desktop.core.config.secrets import SERVICE, USERNAME
from mixtral_desktop.core.services.retry import RetryPolicy
from tests.fakes.segmind_server import FakeSegmind
from tests.secret_service import PrivateSecretService

FAST_RETRY = RetryPolicy(base_delay=0.02, max_delay=0.05, retry_after_cap=1.0)
"""The app's retry rules with short waits, so fault tests take milliseconds."""


@pytest.fixture
def fake_segmind() -> Iterator[FakeSegmind]:
    """A started fake Segmind on 127.0.0.1 (see tests/fakes/segmind_server.py)."""
    with FakeSegmind() as server:
        yield server


@pytest.fixture(autouse=True)
def isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own config, data, cache and log folders (never the real ones)."""
    home = tmp_path_factory.mktemp("home")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    monkeypatch.delenv("SEGMIND_API_KEY", raising=False)
    monkeypatch.delenv("SEGMIND_API_BASE", raising=False)
    return home


@pytest.fixture(scope="session", autouse=True)
def secret_service() -> Iterator[PrivateSecretService | None]:
    """A throwaway Secret Service (gnome-keyring) for the whole run.

    Tests never reach the user's own keyring: without gnome-keyring (macOS, Windows) the
    keyring library is pointed at its null backend and the Secret Service tests skip.
    """
    saved = {k: os.environ.get(k) for k in ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND")}
    service: PrivateSecretService | None = None
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    if os.environ.get("MIXTRAL_TEST_KEYRING") == "gnome-keyring" and address:
        # scripts/run-tests.sh (and so CI) started a private bus and keyring for this run.
        service = PrivateSecretService.adopt(address)
    elif PrivateSecretService.available():
        service = PrivateSecretService().start()
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = service.address
    else:
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    yield service
    if service is not None:
        service.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def no_stored_key(secret_service: PrivateSecretService | None) -> Iterator[None]:
    """Each test starts and ends with no key stored under the app's keyring entry."""
    _forget_stored_key(secret_service)
    yield
    _forget_stored_key(secret_service)


def _forget_stored_key(service: PrivateSecretService | None) -> None:
    if service is None:
        return
    subprocess.run(
        ["secret-tool", "clear", "service", SERVICE, "username", USERNAME],
        env=service.env(), capture_output=True, timeout=30,
    )
