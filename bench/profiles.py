"""User profiles (history databases) the drivers start from; built once per bench run.

Each builder writes ``history.sqlite3`` into a folder; :func:`install` copies it into a
run's isolated ``XDG_DATA_HOME`` so every run starts from the same bytes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bench import data
from mixtral_desktop import APP_ID
from mixtral_desktop.core.domain.tree import ConversationTree
from mixtral_desktop.core.storage.store import Store
from tests.fakes import history_data

HISTORY_FILE = "history.sqlite3"
# The keys under which the window saves its open tabs (mixtral_desktop.ui.shell.session).
OPEN_TABS = "open_tabs"
ACTIVE_TAB = "active_tab"


@dataclass(frozen=True)
class Sizes:
    """How big the made-up profiles are (``--quick`` makes them small)."""

    conversations: int = 5000
    messages_per: int = 20
    restored_tabs: int = 3
    tabs: int = 20
    tab_messages: int = 1000
    long_chat: int = 10_000


QUICK_SIZES = Sizes(
    conversations=100, messages_per=10, restored_tabs=2, tabs=3, tab_messages=50, long_chat=300
)


def _open_tabs(store: Store, ids: list[int], active: int) -> None:
    store.app_state.set(OPEN_TABS, json.dumps(ids))
    store.app_state.set(ACTIVE_TAB, str(active))


def build_history(folder: Path, sizes: Sizes) -> Path:
    """5,000 conversations of 20 messages; the newest few open in tabs, as left last time."""
    path = folder / HISTORY_FILE
    with Store.open(path) as store:
        history_data.populate(store, sizes.conversations, sizes.messages_per)
        newest = [info.id for info in store.list_conversations(limit=sizes.restored_tabs)]
        _open_tabs(store, newest, 0)
    return path


def build_tabs(folder: Path, sizes: Sizes) -> Path:
    """20 conversations of 1,000 messages, all open in tabs."""
    path = folder / HISTORY_FILE
    with Store.open(path) as store:
        history_data.populate(store, sizes.tabs, sizes.tab_messages, seed=3)
        ids = [info.id for info in store.list_conversations(limit=sizes.tabs)]
        _open_tabs(store, ids, 0)
    return path


def build_long_chat(folder: Path, sizes: Sizes) -> Path:
    """One conversation of 10,000 mixed messages (tab 0) and a short one (tab 1, active)."""
    path = folder / HISTORY_FILE
    with Store.open(path) as store:
        messages = data.long_conversation(sizes.long_chat)
        start, end = messages[0].created, messages[-1].created
        big = store.insert_conversation("A very long chat", messages, created=start, updated=end)
        small_messages = data.long_conversation(6, seed=5)
        small = store.insert_conversation(
            "A short chat", small_messages, created=end, updated=end + 1
        )
        _open_tabs(store, [big, small], 1)
    return path


BRANCH_EVERY = 10  # one message in ten has a second version: 1,000 in 10,000


def build_branched_chat(folder: Path, sizes: Sizes) -> Path:
    """The long chat as a tree (tab 0): its 10,000 messages on the active path, and one in
    ten with another version beside it (1,000 branch points); a short chat (tab 1)."""
    path = folder / HISTORY_FILE
    with Store.open(path) as store:
        messages = data.long_conversation(sizes.long_chat)
        tree = ConversationTree.linear(messages)
        for number, key in enumerate(tree.path()):
            if number % BRANCH_EVERY == BRANCH_EVERY - 1:
                other = replace(tree.message(key), content="Another version of this turn.")
                tree.add_version(key, other)
                tree.activate(key)  # the first version stays the one shown
        start, end = messages[0].created, messages[-1].created
        big = store.insert_conversation("A branched chat", tree, created=start, updated=end)
        small = store.insert_conversation(
            "A short chat", data.long_conversation(6, seed=5), created=end, updated=end + 1
        )
        _open_tabs(store, [big, small], 1)
    return path


BUILDERS: dict[str, Callable[[Path, Sizes], Path]] = {
    "history": build_history,
    "tabs": build_tabs,
    "long_chat": build_long_chat,
    "branched_chat": build_branched_chat,
}


class ProfileCache:
    """Builds each profile the first time it is asked for, in ``root``."""

    def __init__(self, root: Path, sizes: Sizes) -> None:
        self._root = root
        self._sizes = sizes
        self._built: dict[str, Path] = {}

    def path(self, name: str) -> Path:
        if name not in self._built:
            folder = self._root / name
            folder.mkdir(parents=True, exist_ok=True)
            self._built[name] = BUILDERS[name](folder, self._sizes)
        return self._built[name]

    def install(self, name: str | None, data_home: Path) -> Path:
        """Copy profile ``name`` (None: an empty profile) where the app will find it."""
        target = data_home / APP_ID
        target.mkdir(parents=True, exist_ok=True)
        if name is not None:
            shutil.copyfile(self.path(name), target / HISTORY_FILE)
        return target / HISTORY_FILE
