"""Safe download of a job's ``videoUrl`` into its per-job directory.

SSRF: the address check happens where the socket is opened (a custom httpcore network backend),
on the very IP that is connected to, for every hop of a redirect chain. Checking a name's
resolution before the request would leave a window for DNS rebinding; checking at connect time
does not. Loopback, private, link-local (cloud metadata 169.254.169.254), shared, reserved and
multicast addresses are refused, IPv4-mapped IPv6 included, unless:

* the URL is the API's own signed file-content URL (under ``API_URL``, with a signature),
* its ``host:port`` is listed in ``TRUSTED_VIDEO_HOSTS`` (an internal video server), or
* ``ALLOW_PRIVATE_URLS`` is set (development only).

Errors are split into :class:`PermanentFetchError` (the URL can never work: a host name that
does not exist, a refused address, a 4xx, not a video, too large) and :class:`TransientFetchError`
(network trouble — refused connections, timeouts, a resolver that cannot be reached —, 5xx, 429:
worth retrying later). The names are resolved here, for every URL, so that "no such host"
(NXDOMAIN) can be told from "the resolver did not answer".
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
import typing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpcore
import httpx

from interview_jobs import __version__
from interview_jobs.contracts.media import ACCEPTED_DESCRIPTION, SNIFF_BYTES, sniff_container

MAX_REDIRECTS = 5
CHUNK = 1024 * 1024


class FetchError(Exception):
    """The video could not be downloaded; ``str(exc)`` is a sentence for the user."""

    permanent: bool = True


class PermanentFetchError(FetchError):
    permanent = True


class TransientFetchError(FetchError):
    permanent = False


class BlockedAddressError(PermanentFetchError):
    """The URL resolves to an address the AI backend must not reach."""


class UnresolvableHostError(PermanentFetchError):
    """The URL's host name does not exist (the resolver answered: no such name)."""


# getaddrinfo's answers that mean the name has no address (as opposed to EAI_AGAIN/EAI_FAIL: the
# resolver could not be asked, which may pass).
_NO_SUCH_NAME = frozenset(
    code
    for code in (
        getattr(socket, "EAI_NONAME", None),
        getattr(socket, "EAI_NODATA", None),
        getattr(socket, "EAI_ADDRFAMILY", None),
    )
    if code is not None
)


