"""A user preset in the real app under Xvfb, by keyboard only: a preset file dropped into
the presets folder while the app runs shows up in Chat → "New chat with preset"; the chat
made from it sends its system prompt and its temperature (and nothing else), and still
does after a restart, from the settings kept in the history database."""

from __future__ import annotations

import ctypes
import json
import os
import re
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from mixtral_desktop import APP_ID
from mixtral_desktop.core.storage.store import Store
from tests.e2e.test_branches import assert_no_tracebacks, launch, quitting
from tests.e2e.test_real_app import display, log_path, user_dirs, xdotool
from tests.e2e.xvfb import Xvfb
from tests.fakes.segmind_server import FakeSegmind
from tests.waiting import wait_for

pytestmark = pytest.mark.e2e
__all__ = ["display"]  # (the fixture, shared with the other end-to-end tests)

SYSTEM = "Answer like a pirate."
PIRATE = {"format": 1, "name": "Pirate", "system": SYSTEM, "parameters": {"temperature": 0.35}}
PICK_UP_S = 20
"""How long the app may take to read a new file (it looks at the folder every 2 s)."""
ATTEMPTS = 3
"""Tries of the menu, each sending a question: the app's default limit is 5 requests a
minute (Segmind Free), so a loop of quick tries would soon wait a minute for its turn."""
IN_CLOSE_NOWRITE = 0x10  # <sys/inotify.h>: a file opened read-only was closed
EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len (then the name)


@contextmanager
def file_reads(folder: Path) -> Iterator[Callable[[], set[str]]]:
    """Linux inotify on ``folder``: a function giving the names of the files read (opened
    read-only and closed) there so far. The app logs nothing when it reads its presets
    folder; its reading the new file is the sign that a poll found it."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "inotify_init1 failed")
    read: set[str] = set()

    def names() -> set[str]:
        while True:
            try:
                data = os.read(fd, 64 * 1024)
            except BlockingIOError:
                return set(read)
            offset = 0
            while offset < len(data):
                _wd, mask, _cookie, length = EVENT.unpack_from(data, offset)
                name = data[offset + EVENT.size: offset + EVENT.size + length]
                if mask & IN_CLOSE_NOWRITE:
                    read.add(os.fsdecode(name.rstrip(b"\0")))
                offset += EVENT.size + length

    try:
        if libc.inotify_add_watch(fd, os.fsencode(folder), IN_CLOSE_NOWRITE) < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch failed on {folder}")
        yield names
    finally:
        os.close(fd)


def drop_preset(folder: Path, name: str, document: dict[str, Any]) -> None:
    """Write the file whole, as an editor saving it would: a hidden temporary file (which
    the app ignores), then renamed, so the app's poll never reads half of it."""
    temporary = folder / f".{name}.tmp"
    temporary.write_text(json.dumps(document), encoding="utf-8")
    os.replace(temporary, folder / name)


def assert_steered_by_the_pirate(request: dict[str, Any]) -> None:
    assert request["messages"][0] == {"role": "system", "content": SYSTEM}
    assert request["temperature"] == 0.35
    # The preset sets the temperature only: no top_p, max_tokens or any other field.
    assert set(request) - {"messages", "stream"} == {"temperature"}, request


def test_a_preset_dropped_into_the_folder_steers_a_new_chat_across_a_restart(
    display: Xvfb, fake_segmind: FakeSegmind, tmp_path: Path
) -> None:
    fake_segmind.configure(reply="Arr, a reply.")
    env = display.env() | fake_segmind.client_env() | user_dirs(tmp_path)
    presets = tmp_path / "xdg_config_home" / APP_ID / "presets"
    assert not presets.exists()  # nothing there before the first launch
    log_file = log_path(tmp_path)

    def replies_shown() -> int:
        text = log_file.read_text() if log_file.exists() else ""
        return len(re.findall(r"reply \d+ shown", text))

    def ask(question: str, explain: partial[str]) -> dict[str, Any]:
        """Type ``question`` and send it; the chat request it made, once its reply shows."""
        requests, shown = len(fake_segmind.chat_requests), replies_shown()
        xdotool(display, "type", "--delay", "10", question)
        xdotool(display, "key", "Return")
        wait_for(lambda: len(fake_segmind.chat_requests) > requests, 30,
                 f"the request for {question!r}", explain)
        wait_for(lambda: replies_shown() > shown, 30, f"the reply to {question!r}", explain)
        body = fake_segmind.chat_requests[-1].json
        assert isinstance(body, dict)
        return body

    app, _window, explain = launch(display, fake_segmind, env, tmp_path, 1)
    with quitting(display, app):
        # The app makes the folder when it first reads it; the new file is seen by a poll.
        wait_for(presets.is_dir, 30, "the app to make the presets folder", explain)
        assert list(presets.iterdir()) == []
        with file_reads(presets) as files_read:
            drop_preset(presets, "pirate.json", PIRATE)
            wait_for(lambda: "pirate.json" in files_read(), PICK_UP_S,
                     "the app to read the new preset file", explain)
        # Chat → New chat with preset → the first item (the user's presets come first).
        # Should the menu be opened before the file's preset reached it (the read is done
        # on the io executor, then handed to the window), the first item is a built-in
        # preset: that chat is closed (Ctrl+W) and the menu opened again.
        for attempt in range(1, ATTEMPTS + 1):
            xdotool(display, "key", "alt+c")
            xdotool(display, "key", "p")
            xdotool(display, "key", "Return")
            request = ask("Where is the treasure?", explain)
            if request["messages"][0].get("content") == SYSTEM:
                break
            assert attempt < ATTEMPTS, (
                f"the Pirate preset was not the first item after {ATTEMPTS} tries; the last "
                f"request was {request}\n{explain()}"
            )
            xdotool(display, "key", "ctrl+w")
        assert_steered_by_the_pirate(request)
        assert request["messages"][1:] == [{"role": "user", "content": "Where is the treasure?"}]

    history = tmp_path / "xdg_data_home" / APP_ID / "history.sqlite3"
    with Store.open(history) as store:
        pirate_chats = [
            c.id for c in store.list_conversations()
            if store.chat_settings.get(c.id).system == SYSTEM
        ]
        assert len(pirate_chats) == 1, pirate_chats
        (conversation,) = pirate_chats
        settings = store.chat_settings.get(conversation)
        assert settings.temperature == 0.35
        assert settings.preset == "file:pirate.json"
        tree = store.tree(conversation)
        assert [m.content for m in tree.path_messages()] == [
            "Where is the treasure?", "Arr, a reply."
        ]

    # The pirate chat is the tab restored and shown (the start-up tab, never used, was
    # not kept); the next question is steered by the settings read back.
    app, _window, explain = launch(display, fake_segmind, env, tmp_path, 2)
    with quitting(display, app):
        request = ask("And the map?", explain)
        assert_steered_by_the_pirate(request)
        assert request["messages"][1:] == [
            {"role": "user", "content": "Where is the treasure?"},
            {"role": "assistant", "content": "Arr, a reply."},
            {"role": "user", "content": "And the map?"},
        ]
    assert_no_tracebacks(tmp_path, runs=2)
