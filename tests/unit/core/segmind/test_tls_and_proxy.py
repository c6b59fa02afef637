"""TLS is always verified; a custom CA (REQUESTS_CA_BUNDLE) and a proxy from the
environment work; the key never follows a redirect to another host."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mixtral_desktop.core.segmind.client import SegmindClient
from mixtral_desktop.core.segmind.config import ClientConfig
from mixtral_desktop.core.segmind.errors import NetworkError
from tests.fakes.segmind_server import FAKE_KEY, FakeSegmind
from tests.fakes.tls_proxy import TlsProxy

USER = [{"role": "user", "content": "Bonjour"}]


@pytest.fixture
def proxy(fake_segmind: FakeSegmind, monkeypatch: pytest.MonkeyPatch) -> Iterator[TlsProxy]:
    tls = TlsProxy(fake_segmind.port).start()
    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, tls.url)
    for name in ("NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    yield tls
    tls.stop()


def remote_client(proxy: TlsProxy) -> SegmindClient:
    return SegmindClient(FAKE_KEY, ClientConfig(base_url=f"https://{proxy.hostname}/v1"))


def test_custom_ca_and_environment_proxy_work(
    proxy: TlsProxy, fake_segmind: FakeSegmind, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = str(tmp_path / "ca.pem")
    with proxy.ca_bundle(bundle):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", bundle)
        with remote_client(proxy) as client:
            reply = client.chat(USER)
    assert reply.text.startswith("You said: Bonjour")
    assert [c.rsplit(" ", 1)[0] for c in proxy.connects] == [f"CONNECT {proxy.hostname}:443"]
    assert fake_segmind.chat_requests[0].api_key == FAKE_KEY
    assert all(FAKE_KEY not in line for line in proxy.connects)


def test_unknown_certificate_authority_is_refused(
    proxy: TlsProxy, fake_segmind: FakeSegmind
) -> None:
    """Without the test CA the certificate is not trusted: nothing is sent, no retry."""
    with remote_client(proxy) as client, pytest.raises(NetworkError) as raised:
        client.chat(USER)
    assert "TLS" in raised.value.user_message
    assert not raised.value.transient
    assert fake_segmind.chat_requests == []
