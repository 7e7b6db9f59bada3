"""Safe download, against real HTTP servers on loopback; the SSRF guard checks the connected IP."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from interview_jobs.ai.fetch import (
    BlockedAddressError,
    FetchPolicy,
    PermanentFetchError,
    TransientFetchError,
    UnresolvableHostError,
    address_is_public,
    download,
    is_own_signed_file_url,
)
from tests.support.servers import ServerThread, serve

MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
VIDEO = MP4_HEAD + b"\x00" * 50_000


def _video_host(redirect_target: str = "") -> Starlette:
    async def video(request: Request) -> Response:
        return Response(VIDEO, media_type="video/mp4")

    async def text(request: Request) -> Response:
        return PlainTextResponse("hello, I am not a video\n" * 10)

    async def empty(request: Request) -> Response:
        return Response(b"", media_type="video/mp4")

    async def missing(request: Request) -> Response:
        return PlainTextResponse("nope", status_code=404)

    async def broken(request: Request) -> Response:
        return PlainTextResponse("down", status_code=503)

    async def huge(request: Request) -> Response:
        async def body():  # no Content-Length: the limit must hold while streaming
            yield MP4_HEAD
            for _ in range(100):
                yield b"\x00" * 10_000

        return StreamingResponse(body(), media_type="video/mp4")

    async def page(request: Request) -> Response:
        async def body():  # a web site's page, far larger than the limit
            for _ in range(100):
                yield b"<html><body>" + b"x" * 10_000

        return StreamingResponse(body(), media_type="text/html")

    async def redirect(request: Request) -> Response:
        return RedirectResponse(redirect_target or "/video.mp4", status_code=302)

    async def to_nowhere(request: Request) -> Response:
        return RedirectResponse("http://nonexistent.invalid/video.mp4", status_code=302)

    async def loop(request: Request) -> Response:
        return RedirectResponse("/loop", status_code=302)

    return Starlette(
        routes=[
            Route("/video.mp4", video),
            Route("/api/files/7/content", video),
            Route("/api/files/8/content", redirect),
            Route("/text.mp4", text),
            Route("/empty.mp4", empty),
            Route("/missing.mp4", missing),
            Route("/broken.mp4", broken),
            Route("/huge.mp4", huge),
            Route("/page", page),
            Route("/to-nowhere", to_nowhere),
            Route("/redirect", redirect),
            Route("/loop", loop),
        ]
    )


@pytest.fixture(scope="module")
def host():
    with serve(_video_host()) as server:
        yield server


def _open(url: str) -> FetchPolicy:
    return FetchPolicy(api_url="http://api.invalid", allow_private_urls=True, max_bytes=200_000)


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fc00::1", False),
        ("fe80::1%eth0", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("2002:7f00:0001::1", False),  # 6to4 wrapping 127.0.0.1
    ],
)
def test_address_classification(ip: str, public: bool) -> None:
    assert address_is_public(ip) is public


def test_downloads_a_video_into_the_job_dir(host: ServerThread, tmp_path: Path) -> None:
    got = download(f"{host.url}/video.mp4", tmp_path, _open(host.url))
    assert got.path == tmp_path / "input"
    assert got.path.read_bytes() == VIDEO
    assert got.size == len(VIDEO)


def test_follows_redirects(host: ServerThread, tmp_path: Path) -> None:
    got = download(f"{host.url}/redirect", tmp_path, _open(host.url))
    assert got.path.read_bytes() == VIDEO


@pytest.mark.parametrize(
    ("path", "error", "words"),
    [
        ("/text.mp4", PermanentFetchError, "did not return an MP4, MOV, WebM or MKV video"),
        ("/empty.mp4", PermanentFetchError, "empty file"),
        ("/missing.mp4", PermanentFetchError, "HTTP 404"),
        ("/broken.mp4", TransientFetchError, "HTTP 503"),
        ("/huge.mp4", PermanentFetchError, "over the 200000-byte limit"),
        ("/loop", PermanentFetchError, "redirected more than"),
    ],
)
def test_bad_sources(
    host: ServerThread, tmp_path: Path, path: str, error: type, words: str
) -> None:
    with pytest.raises(error, match=words):
        download(f"{host.url}{path}", tmp_path, _open(host.url))
    assert not (tmp_path / "input").exists(), "a failed download leaves no partial file"


def test_a_web_page_fails_at_its_first_bytes(host: ServerThread, tmp_path: Path) -> None:
    # Not after reading it all (here it would first hit the size limit): the head tells.
    with pytest.raises(PermanentFetchError, match=r"did not return .* it returned text/html"):
        download(f"{host.url}/page", tmp_path, _open(host.url))


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted-host", "guarded"])
def test_a_host_that_does_not_exist_is_permanent(tmp_path: Path, trusted: bool) -> None:
    policy = FetchPolicy(api_url="http://api.invalid", allow_private_urls=trusted)
    with pytest.raises(UnresolvableHostError, match=r"nonexistent\.invalid does not exist"):
        download("http://nonexistent.invalid/video.mp4", tmp_path, policy)


def test_a_redirect_to_a_host_that_does_not_exist_is_permanent(
    host: ServerThread, tmp_path: Path
) -> None:
    with pytest.raises(UnresolvableHostError):
        download(f"{host.url}/to-nowhere", tmp_path, _open(host.url))


def test_the_apis_own_host_not_resolving_is_transient(tmp_path: Path) -> None:
    # API_URL's host is the operator's to fix (or not published yet): not the user's bad link.
    policy = FetchPolicy(api_url="http://api.invalid")
    with pytest.raises(TransientFetchError, match="the API's host does not resolve"):
        download("http://api.invalid/api/files/1/content?expires=1&signature=s", tmp_path, policy)


def test_unreachable_host_is_transient(tmp_path: Path) -> None:
    with serve(_video_host()) as server:
        url = f"{server.url}/video.mp4"
    # the server is gone now: connection refused
    with pytest.raises(TransientFetchError):
        download(url, tmp_path, _open(url))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/video.mp4",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/video.mp4",
        "http://localhost:9/video.mp4",  # a name that resolves to loopback
        "http://10.0.0.1/video.mp4",
    ],
)
def test_private_addresses_are_refused(url: str, tmp_path: Path) -> None:
    policy = FetchPolicy(api_url="http://api.invalid")
    with pytest.raises(BlockedAddressError, match="private or reserved address"):
        download(url, tmp_path, policy)


def test_redirect_into_a_private_range_is_refused(tmp_path: Path) -> None:
    # The first hop is the API's own signed file URL (trusted even on loopback); it redirects to
    # another loopback address, which is not trusted: the guard must stop the second hop.
    with serve(_video_host(redirect_target="http://127.0.0.2:9/secret")) as server:
        policy = FetchPolicy(api_url=server.url)
        with pytest.raises(BlockedAddressError):
            download(f"{server.url}/api/files/8/content?expires=1&signature=abc", tmp_path, policy)


def test_own_signed_file_url_is_trusted_on_loopback(host: ServerThread, tmp_path: Path) -> None:
    policy = FetchPolicy(api_url=host.url)
    url = f"{host.url}/api/files/7/content?expires=1&signature=abc"
    assert download(url, tmp_path, policy).path.read_bytes() == VIDEO
    # without a signature it is just another loopback URL
    with pytest.raises(BlockedAddressError):
        download(f"{host.url}/api/files/7/content", tmp_path, policy)


@pytest.mark.parametrize(
    ("url", "own"),
    [
        ("http://api:8000/api/files/1/content?expires=1&signature=x", True),
        ("http://api:8000/api/files/1/content", False),
        ("http://api:8000/api/files/1?signature=x", False),
        ("http://evil:8000/api/files/1/content?signature=x", False),
        ("https://api:8000/api/files/1/content?signature=x", False),
    ],
)
def test_own_signed_url_recognition(url: str, own: bool) -> None:
    assert is_own_signed_file_url(url, "http://api:8000") is own


@pytest.mark.parametrize("url", ["ftp://example.com/a.mp4", "file:///etc/passwd", "not a url", ""])
def test_non_http_urls_are_refused(url: str, tmp_path: Path) -> None:
    with pytest.raises(PermanentFetchError, match="absolute http"):
        download(url, tmp_path, FetchPolicy(api_url="http://api.invalid"))


def test_trusted_hosts_may_be_private(host: ServerThread, tmp_path: Path) -> None:
    policy = FetchPolicy(
        api_url="http://api.invalid", trusted_hosts=frozenset({f"127.0.0.1:{host.port}"})
    )
    assert download(f"{host.url}/video.mp4", tmp_path, policy).size == len(VIDEO)
    other = FetchPolicy(api_url="http://api.invalid", trusted_hosts=frozenset({"127.0.0.1:1"}))
    with pytest.raises(BlockedAddressError):
        download(f"{host.url}/video.mp4", tmp_path, other)
