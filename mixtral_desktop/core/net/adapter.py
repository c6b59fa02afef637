"""The cancellable connections behind :class:`CancellableAdapter` (see :mod:`.cancel`).

Kept apart so that importing :mod:`.cancel` (tokens) does not import requests; the
import goes one way only, from here to there.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.poolmanager import ProxyManager
from urllib3.response import BaseHTTPResponse
from urllib3.util.connection import allowed_gai_family
from urllib3.util.wait import wait_for_write

from mixtral_desktop.core.net.cancel import IN_PROGRESS, POLL_INTERVAL, CancelToken, current_token


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
    if code and code not in IN_PROGRESS:
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
