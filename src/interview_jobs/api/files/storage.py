"""The streaming multipart receiver of uploads, and the container probe.

The request body is fed chunk by chunk to python-multipart's push parser (Starlette's
``request.form()`` would first spool a complete temporary copy). The ``file`` part goes straight
to the file store's writer (:mod:`interview_jobs.api.files.store`: the disk or S3) while its SHA-256
and size are computed; the size limit is enforced during the stream (and up front from
Content-Length); the content type is sniffed from the first bytes, never taken from the client.
On any failure the writer is aborted: nothing is left behind.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import IO

import anyio
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from interview_jobs.api.errors import (
    BadRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from interview_jobs.api.files.store import ObjectStore, ObjectWriter
from interview_jobs.contracts import media

FILE_FIELD = "file"
SNIFF_BYTES = 4096
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers on top of the file itself
MAX_OTHER_FIELD_BYTES = 64 * 1024


@dataclass(frozen=True)
class StoredUpload:
    file_name: str  # the key in the store
    original_file_name: str
    content_type: str
    file_size: int
    sha256: str


_EXTENSIONS = {
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "video/x-matroska": ".mkv",
}


def sniff_video(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from a file's first bytes, or None if not a supported video.

    The decision is :mod:`interview_jobs.contracts.media`'s, so that the API accepts exactly what
    the AI backend will.
    """
    container = media.sniff_container(head)
    if container is None:
        return None
    content_type = media.content_type_for(container, head)
    return content_type, _EXTENSIONS[content_type]