# NAT64 prefixes (RFC 6052 well-known, RFC 8215 local-use): the last 32 bits are an IPv4
# address that a NAT64 gateway would connect to, e.g. 64:ff9b::a00:1 is 10.0.0.1. Python calls
# them global.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def address_is_public(ip_text: str) -> bool:
    ip = ipaddress.ip_address(ip_text.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and any(ip in net for net in _NAT64):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    return bool(ip.is_global) and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host``; :class:`UnresolvableHostError` when it has none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in _NO_SUCH_NAME:
            raise UnresolvableHostError(
                f"the video URL's host {host} does not exist (DNS: {exc.strerror})"
            ) from exc
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _ResolvingBackend(httpcore.SyncBackend):
    """Resolves the name itself (see :func:`resolve`) and, when ``guard`` is set, connects only
    to public addresses, checking each one it connects to."""

    def __init__(self, *, guard: bool) -> None:
        self.guard = guard

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port)
        allowed = [ip for ip in addresses if address_is_public(ip)] if self.guard else addresses
        if not allowed:
            raise BlockedAddressError(
                f"the video URL's host {host} resolves to a private or reserved address "
                f"({', '.join(sorted(addresses))}); the AI backend only downloads from public "
                "addresses"
            )
        last_error: httpcore.ConnectError | None = None
        for ip in allowed:
            try:
                return super().connect_tcp(ip, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last_error = exc
        assert last_error is not None
        raise last_error


class _ResolvingTransport(httpx.HTTPTransport):
    """httpx transport whose connection pool uses :class:`_ResolvingBackend`.

    httpx does not take a network backend as an argument, so the pool it builds is replaced by
    an identical one with our backend (same TLS context and limits).
    """

    def __init__(self, *, guard: bool, verify: bool = True, retries: int = 0) -> None:
        super().__init__(verify=verify, retries=retries)
        old = self._pool
        self._pool = httpcore.ConnectionPool(
            ssl_context=old._ssl_context,
            max_connections=old._max_connections,
            max_keepalive_connections=old._max_keepalive_connections,
            keepalive_expiry=old._keepalive_expiry,
            http1=old._http1,
            http2=old._http2,
            retries=retries,
            network_backend=_ResolvingBackend(guard=guard),
        )


@dataclass(frozen=True)
class FetchPolicy:
    api_url: str
    allow_private_urls: bool = False
    trusted_hosts: frozenset[str] = frozenset()
    max_bytes: int = 2 * 1024**3
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    total_timeout: float = 30 * 60.0


@dataclass(frozen=True)
class Downloaded:
    path: Path
    size: int
    content_type: str | None


def is_own_signed_file_url(url: str, api_url: str) -> bool:
    """True for ``{API_URL}/api/files/{id}/content?…signature=…`` — the API signs these itself.

    Exactly that path (digits for the id; no dot segments or escapes that an HTTP client would
    normalise into another path of the API's host) and a real ``signature`` query parameter.
    """
    own, target = urlsplit(api_url), urlsplit(url)
    if (own.scheme, own.netloc) != (target.scheme, target.netloc):
        return False
    base = re.escape(own.path.rstrip("/"))
    if re.fullmatch(rf"{base}/api/files/[0-9]+/content", target.path) is None:
        return False
    return "signature" in parse_qs(target.query)


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def validate_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentFetchError(
            f"the video URL must be an absolute http(s) URL, not {url[:200]!r}"
        )


def download(url: str, dest_dir: Path, policy: FetchPolicy) -> Downloaded:
    """Stream ``url`` into ``dest_dir/input`` and return it; raises FetchError subclasses."""
    validate_url(url)
    dest = dest_dir / "input"
    deadline = time.monotonic() + policy.total_timeout
    timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
    headers = {"User-Agent": f"interview-jobs-ai/{__version__}", "Accept": "video/*, */*;q=0.5"}
    guarded = _ResolvingTransport(guard=True)
    plain = _ResolvingTransport(guard=False)
    current = url
    try:
        with (
            httpx.Client(transport=guarded, timeout=timeout, headers=headers) as guarded_client,
            httpx.Client(transport=plain, timeout=timeout, headers=headers) as plain_client,
        ):
            for _hop in range(MAX_REDIRECTS + 1):
                trusted = (
                    policy.allow_private_urls
                    or is_own_signed_file_url(current, policy.api_url)
                    or _host_port(current) in policy.trusted_hosts
                )
                client = plain_client if trusted else guarded_client
                with client.stream("GET", current) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise PermanentFetchError("the video URL redirected without a Location")
                        current = urljoin(current, location)
                        validate_url(current)
                        continue
                    _check_status(response)
                    return _save(response, dest, policy, deadline)
            raise PermanentFetchError(f"the video URL redirected more than {MAX_REDIRECTS} times")
    except UnresolvableHostError as exc:
        dest.unlink(missing_ok=True)
        if is_own_signed_file_url(current, policy.api_url):
            # API_URL's own host: an operator's problem (or a name not published yet), not the
            # user's link; worth retrying.
            raise TransientFetchError(f"the API's host does not resolve: {exc}") from exc
        raise
    except FetchError:
        dest.unlink(missing_ok=True)
        raise
    except httpx.TimeoutException as exc:
        dest.unlink(missing_ok=True)
        raise TransientFetchError(f"the video download timed out ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        dest.unlink(missing_ok=True)
        raise TransientFetchError(
            f"the video could not be downloaded: {exc or type(exc).__name__}"
        ) from exc
    except httpx.InvalidURL as exc:
        raise PermanentFetchError(f"the video URL is not valid: {exc}") from exc


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    if status in (408, 425, 429) or status >= 500:
        raise TransientFetchError(f"the video server answered HTTP {status}; will retry")
    raise PermanentFetchError(f"the video URL answered HTTP {status} {response.reason_phrase}")


def _save(response: httpx.Response, dest: Path, policy: FetchPolicy, deadline: float) -> Downloaded:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise PermanentFetchError(
            f"the video is {int(declared)} bytes, over the {policy.max_bytes}-byte limit"
        )
    size = 0
    head = b""
    with dest.open("wb") as out:
        for chunk in response.iter_bytes(CHUNK):
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
                if len(head) >= SNIFF_BYTES:
                    _check_video(head, response)  # a web page fails now, not after its last byte
            size += len(chunk)
            if size > policy.max_bytes:
                raise PermanentFetchError(f"the video is over the {policy.max_bytes}-byte limit")
            if time.monotonic() > deadline:
                raise TransientFetchError(
                    f"the video download took longer than {policy.total_timeout:.0f} s"
                )
            out.write(chunk)
    if size == 0:
        raise PermanentFetchError("the video URL returned an empty file (0 bytes)")
    _check_video(head, response)
    return Downloaded(path=dest, size=size, content_type=response.headers.get("content-type"))


def _check_video(head: bytes, response: httpx.Response) -> None:
    if sniff_container(head) is None:
        kind = response.headers.get("content-type", "unknown type")
        raise PermanentFetchError(
            f"the video URL did not return {ACCEPTED_DESCRIPTION}; it returned {kind}"
        )
