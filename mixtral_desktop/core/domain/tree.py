"""A conversation as a tree of messages: each message has a parent, its siblings are
the other versions of the same turn, and each node remembers which child was active
last. What the user sees, and what is sent, is the active path from the root.

The root is the conversation itself (key :data:`ROOT`, no message): the versions of the
first turn are its children, so editing the first question makes a sibling like any
other edit. Keys are this tree's own (stable while it lives); a saved message's row id
in the history is ``Message.id``.

Invariants (:meth:`ConversationTree.check`): every node reaches the root; a node with
children has one of them active; so the active path always ends at a leaf.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from mixtral_desktop.core.domain.conversation import Message

ROOT = 0


@dataclass(slots=True)  # (one per message: 20 tabs of 1,000 messages hold 20,000)
class _Node:
    message: Message | None
    parent: int | None
    children: list[int] = field(default_factory=list)
    active: int | None = None


@dataclass(frozen=True)
class Detached:
    """A subtree taken out by :meth:`ConversationTree.remove`, to put back on Undo."""

    key: int
    parent: int
    index: int  # its place among its siblings
    was_active: bool
    nodes: tuple[tuple[int, int, Message, int | None], ...]  # key, parent, message, active

    def messages(self) -> list[Message]:
        return [message for _key, _parent, message, _active in self.nodes]


@dataclass(frozen=True)
class SavedNode:
    """A message as the history holds it: its id, its parent's id, its active child's id."""

    message: Message  # with its id
    parent_id: int | None  # None: a version of the first turn
    active_child_id: int | None


class TreeError(ValueError):
    """A tree operation that does not apply (no such node, not a version...)."""


class ConversationTree:
    """The messages of one conversation and which versions are active."""

    def __init__(self) -> None:
        self._nodes: dict[int, _Node] = {ROOT: _Node(None, None)}
        self._next_key = ROOT + 1

    @classmethod
    def linear(cls, messages: Iterable[Message]) -> ConversationTree:
        """One branch: each message the only child of the one before."""
        tree = cls()
        parent = ROOT
        for message in messages:
            parent = tree.add(parent, message)
        return tree

    @classmethod
    def from_saved(
        cls, nodes: Sequence[SavedNode], root_active_id: int | None
    ) -> ConversationTree:
        """The tree the history holds (in creation order). Forgiving: a node whose
        parent is missing becomes a version of the first turn, an active pointer to
        something that is not a child falls back to the newest child."""
        tree = cls()
        key_of: dict[int, int] = {}
        known = {node.message.id for node in nodes}
        pending = list(nodes)
        while pending:
            waiting: list[SavedNode] = []
            for node in pending:
                if node.parent_id is None or node.parent_id not in known:
                    parent = ROOT
                elif node.parent_id in key_of:
                    parent = key_of[node.parent_id]
                else:
                    waiting.append(node)
                    continue
                key = tree.add(parent, node.message, activate=False)
                assert node.message.id is not None
                key_of[node.message.id] = key
            if len(waiting) == len(pending):  # a cycle: hang the rest from the root
                for node in waiting:
                    assert node.message.id is not None
                    key_of[node.message.id] = tree.add(ROOT, node.message, activate=False)
                break
            pending = waiting
        wanted = {key_of.get(n.message.id or -1): n.active_child_id for n in nodes}
        wanted[ROOT] = root_active_id
        for key, entry in tree._nodes.items():
            active_id = wanted.get(key)
            chosen = key_of.get(active_id) if active_id is not None else None
            entry.active = chosen if chosen in entry.children else (
                entry.children[-1] if entry.children else None
            )
        return tree

    # -- reading ----------------------------------------------------------------

    def __len__(self) -> int:
        """How many messages (every version counts)."""
        return len(self._nodes) - 1

    def __contains__(self, key: object) -> bool:
        return key in self._nodes and key != ROOT

    def walk(self) -> Iterator[int]:
        """Every message's key, parents before children (creation order among siblings)."""
        stack = list(reversed(self._nodes[ROOT].children))
        while stack:
            key = stack.pop()
            yield key
            stack.extend(reversed(self._nodes[key].children))

    def message(self, key: int) -> Message:
        message = self._node(key).message
        if message is None:
            raise TreeError("the root has no message")
        return message

    def parent(self, key: int) -> int:
        parent = self._node(key).parent
        if parent is None:
            raise TreeError("the root has no parent")
        return parent

    def children(self, key: int) -> list[int]:
        return list(self._node(key).children)

    def active_child(self, key: int) -> int | None:
        return self._node(key).active

    def siblings(self, key: int) -> list[int]:
        """The versions of ``key``'s turn, oldest first (``key`` among them)."""
        return list(self._nodes[self.parent(key)].children)

    def version(self, key: int) -> tuple[int, int]:
        """(number, count): ``key`` is version ``number`` of ``count`` (from 1)."""
        siblings = self._nodes[self.parent(key)].children
        return siblings.index(key) + 1, len(siblings)

    def path(self, start: int = ROOT) -> list[int]:
        """The active path below ``start`` (``start`` itself included unless the root)."""
        keys = [] if start == ROOT else [start]
        node = self._node(start)
        while node.active is not None:
            keys.append(node.active)
            node = self._nodes[node.active]
        return keys

    def path_messages(self) -> list[Message]:
        """The visible chat: the messages of the active path, in order."""
        nodes = self._nodes
        return [nodes[key].message for key in self.path()]  # type: ignore[misc]

    def ancestors(self, key: int) -> list[int]:
        """From the first turn down to ``key``'s parent."""
        chain: list[int] = []
        parent = self._node(key).parent
        while parent is not None and parent != ROOT:
            chain.append(parent)
            parent = self._nodes[parent].parent
        chain.reverse()
        return chain

    def subtree(self, key: int) -> list[int]:
        """``key`` and every message below it, parents first."""
        keys = [key]
        for item in keys:
            keys.extend(self._nodes[item].children)
        return keys

    # -- changing ---------------------------------------------------------------

    def add(self, parent: int, message: Message, *, activate: bool = True) -> int:
        """A new child of ``parent`` (the newest version of its turn); its key."""
        node = self._node(parent)
        key = self._next_key
        self._next_key += 1
        self._nodes[key] = _Node(message, parent)
        node.children.append(key)
        if activate or node.active is None:
            node.active = key
        return key

    def add_version(self, key: int, message: Message) -> int:
        """A new sibling of ``key`` (same parent), made active; its key."""
        return self.add(self.parent(key), message)

    def update(self, key: int, message: Message) -> None:
        """Replace ``key``'s message (its text grew, it finished...)."""
        node = self._node(key)
        if node.message is None:
            raise TreeError("the root has no message")
        node.message = message

    def switch(self, key: int, step: int) -> int:
        """Make the version ``step`` away from ``key`` active (clamped); its key."""
        parent = self._nodes[self.parent(key)]
        index = parent.children.index(key)
        target = parent.children[min(max(index + step, 0), len(parent.children) - 1)]
        parent.active = target
        return target

    def activate(self, key: int) -> list[int]:
        """Make the path to ``key`` active (opening a search hit on another branch).
        Returns the nodes whose active child changed."""
        changed = []
        child = key
        parent = self._node(key).parent
        while parent is not None:
            node = self._nodes[parent]
            if node.active != child:
                node.active = child
                changed.append(parent)
            child, parent = parent, node.parent
        return changed

    def remove(self, key: int) -> Detached:
        """Take ``key`` and its descendants out; a sibling (the next, else the previous)
        becomes active if it was. Returns what :meth:`restore` puts back."""
        parent_key = self.parent(key)
        parent = self._nodes[parent_key]
        index = parent.children.index(key)
        was_active = parent.active == key
        keys = self.subtree(key)
        nodes = tuple(
            (k, self._nodes[k].parent, self.message(k), self._nodes[k].active)
            for k in keys
        )
        for k in keys:
            del self._nodes[k]
        parent.children.remove(key)
        if was_active:
            children = parent.children
            parent.active = children[min(index, len(children) - 1)] if children else None
        return Detached(key, parent_key, index, was_active, nodes)  # type: ignore[arg-type]

    def restore(self, detached: Detached) -> None:
        """Put back what :meth:`remove` took out, where it was, active if it was."""
        parent = self._node(detached.parent)
        for key, parent_key, message, active in detached.nodes:
            self._nodes[key] = _Node(message, parent_key, [], active)
        for key, parent_key, _message, _active in detached.nodes[1:]:
            self._nodes[parent_key].children.append(key)
        parent.children.insert(min(detached.index, len(parent.children)), detached.key)
        if detached.was_active or parent.active is None:
            parent.active = detached.key

    def check(self) -> None:
        """Raise TreeError unless the invariants of the module docstring hold."""
        seen = set(self.walk())
        if seen != set(self._nodes) - {ROOT}:
            raise TreeError("some messages do not reach the root")
        for key, node in self._nodes.items():
            if key != ROOT and (node.parent not in self._nodes
                                or key not in self._nodes[node.parent].children):
                raise TreeError(f"message {key} is not among its parent's children")
            if node.children and node.active not in node.children:
                raise TreeError(f"message {key} has children but no active one")
            if not node.children and node.active is not None:
                raise TreeError(f"message {key} has an active child but no children")

    def _node(self, key: int) -> _Node:
        try:
            return self._nodes[key]
        except KeyError:
            raise TreeError(f"no message {key} in this conversation") from None
