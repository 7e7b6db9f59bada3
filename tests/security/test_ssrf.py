"""SSRF in ``videoUrl``: every way of writing a loopback or private address, directly or by a
redirect, is refused by the AI backend's downloader — proven against a real video server on
loopback that must see no request (tests/ai/test_fetch.py has the basic cases).

Only loopback is ever connected to: a private or link-local literal is refused before any
packet is sent, and the names used resolve from /etc/hosts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from interview_jobs.ai.fetch import (
    FetchPolicy,
    PermanentFetchError,
    address_is_public,
    download,
    is_own_signed_file_url,
)
from tests.support.servers import ServerThread, serve

MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 10_000


class Host:
    def __init__(self) -> None:
        self.hits: list[str] = []
        self.redirect_to = ""

    def app(self) -> Starlette:
        async def video(request: Request) -> Response:
            self.hits.append(request.url.path)
            return Response(MP4, media_type="video/mp4")

        async def redirect(request: Request) -> Response:
            return RedirectResponse(self.redirect_to, status_code=302)

        return Starlette(routes=[Route("/v.mp4", video), Route("/redirect", redirect)])


@pytest.fixture(scope="module")
def host() -> Iterator[tuple[Host, ServerThread]]:
    h = Host()
    with serve(h.app()) as server:
        yield h, server


def loopback_spellings(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/v.mp4",
        f"http://127.1:{port}/v.mp4",  # short form
        f"http://2130706433:{port}/v.mp4",  # decimal
        f"http://0x7f000001:{port}/v.mp4",  # hexadecimal
        f"http://0177.0.0.1:{port}/v.mp4",  # octal
        f"http://017700000001:{port}/v.mp4",  # octal, one number
        f"http://127.0.0.2:{port}/v.mp4",  # the rest of 127/8
        f"http://0:{port}/v.mp4",  # 0.0.0.0 reaches loopback on Linux
        f"http://0.0.0.0:{port}/v.mp4",
        f"http://[::1]:{port}/v.mp4",
        f"http://[0:0:0:0:0:0:0:1]:{port}/v.mp4",
        f"http://[::ffff:127.0.0.1]:{port}/v.mp4",  # IPv4-mapped IPv6
        f"http://[::ffff:7f00:1]:{port}/v.mp4",
        f"http://localhost:{port}/v.mp4",  # a name resolving to loopback
        f"http://LOCALHOST:{port}/v.mp4",  # upper case
        f"http://vm:{port}/v.mp4",  # another /etc/hosts name for 127.0.0.1
        f"http://user:pass@127.0.0.1:{port}/v.mp4",
    ]


PRIVATE = [  # never connected to: refused on the address alone
    "http://10.0.0.1/v.mp4",
    "http://172.16.5.4/v.mp4",
    "http://192.168.1.1/v.mp4",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://100.64.0.1/v.mp4",  # carrier-grade NAT
    "http://[fd00::1]/v.mp4",  # unique local
    "http://[fe80::1]/v.mp4",  # link-local
    "http://[::ffff:10.0.0.1]/v.mp4",
    # found: NAT64 of 10.0.0.1 counted as public (only its address is checked, here: the test
    # refuses it before a connection is tried)
    "http://[64:ff9b::a00:1]/v.mp4",
    "http://[64:ff9b:1::a00:1]/v.mp4",
    "http://224.0.0.1/v.mp4",  # multicast
    "http://255.255.255.255/v.mp4",
]


def policy() -> FetchPolicy:
    return FetchPolicy(api_url="http://api.invalid:8000", connect_timeout=2, read_timeout=5)


@pytest.mark.parametrize("index", range(17))
def test_loopback_in_any_spelling_is_refused(
    host: tuple[Host, ServerThread], tmp_path: Path, index: int
) -> None:
    h, server = host
    url = loopback_spellings(server.port)[index]
    before = len(h.hits)
    with pytest.raises(PermanentFetchError):
        download(url, tmp_path, policy())
    assert len(h.hits) == before, f"{url} reached the server"
    assert not (tmp_path / "input").exists()


@pytest.mark.parametrize("url", PRIVATE)
def test_private_addresses_are_refused(url: str, tmp_path: Path) -> None:
    # Never let this test connect off the machine: classify the literal first.
    literal = urlsplit(url).hostname
    assert literal is not None and not address_is_public(literal), f"{literal} counted as public"
    with pytest.raises(PermanentFetchError, match=r"private or reserved|not valid"):
        download(url, tmp_path, policy())


@pytest.mark.parametrize("index", [0, 2, 7, 9, 11, 13])
def test_redirect_to_loopback_in_any_spelling_is_refused(
    host: tuple[Host, ServerThread], tmp_path: Path, index: int
) -> None:
    # The first hop is trusted (as TRUSTED_VIDEO_HOSTS); the redirect target is not.
    h, server = host
    h.redirect_to = loopback_spellings(server.port)[index].replace("127.0.0.1", "127.0.0.1")
    trusting = FetchPolicy(
        api_url="http://api.invalid:8000", trusted_hosts=frozenset({f"127.0.0.1:{server.port}"})
    )
    if index == 0:
        # the same trusted host:port may be redirected to; another spelling of it may not
        h.redirect_to = f"http://127.0.0.2:{server.port}/v.mp4"
    before = len(h.hits)
    with pytest.raises(PermanentFetchError):
        download(f"{server.url}/redirect", tmp_path, trusting)
    assert len(h.hits) == before


@pytest.mark.parametrize(
    "url",
    [
        "http://api:8000/api/files/1/content?expires=1&signature=x",
        "http://api:8000/api/files/123/content?signature=x&expires=1",
    ],
)
def test_own_signed_file_url_is_recognised(url: str) -> None:
    assert is_own_signed_file_url(url, "http://api:8000")


@pytest.mark.parametrize(
    "url",
    [
        # found: these passed the "starts with /api/files/, ends with /content" test, and the
        # HTTP client would normalise the dot segments into another path of the API's host
        "http://api:8000/api/files/../../metrics/content?signature=x",
        "http://api:8000/api/files/1/../../../internal/content?signature=x",
        "http://api:8000/api/files/%2e%2e/%2e%2e/x/content?signature=x",
        "http://api:8000/api/files/1/x/content?signature=x",
        "http://api:8000/api/files/1/content?nosignature=x",
        "http://api:8000/api/files/1/content?a=1#signature=x",
    ],
)
def test_lookalikes_of_the_own_signed_url_are_not_trusted(url: str) -> None:
    assert not is_own_signed_file_url(url, "http://api:8000")
