"""Typed errors of the Segmind client, each with one clear sentence for a person.

Every error the client can raise derives from :class:`SegmindError`. The GUI shows
``user_message`` and offers the fix named by ``action``; neither ever contains the
API key or raw server text.
"""

from __future__ import annotations

from enum import Enum

BILLING_URL = "https://cloud.segmind.com/console/billing"
KEYS_URL = "https://cloud.segmind.com/console/api-keys"


class Action(Enum):
    """What the user can do about an error; the GUI turns it into a button."""

    RETRY = "retry"
    SET_KEY = "set_key"
    BILLING = "billing"
    NONE = "none"


class SegmindError(Exception):
    """Base of every error the Segmind client raises."""

    default_message = "Something went wrong while talking to Segmind."
    action = Action.RETRY
    transient = False
    """Worth sending again by itself, as long as no byte of a reply has arrived."""

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        remaining_credits: float | None = None,
    ) -> None:
        self.user_message = message or self.default_message
        self.status = status
        self.remaining_credits = remaining_credits
        self.reply_started = False  # a 2xx reply had begun: sending again may charge twice
        self.server_detail: str | None = None  # server text, key-like strings removed
        self.body_names: frozenset[str] = frozenset()  # names in the error body (never shown)
        super().__init__(self.user_message)

    def with_detail(self, detail: str | None) -> SegmindError:
        """Quote what the server said (already cleaned) after the sentence."""
        if detail:
            self.server_detail = detail
            self.user_message = f"{self.user_message} Segmind said: “{detail}”"
            self.args = (self.user_message,)
        return self


class MissingKey(SegmindError):
    default_message = "No Segmind API key is set, so nothing can be sent."
    action = Action.SET_KEY


class AuthError(SegmindError):
    default_message = "Segmind rejected the API key (401): it is wrong, revoked or missing."
    action = Action.SET_KEY


class ModelNotFound(SegmindError):
    default_message = (
        "Segmind does not know this address (404): check the API base URL and the model name."
    )
    action = Action.NONE


class MethodNotAllowed(SegmindError):
    default_message = (
        "Segmind refused the request method (405): the API base URL probably points "
        "at the wrong service."
    )
    action = Action.NONE


class CreditsExhausted(SegmindError):
    default_message = "Your Segmind account is out of credits (406): top up to keep chatting."
    action = Action.BILLING


class RateLimited(SegmindError):
    default_message = "Segmind's rate limit was reached (429): wait a moment, then retry."
    action = Action.RETRY

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        status: int | None = 429,
        remaining_credits: float | None = None,
    ) -> None:
        if message is None and retry_after is not None:
            message = (
                f"Segmind's rate limit was reached (429): retry in {retry_after:.0f} s."
            )
        super().__init__(message, status=status, remaining_credits=remaining_credits)
        self.retry_after = retry_after


class RequestTimeout(SegmindError):
    default_message = "Segmind gave up waiting for the request (408): retry in a moment."
    action = Action.RETRY
    transient = True


class RequestRejected(SegmindError):
    default_message = "Segmind rejected the request as malformed."
    action = Action.NONE


class ServerError(SegmindError):
    default_message = "Segmind had a server error: retry in a moment."
    action = Action.RETRY
    transient = True


class NetworkError(SegmindError):
    default_message = "Could not reach Segmind: check your network connection, then retry."
    action = Action.RETRY
    transient = True


class Timeout(SegmindError):
    default_message = "Segmind did not answer in time: retry, or raise the read timeout."
    action = Action.RETRY


class BadResponse(SegmindError):
    default_message = "Segmind sent a reply this app could not understand."
    action = Action.RETRY


class InsecureBaseUrl(SegmindError):
    default_message = (
        "The API base URL uses plain http:// to a remote host; only https:// is allowed "
        "there so the key never travels in clear."
    )
    action = Action.NONE


class Cancelled(SegmindError):
    default_message = "Stopped."
    action = Action.NONE
