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
sees the token is cancelled and raises :class:`~mixtral_desktop.core.errors.Cancelled`.
"""

from __future__ import annotations

import errno
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.poolmanager import ProxyManager
from urllib3.response import BaseHTTPResponse
from urllib3.util.connection import allowed_gai_family
from urllib3.util.wait import wait_for_write

__all__ = ["POLL_INTERVAL", "CancelToken", "CancellableAdapter", "active", "current_token"]

POLL_INTERVAL = 0.02
"""How often a connect in progress looks at its token, in seconds."""

_IN_PROGRESS = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, errno.EALREADY, 10035}


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


class _ConnectCancelled(OSError):
    pass


def _connect(
    address: tuple[str, int],
    timeout: float | None,
    source_address: tuple[str, int] | None,
    socket_options: Any,
    token: CancelToken | None,
) -> socket.socket:
    """``urllib3.util.connection.create_connection`` with a connect that can be cancelled."""
    host, port = address
    if host.startswith("["):
        host = host.strip("[]")
    err: OSError | None = None
    for family, socktype, proto, _name, sockaddr in socket.getaddrinfo(
        host, port, allowed_gai_family(), socket.SOCK_STREAM
    ):
        if token is not None and token.cancelled:
            raise _ConnectCancelled("cancelled before connecting")
        sock = socket.socket(family, socktype, proto)
        try:
            for level, option, value in socket_options or ():
                sock.setsockopt(level, option, value)
            if source_address:
                sock.bind(source_address)
            if token is not None:
                token.attach(sock.dup(), owned=True)
            _connect_socket(sock, sockaddr, timeout, token)
            sock.settimeout(timeout)
            return sock
        except OSError as exc:
            sock.close()
            if isinstance(exc, _ConnectCancelled):
                raise
            err = exc  # like urllib3: try the next address, report the last error
    if err is not None:
        raise err
    raise OSError("getaddrinfo returned an empty list")


def _connect_socket(
    sock: socket.socket, sockaddr: Any, timeout: float | None, token: CancelToken | None
) -> None:
    sock.setblocking(False)
    code = sock.connect_ex(sockaddr)
    if code and code not in _IN_PROGRESS:
        raise OSError(code, _strerror(code))
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        if token is not None and token.cancelled:
            raise _ConnectCancelled("cancelled while connecting")
        step = POLL_INTERVAL
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("timed out")
            step = min(step, left)
        if wait_for_write(sock, timeout=step):
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise OSError(code, _strerror(code))
            return


def _strerror(code: int) -> str:
    try:
        return os.strerror(code)
    except ValueError:
        return f"error {code}"


def _open(conn: HTTPConnection) -> socket.socket:
    """The body shared by both connection classes' ``_new_conn``."""
    raw: object = conn.timeout  # a number, None, or urllib3's "default" sentinel
    timeout = float(raw) if isinstance(raw, int | float) else socket.getdefaulttimeout()
    try:
        return _connect(
            (conn._dns_host, conn.port or 0),
            timeout,
            conn.source_address,
            conn.socket_options,
            current_token(),
        )
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    except TimeoutError as exc:
        raise ConnectTimeoutError(
            conn, f"Connection to {conn.host} timed out. (connect timeout={timeout})"
        ) from exc
    except OSError as exc:
        raise NewConnectionError(conn, f"Failed to establish a new connection: {exc}") from exc


def _register_current(conn: HTTPConnection) -> None:
    token = current_token()
    if token is not None and conn.sock is not None:
        token.attach(conn.sock)


class CancellableHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _open(self)

    def getresponse(self) -> BaseHTTPResponse:  # type: ignore[override]
        _register_current(self)
        return super().getresponse()


class CancellableHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _open(self)

    def getresponse(self) -> BaseHTTPResponse:  # type: ignore[override]
        _register_current(self)
        return super().getresponse()


class CancellableHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = CancellableHTTPConnection


class CancellableHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = CancellableHTTPSConnection


_POOL_CLASSES: dict[str, type[HTTPConnectionPool]] = {
    "http": CancellableHTTPConnectionPool,
    "https": CancellableHTTPSConnectionPool,
}


class CancellableAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections obey the calling thread's :class:`CancelToken`."""

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOL_CLASSES)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, ProxyManager):
            # HTTP(S) proxies; a SOCKS proxy keeps its own connection classes.
            manager.pool_classes_by_scheme = dict(_POOL_CLASSES)
        return manager
