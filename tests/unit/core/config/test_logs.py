"""Logging: a rotating file in the user's log folder, with the key redacted everywhere."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from mixtral_desktop.core.config import logs, paths

FAKE_KEY = "sk-test-FAKE-LOGS-1234"


@pytest.fixture
def redactor() -> logs.Redactor:
    return logs.Redactor()


@pytest.fixture
def logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redactor: logs.Redactor
) -> Iterator[Path]:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    root = logging.getLogger()
    before = list(root.handlers), root.level
    path = logs.setup_logging(redactor, logging.DEBUG)
    yield path
    for handler in root.handlers[:]:
        if handler not in before[0]:
            handler.close()
            root.removeHandler(handler)
    root.setLevel(before[1])


def test_log_file_lives_in_the_user_log_folder(logged: Path, tmp_path: Path) -> None:
    assert logged == paths.log_file()
    assert logged.is_relative_to(tmp_path / "state")
    logging.getLogger("mixtral_desktop.test").info("hello log")
    assert "mixtral_desktop.test" in logged.read_text()


def test_registered_key_is_redacted_in_messages_args_and_tracebacks(
    logged: Path, redactor: logs.Redactor
) -> None:
    redactor.register(FAKE_KEY)
    log = logging.getLogger("mixtral_desktop.test")
    log.debug("header x-api-key: %s", FAKE_KEY)
    log.info(f"formatted by mistake {FAKE_KEY}")
    try:
        raise RuntimeError(f"boom with {FAKE_KEY}")
    except RuntimeError:
        log.exception("failure")
    text = logged.read_text()
    assert FAKE_KEY not in text
    assert text.count("***") >= 3
    assert "RuntimeError: boom with ***" in text


def test_log_rotates_instead_of_growing(logged: Path) -> None:
    log = logging.getLogger("mixtral_desktop.test")
    line = "x" * 1000
    for _ in range(logs.MAX_BYTES // 1000 + 50):
        log.info(line)
    assert logged.stat().st_size <= logs.MAX_BYTES
    assert logged.with_name(logged.name + ".1").exists()
