"""An HTTP CONNECT proxy on 127.0.0.1 that answers TLS itself, for any host name, with a
certificate from a test CA, and passes the decrypted bytes to a plain local server.

It lets the client be tested as it talks to a real remote host: certificate checks
(a custom CA through ``REQUESTS_CA_BUNDLE``) and a proxy from the environment.
Everything stays on loopback.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator

import trustme


class TlsProxy:
    def __init__(self, upstream_port: int, hostname: str = "api.segmind.test") -> None:
        self.hostname = hostname
        self.ca = trustme.CA()
        self.upstream_port = upstream_port
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(hostname).configure_cert(self._context)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.connects: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="tls-proxy")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @contextlib.contextmanager
    def ca_bundle(self, path: str) -> Iterator[str]:
        self.ca.cert_pem.write_to_path(path)
        yield path

    def start(self) -> TlsProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = client.recv(4096)
                if not chunk:
                    return
                request += chunk
            self.connects.append(request.split(b"\r\n", 1)[0].decode("latin-1"))
            if not request.startswith(b"CONNECT "):
                client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            secure = self._context.wrap_socket(client, server_side=True)
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._pipe(secure, upstream)

    @staticmethod
    def _pipe(secure: ssl.SSLSocket, upstream: socket.socket) -> None:
        def pump(source: socket.socket, target: socket.socket) -> None:
            with contextlib.suppress(OSError, ssl.SSLError):
                while data := source.recv(65536):
                    target.sendall(data)
            with contextlib.suppress(OSError):
                target.shutdown(socket.SHUT_WR)

        back = threading.Thread(target=pump, args=(upstream, secure), daemon=True)
        back.start()
        pump(secure, upstream)
        back.join(10)
        secure.close()
        upstream.close()
