"""The documents of an exported conversation (JSON format version 5): each message's
``"attachments"`` (name, kind, digest, pages, empty pages, replacements) and, once for the
whole file, ``"documents"``: each text by its digest."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mixtral_desktop.core.domain.attachments import Attachment, text_digest
from mixtral_desktop.core.domain.conversation import Message


def attachments_to_json(attachments: Iterable[Attachment]) -> list[dict[str, Any]]:
    return [
        {"name": a.name, "kind": a.kind, "digest": a.digest, "pages": a.pages,
         "empty_pages": list(a.empty_pages), "replacements": a.replacements}
        for a in attachments
    ]


def documents_to_json(
    messages: Iterable[Message], text_of: Callable[[str], str]
) -> dict[str, str]:
    """The texts the messages' attachments need, by digest (each once)."""
    return {a.digest: text_of(a.digest) for m in messages for a in m.attachments}


def attachments_from_json(value: object, where: str) -> tuple[Attachment, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list of attachments")
    found = []
    for i, item in enumerate(value):
        here = f"{where}[{i}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{here}: expected an object")
        name, kind, digest = (item.get(k) for k in ("name", "kind", "digest"))
        if not all(isinstance(v, str) and v for v in (name, kind, digest)):
            raise ValueError(f"{here}: name, kind and digest must be non-empty strings")
        pages, empty, replaced = item.get("pages"), item.get("empty_pages", []), item.get(
            "replacements", 0)
        if pages is not None and not _count(pages):
            raise ValueError(f"{here}.pages: expected a whole number >= 0 or null")
        if not isinstance(empty, list) or not all(_count(p) for p in empty):
            raise ValueError(f"{here}.empty_pages: expected a list of page numbers")
        if not _count(replaced):
            raise ValueError(f"{here}.replacements: expected a whole number >= 0")
        found.append(Attachment(str(name), str(kind), str(digest), pages, tuple(empty),
                                replaced))
    return tuple(found)


def documents_from_json(value: object, needed: Iterable[Attachment]) -> dict[str, str]:
    """The file's ``"documents"``, each text checked against its digest, every attachment's
    text present; ValueError saying what is wrong."""
    if not isinstance(value, Mapping):
        raise ValueError("documents: expected an object of texts by digest")
    texts: dict[str, str] = {}
    for digest, text in value.items():
        if not isinstance(text, str) or text_digest(text) != digest:
            raise ValueError(f"documents[{digest!r}]: the text does not match its digest")
        texts[str(digest)] = text
    for attachment in needed:
        if attachment.digest not in texts:
            raise ValueError(f"the text of the attached {attachment.name!r} is missing")
    return texts


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
