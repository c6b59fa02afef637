"""A conversation as a readable Markdown document (the active path: what the chat shows)."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from mixtral_desktop import APP_NAME
from mixtral_desktop.core.domain.attachments import attached_line
from mixtral_desktop.core.domain.chat_settings import ChatSettings, describe_sent
from mixtral_desktop.core.domain.conversation import Message, MessageState, Role
from mixtral_desktop.core.domain.titles import display_title
from mixtral_desktop.core.storage.records import ConversationInfo

_ROLE_LABELS = {Role.USER: "User", Role.ASSISTANT: "Assistant", Role.SYSTEM: "System"}
_UNFINISHED = (MessageState.INCOMPLETE, MessageState.STREAMING, MessageState.WAITING)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def to_markdown(
    info: ConversationInfo,
    messages: list[Message],
    tz: tzinfo | None = None,
    settings: ChatSettings | None = None,
) -> str:
    """A readable document: the title, the chat's instructions and parameters (when it
    has any), then each message with its role and time.

    Contents are kept verbatim (they are Markdown already). Times are in ``tz``
    (default: the computer's local time zone), with the offset written out.
    """
    title = display_title(" ".join(info.title.split()))
    count = f"{len(messages)} message{'' if len(messages) == 1 else 's'}"
    parts = [
        f"# {title}",
        f"*Exported from {APP_NAME}. Started {_when(info.created, tz)},"
        f" last activity {_when(info.updated, tz)}; {count}.*",
    ]
    if settings is not None and not settings.is_default():
        parts.extend(_settings_markdown(settings))
    for message in messages:
        parts.append("---")
        parts.extend(_message_markdown(message, tz))
    if not messages:
        parts.append("*No messages.*")
    return "\n\n".join(parts) + "\n"


def _settings_markdown(settings: ChatSettings) -> list[str]:
    parts = []
    if settings.system.strip():
        quoted = "\n".join(f"> {line}" if line else ">" for line in settings.system.splitlines())
        parts.append(f"**Instructions**\n\n{quoted}")
    fields = settings.body_fields()
    if fields:
        parts.append(f"*Parameters: {describe_sent(fields)}.*")
    if settings.examples:
        count = len(settings.examples)
        parts.append(f"*{count} example turn{'' if count == 1 else 's'} sent before the chat.*")
    return parts


def _message_markdown(message: Message, tz: tzinfo | None) -> list[str]:
    label = _ROLE_LABELS[Role(message.role)]
    state = MessageState(message.state)
    status = ""
    if state in _UNFINISHED:
        status = " · incomplete"
    elif state is MessageState.FAILED:
        status = " · failed"
    parts = [f"## {label} · {_when(message.created, tz)}{status}"]
    if message.attachments:  # (their texts are in the JSON export, not here)
        parts.append(f"*{attached_line(message.attachments)}*")
    if message.content.strip() or not message.attachments:
        parts.append(message.content if message.content.strip() else "*(no text)*")
    fence = unclosed_fence(message.content)
    if fence:  # a reply cut inside a code block must not swallow the rest of the file
        parts.append(fence)
    if state in _UNFINISHED:
        parts.append("> **Incomplete reply:** the answer stopped before the end.")
    if message.error:
        parts.append(_quote(f"**Error:** {message.error}"))
    details = _details(message)
    if details:
        parts.append(f"*{details}*")
    return parts


def unclosed_fence(markdown: str) -> str | None:
    """The line that closes a code fence left open at the end of ``markdown``, if any."""
    open_fence: str | None = None
    for line in markdown.splitlines():
        match = _FENCE.match(line)
        if not match:
            continue
        marker = match.group(1)
        if open_fence is None:
            open_fence = marker
        elif (
            marker[0] == open_fence[0]
            and len(marker) >= len(open_fence)
            and not line[match.end():].strip()
        ):
            open_fence = None
    return open_fence


def _details(message: Message) -> str:
    bits: list[str] = []
    if message.usage is not None:
        u = message.usage
        bits.append(
            f"Tokens: {u.prompt_tokens:,} prompt + {u.completion_tokens:,} reply"
            f" = {u.total_tokens:,}"
        )
    if message.remaining_credits is not None:
        bits.append(f"credits left: {message.remaining_credits:g}")
    return "; ".join(bits)


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def _when(timestamp: float, tz: tzinfo | None) -> str:
    moment = datetime.fromtimestamp(timestamp, tz).astimezone(tz)
    offset = moment.strftime("%z")
    offset = "UTC" if offset in ("", "+0000") else f"UTC{offset[:3]}:{offset[3:5]}"
    return f"{moment:%Y-%m-%d %H:%M:%S} {offset}"
