"""Interrupting a blocked ``requests`` call from another thread.

``Session.close()`` does not wake a thread blocked in ``recv()``; shutting the socket
down does. So every connection the client's adapter makes registers its socket with
the :class:`CancelToken` of the request running in the calling thread (a
``threading.local`` set by :func:`active`):

* the TCP connect runs non-blocking and polls the token every few tens of ms, so even a
  black-holed host is left promptly (the DNS lookup before it cannot be interrupted);
* a duplicate of the fresh socket is registered at once, which also covers the TLS
  handshake (the TLS wrapper takes over the original descriptor, the duplicate still
  names the same connection);
* the connection's current socket is registered again before reading the response
  head, which covers keep-alive connections reused from the pool.

:meth:`CancelToken.cancel` sets the event and calls ``shutdown(SHUT_RDWR)`` on every
registered socket: a blocked read returns end-of-file or fails at once. The worker then
sees the token is cancelled and raises :class:`~mixtral_desktop.core.segmind.errors.Cancelled`.
"""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

__all__ = ["IN_PROGRESS", "POLL_INTERVAL", "CancelToken", "active", "current_token"]

POLL_INTERVAL = 0.02
"""How often a connect in progress looks at its token, in seconds."""

IN_PROGRESS = frozenset({errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, errno.EALREADY, 10035})


class CancelToken:
    """Cancels one request from any thread; the worker stops within 100 ms.

    A token is single-use: once cancelled it stays cancelled. ``cancel()`` is safe to
    call from any thread, any number of times, before, during or after the request.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._borrowed: list[socket.socket] = []
        self._owned: list[socket.socket] = []

    def cancel(self) -> None:
        """Mark the request cancelled and shut down its sockets, waking a blocked read."""
        with self._lock:
            self._event.set()
            for sock in (*self._owned, *self._borrowed):
                _shutdown(sock)

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until cancelled or ``timeout`` passes; return whether it was cancelled."""
        return self._event.wait(timeout)

    def attach(self, sock: socket.socket, *, owned: bool = False) -> None:
        """Register ``sock``; shut it down at once if the token is already cancelled.

        An ``owned`` socket (a duplicate made for the token) is closed by :meth:`release`.
        """
        with self._lock:
            (self._owned if owned else self._borrowed).append(sock)
            if self._event.is_set():
                _shutdown(sock)

    def release(self) -> None:
        """Forget every socket; close the duplicates. Called when the request is over."""
        with self._lock:
            owned, self._owned, self._borrowed = self._owned, [], []
        for sock in owned:
            sock.close()


def _shutdown(sock: socket.socket) -> None:
    # The plain socket method, even on an SSLSocket: it only touches the TCP
    # connection and leaves the TLS object to the thread that is using it.
    with suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


_local = threading.local()


def current_token() -> CancelToken | None:
    """The token of the request running in this thread, if any."""
    token: CancelToken | None = getattr(_local, "token", None)
    return token


@contextmanager
def active(token: CancelToken) -> Iterator[CancelToken]:
    """Make ``token`` the current one in this thread; release its sockets afterwards."""
    previous = current_token()
    _local.token = token
    try:
        yield token
    finally:
        _local.token = previous
        token.release()
