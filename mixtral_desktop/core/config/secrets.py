"""The API key: in the OS keyring through ``keyring``, and nowhere else.

Order of sources: ``SEGMIND_API_KEY`` (an override, never stored), then the key stored in
the keyring under service ``mixtral-desktop``, username ``segmind``, then a key the user
chose to keep for this session only (in memory). The key is never written to a file.

Reading the keyring can block (D-Bus, an unlock prompt), so :meth:`KeyStore.load` is
meant for a worker thread; everything here is thread-safe.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # keyring costs ~40 ms and 11 MB: imported by the thread that reads the key
    from keyring.backend import KeyringBackend

from mixtral_desktop.core.config import logs
from mixtral_desktop.core.segmind.config import ENV_API_KEY, key_from_environment

log = logging.getLogger(__name__)

SERVICE = "mixtral-desktop"
USERNAME = "segmind"


class KeySource(StrEnum):
    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    SESSION = "session"
    NONE = "none"


class StoreProblem(StrEnum):
    NO_BACKEND = "no_backend"
    INSECURE = "insecure"
    LOCKED = "locked"
    ERROR = "error"


@dataclass(frozen=True)
class StoreStatus:
    """Whether the OS keyring can hold the key, and if not, why in plain words."""

    backend: str
    problem: StoreProblem | None = None
    message: str = ""

    @property
    def usable(self) -> bool:
        return self.problem is None


class KeyringUnavailable(Exception):
    """The keyring cannot store or read the key; ``status`` says why and how to fix it."""

    def __init__(self, status: StoreStatus) -> None:
        super().__init__(status.message)
        self.status = status


def platform_fix() -> str:
    """How to get a working secure store on this OS, in one sentence."""
    if sys.platform.startswith("win"):
        return "Windows Credential Manager should always be there: sign in to Windows normally."
    if sys.platform == "darwin":
        return "Open Keychain Access and unlock your login keychain."
    return (
        "Install and unlock GNOME Keyring or KWallet (for example "
        "`sudo apt install gnome-keyring`), then log out and in again."
    )


def backend_name(backend: KeyringBackend) -> str:
    """A person's name for a keyring backend."""
    module = type(backend).__module__
    if "SecretService" in module:
        return "Secret Service (GNOME Keyring or KWallet)"
    if "kwallet" in module:
        return "KWallet"
    if "Windows" in module:
        return "Windows Credential Manager"
    if "macOS" in module:
        return "macOS Keychain"
    return str(getattr(backend, "name", type(backend).__name__))


def _is_secure(backend: KeyringBackend) -> bool:
    """fail / null backends, and any of priority < 1 (plain-text files), are not secure."""
    try:
        priority = float(backend.priority)
    except Exception:  # a backend whose priority check itself fails is not viable
        return False
    module = type(backend).__module__
    return priority >= 1 and not module.endswith((".fail", ".null"))


def _secure_backend(backend: KeyringBackend) -> KeyringBackend | None:
    backends = getattr(backend, "backends", None)  # keyring's ChainerBackend
    if backends is not None:
        secure = [b for b in backends if _is_secure(b)]
        return secure[0] if secure else None
    return backend if _is_secure(backend) else None


def _problem_for(error: Exception, backend: str) -> StoreStatus:
    import keyring.errors

    if isinstance(error, keyring.errors.KeyringLocked):
        return StoreStatus(
            backend, StoreProblem.LOCKED,
            f"Your keyring ({backend}) is locked, so the key cannot be read or saved. "
            + platform_fix(),
        )
    return StoreStatus(
        backend, StoreProblem.ERROR,
        f"The keyring ({backend}) did not answer ({type(error).__name__}). " + platform_fix(),
    )


