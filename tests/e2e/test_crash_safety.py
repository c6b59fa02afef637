"""kill -9 at random moments while messages are sent and replies stream: nothing is lost."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mixtral_desktop.core.domain.conversation import MessageState, Role
from mixtral_desktop.core.storage.store import Store
from tests.e2e.test_real_app import display, user_dirs, wait_for, xdotool  # noqa: F401
from tests.e2e.xvfb import Xvfb
from tests.fakes.segmind_server import FakeSegmind

pytestmark = pytest.mark.e2e
KILLS = 20
REPLY = "".join(f"word{i} " for i in range(300))


def history_file(tmp_path: Path) -> Path:
    return tmp_path / "xdg_data_home" / "mixtral-desktop" / "history.sqlite3"


def test_twenty_kills_lose_nothing(display: Xvfb, fake_segmind: FakeSegmind,  # noqa: F811
                                   tmp_path: Path) -> None:
    binary = Path(sys.executable).with_name("mixtral-desktop")
    fake_segmind.configure(mode="sse", reply=REPLY, chunk_size=12, chunk_delay=0.01)
    env = display.env() | fake_segmind.client_env() | user_dirs(tmp_path)
    rng = random.Random(20261125)
    sent: list[str] = []
    incomplete_seen = 0
    saved_draft: str | None = None
    for round_ in range(KILLS):
        credits_before = sum(r.path.endswith("/get-user-credits") for r in fake_segmind.log)
        app = subprocess.Popen([str(binary)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        try:
            window = str(wait_for(
                lambda: xdotool(display, "search", "--onlyvisible", "--name", "Mixtral Desktop"),
                60, "the main window",
            )).splitlines()[0]
            wait_for(lambda before=credits_before: sum(
                r.path.endswith("/get-user-credits") for r in fake_segmind.log) > before,
                     30, "start-up to finish")
            xdotool(display, "windowfocus", "--sync", window)
            xdotool(display, "key", "ctrl+a", "BackSpace")  # the restored draft, if any
            if rng.random() < 0.7:
                text = f"message {round_}"
                chats = len(fake_segmind.chat_requests)
                xdotool(display, "type", "--delay", "5", text)
                xdotool(display, "key", "Return")
                wait_for(lambda n=chats: len(fake_segmind.chat_requests) > n, 30,
                         "the request")
                sent.append(text)  # the window shows it as sent: it must survive
                saved_draft = ""
                time.sleep(rng.uniform(0.0, 2.0))  # kill at a random moment of the stream
            else:
                text = f"draft {round_}"
                xdotool(display, "type", "--delay", "5", text)
                pause = rng.uniform(0.0, 1.5)
                time.sleep(pause)
                if pause > 1.0:  # well past the draft's save delay
                    saved_draft = text
        finally:
            app.send_signal(signal.SIGKILL)
            app.wait(10)

        database = history_file(tmp_path)
        with sqlite3.connect(database) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        store = Store.open(database)
        try:
            everything = [
                m for c in store.list_conversations(0, 1000) for m in store.messages(c.id)
            ]
            users = [m.content for m in everything if m.role is Role.USER]
            for text in sent:
                assert text in users, f"round {round_}: {text!r} was lost"
            for reply in (m for m in everything if m.role is Role.ASSISTANT):
                # A partial reply is kept, marked incomplete; a finished one is whole.
                assert reply.content and REPLY.startswith(reply.content)
                assert reply.state in (MessageState.DONE, MessageState.INCOMPLETE)
                if reply.state is MessageState.DONE:
                    assert reply.content == REPLY
                else:
                    incomplete_seen += 1
            if saved_draft:
                drafts = [store.draft(c.id)[0] for c in store.list_conversations(0, 1000)]
                assert saved_draft in drafts, f"round {round_}: draft {saved_draft!r} lost"
        finally:
            store.close()
    assert len(sent) >= 5
    assert incomplete_seen > 0, "no kill landed mid-stream: the test did not test that"
