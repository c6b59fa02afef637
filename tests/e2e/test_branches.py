"""Conversation trees in the real app under Xvfb, by keyboard only: send, regenerate,
switch back, edit the first question, restart; the versions and the active path are
there after the restart and the next request carries exactly that path. A kill -9 keeps
every version, and what each finished reply cost and counted."""

from __future__ import annotations

import itertools
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest

from mixtral_desktop.core.domain.conversation import MessageState
from mixtral_desktop.core.storage.store import Store
from tests.e2e.test_real_app import display, log_path, still_running, user_dirs, xdotool
from tests.e2e.xvfb import Xvfb
from tests.fakes.segmind_server import FakeSegmind
from tests.waiting import describe_process, wait_for

pytestmark = pytest.mark.e2e
__all__ = ["display"]  # (the fixture, shared with the other end-to-end tests)


def credits_requests(server: FakeSegmind) -> int:
    return sum(r.path.endswith("/get-user-credits") for r in server.log)


@contextmanager
def quitting(display: Xvfb, app: subprocess.Popen[bytes]) -> Iterator[None]:
    """The block drives the running app; then it quits like a user (Ctrl+Q) and must end
    cleanly. After a failure it is killed instead, so no app outlives its test."""
    try:
        yield
        xdotool(display, "key", "ctrl+q")
        assert app.wait(20) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)


def assert_no_tracebacks(tmp_path: Path, runs: int) -> None:
    """No launch (``app-output-1.txt`` … of :func:`launch`) printed a traceback."""
    for run in range(1, runs + 1):
        output = (tmp_path / f"app-output-{run}.txt").read_text(errors="replace")
        assert "Traceback" not in output, output


def launch(
    display: Xvfb, server: FakeSegmind, env: dict[str, str], tmp_path: Path, run: int
) -> tuple[subprocess.Popen[bytes], str, partial[str]]:
    """Start the app; returns once its window shows and start-up asked for the credits."""
    before = credits_requests(server)
    binary = Path(sys.executable).with_name("mixtral-desktop")
    output = tmp_path / f"app-output-{run}.txt"
    app = subprocess.Popen([str(binary)], env=env, stdout=output.open("wb"),
                           stderr=subprocess.STDOUT)
    explain = partial(describe_process, app.pid, log_path(tmp_path), output)
    window = str(wait_for(
        lambda: still_running(app, explain)
        and xdotool(display, "search", "--onlyvisible", "--name", "Mixtral Desktop"),
        60, "the main window", explain,
    )).splitlines()[0]
    # Start-up asks for the credits; once that is answered the window is idle.
    wait_for(lambda: credits_requests(server) > before, 30, "the credits request", explain)
    xdotool(display, "windowfocus", "--sync", window)
    return app, window, explain