class KeyStore:
    """Thread-safe holder of the current key."""

    def __init__(
        self,
        environ: Mapping[str, str] = os.environ,
        backend: KeyringBackend | None = None,
        *,
        redactor: logs.Redactor | None = None,
    ) -> None:
        """``redactor``: the app's (:func:`logs.setup_logging`), which learns every key
        this store holds; by default one of its own, which redacts nothing else."""
        self._redactor = redactor if redactor is not None else logs.Redactor()
        self._lock = threading.RLock()
        self._env_key = key_from_environment(environ)
        self._backend = backend
        self._stored_key: str | None = None
        self._session_key: str | None = None
        self._loaded = threading.Event()
        self._loading = False
        self._status: StoreStatus | None = None
        if self._env_key:
            self._redactor.register(self._env_key)

    # -- reading ------------------------------------------------------------------

    def get(self) -> str | None:
        with self._lock:
            return self._env_key or self._stored_key or self._session_key

    def source(self) -> KeySource:
        with self._lock:
            if self._env_key:
                return KeySource.ENVIRONMENT
            if self._stored_key:
                return KeySource.KEYRING
            if self._session_key:
                return KeySource.SESSION
            return KeySource.NONE

    def describe(self) -> str:
        """Where the key in use lives, in words (never the key itself)."""
        source = self.source()
        if source is KeySource.ENVIRONMENT:
            return f"From the {ENV_API_KEY} environment variable (not stored)."
        if source is KeySource.KEYRING:
            return f"Stored in {self.status().backend}."
        if source is KeySource.SESSION:
            return "Kept in memory for this session only."
        return "No key is set."

    def wait_if_loading(self, timeout: float) -> None:
        """Block while :meth:`load` runs in another thread (a send right after start-up)."""
        if self._loading:
            self._loaded.wait(timeout)

    def load(self) -> StoreStatus:
        """Read the stored key from the keyring (blocking); returns the store's status."""
        self._loading = True
        status = self.status()
        key: str | None = None
        if status.usable:
            try:
                key = self._keyring().get_password(SERVICE, USERNAME)
            except Exception as error:
                status = _problem_for(error, status.backend)
                log.warning("keyring read failed: %s", type(error).__name__)
        with self._lock:
            self._status = status
            self._stored_key = key.strip() if key and key.strip() else None
            if self._stored_key:
                self._redactor.register(self._stored_key)
        self._loading = False
        self._loaded.set()
        log.info("key source at start-up: %s; keyring: %s", self.source(), status.backend)
        return status

    def status(self) -> StoreStatus:
        """Whether a secure keyring is there (cached once known)."""
        with self._lock:
            if self._status is not None:
                return self._status
        try:
            chosen = self._keyring()
        except Exception as error:  # keyring's own start-up failed
            return _problem_for(error, "no keyring")
        secure = _secure_backend(chosen)
        name = backend_name(secure or chosen)
        if secure is None:
            module = type(chosen).__module__
            if module.endswith((".fail", ".null")):
                return StoreStatus(
                    name, StoreProblem.NO_BACKEND,
                    "No secure keyring was found on this computer, so the key cannot be "
                    "saved. " + platform_fix(),
                )
            return StoreStatus(
                name, StoreProblem.INSECURE,
                f"The only keyring found ({name}) keeps secrets in a plain file, so the key "
                "is not saved there. " + platform_fix(),
            )
        return StoreStatus(name)

    def _keyring(self) -> KeyringBackend:
        if self._backend is None:
            import keyring

            chosen = keyring.get_keyring()
            self._backend = _secure_backend(chosen) or chosen
        return self._backend

    # -- writing ------------------------------------------------------------------

    def save(self, key: str) -> None:
        """Store ``key`` in the keyring (blocking); raises KeyringUnavailable."""
        key = _clean(key)
        self._redactor.register(key)
        status = self.status()
        if not status.usable:
            raise KeyringUnavailable(status)
        try:
            self._keyring().set_password(SERVICE, USERNAME, key)
        except Exception as error:
            problem = _problem_for(error, status.backend)
            with self._lock:
                self._status = problem
            log.warning("keyring write failed: %s", type(error).__name__)
            raise KeyringUnavailable(problem) from None
        with self._lock:
            self._stored_key = key
            self._session_key = None
        log.info("API key saved in %s", status.backend)

    def keep_for_session(self, key: str) -> None:
        """Use ``key`` until the app quits; it is never written anywhere."""
        key = _clean(key)
        self._redactor.register(key)
        with self._lock:
            self._session_key = key
            self._stored_key = None

    def remove(self) -> None:
        """Forget the stored and the session key, deleting it from the keyring."""
        with self._lock:
            had_stored = self._stored_key is not None
            self._stored_key = None
            self._session_key = None
        if had_stored or self.status().usable:
            try:
                self._keyring().delete_password(SERVICE, USERNAME)
            except _password_delete_error():
                pass  # nothing was stored
            except Exception as error:
                log.warning("keyring delete failed: %s", type(error).__name__)
                raise KeyringUnavailable(_problem_for(error, self.status().backend)) from None
        log.info("API key removed")


def _clean(key: str) -> str:
    key = key.strip()
    if not key:
        raise ValueError("An empty key cannot be used.")
    return key


def _password_delete_error() -> type[Exception]:
    import keyring.errors

    return keyring.errors.PasswordDeleteError