_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def clean_original_name(raw: str) -> str:
    """The client's file name without path parts or control characters (metadata only)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("", name).strip()
    if name in ("", ".", ".."):
        return "upload"
    return name[:255]


@dataclass
class _Sink:
    """Collects the parser's synchronous callbacks; the async loop drains ``pending``."""

    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    headers: dict[bytes, bytes] = field(default_factory=dict)
    in_file: bool = False
    file_done: bool = False
    file_seen: bool = False
    filename: str | None = None
    other_bytes: int = 0
    other_names: list[str] = field(default_factory=list)  # the parts that are not the file
    pending: list[bytes] = field(default_factory=list)

    def on_part_begin(self) -> None:
        self.headers = {}
        self.in_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[bytes(self.header_field).lower()] = bytes(self.header_value)
        self.header_field.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        _, params = parse_options_header(self.headers.get(b"content-disposition", b""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        if name == FILE_FIELD and not self.file_seen:
            self.in_file = True
            self.file_seen = True
            raw = params.get(b"filename")
            self.filename = raw.decode("utf-8", "replace") if raw is not None else None
        else:
            self.other_names.append(name)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.pending.append(bytes(data[start:end]))
        else:
            self.other_bytes += end - start

    def on_part_end(self) -> None:
        if self.in_file:
            self.in_file = False
            self.file_done = True


async def receive_upload(request: Request, store: ObjectStore, max_bytes: int) -> StoredUpload:
    """Stream the request's multipart ``file`` part into ``store``.

    The first bytes are held until the content is sniffed (the key's extension and the stored
    content type come from it); then every chunk goes on to the store's writer as it arrives.
    Whatever fails — a bad body, the limit, a client gone, the store down — the writer is
    aborted, so nothing is left half-written.
    """
    media_type, params = parse_options_header(request.headers.get("content-type", ""))
    if media_type != b"multipart/form-data":
        raise UnsupportedMediaType(
            "Send the video as multipart/form-data with the file in a field named 'file'."
        )
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadRequest("The multipart Content-Type has no boundary.")
    declared = request.headers.get("content-length")
    if (
        declared is not None
        and declared.isdigit()
        and int(declared) > max_bytes + MULTIPART_OVERHEAD
    ):
        raise PayloadTooLarge(f"The file is larger than the limit of {max_bytes} bytes.")

    sink = _Sink()
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": sink.on_part_begin,
            "on_header_field": sink.on_header_field,
            "on_header_value": sink.on_header_value,
            "on_header_end": sink.on_header_end,
            "on_headers_finished": sink.on_headers_finished,
            "on_part_data": sink.on_part_data,
            "on_part_end": sink.on_part_end,
        },
    )
    hasher = hashlib.sha256()
    size = 0
    held: list[bytes] = []  # the first bytes, until sniffed
    head = bytearray()
    file_name = ""
    content_type = ""
    writer: ObjectWriter | None = None

    def open_writer(sniffed: tuple[str, str]) -> ObjectWriter:
        nonlocal file_name, content_type
        content_type, extension = sniffed
        file_name = f"{uuid.uuid4().hex}{extension}"
        return store.open_writer(file_name, content_type)

    try:
        async for chunk in _stream(request):
            try:
                parser.write(chunk)
            except Exception as exc:  # python-multipart raises its own errors on bad framing
                raise BadRequest(f"The multipart body is malformed: {exc}") from None
            if sink.other_bytes > MAX_OTHER_FIELD_BYTES:
                # Most likely the video, sent in a field of another name.
                name = sink.other_names[-1]
                raise ValidationFailed.field(
                    name or None,
                    f"unexpected multipart field {name!r}: send the video in a field named "
                    f"{FILE_FIELD!r}",
                )
            if not sink.pending:
                continue
            chunks, sink.pending = sink.pending, []
            size += sum(len(c) for c in chunks)
            if size > max_bytes:
                raise PayloadTooLarge(f"The file is larger than the limit of {max_bytes} bytes.")
            for c in chunks:
                hasher.update(c)
            if writer is None:
                held += chunks
                for c in chunks:
                    head += c[: SNIFF_BYTES - len(head)]
                if len(head) < SNIFF_BYTES:
                    continue
                writer = open_writer(_require_video(bytes(head)))
                chunks, held = held, []
            await writer.write(chunks)
        parser.finalize()
        if not sink.file_seen:
            got = ", ".join(repr(n) for n in sink.other_names) or "no field"
            raise ValidationFailed.field(
                FILE_FIELD, f"a multipart field named {FILE_FIELD!r} is required (got {got})"
            )
        if not sink.file_done:
            raise BadRequest("The multipart body ended before the file part was complete.")
        if size == 0:
            raise ValidationFailed.field(FILE_FIELD, "the file is empty")
        if writer is None:  # smaller than the sniffed head
            writer = open_writer(_require_video(bytes(head)))
            await writer.write(held)
        await writer.complete()
    except BaseException:
        if writer is not None:
            with anyio.CancelScope(shield=True):
                await writer.abort()
        raise
    return StoredUpload(
        file_name=file_name,
        original_file_name=clean_original_name(sink.filename or "upload"),
        content_type=content_type,
        file_size=size,
        sha256=hasher.hexdigest(),
    )


async def _stream(request: Request) -> AsyncIterator[bytes]:
    """The body's chunks; a client that goes away mid-upload is a 400 (nobody reads it), not an
    unhandled ClientDisconnect logged as a server error."""
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        raise BadRequest("The client disconnected before the upload was complete.") from None


def _require_video(head: bytes) -> tuple[str, str]:
    sniffed = sniff_video(head)
    if sniffed is None:
        raise UnsupportedMediaType(
            f"The file is not {media.ACCEPTED_DESCRIPTION} (recognised by its content)."
        )
    return sniffed


def probe_duration(open_file: Callable[[], IO[bytes]]) -> float | None:
    """The container's duration in seconds, from its metadata only (never decodes); blocking,
    for a worker thread. ``open_file`` gives the stored object (a store's ``sync_reader``).

    Uses PyAV when it is installed; returns None when it is not, or the container does not say.
    """
    try:
        import av
    except ImportError:
        return None
    try:
        with open_file() as fh, av.open(fh, mode="r", metadata_errors="ignore") as container:
            if container.duration is not None:
                return float(container.duration) / 1_000_000  # av.time_base
            for stream in container.streams:
                if stream.duration is not None and stream.time_base is not None:
                    return float(stream.duration * stream.time_base)
    except Exception:  # a damaged container: the analysis will say so; no estimate here
        return None
    return None