def test_versions_and_the_active_path_survive_a_restart(
    display: Xvfb, fake_segmind: FakeSegmind, tmp_path: Path
) -> None:
    counter = itertools.count(1)
    fake_segmind.configure(reply=lambda _messages: f"Reply {next(counter)}")
    env = display.env() | fake_segmind.client_env() | user_dirs(tmp_path)
    log_file = log_path(tmp_path)

    def shown(n: int, explain: partial[str]) -> None:
        wait_for(lambda: log_file.exists() and f"reply {n} shown" in log_file.read_text(),
                 30, f"reply {n} to be shown", explain)

    def requests(count: int) -> list[list[tuple[str, str]]]:
        wait_for(lambda: len(fake_segmind.chat_requests) >= count, 30, f"request {count}")
        return [[(m["role"], m["content"]) for m in r.messages]
                for r in fake_segmind.chat_requests]

    app, _window, explain = launch(display, fake_segmind, env, tmp_path, 1)
    with quitting(display, app):
        xdotool(display, "type", "--delay", "10", "First question")
        xdotool(display, "key", "Return")
        shown(1, explain)
        xdotool(display, "key", "ctrl+shift+r")  # regenerate the last reply
        shown(2, explain)
        assert requests(2)[1] == [("user", "First question")]
        xdotool(display, "key", "alt+Left")  # back to the first version of the reply
        xdotool(display, "key", "Up")  # edit the last (here: the first) question
        xdotool(display, "key", "ctrl+a")
        xdotool(display, "type", "--delay", "10", "Edited question")
        xdotool(display, "key", "Return")
        shown(3, explain)
        assert requests(3)[2] == [("user", "Edited question")]

    history = tmp_path / "xdg_data_home" / "mixtral-desktop" / "history.sqlite3"
    with Store.open(history) as store:
        (conversation,) = store.list_conversations()
        tree = store.tree(conversation.id)
        tree.check()
        assert [m.content for m in tree.path_messages()] == ["Edited question", "Reply 3"]
        first = tree.path()[0]
        assert tree.version(first) == (2, 2)
        old_question = tree.siblings(first)[0]
        replies = [tree.message(k).content for k in tree.children(old_question)]
        assert replies == ["Reply 1", "Reply 2"]
        assert tree.message(tree.active_child(old_question) or 0).content == "Reply 1"

    app, _window, explain = launch(display, fake_segmind, env, tmp_path, 2)
    with quitting(display, app):
        shown_before = len(fake_segmind.chat_requests)
        xdotool(display, "type", "--delay", "10", "And next")
        xdotool(display, "key", "Return")
        sent = requests(shown_before + 1)[-1]
        assert sent == [("user", "Edited question"), ("assistant", "Reply 3"),
                        ("user", "And next")]
    assert_no_tracebacks(tmp_path, runs=2)


def test_kill_9_during_a_regenerate_keeps_both_versions(
    display: Xvfb, fake_segmind: FakeSegmind, tmp_path: Path
) -> None:
    env = display.env() | fake_segmind.client_env() | user_dirs(tmp_path)
    history = tmp_path / "xdg_data_home" / "mixtral-desktop" / "history.sqlite3"
    log_file = log_path(tmp_path)
    # (the balance before the reply from the credits API, after it from its header)
    fake_segmind.configure(reply="The first answer, whole.", credits=10.0, free_credits=0.0,
                           remaining_credits=10.0, credit_cost=0.25, header_after_charge=True)
    app, _window, explain = launch(display, fake_segmind, env, tmp_path, 1)
    try:
        xdotool(display, "type", "--delay", "10", "A question")
        xdotool(display, "key", "Return")
        wait_for(lambda: log_file.exists() and "reply 1 shown" in log_file.read_text(),
                 30, "the first reply", explain)
        fake_segmind.configure(reply="slow " * 2000, chunk_size=5, chunk_delay=0.01)
        xdotool(display, "key", "ctrl+shift+r")

        def partial_saved() -> bool:
            if not history.exists():
                return False
            with sqlite3.connect(f"file:{history}?mode=ro", uri=True) as conn:
                rows = conn.execute(
                    "SELECT count(*) FROM messages WHERE content LIKE 'slow%'"
                ).fetchone()
            return bool(rows and rows[0])

        wait_for(partial_saved, 30, "the partial reply to be saved", explain)
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait(10)
    with Store.open(history) as store:
        (conversation,) = store.list_conversations()
        tree = store.tree(conversation.id)
        tree.check()
        question = tree.path()[0]
        versions = [tree.message(k) for k in tree.children(question)]
        assert len(versions) == 2 and versions[0].content == "The first answer, whole."
        assert versions[0].state is MessageState.DONE
        # What the first reply cost and our count of its prompt survived the kill too.
        usage = versions[0].usage
        assert usage is not None and usage.prompt_tokens > 0
        assert versions[0].counted_tokens == usage.prompt_tokens
        assert (versions[0].credits_spent, versions[0].credits_note) == (0.25, None)
        assert versions[1].content.startswith("slow")
        assert versions[1].state is MessageState.INCOMPLETE
        assert tree.message(tree.path()[-1]) == versions[1]  # the one on screen at the kill
