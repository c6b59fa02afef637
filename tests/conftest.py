"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.segmind_server import FakeSegmind


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
