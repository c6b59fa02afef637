"""The key in the real Secret Service (a throwaway gnome-keyring), and every way it fails."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import SecretService, fail, null
from keyrings.alt.file import PlaintextKeyring

from mixtral_desktop.core.config.secrets import (
    SERVICE,
    USERNAME,
    KeyringUnavailable,
    KeySource,
    KeyStore,
    StoreProblem,
)
from tests.secret_service import PrivateSecretService

KEY = "sk-test-FAKE-KEYRING-1111"
OTHER = "sk-test-FAKE-KEYRING-2222"

needs_secret_service = pytest.mark.skipif(
    not PrivateSecretService.available(), reason="gnome-keyring and dbus are Linux-only"
)


def lookup(service: PrivateSecretService) -> str:
    """What another process reads from the keyring (as `secret-tool` documents it)."""
    result = subprocess.run(
        ["secret-tool", "lookup", "service", SERVICE, "username", USERNAME],
        env=service.env(), capture_output=True, text=True, timeout=30,
    )
    return result.stdout


@pytest.fixture
def service(secret_service: PrivateSecretService | None) -> PrivateSecretService:
    if secret_service is None:
        pytest.skip("gnome-keyring and dbus are Linux-only")
    return secret_service


def test_save_is_readable_from_another_process_and_at_next_start(
    service: PrivateSecretService,
) -> None:
    store = KeyStore({})
    assert store.load().usable
    assert store.get() is None and store.source() is KeySource.NONE
    store.save(KEY)
    assert lookup(service) == KEY
    # keyring itself, in a separate process
    code = f"import keyring; print(keyring.get_password({SERVICE!r}, {USERNAME!r}))"
    other = subprocess.run(
        [sys.executable, "-c", code], env=service.env(), capture_output=True, text=True,
        timeout=60,
    )
    assert other.stdout.strip() == KEY
    next_start = KeyStore({})
    next_start.load()
    assert next_start.get() == KEY
    assert next_start.source() is KeySource.KEYRING
    assert "Secret Service" in next_start.describe()


def test_replace_and_remove(service: PrivateSecretService) -> None:
    store = KeyStore({})
    store.load()
    store.save(KEY)
    store.save(OTHER)
    assert lookup(service) == OTHER
    assert store.get() == OTHER
    store.remove()
    assert lookup(service) == ""
    assert store.get() is None
    fresh = KeyStore({})
    fresh.load()
    assert fresh.get() is None
    fresh.remove()  # removing when nothing is stored is fine


def test_environment_variable_wins_and_is_never_stored(service: PrivateSecretService) -> None:
    KeyStore({}).save(KEY)
    store = KeyStore({"SEGMIND_API_KEY": " sk-test-FAKE-ENV-3333 "})
    store.load()
    assert store.get() == "sk-test-FAKE-ENV-3333"
    assert store.source() is KeySource.ENVIRONMENT
    assert lookup(service) == KEY


def test_session_only_key_is_not_stored(service: PrivateSecretService) -> None:
    store = KeyStore({})
    store.load()
    store.keep_for_session(KEY)
    assert store.get() == KEY and store.source() is KeySource.SESSION
    assert lookup(service) == ""


@needs_secret_service
def test_locked_keyring_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    locked = PrivateSecretService().start()
    try:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", locked.address)
        KeyStore({}, backend=SecretService.Keyring()).save(KEY)
        locked.lock()
        store = KeyStore({}, backend=SecretService.Keyring())
        status = store.load()
        assert status.problem is StoreProblem.LOCKED
        assert "locked" in status.message and "GNOME Keyring" in status.message
        assert store.get() is None
        with pytest.raises(KeyringUnavailable) as raised:
            store.save(OTHER)
        assert raised.value.status.problem is StoreProblem.LOCKED
        store.keep_for_session(OTHER)  # what the app offers instead
        assert store.get() == OTHER
    finally:
        locked.stop()


def test_no_dbus_session_means_no_keyring(tmp_path: Path) -> None:
    """A fresh process with no D-Bus session: only the fail backend, or keyrings.alt's
    plain-text files (installed for the tests), are left; neither may hold the key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "PYTHON_KEYRING"))}
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp_path / 'no-bus'}"
    code = (
        "from mixtral_desktop.core.config.secrets import KeyStore\n"
        "s = KeyStore({})\n"
        "st = s.load()\n"
        "print(st.problem)\n"
        "print(st.message)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
    )
    problem, message = result.stdout.splitlines()[:2]
    assert problem in (StoreProblem.NO_BACKEND, StoreProblem.INSECURE)
    assert "keyring" in message.lower() and "GNOME Keyring" in message


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_fail_and_null_backends_cannot_store(backend: object) -> None:
    store = KeyStore({}, backend=backend)  # type: ignore[arg-type]
    status = store.load()
    assert status.problem is StoreProblem.NO_BACKEND
    assert "No secure keyring" in status.message
    with pytest.raises(KeyringUnavailable):
        store.save(KEY)


@pytest.fixture
def plaintext_keyring(tmp_path: Path) -> Iterator[PlaintextKeyring]:
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")  # type: ignore[misc]
    yield backend


def test_plaintext_backend_is_refused_and_nothing_is_written(
    plaintext_keyring: PlaintextKeyring, tmp_path: Path
) -> None:
    store = KeyStore({}, backend=plaintext_keyring)
    status = store.load()
    assert status.problem is StoreProblem.INSECURE
    assert "plain file" in status.message
    with pytest.raises(KeyringUnavailable):
        store.save(KEY)
    assert not any(KEY in p.read_text(errors="ignore") for p in tmp_path.rglob("*") if p.is_file())
