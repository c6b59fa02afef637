"""The conversation tree: versions, the active path, removal and Undo, and the
invariants under random edit / regenerate / delete / switch sequences."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mixtral_desktop.core.domain.conversation import Message, Role
from mixtral_desktop.core.domain.request import reply_request
from mixtral_desktop.core.domain.tree import ROOT, ConversationTree, SavedNode, TreeError


def msg(role: Role, text: str, mid: int | None = None) -> Message:
    return Message(role=role, content=text, created=1.0, id=mid)


def contents(tree: ConversationTree) -> list[str]:
    return [m.content for m in tree.path_messages()]


def test_linear_tree_is_one_branch() -> None:
    tree = ConversationTree.linear(msg(Role.USER, t) for t in "abc")
    assert contents(tree) == ["a", "b", "c"]
    assert all(tree.version(k) == (1, 1) for k in tree.path())
    tree.check()


def test_regenerate_keeps_the_old_reply_and_its_later_turns() -> None:
    tree = ConversationTree.linear(
        [msg(Role.USER, "q"), msg(Role.ASSISTANT, "a1"), msg(Role.USER, "more")]
    )
    _q, a1, _more = tree.path()
    a2 = tree.add_version(a1, msg(Role.ASSISTANT, "a2"))
    assert contents(tree) == ["q", "a2"]
    assert tree.version(a2) == (2, 2)
    back = tree.switch(a2, -1)
    assert back == a1
    assert contents(tree) == ["q", "a1", "more"]  # the later turn came back with it
    assert tree.switch(a1, -1) == a1  # clamped at the first version
    assert tree.switch(a2, +1) == a2


def test_editing_the_first_question_is_a_version_of_the_first_turn() -> None:
    tree = ConversationTree.linear([msg(Role.USER, "typo"), msg(Role.ASSISTANT, "x")])
    first = tree.path()[0]
    fixed = tree.add_version(first, msg(Role.USER, "fixed"))
    assert tree.parent(fixed) == ROOT
    assert contents(tree) == ["fixed"]
    assert tree.version(fixed) == (2, 2)
    tree.check()


def test_remove_and_restore_put_everything_back() -> None:
    tree = ConversationTree.linear([msg(Role.USER, "q"), msg(Role.ASSISTANT, "a1")])
    _q, a1 = tree.path()
    a2 = tree.add_version(a1, msg(Role.ASSISTANT, "a2"))
    tree.add(a2, msg(Role.USER, "follow"))
    detached = tree.remove(a2)
    assert [m.content for m in detached.messages()] == ["a2", "follow"]
    assert contents(tree) == ["q", "a1"]  # the other version took its place
    tree.check()
    tree.restore(detached)
    assert contents(tree) == ["q", "a2", "follow"]
    assert tree.siblings(a2) == [a1, a2]
    tree.check()


def test_activate_opens_the_branch_of_a_hidden_message() -> None:
    tree = ConversationTree.linear([msg(Role.USER, "q"), msg(Role.ASSISTANT, "a1")])
    _q, a1 = tree.path()
    hidden = tree.add(a1, msg(Role.USER, "deep"))
    tree.add_version(a1, msg(Role.ASSISTANT, "a2"))
    assert "deep" not in contents(tree)
    changed = tree.activate(hidden)
    assert changed  # at least the version of the reply switched back
    assert contents(tree) == ["q", "a1", "deep"]


def test_from_saved_is_forgiving() -> None:
    nodes = [
        SavedNode(msg(Role.USER, "q", 10), None, 11),
        SavedNode(msg(Role.ASSISTANT, "a", 11), 10, 99),  # points at nothing
        SavedNode(msg(Role.USER, "b", 12), 11, None),
        SavedNode(msg(Role.USER, "c", 13), 11, None),
        SavedNode(msg(Role.USER, "orphan", 14), 77, None),  # parent gone
    ]
    tree = ConversationTree.from_saved(nodes, root_active_id=10)
    tree.check()
    assert contents(tree) == ["q", "a", "c"]  # the newest child when the pointer is bad
    assert len(tree) == 5
    with pytest.raises(TreeError):
        tree.message(ROOT)


# -- random sequences -----------------------------------------------------------------

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["send", "regenerate", "edit", "delete", "switch", "undo", "activate"]),
        st.integers(min_value=0, max_value=50),
        st.sampled_from([-1, 1]),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(ACTIONS)
def test_random_sequences_keep_the_invariants(actions: list[tuple[str, int, int]]) -> None:
    tree = ConversationTree()
    undo = []
    made = 0
    for counter, (action, pick, step) in enumerate(actions):
        path = tree.path()
        key = path[pick % len(path)] if path else None
        if action == "send" or key is None:
            parent = path[-1] if path else ROOT
            user = tree.add(parent, msg(Role.USER, f"u{counter}"))
            tree.add(user, msg(Role.ASSISTANT, f"a{counter}"))
            made += 2
        elif action == "regenerate" or action == "edit":
            role = tree.message(key).role
            new = tree.add_version(key, msg(role, f"v{counter}"))
            made += 1
            assert tree.path()[-1] == new  # a new version has no later turns yet
        elif action == "delete":
            undo.append(tree.remove(key))
        elif action == "switch":
            number, count = tree.version(key)
            target = tree.switch(key, step)
            assert tree.version(target)[0] == min(max(number + step, 1), count)
            assert tree.path()[: len(tree.ancestors(target)) + 1][-1] == target
        elif action == "undo" and undo:
            tree.restore(undo.pop())
        elif action == "activate":
            everything = list(tree.walk())
            target = everything[pick % len(everything)]
            tree.activate(target)
            assert target in tree.path()
        tree.check()
        path = tree.path()
        # The active path ends at a leaf, and the request is exactly that path.
        assert not path or not tree.children(path[-1])
        sent = reply_request(tree.path_messages()).messages
        assert [m["content"] for m in sent] == [tree.message(k).content for k in path]
        # Every version is kept: what was made, less what is deleted and not undone.
        assert len(list(tree.walk())) == len(tree) == made - sum(len(d.nodes) for d in undo)
